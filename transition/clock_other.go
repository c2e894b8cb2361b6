//go:build !linux

package transition

import "time"

var start = time.Now()

// monotonic stands in for CLOCK_MONOTONIC where there is no kernel log.
func monotonic() time.Duration { return time.Since(start) }
