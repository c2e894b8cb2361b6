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
	"github.com/klpkit/klpkit/lock"
	"github.com/klpkit/klpkit/sysfs"
	"github.com/klpkit/klpkit/transition"
)

// opFlags are the flags of the commands that change a transition.
type opFlags struct {
	timeout     time.Duration
	lockTimeout time.Duration
	lockPath    string
	measure     bool
}

func (f *opFlags) register(c *cobra.Command) {
	c.Flags().DurationVar(&f.timeout, "timeout", 60*time.Second, "how long to wait for the transition")
	c.Flags().DurationVar(&f.lockTimeout, "lock-timeout", 30*time.Second, "how long to wait for another klpkit that is changing livepatches")
	c.Flags().StringVar(&f.lockPath, "lock", lock.DefaultPath, "lock file shared by klpkit processes")
	c.Flags().BoolVar(&f.measure, "measure", false, "measure the detection latency (writes a clock reference record to the kernel log)")
	_ = c.Flags().MarkHidden("lock")
}

// locked runs fn holding the klpkit lock, so two klpkit processes never
// interleave writes to /sys/kernel/livepatch.
func (f *opFlags) locked(cmd *cobra.Command, fn func() error) error {
	ctx, cancel := context.WithTimeout(cmd.Context(), f.lockTimeout)
	defer cancel()
	w := cmd.ErrOrStderr()
	l, err := lock.Acquire(ctx, f.lockPath, func(holder string) {
		fmt.Fprintf(w, "waiting for %s to finish ...\n", holder)
	})
	if err != nil {
		return withCode(exitFailed, err)
	}
	defer l.Release()
	return fn()
}

func (f *opFlags) options(cmd *cobra.Command) transition.Options {
	w := cmd.ErrOrStderr()
	live := isTerminal(w)
	return transition.Options{
		Timeout:          f.timeout,
		MeasureDetection: f.measure,
		Progress: func(p transition.Progress) {
			if !live || p.Elapsed < 200*time.Millisecond {
				return
			}
			left := ""
			if p.Pending >= 0 {
				left = fmt.Sprintf(", %d tasks left to switch", p.Pending)
			}
			fmt.Fprintf(w, "\r\033[K%s: transition %s%s", p.Patch, p.Elapsed.Round(100*time.Millisecond), left)
		},
	}
}

func newLoad(g *globals) *cobra.Command {
	var f opFlags
	var noRevert, force bool
	c := &cobra.Command{
		Use:   "load MODULE.ko [PARAM=VALUE...]",
		Short: "Load a livepatch and see its transition through",
		Long: `Load loads MODULE.ko with finit_module(2) and, for a livepatch, waits until the
kernel has switched every task (the kernel log's completion record, or
/sys/kernel/livepatch/NAME/transition reading 0). On a terminal it shows the
tasks left to switch.

If the transition is still running at --timeout, load prints every task that
blocks it, with its kernel stack and the patched function found on it, then
reverts: disables the patch, waits for the reversed transition and unloads the
module. --no-revert leaves the transition running (klpkit status shows it;
klpkit disable reverses it later); --force forces it to complete instead, after
a warning: tasks still in the old code are switched without the consistency
check. (Forcing a patching transition leaves the module removable later;
forcing an unpatching one, with disable --force or force, pins it until reboot.)

Load takes a lock, so two klpkit processes never change livepatches at once;
the second waits (--lock-timeout).

` + exitCodesHelp,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := kmod.ReadInfo(args[0]); err != nil {
				return withCode(exitUsage, err)
			}
			o := f.options(cmd)
			o.NoRevert, o.Force = noRevert, force
			if force {
				o.Progress = warnBeforeForce(cmd.ErrOrStderr(), o.Progress, f.timeout,
					"tasks still in the old code are switched to the patch without the consistency check")
			}
			return f.locked(cmd, func() error {
				rep, err := transition.Load(cmd.Context(), args[0], strings.Join(args[1:], " "), o)
				return finishOp(g, cmd, rep, err)
			})
		},
	}
	f.register(c)
	c.Flags().BoolVar(&noRevert, "no-revert", false, "on timeout, leave the transition running instead of reverting")
	c.Flags().BoolVar(&force, "force", false, "on timeout, force the transition to complete, skipping the consistency check")
	c.MarkFlagsMutuallyExclusive("no-revert", "force")
	return c
}

// warnBeforeForce prints, once, what forcing will cost, as the deadline
// nears: the user asked for it, but must see it before it happens.
func warnBeforeForce(w io.Writer, next func(transition.Progress), timeout time.Duration, cost string) func(transition.Progress) {
	warned := false
	return func(p transition.Progress) {
		if !warned && p.Elapsed >= timeout-time.Second/2 {
			warned = true
			fmt.Fprintf(w, "\nwarning: forcing %s at the timeout: %s\n", p.Patch, cost)
		}
		if next != nil {
			next(p)
		}
	}
}

func newDisable(g *globals) *cobra.Command {
	var f opFlags
	var force bool
	c := &cobra.Command{
		Use:   "disable NAME",
		Short: "Disable a livepatch and see the unpatching transition through",
		Long: `Disable writes 0 to /sys/kernel/livepatch/NAME/enabled and waits until the
unpatching transition ends; during a patching transition (say, one left by a
klpkit that was killed) this reverses it. At --timeout it prints the blocking
tasks; --force then forces the transition, which pins the module until reboot.
The module stays loaded: "klpkit unload NAME" removes it.

` + exitCodesHelp,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o := f.options(cmd)
			o.Force = force
			if force {
				o.Progress = warnBeforeForce(cmd.ErrOrStderr(), o.Progress, f.timeout,
					"tasks may still run the patch's code, so its module will stay loaded until reboot")
			}
			return f.locked(cmd, func() error {
				rep, err := transition.Disable(cmd.Context(), args[0], o)
				return finishOp(g, cmd, rep, err)
			})
		},
	}
	f.register(c)
	c.Flags().BoolVar(&force, "force", false, "on timeout, force the transition to complete")
	return c
}

func newForce(g *globals) *cobra.Command {
	var f opFlags
	c := &cobra.Command{
		Use:   "force NAME",
		Short: "Force a stalled livepatch transition to complete",
		Long: `Force writes 1 to /sys/kernel/livepatch/NAME/force: every task still waiting is
switched without the consistency check. Only valid during a transition.
Forcing an unpatching transition pins the module: tasks may still run its
code, so the kernel keeps it until reboot. Forcing a patching transition
leaves it removable once the patch is later disabled normally.

` + exitCodesHelp,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch p, err := sysfs.New().Patch(args[0]); {
			case err != nil || !p.Transition:
				// Nothing to warn about: the kernel refuses force
				// outside a transition, and the error says so.
			case !p.Enabled:
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: forcing %s's unpatching transition: its module can never be unloaded before a reboot\n", args[0])
			default:
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: forcing %s: tasks still in the old code are switched to the patch without the consistency check\n", args[0])
			}
			return f.locked(cmd, func() error {
				rep, err := transition.Force(cmd.Context(), args[0], f.options(cmd))
				return finishOp(g, cmd, rep, err)
			})
		},
	}
	f.register(c)
	return c
}

func newUnload(g *globals) *cobra.Command {
	var f opFlags
	c := &cobra.Command{
		Use:   "unload NAME",
		Short: "Remove a module with delete_module",
		Long: `Unload removes the module NAME with delete_module(2). An enabled livepatch
cannot be removed: disable it first. A livepatch whose unpatching transition
was forced can never be removed before a reboot; unload says so.

` + exitCodesHelp,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.locked(cmd, func() error {
				start := time.Now()
				if err := transition.Unload(cmd.Context(), args[0], transition.Options{}); err != nil {
					return refusal(err)
				}
				rep := &transition.Report{Op: "unload", Patch: args[0], Outcome: transition.Done, Wall: time.Since(start)}
				return finishOp(g, cmd, rep, nil)
			})
		},
	}
	f.register(c)
	return c
}

// finishOp prints an operation's report and maps its outcome to the exit
// code.
func finishOp(g *globals, cmd *cobra.Command, rep *transition.Report, err error) error {
	w := cmd.OutOrStdout()
	if isTerminal(cmd.ErrOrStderr()) {
		fmt.Fprint(cmd.ErrOrStderr(), "\r\033[K")
	}
	if rep != nil {
		if g.json {
			if perr := printJSON(w, newOpReport(rep, err)); perr != nil {
				return perr
			}
		} else {
			printOp(w, rep)
		}
	}
	if err != nil {
		return refusal(err)
	}
	switch rep.Outcome {
	case transition.TimedOut:
		return withCode(exitTimeout, fmt.Errorf("%s: the transition is still running; klpkit disable %s reverses it, klpkit force %s forces it", rep.Patch, rep.Patch, rep.Patch))
	case transition.Reverted:
		if rep.FollowUp != "" {
			return withCode(exitReverted, fmt.Errorf("%s timed out and the revert failed: %s", rep.Patch, rep.FollowUp))
		}
		return withCode(exitReverted, fmt.Errorf("%s timed out: reverted (disabled and unloaded)", rep.Patch))
	case transition.Forced:
		if rep.FollowUp != "" {
			return withCode(exitForced, fmt.Errorf("%s: forcing failed: %s", rep.Patch, rep.FollowUp))
		}
		if rep.Pinned {
			return withCode(exitForced, fmt.Errorf("%s was forced while unpatching: its module can never be unloaded before a reboot", rep.Patch))
		}
		return withCode(exitForced, fmt.Errorf("%s was forced to complete; disabling it later works as usual", rep.Patch))
	}
	return nil
}

// refusal gives a kernel refusal exit code 3 and anything else 1.
func refusal(err error) error {
	var ke *kmod.Error
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return err
	case errors.Is(err, sysfs.ErrNoPatch):
		// Nothing to act on: not a refusal by the kernel.
		return withCode(exitFailed, err)
	case errors.As(err, &ke), isPathError(err):
		return withCode(exitRefused, err)
	}
	return withCode(exitFailed, err)
}

func isPathError(err error) bool {
	var pe *os.PathError
	return errors.As(err, &pe)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func seconds(s float64) string {
	return (time.Duration(s * float64(time.Second))).Round(time.Millisecond).String()
}
