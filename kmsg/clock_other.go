//go:build !linux

package kmsg

import "time"

var start = time.Now()

// Now stands in for CLOCK_MONOTONIC where there is no kernel log.
func Now() time.Duration { return time.Since(start) }
