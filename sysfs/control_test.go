package sysfs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/klpkit/klpkit/internal/testenv"
)

func TestControl(t *testing.T) {
	tests := []struct {
		name      string
		call      func(*FS) error
		before    map[string]string
		file      string // attribute that must hold want afterwards
		want      string
		wantNoPat bool
	}{
		{"disable writes 0 to enabled", func(fs *FS) error { return fs.Disable("livepatch_cmdline") }, nil, "livepatch_cmdline/enabled", "0\n", false},
		{"enable writes 1 to enabled", func(fs *FS) error { return fs.Enable("livepatch_cmdline") }, map[string]string{"livepatch_cmdline/enabled": "0\n"}, "livepatch_cmdline/enabled", "1\n", false},
		{"force writes 1 to force", func(fs *FS) error { return fs.Force("livepatch_replace") }, nil, "livepatch_replace/force", "1", false},
		{"disable of a missing patch", func(fs *FS) error { return fs.Disable("livepatch_absent") }, nil, "", "", true},
		{"force of a missing patch", func(fs *FS) error { return fs.Force("livepatch_absent") }, nil, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := newLivepatchTree(t)
			testenv.WriteTree(t, root, tt.before)
			err := tt.call(&FS{Root: root})
			if errors.Is(err, ErrNoPatch) != tt.wantNoPat {
				t.Fatalf("error = %v, want ErrNoPatch: %v", err, tt.wantNoPat)
			}
			if tt.wantNoPat {
				if _, serr := os.Stat(filepath.Join(root, "livepatch_absent")); !errors.Is(serr, fs.ErrNotExist) {
					t.Errorf("the write created %s", filepath.Join(root, "livepatch_absent"))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(root, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("%s = %q, want %q", tt.file, b, tt.want)
			}
		})
	}
}

func TestExplainWrite(t *testing.T) {
	pathErr := func(errno syscall.Errno) error {
		return &fs.PathError{Op: "write", Path: "/sys/kernel/livepatch/p/enabled", Err: errno}
	}
	tests := []struct {
		name  string
		attr  string
		value string
		err   error
		want  string
	}{
		{"disable of a disabled patch", "enabled", "0", pathErr(syscall.EINVAL), "already disabled"},
		{"enable of a disabled patch", "enabled", "1", pathErr(syscall.EINVAL), "cannot be enabled again"},
		{"another transition running", "enabled", "0", pathErr(syscall.EBUSY), "another livepatch's transition"},
		{"force outside a transition", "force", "1", pathErr(syscall.EINVAL), "not in transition"},
		{"not root", "enabled", "0", pathErr(syscall.EACCES), "needs root"},
		{"errno without an explanation", "enabled", "0", pathErr(syscall.EIO), ""},
		{"not an errno", "enabled", "0", errors.New("short write"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := explainWrite(tt.attr, tt.value, tt.err)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("explainWrite(%s, %s, %v) = %q, want it to contain %q", tt.attr, tt.value, tt.err, got, tt.want)
			}
		})
	}
}
