//go:build !linux

package agent

import (
	"fmt"
	"os"
	"time"
)

// Main is PID 1 of a Linux test VM; elsewhere it only says so.
func Main(planPath string) {
	fmt.Fprintln(os.Stderr, "klpkit agent: runs only as PID 1 of a Linux VM")
	os.Exit(1)
}

func release() string       { return "" }
func uptime() time.Duration { return 0 }
