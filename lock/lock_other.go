//go:build !linux

package lock

import (
	"context"
	"fmt"
	"runtime"
)

// Acquire is not supported on this OS: livepatching is Linux only.
func Acquire(ctx context.Context, path string, notify func(holder string)) (*Lock, error) {
	return nil, fmt.Errorf("lock %s: not supported on %s (livepatching is Linux only)", path, runtime.GOOS)
}

// TryAcquire is not supported on this OS: livepatching is Linux only.
func TryAcquire(path string) (*Lock, error) {
	return nil, fmt.Errorf("lock %s: not supported on %s (livepatching is Linux only)", path, runtime.GOOS)
}

// Release does nothing: no lock can be taken on this OS.
func (l *Lock) Release() error { return nil }
