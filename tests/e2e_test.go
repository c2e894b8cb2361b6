package tests

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/klpkit/klpkit/internal/testenv"
	"github.com/klpkit/klpkit/kmod"
	"github.com/klpkit/klpkit/scenario"
)

func vm(t *testing.T) scenario.VM {
	t.Helper()
	tg := testenv.VM(t)
	return scenario.VM{Target: tg, Agent: testenv.Agent(t), CPUs: 1, MemoryMB: 512, Timeout: 2 * time.Minute, WorkDir: t.TempDir()}
}

// TestProveExamples proves every example in a VM, as make kpatch does for
// the default one, and checks what the kernel logged, not what klpkit
// printed.
func TestProveExamples(t *testing.T) {
	dirs, _ := filepath.Glob("../examples/*")
	if len(dirs) == 0 {
		t.Fatal("no examples")
	}
	v := vm(t)
	out, built, err := scenario.Prove(context.Background(), v, testenv.CacheDir(), dirs)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Steps) == 0 {
		t.Fatal("no steps ran")
	}
	var log []string
	for _, l := range out.Log {
		log = append(log, l.Text)
	}
	text := strings.Join(log, "\n")
	for _, b := range built {
		name := b.Result.Info.Name
		for _, want := range []string{
			"livepatch: enabling patch '" + name + "'",
			"livepatch: '" + name + "': patching complete",
			"livepatch: '" + name + "': unpatching complete",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("kernel log lacks %q:\n%s", want, text)
			}
		}
	}
}

// TestScenarioSuite runs tests/scenarios, the rules of the kernel's
// callbacks document, each on a clean kernel, two VMs at a time.
func TestScenarioSuite(t *testing.T) {
	v := vm(t)
	paths, err := scenario.FindFiles([]string{"scenarios"})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 11 {
		t.Fatalf("found %d scenarios, want the 11 of the suite", len(paths))
	}
	s := &scenario.Suite{VM: v, CacheDir: testenv.CacheDir(), Parallel: runtime.NumCPU()}
	for _, c := range s.Run(context.Background(), paths) {
		t.Run(filepath.Base(c.File.Path), func(t *testing.T) {
			if c.Err != nil {
				t.Fatal(c.Err)
			}
			if c.File.ExpectLog == nil || len(c.Log) == 0 {
				t.Errorf("scenario checks no kernel log")
			}
		})
	}
}

// TestOperatorScenarios runs tests/operator: klpkit's own commands inside
// the guest against stalled, forced, concurrent and killed transitions.
func TestOperatorScenarios(t *testing.T) {
	v := vm(t)
	paths, err := scenario.FindFiles([]string{"operator"})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 6 {
		t.Fatalf("found %d operator scenarios, want 6", len(paths))
	}
	s := &scenario.Suite{VM: v, CacheDir: testenv.CacheDir(), Parallel: runtime.NumCPU()}
	for _, c := range s.Run(context.Background(), paths) {
		t.Run(filepath.Base(c.File.Path), func(t *testing.T) {
			if c.Err != nil {
				t.Fatal(c.Err)
			}
		})
	}
}

// TestUncleanKernelIsNotReused: scenarios share a VM only while each
// leaves the kernel clean; one that leaves a patch loaded sends the next
// to a fresh VM, where it passes.
func TestUncleanKernelIsNotReused(t *testing.T) {
	v := vm(t)
	paths, _ := scenario.FindFiles([]string{"testdata/dirty"})
	if len(paths) != 2 {
		t.Fatalf("found %v", paths)
	}
	s := &scenario.Suite{VM: v, CacheDir: testenv.CacheDir(), Parallel: 1}
	cases := s.Run(context.Background(), paths)
	for _, c := range cases {
		if c.Err != nil {
			t.Errorf("%s: %v", c.File.Path, c.Err)
		}
	}
	if cases[0].Outcome.ConsoleLog == cases[1].Outcome.ConsoleLog {
		t.Errorf("both ran in one VM (%s): the second saw the first's patch", cases[0].Outcome.ConsoleLog)
	}
}

// TestFailingScenarios checks that the suite can fail: each of these must,
// for its own reason.
func TestFailingScenarios(t *testing.T) {
	v := vm(t)
	s := &scenario.Suite{VM: v, CacheDir: testenv.CacheDir(), Parallel: runtime.NumCPU()}
	want := map[string]string{
		"wrong-log.yaml":   "kernel log differs from expect_log",
		"wrong-errno.yaml": "succeeded, but should have failed with ENODEV",
		"deadline.yaml":    "during step 2 (sleep 30s)",
	}
	paths, _ := scenario.FindFiles([]string{"testdata/failing"})
	if len(paths) != len(want) {
		t.Fatalf("found %v", paths)
	}
	for _, c := range s.Run(context.Background(), paths) {
		base := filepath.Base(c.File.Path)
		if c.Err == nil || !strings.Contains(c.Err.Error(), want[base]) {
			t.Errorf("%s: got %v, want an error containing %q", base, c.Err, want[base])
		}
		if base == "wrong-log.yaml" && !strings.Contains(c.LogDiff, "- callbacks_demo2: post_patch_callback: target_mod") {
			t.Errorf("diff does not show the missing line:\n%s", c.LogDiff)
		}
	}
}

// TestCLIBuild builds an example as a user would and checks the module it
// names is the spec's livepatch for the set-up kernel.
func TestCLIBuild(t *testing.T) {
	tg := testenv.Target(t)
	bin := testenv.Agent(t)
	out, err := exec.Command(bin, "build", "--json", "--cache", testenv.CacheDir(), "../examples/cmdline").Output()
	if err != nil {
		t.Fatalf("klpkit build: %v\n%s", err, out)
	}
	var rep struct {
		Module  string `json:"module"`
		Name    string `json:"name"`
		Release string `json:"release"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	info, err := kmod.ReadInfo(rep.Module)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Name != "cmdline_demo" || info.Name != rep.Name || !info.Livepatch || info.Release() != tg.Release || rep.Release != tg.Release {
		t.Errorf("report %+v, module info %+v", rep, info)
	}
	// A spec error is a usage error (exit 2) naming file:line:col.
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "patch.yaml"), []byte("name: Bad\nobjects: []\n"), 0o644)
	cmd := exec.Command(bin, "build", "--cache", testenv.CacheDir(), bad)
	msg, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(msg), "patch.yaml:1:7: name:") {
		t.Errorf("bad spec: %v\n%s", err, msg)
	}
}

// TestCLIVMRun runs the binary as a user would and reads its JSON report.
func TestCLIVMRun(t *testing.T) {
	testenv.VM(t)
	bin := testenv.Agent(t)
	cmd := exec.Command(bin, "vm", "run", "--json", "--cache", testenv.CacheDir(), "../examples/cmdline")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("klpkit vm run: %v\n%s", err, out)
	}
	var rep struct {
		Passed bool `json:"passed"`
		Steps  []struct {
			What string `json:"what"`
		} `json:"steps"`
		Boot float64 `json:"boot_seconds"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !rep.Passed || len(rep.Steps) != 6 || rep.Boot <= 0 {
		t.Errorf("report: %s", out)
	}
}
