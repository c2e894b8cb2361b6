package kmsg

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestParseRecord(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Record
	}{
		{
			name: "kernel notice",
			in:   "5,1234,5140900,-;livepatch: enabling patch 'klp_demo'\n",
			want: Record{Level: 5, Facility: 0, Seq: 1234, Time: 5140900 * time.Microsecond,
				Text: "livepatch: enabling patch 'klp_demo'"},
		},
		{
			name: "user facility written through /dev/kmsg",
			in:   "30,340,5690716,-;udevd[80]: starting version 181\n",
			want: Record{Level: 6, Facility: 3, Seq: 340, Time: 5690716 * time.Microsecond,
				Text: "udevd[80]: starting version 181"},
		},
		{
			name: "continuation dict lines",
			in:   "7,160,424069,-;pci_root PNP0A03:00: host bridge window [io  0x0000-0x0cf7] (ignored)\n SUBSYSTEM=acpi\n DEVICE=+acpi:PNP0A03:00\n",
			want: Record{Level: 7, Seq: 160, Time: 424069 * time.Microsecond,
				Text: "pci_root PNP0A03:00: host bridge window [io  0x0000-0x0cf7] (ignored)",
				Dict: map[string]string{"SUBSYSTEM": "acpi", "DEVICE": "+acpi:PNP0A03:00"}},
		},
		{
			name: "dict value containing '='",
			in:   "6,1,0,-;x\n KEY=a=b\n",
			want: Record{Level: 6, Seq: 1, Text: "x", Dict: map[string]string{"KEY": "a=b"}},
		},
		{
			name: "escaped bytes restored",
			in:   `4,7,12,-;tab\x09nl\x0abs\x5cend\xff` + "\n",
			want: Record{Level: 4, Seq: 7, Time: 12 * time.Microsecond, Text: "tab\tnl\nbs\\end\xff"},
		},
		{
			name: "escaped dict value",
			in:   "6,2,0,-;x\n DEVICE=a\\x20b\n",
			want: Record{Level: 6, Seq: 2, Text: "x", Dict: map[string]string{"DEVICE": "a b"}},
		},
		{
			name: "backslash not starting an escape is kept",
			in:   `6,3,0,-;a\xZZ b\x4 c\` + "\n",
			want: Record{Level: 6, Seq: 3, Text: `a\xZZ b\x4 c\`},
		},
		{
			name: "uppercase hex escape",
			in:   `6,3,0,-;\x4A` + "\n",
			want: Record{Level: 6, Seq: 3, Text: "J"},
		},
		{
			name: "extra header fields ignored",
			in:   "6,42,1000000,-,caller=T1;hello\n",
			want: Record{Level: 6, Seq: 42, Time: time.Second, Text: "hello"},
		},
		{
			name: "continuation fragment flag",
			in:   "6,43,1,c;part\n",
			want: Record{Level: 6, Seq: 43, Time: time.Microsecond, Text: "part"},
		},
		{
			name: "no trailing newline",
			in:   "6,44,0,-;last",
			want: Record{Level: 6, Seq: 44, Text: "last"},
		},
		{
			name: "empty text",
			in:   "6,45,0,-;\n",
			want: Record{Level: 6, Seq: 45},
		},
		{
			name: "';' in text",
			in:   "6,46,0,-;a;b\n",
			want: Record{Level: 6, Seq: 46, Text: "a;b"},
		},
		{
			name: "largest priority",
			in:   "2047,18446744073709551615,0,-;x\n",
			want: Record{Level: 7, Facility: 255, Seq: 1<<64 - 1, Text: "x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRecord([]byte(tt.in))
			if err != nil {
				t.Fatalf("ParseRecord(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseRecord(%q)\n got %#v\nwant %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseRecordErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"missing ';'", "6,1,0,- no separator\n"},
		{"too few header fields", "6,1,0;text\n"},
		{"non-numeric priority", "x,1,0,-;text\n"},
		{"negative priority", "-6,1,0,-;text\n"},
		{"priority beyond 11 bits", "2048,1,0,-;text\n"},
		{"non-numeric sequence", "6,one,0,-;text\n"},
		{"sequence beyond 64 bits", "6,18446744073709551616,0,-;text\n"},
		{"signed sequence", "6,+1,0,-;text\n"},
		{"non-numeric timestamp", "6,1,1.5,-;text\n"},
		{"timestamp overflowing Duration", "6,1,18446744073709551615,-;text\n"},
		{"empty flags", "6,1,0,;text\n"},
		{"empty priority", ",1,0,-;text\n"},
		{"second line without leading space", "6,1,0,-;one\n6,2,0,-;two\n"},
		{"blank second line", "6,1,0,-;one\n\n"},
		{"dict line without '='", "6,1,0,-;one\n SUBSYSTEM\n"},
		{"dict line with empty key", "6,1,0,-;one\n =value\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := ParseRecord([]byte(tt.in))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseRecord(%q) = %+v, %v; want an error wrapping ErrMalformed", tt.in, rec, err)
			}
		})
	}
}

func TestRecordString(t *testing.T) {
	tests := []struct {
		name string
		rec  Record
		want string
	}{
		{"zero", Record{}, "[    0.000000] "},
		{"dmesg padding", Record{Time: 1234567 * time.Microsecond, Text: "x"}, "[    1.234567] x"},
		{"wide seconds", Record{Time: 123456*time.Second + 7*time.Microsecond, Text: "y"}, "[123456.000007] y"},
		{"sub-microsecond dropped", Record{Time: 1500 * time.Nanosecond, Text: "z"}, "[    0.000001] z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.rec.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}
