package sysfs

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/klpkit/klpkit/internal/testenv"
)

func boolPtr(b bool) *bool { return &b }

var (
	wantCmdline = Patch{
		Name:    "livepatch_cmdline",
		Enabled: true,
		Objects: []Object{
			{Name: "nfsd", Patched: false, Funcs: []Func{{"nfsd_open", 0}}},
			{Name: "vmlinux", Patched: true, Funcs: []Func{
				{"cmdline_proc_show", 0},
				{"do_sys_open.isra.0", 0},
				{"show_stat", 1},
				{"show_stat", 2},
				{"show_stat", 10},
			}},
		},
	}
	wantReplace = Patch{
		Name:       "livepatch_replace",
		Enabled:    true,
		Transition: true,
		Replace:    boolPtr(true),
		StackOrder: 2,
		Objects: []Object{
			{Name: "vmlinux", Funcs: []Func{{"meminfo_proc_show", 0}}},
		},
	}
)

func TestPatches(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string // nil: no Root at all
		want   []Patch
		errHas []string
	}{
		{"6.1 and 6.14 patches", livepatchTree, []Patch{wantCmdline, wantReplace}, nil},
		{"no patch loaded", map[string]string{}, []Patch{}, nil},
		{"stray file in root is not a patch", map[string]string{"README": "x"}, []Patch{}, nil},
		{"no livepatch root", nil, nil, []string{"no such file or directory", "CONFIG_LIVEPATCH"}},
		{
			"malformed sympos",
			map[string]string{"p/enabled": "1\n", "p/transition": "0\n", "p/vmlinux/patched": "1\n", "p/vmlinux/f,x/": ""},
			nil, []string{"read livepatch p", "vmlinux/f,x", `sympos "x"`},
		},
		{
			"malformed enabled",
			map[string]string{"p/enabled": "yes\n", "p/transition": "0\n"},
			nil, []string{"read livepatch p", "enabled", `"yes"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "livepatch")
			if tt.files != nil {
				if err := os.Mkdir(root, 0o755); err != nil {
					t.Fatal(err)
				}
				testenv.WriteTree(t, root, tt.files)
			}
			got, err := (&FS{Root: root}).Patches()
			if tt.errHas != nil {
				if err == nil {
					t.Fatalf("Patches() = %+v, want an error", got)
				}
				for _, s := range append(tt.errHas, root) {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Patches(): %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Patches() =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestPatch(t *testing.T) {
	fs := &FS{Root: newLivepatchTree(t)}
	tests := []struct {
		name      string
		patch     string
		want      *Patch
		wantNoPat bool
		errHas    string
	}{
		{"6.1 patch without optional attributes", "livepatch_cmdline", &wantCmdline, false, ""},
		{"6.14 patch with replace and stack_order", "livepatch_replace", &wantReplace, false, ""},
		{"missing patch", "livepatch_absent", nil, true, "livepatch_absent"},
		{"name escaping the root", "../livepatch_cmdline", nil, false, "not a livepatch name"},
		{"empty name", "", nil, false, "not a livepatch name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fs.Patch(tt.patch)
			if errors.Is(err, ErrNoPatch) != tt.wantNoPat {
				t.Fatalf("Patch(%q) error = %v, want ErrNoPatch: %v", tt.patch, err, tt.wantNoPat)
			}
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("Patch(%q) error = %v, want one containing %q", tt.patch, err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("Patch(%q): %v", tt.patch, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Patch(%q) =\n%+v\nwant\n%+v", tt.patch, got, tt.want)
			}
		})
	}
}

func TestParseFunc(t *testing.T) {
	tests := []struct {
		name    string
		dir     string
		want    Func
		wantErr bool
	}{
		{"unique symbol", "cmdline_proc_show,0", Func{"cmdline_proc_show", 0}, false},
		{"second of two symbols", "show_stat,2", Func{"show_stat", 2}, false},
		{"compiler clone with dots", "do_sys_open.isra.0,1", Func{"do_sys_open.isra.0", 1}, false},
		{"no sympos", "cmdline_proc_show", Func{}, true},
		{"empty name", ",0", Func{}, true},
		{"negative sympos", "f,-1", Func{}, true},
		{"sympos not a number", "f,one", Func{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFunc(tt.dir)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseFunc(%q) error = %v, want error: %v", tt.dir, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("parseFunc(%q) = %+v, want %+v", tt.dir, got, tt.want)
			}
		})
	}
}

func TestValue(t *testing.T) {
	fs := &FS{Root: newLivepatchTree(t)}
	tests := []struct {
		name    string
		rel     string
		want    string
		wantErr bool
	}{
		{"transition of an idle patch", "livepatch_cmdline/transition", "0", false},
		{"object attribute", "livepatch_cmdline/vmlinux/patched", "1", false},
		{"attribute absent on 6.1", "livepatch_cmdline/replace", "", true},
		{"path outside the root", "../etc/passwd", "", true},
		{"absolute path", "/etc/passwd", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fs.Value(tt.rel)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Value(%q) = %q, %v; want error: %v", tt.rel, got, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Value(%q) = %q, want %q", tt.rel, got, tt.want)
			}
		})
	}
}

func TestNewAndZeroFSUseRealPaths(t *testing.T) {
	for _, fs := range []*FS{New(), {}} {
		if fs.root() != "/sys/kernel/livepatch" || fs.proc() != "/proc" {
			t.Errorf("FS%+v uses %q and %q", *fs, fs.root(), fs.proc())
		}
	}
}
