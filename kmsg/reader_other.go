//go:build !linux

package kmsg

import (
	"context"
	"fmt"
)

// Open fails on this OS: only Linux has /dev/kmsg. The error wraps
// ErrNotSupported.
func Open(path string) (*Reader, error) {
	if path == "" {
		path = DefaultPath
	}
	return nil, fmt.Errorf("open %s: %w", path, ErrNotSupported)
}

// SeekEnd returns an error wrapping ErrNotSupported.
func (r *Reader) SeekEnd() error { return ErrNotSupported }

// Drain returns an error wrapping ErrNotSupported.
func (r *Reader) Drain() ([]Record, error) { return nil, ErrNotSupported }

// Next returns an error wrapping ErrNotSupported.
func (r *Reader) Next(ctx context.Context) (Record, error) { return Record{}, ErrNotSupported }

// Close returns an error wrapping ErrNotSupported.
func (r *Reader) Close() error { return ErrNotSupported }
