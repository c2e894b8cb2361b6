//go:build !linux

package uevent

import (
	"context"
	"fmt"
)

// Conn is a subscription to the kernel's uevents; on this OS there is none.
type Conn struct{}

// Dial fails on this OS: only Linux has NETLINK_KOBJECT_UEVENT. The error
// wraps ErrNotSupported.
func Dial() (*Conn, error) {
	return nil, fmt.Errorf("subscribe to kernel uevents: %w", ErrNotSupported)
}

// Next returns an error wrapping ErrNotSupported.
func (c *Conn) Next(ctx context.Context) (Event, error) { return Event{}, ErrNotSupported }

// Overruns returns 0.
func (c *Conn) Overruns() uint64 { return 0 }

// Close returns an error wrapping ErrNotSupported.
func (c *Conn) Close() error { return ErrNotSupported }
