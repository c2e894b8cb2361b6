package sysfs

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/klpkit/klpkit/internal/testenv"
)

func TestCountPending(t *testing.T) {
	proc := t.TempDir()
	// During a patching transition (target 1): pid 1 switched, pid 7
	// pending, pid 42 with one thread of each, pid 100 outside any
	// transition (-1), and entries that are not tasks.
	testenv.WriteTree(t, proc, map[string]string{
		"1/task/1/patch_state":     "1\n",
		"7/task/7/patch_state":     "0\n",
		"42/task/42/patch_state":   "0\n",
		"42/task/43/patch_state":   "1\n",
		"100/task/100/patch_state": "-1\n",
		"self/task/1/patch_state":  "0\n",
		"sys/kernel/":              "",
		"cpuinfo":                  "processor: 0\n",
	})
	noState := t.TempDir()
	testenv.WriteTree(t, noState, map[string]string{"1/task/1/comm": "init\n"})

	tests := []struct {
		name   string
		proc   string
		target int
		want   int
		errHas string
	}{
		{name: "patching", proc: proc, target: 1, want: 2},
		{name: "unpatching", proc: proc, target: 0, want: 2},
		{name: "no tasks", proc: t.TempDir(), target: 1, want: 0},
		{name: "kernel without patch_state", proc: noState, target: 1, errHas: "CONFIG_LIVEPATCH"},
		{name: "missing proc", proc: filepath.Join(proc, "absent"), target: 1, errHas: "absent"},
		{name: "bad target", proc: proc, target: 2, errHas: "target state 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := (&FS{Proc: tt.proc}).CountPending(tt.target)
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("CountPending = %d, %v; want an error containing %q", got, err, tt.errHas)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CountPending(%d) = %d, %v; want %d", tt.target, got, err, tt.want)
			}
		})
	}
}
