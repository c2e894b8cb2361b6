package kmsg

import (
	"time"

	"golang.org/x/sys/unix"
)

// Now reads CLOCK_MONOTONIC, the user-space clock closest to the one
// that stamps records (printk's local_clock, also nanoseconds since boot
// from the same TSC on x86). They can drift apart by a few milliseconds:
// good for ordering events, not for measuring below that without a
// reference record.
func Now() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}
