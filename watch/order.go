package watch

import (
	"sort"
	"time"

	"github.com/klpkit/klpkit/kmsg"
)

// reorderWindow is how long an event waits for others that happened
// before it but arrived after it. The sources are read by separate
// goroutines, and on a loaded machine (a TCG guest) the log reader can
// trail the uevent socket by tens of milliseconds: without this, a module's
// remove uevent could print before the log lines of the disable that came
// first.
const reorderWindow = 500 * time.Millisecond

// plausible bounds the offset between a record's kernel time and when it
// was received: a replayed or fake log has other times, and is then
// ordered as it arrives.
const plausible = 5 * time.Second

// reorder holds events briefly and releases them in the order they
// happened. Log records carry the kernel's time (printk's clock); other
// events only when they were received (CLOCK_MONOTONIC). The two clocks
// count from different moments of boot, so the offset between them is
// estimated from the records themselves: a record is received after it
// is stamped, so kernel time minus receive time is at most the offset,
// and its largest value seen is the closest estimate.
type reorder struct {
	held []held
	wall time.Time     // wall clock and
	mono time.Duration // CLOCK_MONOTONIC, read together once

	offset     time.Duration // kernel clock minus CLOCK_MONOTONIC
	haveOffset bool
}

type held struct {
	ev       Event
	received time.Duration // CLOCK_MONOTONIC
	arrived  time.Time
}

func (r *reorder) add(ev Event, now time.Time) {
	if r.wall.IsZero() {
		r.wall, r.mono = now, kmsg.Now()
	}
	received := r.mono + ev.Time.Sub(r.wall)
	if r.kernelTimed(ev) {
		est := ev.KernelTime - received
		if est > -plausible && est < plausible && (!r.haveOffset || est > r.offset) {
			r.offset, r.haveOffset = est, true
		}
	}
	r.held = append(r.held, held{ev: ev, received: received, arrived: now})
}

func (r *reorder) kernelTimed(ev Event) bool { return ev.Source == SourceKmsg && ev.KernelTime > 0 }

// at is when an event happened, on CLOCK_MONOTONIC.
func (r *reorder) at(h held) time.Duration {
	if r.kernelTimed(h.ev) && r.haveOffset {
		if t := h.ev.KernelTime - r.offset; t > h.received-plausible && t < h.received+plausible {
			return t
		}
	}
	return h.received
}

// release returns the events whose window has passed, oldest first; with
// all set, every held event.
func (r *reorder) release(now time.Time, all bool) []Event {
	sort.SliceStable(r.held, func(i, j int) bool { return r.at(r.held[i]) < r.at(r.held[j]) })
	var out []Event
	for len(r.held) > 0 && (all || now.Sub(r.held[0].arrived) >= reorderWindow) {
		out = append(out, r.held[0].ev)
		r.held = r.held[1:]
	}
	return out
}
