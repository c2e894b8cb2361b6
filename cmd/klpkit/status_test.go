package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/klpkit/klpkit/internal/testenv"

	"github.com/klpkit/klpkit/sysfs"
)

// system is a temporary /sys/kernel/livepatch, /proc and /sys on a 6.1
// kernel (no stack_order, no replace) with two patches: older_demo,
// loaded first and settled, and callbacks_demo, loaded last and still
// patching because kworker 7 sleeps in meminfo_proc_show. gone_demo was
// disabled (its directory is gone, its module loaded); ext4 is an
// ordinary module.
type system struct {
	lp   *sysfs.FS
	proc string
	sys  string
}

var (
	livepatchFiles = map[string]string{
		"older_demo/enabled":                          "1\n",
		"older_demo/transition":                       "0\n",
		"older_demo/vmlinux/patched":                  "1\n",
		"older_demo/vmlinux/cmdline_proc_show,0/":     "",
		"callbacks_demo/enabled":                      "1\n",
		"callbacks_demo/transition":                   "1\n",
		"callbacks_demo/vmlinux/patched":              "1\n",
		"callbacks_demo/vmlinux/meminfo_proc_show,0/": "",
		"callbacks_demo/vmlinux/show_stat,2/":         "",
		"callbacks_demo/busy_mod/patched":             "0\n",
		"callbacks_demo/busy_mod/busy_mod_work_fn,0/": "",
		"callbacks_demo/callbacks_only/patched":       "1\n", // a callbacks-only object: no function
	}
	procFiles = map[string]string{
		"modules": "gone_demo 16384 0 - Live 0xffffffffc0a30000 (OEK)\n" +
			"callbacks_demo 16384 0 - Live 0xffffffffc0a00000 (OEK)\n" +
			"older_demo 16384 0 - Live 0xffffffffc09e0000 (OEK)\n" +
			"ext4 987136 1 - Live 0xffffffffc0900000\n",
		"sys/kernel/tainted":     "45056\n",
		"1/task/1/patch_state":   "1\n",
		"1/task/1/comm":          "init\n",
		"7/task/7/patch_state":   "0\n",
		"7/task/7/comm":          "kworker/0:1\n",
		"7/task/7/stack":         "[<0>] meminfo_proc_show+0x1d/0x40\n[<0>] worker_thread+0x4e/0x390\n",
		"42/task/42/patch_state": "0\n",
		"42/task/42/comm":        "cat\n",
	}
	sysFiles = map[string]string{
		"module/callbacks_demo/initstate": "live\n",
		"module/callbacks_demo/refcnt":    "0\n",
		"module/callbacks_demo/taint":     "OEK\n",
		"module/older_demo/initstate":     "live\n",
		"module/older_demo/refcnt":        "0\n",
		"module/older_demo/taint":         "OEK\n",
		"module/gone_demo/initstate":      "live\n",
		"module/gone_demo/refcnt":         "0\n",
		"module/gone_demo/taint":          "OEK\n",
		"module/ext4/initstate":           "live\n",
		"module/ext4/refcnt":              "1\n",
		"module/ext4/taint":               "\n",
	}
)

func newSystem(t *testing.T) system {
	t.Helper()
	s := system{lp: &sysfs.FS{Root: t.TempDir()}, proc: t.TempDir(), sys: t.TempDir()}
	s.lp.Proc = s.proc
	testenv.WriteTree(t, s.lp.Root, livepatchFiles)
	testenv.WriteTree(t, s.proc, procFiles)
	testenv.WriteTree(t, s.sys, sysFiles)
	return s
}

const wantStatusText = `kernel taint: OEK (O: out-of-tree module loaded, E: unsigned module loaded, K: kernel live patched)

ORDER  PATCH           ENABLED  TRANSITION              REPLACE  OBJECT          PATCHED  FUNCTIONS
1      older_demo      yes      no                      -        vmlinux         yes      cmdline_proc_show,0
2      callbacks_demo  yes      patching: 2 tasks left  -        busy_mod        no       busy_mod_work_fn,0
                                                                 callbacks_only  yes      -
                                                                 vmlinux         yes      meminfo_proc_show,0 show_stat,2
`

const wantStatusJSON = `{
  "kernel_taint": {
    "mask": 45056,
    "letters": "OEK",
    "flags": [
      {
        "bit": 12,
        "letter": "O",
        "meaning": "out-of-tree module loaded"
      },
      {
        "bit": 13,
        "letter": "E",
        "meaning": "unsigned module loaded"
      },
      {
        "bit": 15,
        "letter": "K",
        "meaning": "kernel live patched"
      }
    ]
  },
  "patches": [
    {
      "name": "older_demo",
      "enabled": true,
      "transition": false,
      "pending_tasks": 0,
      "stack_order": 1,
      "objects": [
        {
          "name": "vmlinux",
          "patched": true,
          "functions": [
            {
              "name": "cmdline_proc_show",
              "sympos": 0
            }
          ]
        }
      ]
    },
    {
      "name": "callbacks_demo",
      "enabled": true,
      "transition": true,
      "pending_tasks": 2,
      "stack_order": 2,
      "objects": [
        {
          "name": "busy_mod",
          "patched": false,
          "functions": [
            {
              "name": "busy_mod_work_fn",
              "sympos": 0
            }
          ]
        },
        {
          "name": "callbacks_only",
          "patched": true,
          "functions": []
        },
        {
          "name": "vmlinux",
          "patched": true,
          "functions": [
            {
              "name": "meminfo_proc_show",
              "sympos": 0
            },
            {
              "name": "show_stat",
              "sympos": 2
            }
          ]
        }
      ]
    }
  ]
}
`

func TestStatus(t *testing.T) {
	s := newSystem(t)
	empty := newSystem(t)
	for name := range livepatchFiles {
		os.RemoveAll(filepath.Join(empty.lp.Root, strings.SplitN(name, "/", 2)[0]))
	}
	untainted := newSystem(t)
	testenv.WriteTree(t, untainted.proc, map[string]string{"sys/kernel/tainted": "0\n"})

	tests := []struct {
		name   string
		sys    system
		json   bool
		want   string
		errHas string
		code   int
	}{
		{name: "text", sys: s, want: wantStatusText},
		{name: "json", sys: s, json: true, want: wantStatusJSON},
		{name: "no patch, untainted", sys: empty, want: "kernel taint: OEK (O: out-of-tree module loaded, E: unsigned module loaded, K: kernel live patched)\nno livepatch loaded\n"},
		{name: "no patch, json", sys: empty, json: true, want: `"patches": []`},
		{name: "untainted kernel", sys: untainted, want: "kernel taint: none\n"},
		{
			name: "no livepatch support",
			sys:  system{lp: &sysfs.FS{Root: filepath.Join(s.sys, "kernel", "livepatch"), Proc: s.proc}, proc: s.proc},
			errHas: "this kernel has no livepatch support (CONFIG_LIVEPATCH) or sysfs is not mounted: " +
				filepath.Join(s.sys, "kernel", "livepatch") + " does not exist",
			code: exitFailed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := runStatus(&out, tt.json, tt.sys.lp, tt.sys.proc)
			if tt.errHas != "" {
				checkExit(t, err, tt.code, tt.errHas)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := out.String()
			if tt.want == wantStatusText || tt.want == wantStatusJSON {
				if got != tt.want {
					t.Errorf("output:\n%s\nwant:\n%s", got, tt.want)
				}
				return
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("output:\n%s\nwant it to contain:\n%s", got, tt.want)
			}
		})
	}
}

// TestStatusJSONIsTheTextData checks that both outputs come from one
// report: the JSON decodes into the report the text was printed from.
func TestStatusJSONIsTheTextData(t *testing.T) {
	s := newSystem(t)
	r, err := buildStatus(s.lp, s.proc)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := printJSON(&out, r); err != nil {
		t.Fatal(err)
	}
	var back statusReport
	if err := json.Unmarshal(out.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	printStatus(&a, r)
	printStatus(&b, back)
	if a.String() != b.String() {
		t.Errorf("text from decoded JSON differs:\n%s\nwant:\n%s", b.String(), a.String())
	}
}

const wantInfoText = `livepatch callbacks_demo
  enabled      yes
  transition   patching: 2 tasks left
  stack order  2
  replace      unknown (no replace attribute before 6.11)
  module       live, refcount 0, taint OEK
  objects
    busy_mod: not patched: busy_mod_work_fn,0
    callbacks_only: patched: -
    vmlinux: patched: meminfo_proc_show,0 show_stat,2
  pending tasks
    pid 7 tid 7 kworker/0:1 (patch_state 0)
      [<0>] meminfo_proc_show+0x1d/0x40
      [<0>] worker_thread+0x4e/0x390
    pid 42 tid 42 cat (patch_state 0)
      kernel stack unreadable (reading it needs root)
`

func TestInfo(t *testing.T) {
	s := newSystem(t)
	tests := []struct {
		name    string
		patch   string
		json    bool
		want    string   // whole text output
		wantHas []string // parts of the output
		errHas  string
		noPatch bool // the error wraps sysfs.ErrNoPatch
	}{
		{name: "patch in transition, text", patch: "callbacks_demo", want: wantInfoText},
		{name: "dash spelling", patch: "callbacks-demo", want: wantInfoText},
		{
			name: "settled patch, text", patch: "older_demo",
			wantHas: []string{"transition   no\n", "stack order  1\n", "    vmlinux: patched: cmdline_proc_show,0\n"},
		},
		{
			name: "patch in transition, json", patch: "callbacks_demo", json: true,
			wantHas: []string{`"name": "callbacks_demo"`, `"pending_tasks": 2`, `"stack_order": 2`, `"tasks": [`},
		},
		{
			name: "settled patch, json has no tasks", patch: "older_demo", json: true,
			wantHas: []string{`"tasks": []`, `"transition": false`},
		},
		{
			name: "disabled patch, module still loaded", patch: "gone_demo", noPatch: true,
			errHas: "gone_demo is loaded but not a registered livepatch: it was disabled or replaced; klpkit unload gone_demo removes it",
		},
		{name: "ordinary module", patch: "ext4", noPatch: true, errHas: "ext4 is a loaded module but not a livepatch"},
		{name: "nothing of that name", patch: "absent_demo", noPatch: true, errHas: "no livepatch absent_demo: no module of that name is loaded"},
		{name: "not a name", patch: "../x", errHas: "not a livepatch name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := runInfo(&out, tt.json, s.lp, s.sys, tt.patch)
			if tt.errHas != "" {
				checkExit(t, err, exitFailed, tt.errHas)
				if got := errors.Is(err, sysfs.ErrNoPatch); got != tt.noPatch {
					t.Errorf("error %v wraps sysfs.ErrNoPatch: %v, want %v", err, got, tt.noPatch)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := out.String()
			if tt.want != "" && got != tt.want {
				t.Errorf("output:\n%s\nwant:\n%s", got, tt.want)
			}
			for _, part := range tt.wantHas {
				if !strings.Contains(got, part) {
					t.Errorf("output:\n%s\nwant it to contain:\n%s", got, part)
				}
			}
		})
	}
}

// TestInfoJSON decodes the JSON: stack lines hold "<0>", which the
// encoder may escape.
func TestInfoJSON(t *testing.T) {
	s := newSystem(t)
	var out bytes.Buffer
	if err := runInfo(&out, true, s.lp, s.sys, "callbacks_demo"); err != nil {
		t.Fatal(err)
	}
	var got infoReport
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	zero := 0
	want := infoReport{
		patchReport: patchReport{Name: "callbacks_demo", Enabled: true, Transition: true, PendingTasks: 2, StackOrder: 2},
		Module:      moduleReport{State: "live", Refcount: &zero, Taint: "OEK"},
		Tasks: []taskReport{
			{PID: 7, TID: 7, Comm: "kworker/0:1", PatchState: 0, Stack: []string{"[<0>] meminfo_proc_show+0x1d/0x40", "[<0>] worker_thread+0x4e/0x390"}},
			{PID: 42, TID: 42, Comm: "cat", PatchState: 0, Stack: []string{}},
		},
	}
	got.Objects = nil // checked by the text and status tests
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded info:\n%+v\nwant:\n%+v", got, want)
	}
	if !strings.Contains(out.String(), `"stack": []`) {
		t.Errorf("an unreadable stack must be [], not null:\n%s", out.String())
	}
}

func TestInfoWithoutLivepatchSupport(t *testing.T) {
	s := newSystem(t)
	lp := &sysfs.FS{Root: filepath.Join(s.sys, "kernel", "livepatch"), Proc: s.proc}
	err := runInfo(&bytes.Buffer{}, false, lp, s.sys, "callbacks_demo")
	checkExit(t, err, exitFailed, "this kernel has no livepatch support")
}

func TestTransitionText(t *testing.T) {
	tests := []struct {
		name string
		p    patchReport
		want string
	}{
		{"settled", patchReport{Enabled: true}, "no"},
		{"patching", patchReport{Enabled: true, Transition: true, PendingTasks: 3}, "patching: 3 tasks left"},
		{"unpatching, one task", patchReport{Transition: true, PendingTasks: 1}, "unpatching: 1 task left"},
		{"held by an idle task only", patchReport{Enabled: true, Transition: true}, "patching: 0 tasks left"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := transitionText(tt.p); got != tt.want {
				t.Errorf("transitionText = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSortByStack(t *testing.T) {
	ps := []patchReport{{Name: "c"}, {Name: "b", StackOrder: 2}, {Name: "a"}, {Name: "d", StackOrder: 1}}
	sortByStack(ps)
	var got []string
	for _, p := range ps {
		got = append(got, p.Name)
	}
	if want := "d b a c"; strings.Join(got, " ") != want {
		t.Errorf("order %v, want %s (known order first, unknown by name)", got, want)
	}
}

func checkExit(t *testing.T, err error, code int, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", msg)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q, want it to contain %q", err, msg)
	}
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != code {
		t.Errorf("error %v: exit code %v, want %d", err, ee, code)
	}
}
