package taint

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		mask    uint64
		want    []Flag
		letters string
	}{
		{"untainted", 0, []Flag{}, ""},
		{"proprietary module", 1, []Flag{{0, "P", "proprietary module loaded"}}, "P"},
		{
			// What a klpkit patch leaves on Debian: out-of-tree, unsigned
			// (signatures not enforced), live patched.
			"klpkit livepatch loaded", 1<<12 | 1<<13 | 1<<15,
			[]Flag{
				{12, "O", "out-of-tree module loaded"},
				{13, "E", "unsigned module loaded"},
				{15, "K", "kernel live patched"},
			},
			"OEK",
		},
		{"warning and oops", 1<<7 | 1<<9, []Flag{{7, "D", "kernel died recently (oops or BUG)"}, {9, "W", "kernel warning"}}, "DW"},
		{"last bit of 6.1", 1 << 18, []Flag{{18, "N", "in-kernel test run"}}, "N"},
		{"fwctl, 6.15", 1 << 19, []Flag{{19, "J", "debug write to device firmware through fwctl"}}, "J"},
		{"bit unknown to klpkit", 1 << 40, []Flag{{40, "?", "bit 40, unknown to klpkit (a newer kernel?)"}}, "?"},
		{"highest bit", 1 << 63, []Flag{{63, "?", "bit 63, unknown to klpkit (a newer kernel?)"}}, "?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Decode(tt.mask); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Decode(%#x) = %v, want %v", tt.mask, got, tt.want)
			}
			if got := Letters(tt.mask); got != tt.letters {
				t.Errorf("Letters(%#x) = %q, want %q", tt.mask, got, tt.letters)
			}
		})
	}
}

// TestKnownTable guards the table against an edit that shifts a bit.
func TestKnownTable(t *testing.T) {
	seen := map[string]bool{}
	for i, f := range known {
		if f.Bit != i {
			t.Errorf("known[%d] has bit %d", i, f.Bit)
		}
		if len(f.Letter) != 1 || seen[f.Letter] {
			t.Errorf("bit %d: letter %q is not a single unused letter", f.Bit, f.Letter)
		}
		seen[f.Letter] = true
	}
}

func TestRead(t *testing.T) {
	tests := []struct {
		name     string
		content  *string // nil: no file
		wantMask uint64
		wantLet  string
		errHas   string
	}{
		{"untainted", ptr("0\n"), 0, "", ""},
		{"livepatched", ptr("45056\n"), 45056, "OEK", ""},
		{"no trailing newline", ptr("4096"), 4096, "O", ""},
		{"not a number", ptr("G\n"), 0, "", `holds "G", not a decimal mask`},
		{"negative", ptr("-1\n"), 0, "", "not a decimal mask"},
		{"no file", nil, 0, "", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proc := t.TempDir()
			if tt.content != nil {
				dir := filepath.Join(proc, "sys", "kernel")
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "tainted"), []byte(*tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			mask, flags, err := Read(proc)
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("Read error = %v, want it to contain %q", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if mask != tt.wantMask {
				t.Errorf("mask = %d, want %d", mask, tt.wantMask)
			}
			if !reflect.DeepEqual(flags, Decode(tt.wantMask)) {
				t.Errorf("flags = %v, want %v", flags, Decode(tt.wantMask))
			}
			if got := Letters(mask); got != tt.wantLet {
				t.Errorf("letters = %q, want %q", got, tt.wantLet)
			}
		})
	}
}

func ptr(s string) *string { return &s }
