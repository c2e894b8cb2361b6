package qemu

import (
	"bufio"
	"os"
	"strings"
)

// panicMarker starts the line panic() prints ("Kernel panic - not
// syncing: Attempted to kill init! ..."), unchanged since Linux 2.6.
const panicMarker = "Kernel panic - not syncing"

// findPanic returns the kernel's panic line from a console log, or "".
func findPanic(consoleLog string) (string, error) {
	f, err := os.Open(consoleLog)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	// A console line is short, but a guest may write anything to it.
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if i := strings.Index(sc.Text(), panicMarker); i >= 0 {
			return strings.TrimSpace(sc.Text()[i:]), nil
		}
	}
	if err := sc.Err(); err != nil && err != bufio.ErrTooLong {
		return "", err
	}
	return "", nil
}
