package watch

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/klpkit/klpkit/sysfs"
)

// countPending counts the threads whose /proc/<pid>/task/<tid>/patch_state
// is neither -1 nor target: those a transition to target still waits for.
// sysfs.FS.PendingTasks lists the same tasks, but with their comm and
// kernel stack, which is too much to read every 100 ms of a transition on
// a machine with thousands of threads.
func countPending(proc string, target int) (int, error) {
	procs, err := os.ReadDir(proc)
	if err != nil {
		return 0, fmt.Errorf("count pending livepatch tasks: %w", err)
	}
	pending, seen, withState := 0, 0, 0
	for _, p := range procs {
		if _, err := strconv.Atoi(p.Name()); err != nil || !p.IsDir() {
			continue // not a process: /proc/self, /proc/sys, ...
		}
		threads, err := os.ReadDir(filepath.Join(proc, p.Name(), "task"))
		if err != nil {
			continue // exited since /proc was listed
		}
		for _, th := range threads {
			if _, err := strconv.Atoi(th.Name()); err != nil {
				continue
			}
			seen++
			b, err := os.ReadFile(filepath.Join(proc, p.Name(), "task", th.Name(), "patch_state"))
			if err != nil {
				continue // exited, or a kernel without CONFIG_LIVEPATCH
			}
			withState++
			state, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil || state == sysfs.StateNone || state == target {
				continue
			}
			pending++
		}
	}
	if seen > 0 && withState == 0 {
		return 0, fmt.Errorf("count pending livepatch tasks: no task under %s has a patch_state file: kernel without CONFIG_LIVEPATCH?", proc)
	}
	return pending, nil
}
