package watch

import (
	"testing"
	"time"

	"github.com/klpkit/klpkit/uevent"
)

func TestFromUevent(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   string // the datagram with "|" for NUL
		want Event  // Kind "" means no event
	}{
		{"module add", "add@/module/klp_demo|ACTION=add|DEVPATH=/module/klp_demo|SUBSYSTEM=module|SEQNUM=9",
			Event{Time: now, Source: SourceUevent, Kind: KindModuleAdd, Module: "klp_demo", Text: "module klp_demo loaded"}},
		{"module remove", "remove@/module/target_mod|ACTION=remove|DEVPATH=/module/target_mod|SUBSYSTEM=module|SEQNUM=10",
			Event{Time: now, Source: SourceUevent, Kind: KindModuleRemove, Module: "target_mod", Text: "module target_mod unloaded"}},
		{"synthetic module add", "add@/module/fuse|ACTION=add|DEVPATH=/module/fuse|SUBSYSTEM=module|SYNTH_UUID=0|SEQNUM=11",
			Event{Time: now, Source: SourceUevent, Kind: KindModuleTrigger, Module: "fuse",
				Text: "synthetic add uevent for module fuse (written to its uevent file), not a load or unload"}},
		{"module change", "change@/module/demo|ACTION=change|DEVPATH=/module/demo|SUBSYSTEM=module", Event{}},
		{"device add", "add@/devices/virtual/mem/null|ACTION=add|DEVPATH=/devices/virtual/mem/null|SUBSYSTEM=mem", Event{}},
		{"module path of another subsystem", "add@/module/demo|SUBSYSTEM=drivers", Event{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := []byte(tt.in + "|")
			for i := range b {
				if b[i] == '|' {
					b[i] = 0
				}
			}
			ev, err := uevent.Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			ev.Time = now
			got, ok := fromUevent(ev)
			if ok != (tt.want.Kind != "") {
				t.Fatalf("fromUevent(%v) ok = %v, want %v", ev, ok, !ok)
			}
			if got != tt.want {
				t.Errorf("fromUevent(%v) =\n%+v\nwant\n%+v", ev, got, tt.want)
			}
		})
	}
}

func TestSubject(t *testing.T) {
	tests := []struct {
		name string
		ev   Event
		want string
	}{
		{"patch", Event{Patch: "demo"}, "demo"},
		{"module", Event{Module: "target_mod"}, "target_mod"},
		{"patch applied to a module", Event{Patch: "demo", Module: "target_mod"}, "demo/target_mod"},
		{"neither", Event{Kind: KindSignaling}, "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ev.Subject(); got != tt.want {
				t.Errorf("Subject() = %q, want %q", got, tt.want)
			}
		})
	}
}
