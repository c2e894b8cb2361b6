package sysfs

import (
	"context"
	"fmt"
	"path/filepath"
	"time"
)

// defaultPoll is the interval when the caller gives none. The kernel
// retries unfinished transitions once a second, but a transition that
// completes on its first try ends well within that, and reading one sysfs
// file is cheap.
const defaultPoll = 10 * time.Millisecond

// WaitTransition polls <name>/transition until it reads 0 and returns nil.
// It also returns nil when the patch directory is gone: the kernel removes
// it when an unpatching transition completes (the module stays loaded) and
// when a replacing patch's transition completes, so a missing directory
// means the transition is over. A name that was never loaded therefore also
// returns nil; call Patch first when that matters.
//
// When ctx ends first, it returns an error wrapping ctx.Err() that says the
// transition is still in progress and for how long it was waited on.
//
// poll is the interval between reads (10ms when poll <= 0). progress, if
// not nil, is called after each read that found the transition still
// running, with the time waited so far and the number of tasks not yet
// switched, or -1 when they could not be counted. Counting reads every
// task's patch_state in /proc, so it is done only for progress and for the
// final error.
func (fs *FS) WaitTransition(ctx context.Context, name string, poll time.Duration, progress func(elapsed time.Duration, pending int)) error {
	if err := checkName(name); err != nil {
		return fmt.Errorf("wait for livepatch transition: %w", err)
	}
	if poll <= 0 {
		poll = defaultPoll
	}
	start := time.Now()
	ticker := time.NewTicker(poll)
	defer ticker.Stop()
	for {
		done, err := fs.TransitionDone(name)
		if err != nil {
			return fmt.Errorf("wait for transition of livepatch %s: %w", name, err)
		}
		if done {
			return nil
		}
		if progress != nil {
			progress(time.Since(start), fs.PendingCount(name))
		}
		select {
		case <-ctx.Done():
			elapsed := time.Since(start).Round(time.Millisecond)
			tasks := ""
			if n := fs.PendingCount(name); n >= 0 {
				tasks = fmt.Sprintf(" with %d tasks not yet switched", n)
			}
			return fmt.Errorf("transition of livepatch %s still in progress after %s%s: %w", name, elapsed, tasks, ctx.Err())
		case <-ticker.C:
		}
	}
}

// TransitionDone reads name's transition attribute once: true when no
// transition runs, including when the patch is gone (disabled and freed,
// or replaced).
func (fs *FS) TransitionDone(name string) (bool, error) {
	inTransition, err := readBool(filepath.Join(fs.root(), name, "transition"))
	if Gone(err) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return !inTransition, nil
}

// PendingCount counts the tasks that still hold up the transition of
// name, or returns -1 when they cannot be counted. During a transition the patch's enabled attribute
// is the target state: klp_reverse_transition flips it together with
// klp_target_state.
func (fs *FS) PendingCount(name string) int {
	enabled, err := readBool(filepath.Join(fs.root(), name, "enabled"))
	if err != nil {
		return -1
	}
	target := 0
	if enabled {
		target = 1
	}
	tasks, err := fs.pendingTasks(target, false)
	if err != nil {
		return -1
	}
	return len(tasks)
}
