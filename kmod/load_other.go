//go:build !linux

package kmod

import (
	"errors"
	"fmt"
	"runtime"
)

// Load loads a kernel module; it needs Linux, and here it always returns an
// error wrapping errors.ErrUnsupported.
func Load(path, params string) error {
	return fmt.Errorf("load %s: loading kernel modules is not supported on %s, only on Linux: %w", path, runtime.GOOS, errors.ErrUnsupported)
}

// Unload removes a kernel module; it needs Linux, and here it always returns
// an error wrapping errors.ErrUnsupported.
func Unload(name string) error {
	return fmt.Errorf("unload %s: unloading kernel modules is not supported on %s, only on Linux: %w", name, runtime.GOOS, errors.ErrUnsupported)
}
