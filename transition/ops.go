package transition

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/klpkit/klpkit/kmod"
	"github.com/klpkit/klpkit/sysfs"
)

// Load loads the module at path and, for a livepatch, sees its transition
// through. When the patch is loaded already (EEXIST) it reports that
// (Resumed) and, if its transition is still running, waits for it as if
// it had loaded it. A refusal returns the kernel's error with Outcome Refused. A
// transition still running at opt.Timeout is reported with its blockers
// and then reverted (Reverted), forced (Forced) or left running
// (TimedOut), as opt says; those return a nil error, the Outcome says
// what happened.
func Load(ctx context.Context, path, params string, opt Options) (*Report, error) {
	o := opt.withDefaults()
	info, err := kmod.ReadInfo(path)
	if err != nil {
		return nil, err
	}
	rep := &Report{Op: "load", Patch: info.Name}
	if !info.Livepatch {
		start := time.Now()
		err := o.Load(path, params)
		rep.Wall, rep.Syscall = time.Since(start), time.Since(start)
		rep.Outcome = Done
		if err != nil {
			rep.Outcome = Refused
		}
		return rep, err
	}
	return loadPatch(ctx, o, rep, func() error { return o.Load(path, params) })
}

func loadPatch(ctx context.Context, o Options, rep *Report, load func() error) (*Report, error) {
	r, err := run(ctx, o, rep, load)
	if errors.Is(err, syscall.EEXIST) {
		// Loaded already: say what state it is in, and when a transition
		// is still running (a klpkit killed while it waited, say), see it
		// through as this load would have.
		if p, perr := o.FS.Patch(rep.Patch); perr == nil {
			if !p.Transition {
				return &Report{Op: "load", Patch: rep.Patch, Outcome: Done, Resumed: true, Wall: r.Wall}, nil
			}
			again := &Report{Op: "load", Patch: rep.Patch, Resumed: true}
			return run(ctx, o, again, func() error { return nil })
		}
	}
	return r, err
}

// Disable writes 0 to the patch's enabled attribute and sees the
// unpatching transition through (during a patching transition this
// reverses it). At the deadline it reports the blockers and forces the
// transition only when opt.Force is set.
func Disable(ctx context.Context, name string, opt Options) (*Report, error) {
	o := opt.withDefaults()
	o.NoRevert = true // there is nothing to revert to
	rep := &Report{Op: "disable", Patch: name}
	return run(ctx, o, rep, func() error { return o.FS.Disable(name) })
}

// Wait sees a transition that is already running through, e.g. one left
// by a klpkit that was killed.
func Wait(ctx context.Context, name string, opt Options) (*Report, error) {
	o := opt.withDefaults()
	o.NoRevert = true
	rep := &Report{Op: "wait", Patch: name}
	return run(ctx, o, rep, func() error {
		_, err := o.FS.Patch(name)
		return err
	})
}

// Force forces a running transition of name to complete: every task not
// yet switched is switched without the consistency check. Forcing an
// unpatching transition pins the module (Report.Pinned): tasks may still
// run its code, so the kernel never drops its reference and it cannot be
// unloaded before a reboot. A forced patching transition leaves the module
// removable once the patch is later disabled normally.
func Force(ctx context.Context, name string, opt Options) (*Report, error) {
	o := opt.withDefaults()
	o.NoRevert = true
	rep := &Report{Op: "force", Patch: name}
	r, err := run(ctx, o, rep, func() error {
		rep.Pinned = Pins(o.FS, name)
		return o.FS.Force(name)
	})
	if r != nil && r.Outcome == Done {
		r.Outcome = Forced
	}
	return r, err
}

// Pins reports whether forcing name's transition now would pin its
// module: the transition unpatches (enabled reads 0). The kernel marks
// only patches being removed as forced (klp_force_transition).
func Pins(fsys *sysfs.FS, name string) bool {
	p, err := fsys.Patch(name)
	return err == nil && p.Transition && !p.Enabled
}

// run does op (the syscall or write that starts or changes a transition)
// and waits for the transition, following the kernel log from just before.
func run(ctx context.Context, o Options, rep *Report, op func() error) (*Report, error) {
	start := time.Now()
	var f *follower
	if !o.NoKmsg {
		if fl, err := follow(o.Kmsg, rep.Patch); err == nil {
			f = fl
			defer f.stop()
		}
	}
	var offset time.Duration
	measured := false
	if o.MeasureDetection && f != nil {
		var err error
		if offset, err = f.calibrate(o.Kmsg); err != nil {
			return rep, err
		}
		measured = true
	}
	var dd *switchDebug
	if !o.NoDynDebug {
		dd = &switchDebug{control: o.DynDebug}
		defer dd.restore()
	}

	err := op()
	rep.Syscall = time.Since(start)
	if err != nil {
		rep.Outcome = Refused
		rep.Wall = time.Since(start)
		if f != nil {
			time.Sleep(20 * time.Millisecond) // let the refusal's log lines in
			rep.Log, _, _ = f.snapshot()
			rep.Log = trimPrefix(rep.Log)
		}
		return rep, err
	}

	wctx, cancel := context.WithTimeout(ctx, o.Timeout)
	by, seen, err := waitDone(wctx, o, rep.Patch, f, dd)
	cancel()
	rep.Waited = time.Since(start) - rep.Syscall
	if err == nil {
		rep.Outcome, rep.DetectedBy = Done, by
		rep.Wall = time.Since(start)
		finish(rep, f, measured, offset, seen)
		return rep, nil
	}
	if !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		rep.Wall = time.Since(start)
		return rep, fmt.Errorf("%s %s: %w", rep.Op, rep.Patch, err)
	}

	// The deadline passed with the transition still running.
	if p, perr := o.FS.Patch(rep.Patch); perr == nil {
		rep.Blockers = blockers(o.FS, p, f)
	}
	switch {
	case o.Force:
		rep.Outcome = Forced
		rep.Pinned = Pins(o.FS, rep.Patch)
		if err := o.FS.Force(rep.Patch); err != nil {
			rep.FollowUp = err.Error()
			break
		}
		if err := settle(ctx, o, rep.Patch, f); err != nil {
			rep.FollowUp = err.Error()
		}
	case o.NoRevert:
		rep.Outcome = TimedOut
	default:
		rep.Outcome = Reverted
		if err := revert(ctx, o, rep.Patch, f); err != nil {
			rep.FollowUp = err.Error()
		}
	}
	rep.Wall = time.Since(start)
	if f != nil {
		rep.Log, _, _ = f.snapshot()
		rep.Log = trimPrefix(rep.Log)
	}
	return rep, nil
}

// finish fills in what the kernel log says about the finished transition.
func finish(rep *Report, f *follower, measured bool, offset, seen time.Duration) {
	if f == nil {
		return
	}
	f.catchUp()
	lines, first, end := f.snapshot()
	rep.Log = trimPrefix(lines)
	if end > 0 && first > 0 {
		rep.KernelTransition = end - first
	}
	if measured && end > 0 {
		rep.Detection = seen - (end - offset)
	}
}

// settle waits (bounded) for a transition klpkit itself changed.
func settle(ctx context.Context, o Options, name string, f *follower) error {
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	o.Progress = nil
	_, _, err := waitDone(sctx, o, name, f, nil)
	return err
}

// revert disables the patch (reversing the stalled transition), waits for
// the kernel to finish, and unloads the module.
func revert(ctx context.Context, o Options, name string, f *follower) error {
	if err := o.FS.Disable(name); err != nil {
		return fmt.Errorf("revert %s: %w", name, err)
	}
	if err := settle(ctx, o, name, f); err != nil {
		return fmt.Errorf("revert %s: the reversed transition did not finish: %w", name, err)
	}
	return unloadRetry(ctx, o, name)
}

// unloadRetry removes a livepatch module whose patch was just freed: the
// kernel drops the module's reference from a work item after the
// transition, so delete_module can briefly see it in use.
func unloadRetry(ctx context.Context, o Options, name string) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := o.Unload(name)
		if err == nil || !(errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EBUSY)) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// ErrForcedModule is wrapped by Unload's error when a livepatch module
// cannot be removed because its patch was forced.
var ErrForcedModule = errors.New("its unpatching transition was forced: the kernel keeps a reference on the module until reboot, as tasks may still run its code")

// Unload removes a livepatch module. It retries while the kernel is still
// dropping the reference of a just-disabled patch, and when the module
// stays in use although its patch is gone from sysfs, the error wraps
// ErrForcedModule: only a forced unpatching transition leaves a livepatch
// module referenced.
func Unload(ctx context.Context, name string, opt Options) error {
	o := opt.withDefaults()
	// A registered patch holds its module: no retry will help.
	err := o.Unload(name)
	if err != nil && (errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EBUSY)) {
		if _, perr := o.FS.Patch(name); perr != nil {
			err = unloadRetry(ctx, o, name)
		}
	}
	if err == nil || !(errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EBUSY)) {
		return err
	}
	if p, perr := o.FS.Patch(name); perr == nil {
		state := "enabled"
		if p.Transition {
			state = "in transition"
		}
		return fmt.Errorf("%w; the patch is still registered (%s): klpkit disable %s first", err, state, name)
	}
	if !kmod.Loaded(o.Sys, name) {
		return err
	}
	return fmt.Errorf("unload %s: %w; the module stays loaded, disabled and harmless: %w", name, ErrForcedModule, err)
}
