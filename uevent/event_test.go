package uevent

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// datagram joins strings the way the kernel sends them: each ended by NUL.
func datagram(s ...string) []byte {
	return []byte(strings.Join(s, "\x00") + "\x00")
}

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		in     []byte
		want   Event
		module string
		synth  bool
		errHas string // non-empty: Parse must fail with ErrMalformed and this text
	}{
		{
			name: "module add",
			in:   datagram("add@/module/klp_demo", "ACTION=add", "DEVPATH=/module/klp_demo", "SUBSYSTEM=module", "SEQNUM=2301"),
			want: Event{Action: "add", DevPath: "/module/klp_demo", Subsystem: "module", Seq: 2301, Env: map[string]string{
				"ACTION": "add", "DEVPATH": "/module/klp_demo", "SUBSYSTEM": "module", "SEQNUM": "2301"}},
			module: "klp_demo",
		},
		{
			name: "module remove",
			in:   datagram("remove@/module/target_mod", "ACTION=remove", "DEVPATH=/module/target_mod", "SUBSYSTEM=module", "SEQNUM=2302"),
			want: Event{Action: "remove", DevPath: "/module/target_mod", Subsystem: "module", Seq: 2302, Env: map[string]string{
				"ACTION": "remove", "DEVPATH": "/module/target_mod", "SUBSYSTEM": "module", "SEQNUM": "2302"}},
			module: "target_mod",
		},
		{
			name: "synthetic module add (udevadm trigger)",
			in:   datagram("add@/module/fuse", "ACTION=add", "DEVPATH=/module/fuse", "SUBSYSTEM=module", "SYNTH_UUID=0", "SEQNUM=7"),
			want: Event{Action: "add", DevPath: "/module/fuse", Subsystem: "module", Seq: 7, Env: map[string]string{
				"ACTION": "add", "DEVPATH": "/module/fuse", "SUBSYSTEM": "module", "SYNTH_UUID": "0", "SEQNUM": "7"}},
			module: "fuse", synth: true,
		},
		{
			name: "device change, as written to /sys/class/mem/null/uevent",
			in: datagram("change@/devices/virtual/mem/null", "ACTION=change", "DEVPATH=/devices/virtual/mem/null", "SUBSYSTEM=mem",
				"SYNTH_UUID=0", "MAJOR=1", "MINOR=3", "DEVNAME=null", "DEVMODE=0666", "SEQNUM=815"),
			want: Event{Action: "change", DevPath: "/devices/virtual/mem/null", Subsystem: "mem", Seq: 815, Env: map[string]string{
				"ACTION": "change", "DEVPATH": "/devices/virtual/mem/null", "SUBSYSTEM": "mem", "SYNTH_UUID": "0",
				"MAJOR": "1", "MINOR": "3", "DEVNAME": "null", "DEVMODE": "0666", "SEQNUM": "815"}},
			synth: true,
		},
		{
			name: "a module's parameters directory is not a module",
			in:   datagram("add@/module/demo/parameters", "ACTION=add", "DEVPATH=/module/demo/parameters", "SUBSYSTEM=module"),
			want: Event{Action: "add", DevPath: "/module/demo/parameters", Subsystem: "module", Env: map[string]string{
				"ACTION": "add", "DEVPATH": "/module/demo/parameters", "SUBSYSTEM": "module"}},
		},
		{
			name: "module devpath in another subsystem",
			in:   datagram("add@/module/demo", "SUBSYSTEM=block"),
			want: Event{Action: "add", DevPath: "/module/demo", Subsystem: "block", Env: map[string]string{"SUBSYSTEM": "block"}},
		},
		{
			name: "value with '=' and no trailing NUL",
			in:   []byte("bind@/devices/pci0000:00/0000:00:01.0\x00MODALIAS=pci:v=1"),
			want: Event{Action: "bind", DevPath: "/devices/pci0000:00/0000:00:01.0", Env: map[string]string{"MODALIAS": "pci:v=1"}},
		},
		{name: "empty", in: nil, errHas: "not ACTION@DEVPATH"},
		{name: "no @", in: datagram("add/module/demo", "ACTION=add"), errHas: "not ACTION@DEVPATH"},
		{name: "no action", in: datagram("@/module/demo"), errHas: "not ACTION@DEVPATH"},
		{name: "relative devpath", in: datagram("add@module/demo"), errHas: "not ACTION@DEVPATH"},
		{name: "udev re-broadcast", in: append([]byte("libudev\x00\xfe\xed\xca\xfe"), make([]byte, 32)...), errHas: "libudev"},
		{name: "variable without =", in: datagram("add@/module/demo", "ACTION"), errHas: "string 2"},
		{name: "empty string inside", in: datagram("add@/module/demo", "", "ACTION=add"), errHas: "string 2"},
		{name: "empty key", in: datagram("add@/module/demo", "=add"), errHas: "not KEY=VALUE"},
		{name: "ACTION contradicts header", in: datagram("add@/module/demo", "ACTION=remove"), errHas: "ACTION=remove"},
		{name: "DEVPATH contradicts header", in: datagram("add@/module/demo", "DEVPATH=/module/other"), errHas: "DEVPATH=/module/other"},
		{name: "SEQNUM not a number", in: datagram("add@/module/demo", "SEQNUM=12x"), errHas: "SEQNUM=12x"},
		{name: "SEQNUM negative", in: datagram("add@/module/demo", "SEQNUM=-1"), errHas: "SEQNUM=-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.errHas != "" {
				if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("Parse(%q) = %+v, %v; want ErrMalformed mentioning %q", tt.in, got, err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q) =\n%+v\nwant\n%+v", tt.in, got, tt.want)
			}
			if m := got.Module(); m != tt.module {
				t.Errorf("Module() = %q, want %q", m, tt.module)
			}
			if s := got.Synthetic(); s != tt.synth {
				t.Errorf("Synthetic() = %v, want %v", s, tt.synth)
			}
		})
	}
}

func TestEventString(t *testing.T) {
	ev := Event{Action: "add", DevPath: "/module/demo", Subsystem: "module"}
	if got, want := ev.String(), "add /module/demo (module)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
