package sysfs

import (
	"reflect"
	"strings"
	"testing"

	"github.com/klpkit/klpkit/internal/testenv"
)

// procModules is /proc/modules after loading, in this order: older_demo
// (a livepatch), target_mod (a plain module), callbacks_demo (a
// livepatch), then gone_demo, a livepatch disabled since (its module
// stays loaded, but it is no longer on the stack). Newest first.
var procModules = `gone_demo 16384 0 - Live 0xffffffffc0a30000 (OEK)
callbacks_demo 16384 0 - Live 0xffffffffc0a00000 (OEK)
target_mod 16384 1 callbacks_demo, Live 0xffffffffc09f0000 (OE)
older_demo 16384 0 - Live 0xffffffffc09e0000 (OEK)

ext4 987136 1 - Live 0xffffffffc0900000
`

func TestStackOrder(t *testing.T) {
	p61 := func(name string) Patch { return Patch{Name: name, Enabled: true} }
	p614 := func(name string, order int) Patch { return Patch{Name: name, Enabled: true, StackOrder: order} }
	tests := []struct {
		name    string
		modules *string // /proc/modules; nil: none
		patches []Patch
		want    map[string]int
		errHas  string
	}{
		{
			name:    "6.1: reverse of /proc/modules among the patches",
			modules: &procModules,
			patches: []Patch{p61("callbacks_demo"), p61("older_demo")},
			want:    map[string]int{"older_demo": 1, "callbacks_demo": 2},
		},
		{
			name:    "6.1: a single patch is the bottom of the stack",
			modules: &procModules,
			patches: []Patch{p61("callbacks_demo")},
			want:    map[string]int{"callbacks_demo": 1},
		},
		{
			name:    "6.1: patch unloaded since it was read has no order",
			modules: &procModules,
			patches: []Patch{p61("callbacks_demo"), p61("unloaded_demo")},
			want:    map[string]int{"callbacks_demo": 1},
		},
		{
			name:    "6.14: stack_order attribute, /proc/modules not read",
			patches: []Patch{p614("a_patch", 2), p614("b_patch", 1)},
			want:    map[string]int{"a_patch": 2, "b_patch": 1},
		},
		{
			name:    "no patch loaded",
			patches: nil,
			want:    map[string]int{},
		},
		{
			name:    "6.1 without /proc/modules",
			patches: []Patch{p61("callbacks_demo")},
			errHas:  "stack order of livepatches",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proc := t.TempDir()
			if tt.modules != nil {
				testenv.WriteTree(t, proc, map[string]string{"modules": *tt.modules})
			}
			got, err := (&FS{Proc: proc}).StackOrder(tt.patches)
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("StackOrder error = %v, want it to contain %q", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("StackOrder = %v, want %v", got, tt.want)
			}
		})
	}
}
