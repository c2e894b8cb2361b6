package kmod

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// fakeSys builds a tree shaped like /sys/module: a loaded module per
// state, and a built-in one with a directory but no initstate.
func fakeSys(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"module/livepatch_demo/initstate": "live\n",
		"module/klp_coming/initstate":     "coming\n",
		"module/klp_going/initstate":      "going\n",
		"module/printk/parameters/time":   "Y\n", // built in: no initstate
	}
	for rel, content := range files {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o444); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestState(t *testing.T) {
	root := fakeSys(t)
	tests := []struct {
		name       string
		module     string
		want       string
		wantLoaded bool
		wantNotExt bool // error wraps fs.ErrNotExist
		wantErr    bool
	}{
		{"live module", "livepatch_demo", "live", true, false, false},
		{"dash spelling of a loaded module", "livepatch-demo", "live", true, false, false},
		{"module still initialising", "klp_coming", "coming", true, false, false},
		{"module being removed", "klp_going", "going", true, false, false},
		{"built-in module has no initstate", "printk", "", false, true, true},
		{"not loaded", "absent", "", false, true, true},
		{"path instead of name", "../module", "", false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := State(root, tt.module)
			if (err != nil) != tt.wantErr {
				t.Fatalf("State(%q) error = %v, want error: %v", tt.module, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("State(%q) = %q, want %q", tt.module, got, tt.want)
			}
			if errors.Is(err, fs.ErrNotExist) != tt.wantNotExt {
				t.Errorf("State(%q) error %v: wraps fs.ErrNotExist = %v, want %v", tt.module, err, !tt.wantNotExt, tt.wantNotExt)
			}
			if loaded := Loaded(root, tt.module); loaded != tt.wantLoaded {
				t.Errorf("Loaded(%q) = %v, want %v", tt.module, loaded, tt.wantLoaded)
			}
		})
	}
}
