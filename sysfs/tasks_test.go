package sysfs

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/klpkit/klpkit/internal/testenv"
)

// procTree is /proc during a patching transition (target 1):
//   - pid 1: switched already (1)
//   - pid 7: a kworker sleeping in a patched function (0), with a stack
//   - pid 42: a process whose main thread is pending (0) and whose second
//     thread, tid 43, switched (1)
//   - pid 100: a task created before any transition (-1)
//   - pid 200: a task without a readable stack (no root), pending
var procTree = map[string]string{
	"1/task/1/patch_state":     "1\n",
	"1/task/1/comm":            "init\n",
	"7/task/7/patch_state":     "0\n",
	"7/task/7/comm":            "kworker/0:1\n",
	"7/task/7/stack":           "[<0>] cmdline_proc_show+0x1d/0x40\n[<0>] seq_read_iter+0x11f/0x460\n[<0>] worker_thread+0x4e/0x390\n",
	"42/task/42/patch_state":   "0\n",
	"42/task/42/comm":          "cat\n",
	"42/task/42/stack":         "",
	"42/task/43/patch_state":   "1\n",
	"42/task/43/comm":          "cat\n",
	"100/task/100/patch_state": "-1\n",
	"100/task/100/comm":        "sleeper\n",
	"200/task/200/patch_state": "0\n",
	"200/task/200/comm":        "no stack\n",
	"sys/kernel/":              "",    // not a process
	"self/task/1/patch_state":  "0\n", // not numeric: skipped
	"cpuinfo":                  "processor: 0\n",
}

func TestPendingTasks(t *testing.T) {
	proc := t.TempDir()
	testenv.WriteTree(t, proc, procTree)
	// /proc/PID/task/TID/stack is 0400 root: an unreadable one must not
	// fail the listing.
	if err := os.Symlink("/nonexistent/stack", filepath.Join(proc, "200/task/200/stack")); err != nil {
		t.Fatal(err)
	}
	noState := t.TempDir()
	testenv.WriteTree(t, noState, map[string]string{"1/task/1/comm": "init\n"})

	tests := []struct {
		name   string
		proc   string
		target int
		want   []Task
		errHas string
	}{
		{
			name: "patching: tasks still unpatched", proc: proc, target: 1,
			want: []Task{
				{PID: 7, TID: 7, Comm: "kworker/0:1", State: 0, Stack: []string{
					"[<0>] cmdline_proc_show+0x1d/0x40", "[<0>] seq_read_iter+0x11f/0x460", "[<0>] worker_thread+0x4e/0x390"}},
				{PID: 42, TID: 42, Comm: "cat", State: 0},
				{PID: 200, TID: 200, Comm: "no stack", State: 0},
			},
		},
		{
			name: "unpatching: tasks still patched", proc: proc, target: 0,
			want: []Task{
				{PID: 1, TID: 1, Comm: "init", State: 1},
				{PID: 42, TID: 43, Comm: "cat", State: 1},
			},
		},
		{name: "target out of range", proc: proc, target: -1, errHas: "target state -1"},
		{name: "kernel without patch_state", proc: noState, target: 1, errHas: "CONFIG_LIVEPATCH"},
		{name: "missing proc", proc: filepath.Join(proc, "absent"), target: 1, errHas: "absent"},
		{name: "empty proc", proc: t.TempDir(), target: 1, want: []Task{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := (&FS{Proc: tt.proc}).PendingTasks(tt.target)
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("PendingTasks(%d) = %+v, %v; want an error containing %q", tt.target, got, err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("PendingTasks(%d): %v", tt.target, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("PendingTasks(%d) =\n%+v\nwant\n%+v", tt.target, got, tt.want)
			}
		})
	}
}
