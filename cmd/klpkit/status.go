package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/klpkit/klpkit/sysfs"
	"github.com/klpkit/klpkit/taint"
)

// errNoLivepatch is the message for a missing /sys/kernel/livepatch.
var errNoLivepatch = errors.New("this kernel has no livepatch support (CONFIG_LIVEPATCH) or sysfs is not mounted")

func newStatus(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the livepatches loaded in the running kernel",
		Long: `Status lists each patch under /sys/kernel/livepatch, bottom of the stack first:
its stack order (1 is the oldest; the newest patch's version of a function
runs), whether it is enabled, whether it is in transition and how many tasks
have yet to switch, its objects with whether each is patched (6.1+), and their
functions as <func>,<sympos>. It also decodes the kernel's taint.

Kernels before 6.14 have no stack_order attribute; the order then comes from
/proc/modules. Kernels before 6.11 have no replace attribute; REPLACE shows
"-" and --json leaves "replace" out.

Status only reads: it does not wait for the lock that load, disable and
unload take.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStatus(cmd.OutOrStdout(), g.json, sysfs.New(), sysfs.DefaultProc)
		},
	}
}

// statusReport is what status prints, as text or JSON.
type statusReport struct {
	KernelTaint taintReport   `json:"kernel_taint"`
	Patches     []patchReport `json:"patches"` // bottom of the stack first
}

type taintReport struct {
	Mask    uint64       `json:"mask"`
	Letters string       `json:"letters"` // "OEK"; "" when untainted
	Flags   []taint.Flag `json:"flags"`
}

// patchReport is one patch, in status and in info.
type patchReport struct {
	Name         string         `json:"name"`
	Enabled      bool           `json:"enabled"` // during a transition, the state it moves to
	Transition   bool           `json:"transition"`
	PendingTasks int            `json:"pending_tasks"` // tasks not yet switched; 0 out of transition
	StackOrder   int            `json:"stack_order"`   // 1 is the oldest; 0 when unknown
	Replace      *bool          `json:"replace,omitempty"`
	Objects      []sysfs.Object `json:"objects"`
}

func runStatus(w io.Writer, asJSON bool, lp *sysfs.FS, procRoot string) error {
	r, err := buildStatus(lp, procRoot)
	if err != nil {
		return withCode(exitFailed, err)
	}
	if asJSON {
		return printJSON(w, r)
	}
	return printStatus(w, r)
}

// buildStatus reads every patch from lp and the kernel taint from
// procRoot.
func buildStatus(lp *sysfs.FS, procRoot string) (statusReport, error) {
	var r statusReport
	patches, err := lp.Patches()
	if err != nil {
		return r, livepatchErr(lp, err)
	}
	order, err := lp.StackOrder(patches)
	if err != nil {
		return r, err
	}
	r.Patches = []patchReport{}
	for _, p := range patches {
		pr, _, err := newPatchReport(lp, p, order)
		if err != nil {
			return r, err
		}
		r.Patches = append(r.Patches, pr)
	}
	sortByStack(r.Patches)
	if r.KernelTaint, err = readTaint(procRoot); err != nil {
		return r, err
	}
	return r, nil
}

// newPatchReport gives the report of p and the tasks its transition
// waits for (none when it is not in transition).
func newPatchReport(lp *sysfs.FS, p sysfs.Patch, order map[string]int) (patchReport, []sysfs.Task, error) {
	tasks, err := lp.Pending(p)
	if err != nil {
		return patchReport{}, nil, err
	}
	return patchReport{
		Name:         p.Name,
		Enabled:      p.Enabled,
		Transition:   p.Transition,
		PendingTasks: len(tasks),
		StackOrder:   order[p.Name],
		Replace:      p.Replace,
		Objects:      p.Objects,
	}, tasks, nil
}

// sortByStack puts patches in stack order, those of unknown order last,
// by name.
func sortByStack(ps []patchReport) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i].StackOrder, ps[j].StackOrder
		if (a == 0) != (b == 0) {
			return b == 0
		}
		if a != b {
			return a < b
		}
		return ps[i].Name < ps[j].Name
	})
}

func readTaint(procRoot string) (taintReport, error) {
	mask, flags, err := taint.Read(procRoot)
	if err != nil {
		return taintReport{}, err
	}
	return taintReport{Mask: mask, Letters: taint.Letters(mask), Flags: flags}, nil
}

// livepatchErr turns a missing /sys/kernel/livepatch into errNoLivepatch:
// the kernel creates it at boot when built with CONFIG_LIVEPATCH, so its
// absence is never about one patch.
func livepatchErr(lp *sysfs.FS, err error) error {
	root := lp.Root
	if root == "" {
		root = sysfs.DefaultRoot
	}
	if _, serr := os.Stat(root); errors.Is(serr, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s does not exist", errNoLivepatch, root)
	}
	return err
}

func printStatus(w io.Writer, r statusReport) error {
	fmt.Fprintf(w, "kernel taint: %s\n", taintText(r.KernelTaint))
	if len(r.Patches) == 0 {
		_, err := fmt.Fprintln(w, "no livepatch loaded")
		return err
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ORDER\tPATCH\tENABLED\tTRANSITION\tREPLACE\tOBJECT\tPATCHED\tFUNCTIONS")
	for _, p := range r.Patches {
		head := fmt.Sprintf("%s\t%s\t%s\t%s\t%s", orderText(p.StackOrder), p.Name, yesNo(p.Enabled), transitionText(p), replaceText(p.Replace))
		if len(p.Objects) == 0 {
			fmt.Fprintf(tw, "%s\t-\t-\t-\n", head)
		}
		for i, o := range p.Objects {
			if i > 0 {
				head = "\t\t\t\t" // continuation row: only the object's columns
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", head, o.Name, yesNo(o.Patched), funcsText(o.Funcs))
		}
	}
	return tw.Flush()
}

func taintText(t taintReport) string {
	if t.Mask == 0 {
		return "none"
	}
	meanings := make([]string, len(t.Flags))
	for i, f := range t.Flags {
		meanings[i] = f.Letter + ": " + f.Meaning
	}
	return fmt.Sprintf("%s (%s)", t.Letters, strings.Join(meanings, ", "))
}

func orderText(n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

// transitionText names the direction, which enabled gives during a
// transition, with the tasks left.
func transitionText(p patchReport) string {
	if !p.Transition {
		return "no"
	}
	dir := "unpatching"
	if p.Enabled {
		dir = "patching"
	}
	return fmt.Sprintf("%s: %s left", dir, plural(p.PendingTasks, "task"))
}

func replaceText(r *bool) string {
	if r == nil {
		return "-"
	}
	return yesNo(*r)
}

// funcsText writes functions as their sysfs directories are named,
// "<func>,<sympos>", which a kernel engineer recognises.
func funcsText(fns []sysfs.Func) string {
	if len(fns) == 0 {
		return "-"
	}
	s := make([]string, len(fns))
	for i, f := range fns {
		s[i] = fmt.Sprintf("%s,%d", f.Name, f.Sympos)
	}
	return strings.Join(s, " ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
