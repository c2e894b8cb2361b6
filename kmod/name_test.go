package kmod

import "testing"

func TestNameFromFile(t *testing.T) {
	tests := []struct {
		name, path, want string
	}{
		{"plain ko", "demo.ko", "demo"},
		{"dash becomes underscore", "/tmp/build/livepatch-cmdline-demo.ko", "livepatch_cmdline_demo"},
		{"xz compressed", "/lib/modules/6.1.0-56-amd64/kernel/fs/ext4/ext4.ko.xz", "ext4"},
		{"zstd compressed", "nf-tables.ko.zst", "nf_tables"},
		{"no extension", "klp_demo", "klp_demo"},
		{"other extension kept", "demo.o", "demo.o"},
		{"dot in name before ko", "demo.v2.ko", "demo.v2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NameFromFile(tt.path); got != tt.want {
				t.Errorf("NameFromFile(%q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

func TestCheckName(t *testing.T) {
	tests := []struct {
		name    string
		module  string
		wantErr bool
	}{
		{"valid", "livepatch_demo", false},
		{"empty", "", true},
		{"path separator", "../etc", true},
		{"dot dot", "..", true},
		{"file name instead of module name", "demo.ko", true},
		{"NUL byte", "demo\x00", true},
		{"55 characters is the limit", "a234567890123456789012345678901234567890123456789012345", false},
		{"name too long", "a2345678901234567890123456789012345678901234567890123456", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkName(tt.module)
			if (err != nil) != tt.wantErr {
				t.Errorf("checkName(%q) = %v, want error: %v", tt.module, err, tt.wantErr)
			}
		})
	}
}
