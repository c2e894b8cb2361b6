package watch

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/klpkit/klpkit/sysfs"
)

// patchState is what the poller remembers of a patch between reads.
type patchState struct {
	Enabled    bool
	Transition bool
	// Pending is the number of tasks the transition waits for, -1 when
	// they could not be counted; only meaningful during a transition.
	Pending int
}

// snapshot is the state of every patch, by name.
type snapshot map[string]patchState

// maxPollFailures is how many reads of sysfs in a row may fail before the
// poller gives up. A read races with the kernel creating and removing
// patch directories, and a directory caught half made reads as an error,
// so one failure is retried rather than fatal.
const maxPollFailures = 3

// poller reads /sys/kernel/livepatch and reports what changed since the
// previous read.
type poller struct {
	fs   *sysfs.FS
	busy time.Duration // between reads during a transition
	idle time.Duration // between reads otherwise
	last snapshot
}

// read takes a snapshot of the patches and, for the one in transition
// (the kernel runs one transition at a time), counts its pending tasks.
func (p *poller) read() (snapshot, error) {
	patches, err := p.fs.Patches()
	if err != nil {
		return nil, err
	}
	s := make(snapshot, len(patches))
	for _, pt := range patches {
		st := patchState{Enabled: pt.Enabled, Transition: pt.Transition}
		if pt.Transition {
			// During a transition enabled is its target state: the kernel
			// flips it together with the target when it reverses.
			st.Pending, err = p.fs.CountPending(boolInt(pt.Enabled))
			if err != nil {
				st.Pending = -1
			}
		}
		s[pt.Name] = st
	}
	return s, nil
}

// inTransition reports whether the last snapshot has a patch in transition.
func (p *poller) inTransition() bool {
	for _, st := range p.last {
		if st.Transition {
			return true
		}
	}
	return false
}

// run reads sysfs every busy or idle interval, and whenever a log line or
// uevent arrives on news, until ctx ends or emit refuses an event. Such an
// event is emitted after that read and before what the read found: the
// line comes first, then the state it led to, and by the time the line is
// delivered no read it asked for is still to come. A read one busy
// interval later follows, since a line may come just before the change it
// announces reaches sysfs.
func (p *poller) run(ctx context.Context, news <-chan Event, emit func(Event) bool) error {
	timer := time.NewTimer(p.interval(false))
	defer timer.Stop()
	failures := 0
	for {
		var announced *Event
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case ev := <-news:
			announced = &ev
		}
		cur, err := p.read()
		if announced != nil && !emit(*announced) {
			return nil
		}
		if err != nil {
			failures++
			if failures >= maxPollFailures {
				return fmt.Errorf("poll livepatch sysfs: %w", err)
			}
			timer.Reset(p.busy)
			continue
		}
		failures = 0
		for _, ev := range diff(p.last, cur, time.Now()) {
			if !emit(ev) {
				return nil
			}
		}
		p.last = cur
		timer.Reset(p.interval(announced != nil))
	}
}

// interval is the time until the next read: short during a transition,
// and once after a log line or uevent.
func (p *poller) interval(woken bool) time.Duration {
	if woken || p.inTransition() {
		return p.busy
	}
	return p.idle
}

// diff returns the events that lead from prev to cur, patch by patch in
// name order.
func diff(prev, cur snapshot, now time.Time) []Event {
	names := make([]string, 0, len(prev)+len(cur))
	for n := range prev {
		names = append(names, n)
	}
	for n := range cur {
		if _, ok := prev[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)

	var evs []Event
	add := func(name, kind string, pending int, text string) {
		evs = append(evs, Event{Time: now, Source: SourceSysfs, Kind: kind, Patch: name, Pending: pending, Text: text})
	}
	for _, name := range names {
		before, had := prev[name]
		after, has := cur[name]
		switch {
		case had && !has:
			// The kernel removes the directory when an unpatching
			// transition ends, or when an atomic-replace patch that
			// supersedes it has finished its transition.
			add(name, KindPatchRemoved, 0, "left /sys/kernel/livepatch: disabled, or replaced")
			continue
		case !had:
			add(name, KindPatchAdded, 0, fmt.Sprintf("appeared in /sys/kernel/livepatch: enabled=%d transition=%d",
				boolInt(after.Enabled), boolInt(after.Transition)))
			if after.Transition {
				add(name, KindProgress, max(after.Pending, 0), progressText(after))
			}
			continue
		}
		if before.Enabled != after.Enabled {
			text := fmt.Sprintf("enabled %d -> %d", boolInt(before.Enabled), boolInt(after.Enabled))
			if before.Transition && after.Transition {
				text += ": the transition reverses"
			}
			add(name, KindEnabledChanged, 0, text)
		}
		switch {
		case after.Transition && (!before.Transition || before.Enabled != after.Enabled || before.Pending != after.Pending):
			add(name, KindProgress, max(after.Pending, 0), progressText(after))
		case before.Transition && !after.Transition:
			add(name, KindTransitionDone, 0, fmt.Sprintf("%s done: transition reads 0", direction(after.Enabled)))
		}
	}
	return evs
}

func progressText(st patchState) string {
	if st.Pending < 0 {
		return fmt.Sprintf("%s: pending tasks could not be counted", direction(st.Enabled))
	}
	return fmt.Sprintf("%s: %d tasks left to switch", direction(st.Enabled), st.Pending)
}

// direction names a transition by its target: enabled during a
// transition is the state being moved to.
func direction(enabled bool) string {
	if enabled {
		return "patching"
	}
	return "unpatching"
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
