package watch

import (
	"reflect"
	"testing"
	"time"
)

func TestDiff(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	ev := func(kind, patch string, pending int, text string) Event {
		return Event{Time: now, Source: SourceSysfs, Kind: kind, Patch: patch, Pending: pending, Text: text}
	}
	patching := func(pending int) patchState { return patchState{Enabled: true, Transition: true, Pending: pending} }
	unpatching := func(pending int) patchState { return patchState{Enabled: false, Transition: true, Pending: pending} }
	patched := patchState{Enabled: true}

	tests := []struct {
		name      string
		prev, cur snapshot
		want      []Event
	}{
		{"nothing loaded", snapshot{}, snapshot{}, nil},
		{"nothing changed", snapshot{"a": patched}, snapshot{"a": patched}, nil},
		{"loaded, transition already done (one CPU)", snapshot{}, snapshot{"a": patched}, []Event{
			ev(KindPatchAdded, "a", 0, "appeared in /sys/kernel/livepatch: enabled=1 transition=0"),
		}},
		{"loaded, in transition", snapshot{}, snapshot{"a": patching(5)}, []Event{
			ev(KindPatchAdded, "a", 0, "appeared in /sys/kernel/livepatch: enabled=1 transition=1"),
			ev(KindProgress, "a", 5, "patching: 5 tasks left to switch"),
		}},
		{"tasks switched", snapshot{"a": patching(5)}, snapshot{"a": patching(2)}, []Event{
			ev(KindProgress, "a", 2, "patching: 2 tasks left to switch"),
		}},
		{"same count", snapshot{"a": patching(2)}, snapshot{"a": patching(2)}, nil},
		{"tasks not countable", snapshot{}, snapshot{"a": patching(-1)}, []Event{
			ev(KindPatchAdded, "a", 0, "appeared in /sys/kernel/livepatch: enabled=1 transition=1"),
			ev(KindProgress, "a", 0, "patching: pending tasks could not be counted"),
		}},
		{"patching done", snapshot{"a": patching(0)}, snapshot{"a": patched}, []Event{
			ev(KindTransitionDone, "a", 0, "patching done: transition reads 0"),
		}},
		{"disabled", snapshot{"a": patched}, snapshot{"a": unpatching(7)}, []Event{
			ev(KindEnabledChanged, "a", 0, "enabled 1 -> 0"),
			ev(KindProgress, "a", 7, "unpatching: 7 tasks left to switch"),
		}},
		{"disabled during patching: reversed", snapshot{"a": patching(3)}, snapshot{"a": unpatching(1)}, []Event{
			ev(KindEnabledChanged, "a", 0, "enabled 1 -> 0: the transition reverses"),
			ev(KindProgress, "a", 1, "unpatching: 1 tasks left to switch"),
		}},
		{"reversed, same count", snapshot{"a": unpatching(3)}, snapshot{"a": patching(3)}, []Event{
			ev(KindEnabledChanged, "a", 0, "enabled 0 -> 1: the transition reverses"),
			ev(KindProgress, "a", 3, "patching: 3 tasks left to switch"),
		}},
		{"unpatched and removed", snapshot{"a": unpatching(0)}, snapshot{}, []Event{
			ev(KindPatchRemoved, "a", 0, "left /sys/kernel/livepatch: disabled, or replaced"),
		}},
		{"unpatching done, directory still there", snapshot{"a": unpatching(0)}, snapshot{"a": {}}, []Event{
			ev(KindTransitionDone, "a", 0, "unpatching done: transition reads 0"),
		}},
		{"atomic replace: new one added, old one removed, in name order", snapshot{"b": patched}, snapshot{"a": patching(1)}, []Event{
			ev(KindPatchAdded, "a", 0, "appeared in /sys/kernel/livepatch: enabled=1 transition=1"),
			ev(KindProgress, "a", 1, "patching: 1 tasks left to switch"),
			ev(KindPatchRemoved, "b", 0, "left /sys/kernel/livepatch: disabled, or replaced"),
		}},
		{"from no baseline", nil, snapshot{"a": patched}, []Event{
			ev(KindPatchAdded, "a", 0, "appeared in /sys/kernel/livepatch: enabled=1 transition=0"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := diff(tt.prev, tt.cur, now)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("diff =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}
