package watch

import (
	"testing"
	"time"

	"github.com/klpkit/klpkit/kmsg"
)

// TestReorder: a remove uevent that arrived before the log record of the
// disable that preceded it still comes after that record.
func TestReorder(t *testing.T) {
	var r reorder
	now := time.Now()
	// The kernel's clock runs 300ms ahead of CLOCK_MONOTONIC here; the
	// first record, received 1ms after it was stamped, shows the offset.
	const ahead = 300 * time.Millisecond
	mono := kmsg.Now()
	r.add(Event{Time: now, Source: SourceKmsg, Kind: KindUnpatchingComplete, KernelTime: mono + ahead - time.Millisecond}, now)
	r.release(now.Add(time.Second), true)
	r.add(Event{Time: now.Add(10 * time.Millisecond), Source: SourceUevent, Kind: KindModuleRemove}, now.Add(10*time.Millisecond))
	r.add(Event{Time: now.Add(50 * time.Millisecond), Source: SourceKmsg, Kind: KindUnpatchingComplete, KernelTime: mono + ahead + 5*time.Millisecond}, now.Add(50*time.Millisecond))
	if got := r.release(now.Add(100*time.Millisecond), false); len(got) != 0 {
		t.Fatalf("released inside the window: %v", got)
	}
	got := r.release(now.Add(time.Second), false)
	if len(got) != 2 || got[0].Kind != KindUnpatchingComplete || got[1].Kind != KindModuleRemove {
		t.Fatalf("order %v", got)
	}
	// A record whose kernel time is implausible (a replayed log) keeps
	// its arrival order.
	r.add(Event{Time: now, Source: SourceUevent, Kind: KindModuleAdd}, now)
	r.add(Event{Time: now.Add(time.Millisecond), Source: SourceKmsg, Kind: KindEnabling, KernelTime: time.Second}, now)
	got = r.release(now, true)
	if len(got) != 2 || got[0].Kind != KindModuleAdd {
		t.Fatalf("order %v", got)
	}
}
