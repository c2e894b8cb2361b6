package uevent

import (
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, that it fails only with
// ErrMalformed, and that what it accepts is consistent with its input.
func FuzzParse(f *testing.F) {
	f.Add(datagram("add@/module/klp_demo", "ACTION=add", "DEVPATH=/module/klp_demo", "SUBSYSTEM=module", "SEQNUM=2301"))
	f.Add(datagram("remove@/module/x", "SUBSYSTEM=module"))
	f.Add(datagram("change@/devices/virtual/mem/null", "SYNTH_UUID=0", "SEQNUM=18446744073709551615"))
	f.Add([]byte("libudev\x00"))
	f.Add([]byte("add@/a\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse(%q) failed without ErrMalformed: %v", b, err)
			}
			return
		}
		if ev.Action == "" || ev.DevPath == "" || ev.DevPath[0] != '/' {
			t.Fatalf("Parse(%q) accepted an event without action or devpath: %+v", b, ev)
		}
		if v, ok := ev.Env["ACTION"]; ok && v != ev.Action {
			t.Fatalf("Parse(%q): ACTION=%q but Action %q", b, v, ev.Action)
		}
		if ev.Subsystem != ev.Env["SUBSYSTEM"] {
			t.Fatalf("Parse(%q): Subsystem %q, SUBSYSTEM=%q", b, ev.Subsystem, ev.Env["SUBSYSTEM"])
		}
		if m := ev.Module(); m != "" && (ev.Subsystem != "module" || ev.DevPath != "/module/"+m) {
			t.Fatalf("Parse(%q): Module() = %q for %+v", b, m, ev)
		}
	})
}
