package sysfs

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Task states in /proc/<pid>/task/<tid>/patch_state.
const (
	StateNone      = -1 // no transition in progress
	StateUnpatched = 0
	StatePatched   = 1
)

// Task is a thread that has not yet switched to a transition's target
// state: it was running, or a function the patch changes was on its stack,
// each time the kernel tried to switch it.
type Task struct {
	PID, TID int
	Comm     string
	State    int      // its patch_state: 0 unpatched, 1 patched
	Stack    []string // /proc/PID/task/TID/stack; empty when unreadable (it needs root)
}

// PendingTasks lists the tasks whose patch_state is neither -1 nor target,
// sorted by PID then TID. target is the state the transition moves to: 1
// when patching, 0 when unpatching (the patch's enabled value during the
// transition).
//
// Only tasks with a /proc entry are seen. Each CPU's idle task also takes
// part in a transition and can hold it up while that CPU is busy, but has
// no /proc entry, so a transition can be pending with no task listed.
func (fs *FS) PendingTasks(target int) ([]Task, error) {
	if target != StateUnpatched && target != StatePatched {
		return nil, fmt.Errorf("pending livepatch tasks: target state %d, want 0 (unpatching) or 1 (patching)", target)
	}
	return fs.pendingTasks(target, true)
}

// CountPending counts the tasks PendingTasks would list, without reading
// their comm and stack: cheap enough to poll during a transition on a
// machine with thousands of threads.
func (fs *FS) CountPending(target int) (int, error) {
	if target != StateUnpatched && target != StatePatched {
		return 0, fmt.Errorf("pending livepatch tasks: target state %d, want 0 (unpatching) or 1 (patching)", target)
	}
	tasks, err := fs.pendingTasks(target, false)
	return len(tasks), err
}

// pendingTasks scans /proc/*/task/*/patch_state. Tasks may exit during the
// scan; a task that vanishes is simply not pending any more.
func (fs *FS) pendingTasks(target int, withStacks bool) ([]Task, error) {
	proc := fs.proc()
	procs, err := os.ReadDir(proc)
	if err != nil {
		return nil, fmt.Errorf("pending livepatch tasks: %w", err)
	}
	pending := []Task{}
	seen, withState := 0, 0
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || !p.IsDir() {
			continue // not a process: /proc/self, /proc/sys, ...
		}
		threads, err := os.ReadDir(filepath.Join(proc, p.Name(), "task"))
		if err != nil {
			continue // exited since the listing of /proc
		}
		for _, th := range threads {
			tid, err := strconv.Atoi(th.Name())
			if err != nil {
				continue
			}
			seen++
			dir := filepath.Join(proc, p.Name(), "task", th.Name())
			state, err := readInt(filepath.Join(dir, "patch_state"))
			if err != nil {
				continue // exited, or a kernel without CONFIG_LIVEPATCH
			}
			withState++
			if state == StateNone || state == target {
				continue
			}
			t := Task{PID: pid, TID: tid, State: state}
			t.Comm, _ = readValue(filepath.Join(dir, "comm"))
			if withStacks {
				t.Stack = readStack(filepath.Join(dir, "stack"))
			}
			pending = append(pending, t)
		}
	}
	if seen > 0 && withState == 0 {
		// Every task has patch_state when CONFIG_LIVEPATCH=y; none at
		// all means the kernel lacks it or proc is something else.
		return nil, fmt.Errorf("pending livepatch tasks: no task under %s has a patch_state file: kernel without CONFIG_LIVEPATCH?", proc)
	}
	sort.Slice(pending, func(i, j int) bool {
		if pending[i].PID != pending[j].PID {
			return pending[i].PID < pending[j].PID
		}
		return pending[i].TID < pending[j].TID
	})
	return pending, nil
}

// readStack returns the lines of a task's kernel stack. Reading it needs
// root (CAP_SYS_ADMIN) and races with the task running, so any error means
// "no stack", not a failure.
func readStack(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}
