package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/klpkit/klpkit/kmod"
	"github.com/klpkit/klpkit/sysfs"
)

// defaultSysRoot holds /sys/module.
const defaultSysRoot = "/sys"

func newInfo(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "info NAME",
		Short: "Show one livepatch in detail, with the tasks its transition waits for",
		Long: `Info shows the livepatch NAME: what status shows for it, its module's state,
reference count and taint from /sys/module/NAME, and, while it is in
transition, every task that has not switched yet with its kernel stack
(/proc/PID/task/TID/stack, readable by root only). A task stays unswitched
while a function the patch changes is on its stack, or while it runs.

A disabled or replaced patch is no longer listed although its module may
still be loaded; info says so (exit 1). Info only reads: it takes no lock.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInfo(cmd.OutOrStdout(), g.json, sysfs.New(), defaultSysRoot, args[0])
		},
	}
}

// infoReport is what info prints, as text or JSON.
type infoReport struct {
	patchReport
	Module moduleReport `json:"module"`
	Tasks  []taskReport `json:"tasks"` // the pending tasks; empty out of transition
}

type moduleReport struct {
	State    string `json:"state"`              // initstate: live, coming or going
	Refcount *int   `json:"refcount,omitempty"` // refcnt; absent without CONFIG_MODULE_UNLOAD
	Taint    string `json:"taint"`              // the module's own taint letters, "OEK"
}

type taskReport struct {
	PID        int      `json:"pid"`
	TID        int      `json:"tid"`
	Comm       string   `json:"comm"`
	PatchState int      `json:"patch_state"`
	Stack      []string `json:"stack"` // empty when unreadable (it needs root)
}

func runInfo(w io.Writer, asJSON bool, lp *sysfs.FS, sysRoot, name string) error {
	r, err := buildInfo(lp, sysRoot, name)
	if err != nil {
		return withCode(exitFailed, err)
	}
	if asJSON {
		return printJSON(w, r)
	}
	return printInfo(w, r)
}

// buildInfo reads the patch name from lp and its module from sysRoot
// ("/sys"). A missing patch gives an error wrapping sysfs.ErrNoPatch
// that says whether a module of that name is loaded.
func buildInfo(lp *sysfs.FS, sysRoot, name string) (infoReport, error) {
	var r infoReport
	// Module names are spelled with '_', and users type either, as
	// with modprobe and rmmod.
	name = strings.ReplaceAll(name, "-", "_")
	p, err := lp.Patch(name)
	if errors.Is(err, sysfs.ErrNoPatch) {
		if err := livepatchErr(lp, err); errors.Is(err, errNoLivepatch) {
			return r, err
		}
		return r, missingPatch(sysRoot, name)
	}
	if err != nil {
		return r, err
	}
	// On 6.1 a patch's order is counted among all patches.
	all, err := lp.Patches()
	if err != nil {
		return r, err
	}
	order, err := lp.StackOrder(all)
	if err != nil {
		return r, err
	}
	pr, tasks, err := newPatchReport(lp, *p, order)
	if err != nil {
		return r, err
	}
	r.patchReport = pr
	r.Tasks = []taskReport{}
	for _, t := range tasks {
		stack := t.Stack
		if stack == nil {
			stack = []string{} // unreadable: [] in JSON, like every other list
		}
		r.Tasks = append(r.Tasks, taskReport{PID: t.PID, TID: t.TID, Comm: t.Comm, PatchState: t.State, Stack: stack})
	}
	if r.Module, err = readModule(sysRoot, name); err != nil {
		return r, fmt.Errorf("livepatch %s: %w", name, err)
	}
	return r, nil
}

// readModule reads /sys/module/<name>. The patch's directory exists only
// while its module is loaded, so a missing initstate is a race with an
// unload and an error; refcnt is missing without CONFIG_MODULE_UNLOAD.
func readModule(sysRoot, name string) (moduleReport, error) {
	var m moduleReport
	var err error
	if m.State, err = kmod.State(sysRoot, name); err != nil {
		return m, err
	}
	dir := filepath.Join(sysRoot, "module", name)
	if b, err := os.ReadFile(filepath.Join(dir, "refcnt")); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			m.Refcount = &n
		}
	}
	m.Taint, _ = moduleTaint(sysRoot, name)
	return m, nil
}

// moduleTaint reads /sys/module/<name>/taint, the taint flags the module
// itself brought: "OEK" for a klpkit patch, "" for an in-tree module. ok
// is false when it cannot be read.
func moduleTaint(sysRoot, name string) (letters string, ok bool) {
	b, err := os.ReadFile(filepath.Join(sysRoot, "module", name, "taint"))
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(string(b)), true
}

// noPatchError explains a missing patch in a sentence of its own while
// matching errors.Is(err, sysfs.ErrNoPatch).
type noPatchError struct{ msg string }

func (e *noPatchError) Error() string { return e.msg }
func (e *noPatchError) Unwrap() error { return sysfs.ErrNoPatch }

// missingPatch says why name has no livepatch directory. The kernel
// removes it when the patch is disabled or replaced, while the module
// stays loaded until unloaded. Every livepatch module carries the K taint
// in /sys/module/<name>/taint (the kernel adds it at load), which tells
// such a module from one that never was a livepatch.
func missingPatch(sysRoot, name string) error {
	if !kmod.Loaded(sysRoot, name) {
		return &noPatchError{fmt.Sprintf("no livepatch %s: no module of that name is loaded", name)}
	}
	if t, ok := moduleTaint(sysRoot, name); ok && !strings.Contains(t, "K") {
		return &noPatchError{fmt.Sprintf("%s is a loaded module but not a livepatch", name)}
	}
	return &noPatchError{fmt.Sprintf("%s is loaded but not a registered livepatch: it was disabled or replaced; klpkit unload %s removes it", name, name)}
}

func printInfo(w io.Writer, r infoReport) error {
	order := "unknown"
	if r.StackOrder > 0 {
		order = fmt.Sprint(r.StackOrder)
	}
	replace := "unknown (no replace attribute before 6.11)"
	if r.Replace != nil {
		replace = yesNo(*r.Replace)
	}
	module := r.Module.State
	if r.Module.Refcount != nil {
		module += fmt.Sprintf(", refcount %d", *r.Module.Refcount)
	}
	if r.Module.Taint != "" {
		module += ", taint " + r.Module.Taint
	}
	fmt.Fprintf(w, "livepatch %s\n", r.Name)
	row := func(k, v string) { fmt.Fprintf(w, "  %-12s %s\n", k, v) }
	row("enabled", yesNo(r.Enabled))
	row("transition", transitionText(r.patchReport))
	row("stack order", order)
	row("replace", replace)
	row("module", module)
	fmt.Fprintln(w, "  objects")
	if len(r.Objects) == 0 {
		fmt.Fprintln(w, "    none")
	}
	for _, o := range r.Objects {
		patched := "not patched"
		if o.Patched {
			patched = "patched"
		}
		fmt.Fprintf(w, "    %s: %s: %s\n", o.Name, patched, funcsText(o.Funcs))
	}
	if !r.Transition {
		return nil
	}
	fmt.Fprintln(w, "  pending tasks")
	if len(r.Tasks) == 0 {
		// PendingTasks cannot see idle tasks, which have no /proc entry.
		fmt.Fprintln(w, "    none listed: the idle task of a busy CPU, which has no /proc entry, can hold a transition too")
	}
	for _, t := range r.Tasks {
		fmt.Fprintf(w, "    pid %d tid %d %s (patch_state %d)\n", t.PID, t.TID, t.Comm, t.PatchState)
		if len(t.Stack) == 0 {
			fmt.Fprintln(w, "      kernel stack unreadable (reading it needs root)")
		}
		for _, l := range t.Stack {
			fmt.Fprintf(w, "      %s\n", l)
		}
	}
	return nil
}
