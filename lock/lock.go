package lock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DefaultPath is the lock file of a running system. /run is a tmpfs
// cleared at boot, which suits a lock that means nothing after a reboot.
const DefaultPath = "/run/klpkit.lock"

// pollInterval is how often Acquire retries a non-blocking flock. A
// blocking flock cannot be interrupted by a context, and a livepatch
// operation takes milliseconds to seconds, so 20 ms costs nothing visible.
const pollInterval = 20 * time.Millisecond

// ErrBusy means another process holds the lock.
var ErrBusy = errors.New("lock held by another process")

// Lock is a held lock. Release it when the operation is done; a process
// that exits releases it too.
type Lock struct {
	path string
	f    *os.File // nil once released
}

// Path is the lock file.
func (l *Lock) Path() string { return l.path }

// BusyError says who holds the lock. It wraps ErrBusy and, when Acquire
// gave up because its context ended, the context's error.
type BusyError struct {
	Path   string
	Holder string        // "pid 1234: klpkit load x.ko", see Holder
	Waited time.Duration // how long Acquire waited; 0 for TryAcquire
	ctxErr error
}

func (e *BusyError) Error() string {
	msg := fmt.Sprintf("another klpkit (%s) holds %s", e.Holder, e.Path)
	if e.Waited > 0 {
		msg += fmt.Sprintf(" (waited %s)", e.Waited.Round(time.Millisecond))
	}
	return msg
}

func (e *BusyError) Unwrap() []error {
	if e.ctxErr != nil {
		return []error{ErrBusy, e.ctxErr}
	}
	return []error{ErrBusy}
}

// Holder describes the process that holds the lock at path, from what it
// wrote into the file: "pid 1234: klpkit load x.ko", "pid 1234" when the
// command line is missing, or "unknown process" when the file is empty
// (the holder has locked but not yet written) or unreadable.
func Holder(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unknown process"
	}
	return describe(string(b))
}

// describe turns the file's content, "<pid>\n<command line>\n", into the
// holder's description.
func describe(content string) string {
	pidLine, cmdline, _ := strings.Cut(content, "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(pidLine))
	if err != nil || pid <= 0 {
		return "unknown process"
	}
	cmdline = strings.TrimSpace(cmdline)
	if cmdline == "" {
		return fmt.Sprintf("pid %d", pid)
	}
	return fmt.Sprintf("pid %d: %s", pid, cmdline)
}

// holderContent is what a new holder writes: its PID, and its command
// line with the program's base name, as a user would have typed it.
func holderContent() string {
	args := append([]string{filepath.Base(os.Args[0])}, os.Args[1:]...)
	return fmt.Sprintf("%d\n%s\n", os.Getpid(), strings.Join(args, " "))
}
