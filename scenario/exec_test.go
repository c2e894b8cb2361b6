package scenario

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klpkit/klpkit/kmod"
	"github.com/klpkit/klpkit/sysfs"
)

// fakeGuest runs steps against a temporary /sys/kernel/livepatch tree:
// loading a livepatch creates its directory with a finished transition.
func fakeGuest(t *testing.T) (*Guest, string) {
	root := t.TempDir()
	g := &Guest{Livepatch: &sysfs.FS{Root: root, Proc: t.TempDir()}, Poll: time.Millisecond}
	g.Load = func(path, params string) error {
		name := strings.TrimSuffix(filepath.Base(path), ".ko")
		if strings.Contains(params, "pre_patch_ret=-19") {
			return &kmod.Error{Op: "load", Module: name, Errno: syscall.ENODEV}
		}
		dir := filepath.Join(root, name)
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "enabled"), []byte("1\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "transition"), []byte("0\n"), 0o644)
		return nil
	}
	g.Unload = func(name string) error { return nil }
	return g, root
}

func TestExec(t *testing.T) {
	g, root := fakeGuest(t)
	plan := &Plan{
		Modules: map[string]Module{"demo": {Name: "demo", File: "/m/demo.ko", Livepatch: true}},
		Steps: []Step{
			{Load: "demo", Params: "pre_patch_ret=-19", Error: "ENODEV"},
			{Load: "demo"},
			{Expect: &Expect{Path: filepath.Join(root, "demo", "enabled"), Contains: "1"}},
			{Wait: &WaitFor{Path: filepath.Join(root, "demo", "transition"), Value: "0"}},
			{Disable: "demo", NoWait: true},
			{Expect: &Expect{Path: filepath.Join(root, "demo", "enabled"), Contains: "0"}},
		},
	}
	var events []Event
	if err := g.Exec(context.Background(), plan, func(e Event) { events = append(events, e) }); err != nil {
		t.Fatal(err)
	}
	if len(events) != len(plan.Steps) || events[0].What != "load demo pre_patch_ret=-19 (must fail with ENODEV)" {
		t.Errorf("events %+v", events)
	}
}

func TestExecFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		step Step
		want string
	}{
		{"load that should fail", Step{Load: "demo", Error: "ENODEV"}, "step 1 (load demo (must fail with ENODEV)) at s.yaml:3: succeeded, but should have failed with ENODEV"},
		{"wrong errno", Step{Load: "demo", Params: "pre_patch_ret=-19", Error: "EEXIST"}, "should have failed with EEXIST, but failed with ENODEV"},
		{"wait times out", Step{Wait: &WaitFor{Path: "/nonexistent/x", Value: "1"}}, "(the step's bound is 50ms)"},
		{"expect lacks", Step{Expect: &Expect{Path: "/proc/self/cmdline", Lacks: "scenario"}}, "contains \"scenario\""},
		{"expect absent", Step{Expect: &Expect{Path: "/proc/self", Exists: new(bool)}}, "should not exist, but does"},
		{"unknown module", Step{Unload: "nope"}, "no module \"nope\" in the plan"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, _ := fakeGuest(t)
			tc.step.Where = "s.yaml:3"
			plan := &Plan{
				Modules:     map[string]Module{"demo": {Name: "demo", File: "/m/demo.ko", Livepatch: true}},
				Steps:       []Step{tc.step, {Sleep: Duration(time.Hour)}},
				StepTimeout: Duration(50 * time.Millisecond),
			}
			var events []Event
			err := g.Exec(context.Background(), plan, func(e Event) { events = append(events, e) })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if len(events) != 1 || events[0].Err == "" {
				t.Errorf("the run must stop at the failing step: %+v", events)
			}
		})
	}
}

func TestInProgress(t *testing.T) {
	plans := []*Plan{{Name: "a"}, {Name: "b", Steps: []Step{{Load: "demo"}, {Sleep: Duration(time.Hour), Where: "s.yaml:9"}}}}
	b := &BatchOutcome{Plans: []*Outcome{{started: true, Result: &Event{}}, {started: true, Steps: []Event{{Step: 1}}}}}
	if got := b.inProgress(plans, "6.1.0"); got != " in plan 2 (b) during step 2 (sleep 1h0m0s) at s.yaml:9" {
		t.Errorf("got %q", got)
	}
	if b.RunningPlan() != 1 {
		t.Errorf("running plan %d", b.RunningPlan())
	}
	if got := b.inProgress(plans, ""); !strings.Contains(got, "never reported ready") {
		t.Errorf("got %q", got)
	}
}

// TestRunStepChecks runs a command as a run step does (a shell stands in
// for klpkit) and checks exit code, ordered output, has and lacks.
func TestRunStepChecks(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  RunCmd
		want string // "" for success
	}{
		{"in order", RunCmd{Args: []string{"-c", "echo one two three"}, Output: []string{"one", "three"}}, ""},
		{"out of order", RunCmd{Args: []string{"-c", "echo one two three"}, Output: []string{"three", "one"}}, `did not print "one" (after the texts before it)`},
		{"has in any order", RunCmd{Args: []string{"-c", "echo one two"}, Output: []string{"two"}, Has: []string{"one"}}, ""},
		{"has missing", RunCmd{Args: []string{"-c", "echo one"}, Has: []string{"four"}}, `did not print "four"`},
		{"lacks", RunCmd{Args: []string{"-c", "echo panic"}, Lacks: []string{"panic"}}, `printed "panic"`},
		{"exit code", RunCmd{Args: []string{"-c", "exit 5"}, Exit: 5}, ""},
		{"wrong exit code", RunCmd{Args: []string{"-c", "exit 4"}, Exit: 5}, "exited 4, want 5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, _ := fakeGuest(t)
			g.Self = "/bin/sh"
			_, err := g.runStep(context.Background(), &Plan{}, &tc.run)
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}
