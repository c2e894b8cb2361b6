package kmsg

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

// FuzzParseRecord checks that no input panics the parser, the stream
// splitter or ParseEvent, that a parsed record is within the ranges the
// format allows, and that printing it back in the kernel's format parses to
// the same record. The seed corpus is in testdata/fuzz/FuzzParseRecord.
func FuzzParseRecord(f *testing.F) {
	f.Add([]byte("5,1234,5140900,-;livepatch: enabling patch 'klp_demo'\n"))
	f.Add([]byte("7,160,424069,-;pci_root PNP0A03:00\n SUBSYSTEM=acpi\n DEVICE=+acpi:PNP0A03:00\n"))
	f.Add([]byte(`4,7,12,-,caller=T1;tab\x09bs\x5c` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The splitter must survive anything a file could hold.
		r := &Reader{path: "fuzz"}
		r.accept(data, true)
		for {
			if _, _, ok := r.pop(); !ok {
				break
			}
		}

		rec, err := ParseRecord(data)
		if err != nil {
			return
		}
		if rec.Level < 0 || rec.Level > 7 || rec.Facility < 0 || rec.Facility > 255 || rec.Time < 0 {
			t.Fatalf("out of range: %+v", rec)
		}
		for k := range rec.Dict {
			if k == "" {
				t.Fatalf("empty dict key in %+v", rec)
			}
		}
		ParseEvent(rec)

		again, err := ParseRecord(formatRecord(rec))
		if err != nil {
			t.Fatalf("reparse of %q: %v", formatRecord(rec), err)
		}
		if !reflect.DeepEqual(again, rec) {
			t.Fatalf("round trip changed the record:\n got %#v\nwant %#v", again, rec)
		}
	})
}

// formatRecord prints a record as /dev/kmsg would, escaping as the kernel
// does, and '=' in keys too, which the kernel never has to.
func formatRecord(r Record) []byte {
	b := fmt.Appendf(nil, "%d,%d,%d,-;", r.Facility<<3|r.Level, r.Seq, r.Time/time.Microsecond)
	b = appendEscaped(b, r.Text, false)
	b = append(b, '\n')
	keys := make([]string, 0, len(r.Dict))
	for k := range r.Dict {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = append(b, ' ')
		b = appendEscaped(b, k, true)
		b = append(b, '=')
		b = appendEscaped(b, r.Dict[k], false)
		b = append(b, '\n')
	}
	return b
}

func appendEscaped(b []byte, s string, key bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c >= 127 || c == '\\' || (key && c == '=') {
			b = fmt.Appendf(b, `\x%02x`, c)
		} else {
			b = append(b, c)
		}
	}
	return b
}
