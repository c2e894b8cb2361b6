package transition

import (
	"context"
	"time"

	"github.com/klpkit/klpkit/kmsg"
	"github.com/klpkit/klpkit/sysfs"
)

// waitDone waits until the patch's transition ends: the kernel's
// completion record arrives (f may be nil) or sysfs shows no transition.
// It returns which source saw it first and when (CLOCK_MONOTONIC), or
// ctx's error.
func waitDone(ctx context.Context, o Options, name string, f *follower, dd *switchDebug) (string, time.Duration, error) {
	start := time.Now()
	tick := time.NewTicker(o.Poll)
	defer tick.Stop()
	var done <-chan struct{}
	if f != nil {
		done = f.done
	}
	var lastCount time.Time
	pending := -1
	for {
		if finished(o.FS, name) {
			return "sysfs", kmsg.Now(), nil
		}
		elapsed := time.Since(start)
		if dd != nil && elapsed >= o.Stalled {
			_ = dd.enable() // best effort: the stall report still has stacks
			dd = nil
		}
		if o.Progress != nil {
			// Counting reads every task's patch_state: not every tick.
			if time.Since(lastCount) >= 250*time.Millisecond {
				pending = o.FS.PendingCount(name)
				lastCount = time.Now()
			}
			o.Progress(Progress{Patch: name, Elapsed: elapsed, Pending: pending})
		}
		select {
		case <-done:
			return "kmsg", kmsg.Now(), nil
		case <-tick.C:
		case <-ctx.Done():
			return "", 0, ctx.Err()
		}
	}
}

// finished reports whether no transition of name is running; an
// unreadable attribute counts as running, and the poll tries again.
func finished(fsys *sysfs.FS, name string) bool {
	done, err := fsys.TransitionDone(name)
	return err == nil && done
}
