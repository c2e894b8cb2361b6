package scenario

import (
	"fmt"
	"time"

	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klpkit/klpkit/kernel"
)

func writeScenario(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "p"), 0o755)
	os.WriteFile(filepath.Join(dir, "p", "patch.yaml"), []byte("name: demo\nobjects:\n  - name: vmlinux\n    callbacks: {pre_patch: log}\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, "target-mod"), 0o755)
	os.WriteFile(filepath.Join(dir, "target-mod", "target-mod.c"), []byte("int x;\n"), 0o644)
	path := filepath.Join(dir, "s.yaml")
	os.WriteFile(path, []byte(text), 0o644)
	return path
}

const goodScenario = `name: demo scenario
modules:
  demo:   {patch: p}
  target: {module: target-mod}
steps:
  - load: target
  - load: demo
    params: "pre_patch_ret=-19"
    error: ENODEV
  - wait: {patch: demo, transition: 0}
  - write: {path: /sys/module/demo/parameters/pre_patch_ret, value: -19}
  - expect: {path: /proc/cmdline, contains: klpkit}
  - sleep: 500ms
  - disable: demo
    nowait: true
  - unload: target
expect_log:
  - "livepatch: enabling patch 'demo'"
`

func TestLoadFile(t *testing.T) {
	f, err := LoadFile(writeScenario(t, goodScenario))
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "demo scenario" || len(f.Steps) != 8 || len(f.ExpectLog) != 1 {
		t.Fatalf("%+v", f)
	}
	names := map[string]string{}
	for _, m := range f.Modules {
		names[m.Handle] = m.Name
	}
	if names["demo"] != "demo" || names["target"] != "target_mod" {
		t.Errorf("module names %v: want the spec's name and the directory's with '_'", names)
	}
	if w := f.Steps[2].Wait; w.Path != "/sys/kernel/livepatch/demo/transition" || w.Value != "0" {
		t.Errorf("wait resolved to %+v", w)
	}
	if f.Steps[3].Write.Value != "-19" || f.Steps[1].Error != "ENODEV" || !f.Steps[6].NoWait {
		t.Errorf("steps %+v", f.Steps)
	}
	if !strings.HasSuffix(f.Steps[1].Where, "s.yaml:7") {
		t.Errorf("where %q", f.Steps[1].Where)
	}
}

func TestLoadFileErrors(t *testing.T) {
	for _, tc := range []struct{ name, edit, with, want string }{
		{"unknown field", "name: demo scenario", "name: x\nkernal: default", "2:1: kernal: unknown field"},
		{"unknown handle", "  - unload: target", "  - unload: tagret", "16:13: steps[7].unload: no module \"tagret\""},
		{"two actions", "  - unload: target", "  - unload: target\n    load: demo", "16:5: steps[7]: a step has one action"},
		{"no action", "  - unload: target", "  - params: x", "16:5: steps[7]: a step needs one action"},
		{"params on unload", "  - unload: target", "  - unload: target\n    params: x", "17:13: steps[7].params: params go with load only"},
		{"bad errno", "error: ENODEV", "error: ENOPE", "9:12: steps[1].error: \"ENOPE\" is not an errno name"},
		{"bad sleep", "sleep: 500ms", "sleep: soon", "13:12: steps[5].sleep: must be a positive duration"},
		{"disable a plain module", "  - disable: demo", "  - disable: target", "14:14: steps[6].disable: \"target\" is a plain module"},
		{"bad wait", "wait: {patch: demo, transition: 0}", "wait: {patch: demo}", "10:11: steps[2].wait: give {patch: HANDLE, transition: 0|1}"},
		{"missing patch dir", "demo:   {patch: p}", "demo:   {patch: nowhere}", "3:19: modules.demo.patch: patch"},
		{"missing steps", "steps:", "stepz:", "5:1: stepz: unknown field"},
		{"expect without check", "contains: klpkit}", "lacks: \"\"}", "12:13: steps[4].expect: give contains, lacks or exists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(goodScenario, tc.edit, tc.with, 1)
			if text == goodScenario {
				t.Fatalf("edit %q did not apply", tc.edit)
			}
			_, err := LoadFile(writeScenario(t, text))
			if err == nil || !strings.Contains(err.Error(), "s.yaml:"+tc.want) {
				t.Errorf("got %v\nwant s.yaml:%s", err, tc.want)
			}
		})
	}
}

func TestLongestFirst(t *testing.T) {
	cases := []Case{
		{File: &File{Name: "short"}},
		{File: &File{Name: "two cpus", CPUs: 2}},
		{File: &File{Name: "stall", Steps: []Step{{Run: &RunCmd{Args: []string{"load", "@d", "--timeout", "5s"}}}}}},
		{File: nil},
	}
	got := longestFirst(cases)
	if got[0] != 2 || got[1] != 1 || got[2] != 0 {
		t.Errorf("order %v: want the stalled load, then two vCPUs, then the short one", got)
	}
}

// TestBatches: cases share a VM only with the same kernel and vCPUs, and a
// group is spread over the VMs that may run at once, balanced by length.
func TestBatches(t *testing.T) {
	tg := &kernel.Target{Release: "6.1.0-56-amd64"}
	mk := func(cpus int, f *File) *preparedCase {
		return &preparedCase{vm: VM{Target: tg, CPUs: cpus}, file: f}
	}
	long := &File{Steps: []Step{{Sleep: Duration(5 * time.Second)}}}
	plans := []*preparedCase{mk(1, long), mk(1, &File{}), mk(1, &File{}), mk(2, &File{}), mk(1, &File{})}
	got := batches([]int{0, 1, 2, 3, 4}, plans, 2)
	want := "[[0] [1 2 4] [3]]"
	if fmt.Sprint(got) != want {
		t.Errorf("batches %v, want %s", got, want)
	}
}
