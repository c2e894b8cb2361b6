package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/klpkit/klpkit/kmod"
	"github.com/klpkit/klpkit/sysfs"
)

type opReport struct {
	Op         string  `json:"op"`
	Module     string  `json:"module"`
	Livepatch  bool    `json:"livepatch"`
	Seconds    float64 `json:"seconds"`
	Transition float64 `json:"transition_seconds,omitempty"`
}

func newLoad(g *globals) *cobra.Command {
	var timeout time.Duration
	c := &cobra.Command{
		Use:   "load MODULE.ko [PARAM=VALUE...]",
		Short: "Load a module with finit_module and wait for its livepatch transition",
		Long: `Load loads MODULE.ko with finit_module(2), passing the parameters, and for a
livepatch waits until /sys/kernel/livepatch/NAME/transition reads 0. It
prints how long the load and the transition took. A kernel refusal is
explained (exit 3); a transition still running at --timeout exits 4 and
leaves the patch loaded: "klpkit disable NAME" reverses it.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			info, err := kmod.ReadInfo(path)
			if err != nil {
				return withCode(exitUsage, err)
			}
			start := time.Now()
			if err := kmod.Load(path, strings.Join(args[1:], " ")); err != nil {
				return refusal(err)
			}
			rep := opReport{Op: "load", Module: info.Name, Livepatch: info.Livepatch}
			if info.Livepatch {
				t0 := time.Now()
				if err := waitTransition(cmd, info.Name, timeout); err != nil {
					return err
				}
				rep.Transition = time.Since(t0).Seconds()
			}
			rep.Seconds = time.Since(start).Seconds()
			return report(g, cmd.OutOrStdout(), rep)
		},
	}
	c.Flags().DurationVar(&timeout, "timeout", 60*time.Second, "how long to wait for the transition")
	return c
}

func newDisable(g *globals) *cobra.Command {
	var timeout time.Duration
	c := &cobra.Command{
		Use:   "disable NAME",
		Short: "Disable a livepatch and wait for the unpatching transition",
		Long: `Disable writes 0 to /sys/kernel/livepatch/NAME/enabled and waits until the
unpatching transition ends (during a patching transition this reverses it).
The module stays loaded: "klpkit unload NAME" removes it.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			start := time.Now()
			if err := sysfs.New().Disable(name); err != nil {
				if errors.Is(err, sysfs.ErrNoPatch) {
					return withCode(exitFailed, err)
				}
				return refusal(err)
			}
			if err := waitTransition(cmd, name, timeout); err != nil {
				return err
			}
			d := time.Since(start).Seconds()
			return report(g, cmd.OutOrStdout(), opReport{Op: "disable", Module: name, Livepatch: true, Seconds: d, Transition: d})
		},
	}
	c.Flags().DurationVar(&timeout, "timeout", 60*time.Second, "how long to wait for the transition")
	return c
}

func newUnload(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "unload NAME",
		Short: "Remove a module with delete_module",
		Long: `Unload removes the module NAME with delete_module(2). An enabled livepatch
cannot be removed: disable it first.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			start := time.Now()
			if err := kmod.Unload(args[0]); err != nil {
				return refusal(err)
			}
			return report(g, cmd.OutOrStdout(), opReport{Op: "unload", Module: args[0], Seconds: time.Since(start).Seconds()})
		},
	}
}

// refusal gives a kernel refusal exit code 3 and anything else 1.
func refusal(err error) error {
	var ke *kmod.Error
	if errors.As(err, &ke) || isErrno(err) {
		return withCode(exitRefused, err)
	}
	return withCode(exitFailed, err)
}

func isErrno(err error) bool {
	var pe *os.PathError
	return errors.As(err, &pe)
}

// waitTransition waits with a live line on a terminal: a transition can
// take seconds (the kernel retries once a second) or stall on a task.
func waitTransition(cmd *cobra.Command, name string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
	defer cancel()
	w := cmd.ErrOrStderr()
	live := isTerminal(w)
	progress := func(elapsed time.Duration, pending int) {
		if !live || elapsed < 200*time.Millisecond {
			return
		}
		left := ""
		if pending >= 0 {
			left = fmt.Sprintf(", %d tasks left to switch", pending)
		}
		fmt.Fprintf(w, "\r%s: transition %s%s   ", name, elapsed.Round(100*time.Millisecond), left)
	}
	err := sysfs.New().WaitTransition(ctx, name, 0, progress)
	if live {
		fmt.Fprint(w, "\r\033[K")
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return withCode(exitTimeout, fmt.Errorf("%w; the patch stays loaded: \"klpkit disable %s\" reverses the transition", err, name))
		}
		return withCode(exitFailed, err)
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func report(g *globals, w io.Writer, r opReport) error {
	if g.json {
		return printJSON(w, r)
	}
	fmt.Fprintf(w, "%s %s: %s", r.Op, r.Module, seconds(r.Seconds))
	if r.Transition > 0 {
		fmt.Fprintf(w, " (transition %s)", seconds(r.Transition))
	}
	fmt.Fprintln(w)
	return nil
}

func seconds(s float64) string {
	return (time.Duration(s * float64(time.Second))).Round(time.Millisecond).String()
}
