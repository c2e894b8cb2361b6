package kmod

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// These cases fail before any syscall, so they are safe to run as any
// user on any kernel; loading a real module is proven in the VM.
func TestLoadUnloadArguments(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "absent.ko")
	tests := []struct {
		name   string
		call   func() error
		errHas string
		errIs  error
	}{
		{"parameters with a NUL byte", func() error { return Load(missing, "a=1\x00b=2") }, "NUL byte", nil},
		{"missing module file", func() error { return Load(missing, "") }, "load " + missing, fs.ErrNotExist},
		{"unload of an empty name", func() error { return Unload("") }, "empty module name", nil},
		{"unload of a file name", func() error { return Unload("demo.ko") }, "file name, not a module name", nil},
		{"unload of a path", func() error { return Unload("../demo") }, "not a module name", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("error = %v, want one containing %q", err, tt.errHas)
			}
			if tt.errIs != nil && !errors.Is(err, tt.errIs) {
				t.Errorf("error %v does not wrap %v", err, tt.errIs)
			}
			var kerr *Error
			if errors.As(err, &kerr) {
				t.Errorf("error %v is an *Error, but the kernel was never asked", err)
			}
		})
	}
}
