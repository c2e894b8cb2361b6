package sysfs

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/klpkit/klpkit/internal/testenv"
)

func TestPending(t *testing.T) {
	proc := t.TempDir()
	testenv.WriteTree(t, proc, procTree) // from tasks_test.go
	tests := []struct {
		name   string
		proc   string
		patch  Patch
		want   []int // TIDs
		errHas string
	}{
		{"not in transition", proc, Patch{Name: "demo", Enabled: true}, []int{}, ""},
		{"patching: tasks still unpatched", proc, Patch{Name: "demo", Enabled: true, Transition: true}, []int{7, 42, 200}, ""},
		{"unpatching: tasks still patched", proc, Patch{Name: "demo", Transition: true}, []int{1, 43}, ""},
		{"not in transition, /proc not read", filepath.Join(proc, "absent"), Patch{Name: "demo"}, []int{}, ""},
		{"in transition without /proc", filepath.Join(proc, "absent"), Patch{Name: "demo", Enabled: true, Transition: true}, nil, "transition of livepatch demo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tasks, err := (&FS{Proc: tt.proc}).Pending(tt.patch)
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("Pending error = %v, want it to contain %q", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tasks == nil {
				t.Fatal("Pending returned nil, want an empty list")
			}
			tids := []int{}
			for _, task := range tasks {
				tids = append(tids, task.TID)
			}
			if !reflect.DeepEqual(tids, tt.want) {
				t.Errorf("Pending TIDs = %v, want %v", tids, tt.want)
			}
		})
	}
}
