package bench

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/klpkit/klpkit/builder"
	"github.com/klpkit/klpkit/internal/testenv"
	"github.com/klpkit/klpkit/scenario"
	"github.com/klpkit/klpkit/spec"
)

func clean(b *testing.B, dir string) {
	b.Helper()
	for _, pattern := range []string{"*.o", "*.ko", "*.mod", "*.mod.c", ".*.cmd", "modules.order", "Module.symvers", ".klpkit-stamp"} {
		m, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, f := range m {
			os.Remove(f)
		}
	}
}

// BenchmarkBuildOverhead: `klpkit build --force` (spec, render, kbuild,
// validate, as a user runs it) against plain `make -C KDIR M=DIR modules`
// on the same generated directory, both from clean. Goal: ratio ≤ 1.15.
func BenchmarkBuildOverhead(b *testing.B) {
	tg := testenv.Target(b)
	bin := testenv.Agent(b)
	p, err := spec.LoadDir("../examples/cmdline")
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if err := builder.Render(p, dir); err != nil {
		b.Fatal(err)
	}
	var plain, klpkit time.Duration
	for i := 0; i < b.N; i++ {
		clean(b, dir)
		start := time.Now()
		if out, err := exec.Command("make", "-C", tg.KDir, "M="+dir, "modules").CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		plain += time.Since(start)

		clean(b, dir)
		start = time.Now()
		cmd := exec.Command(bin, "build", "--force", "--kernel", tg.Release, "-o", dir, "--cache", testenv.CacheDir(), "../examples/cmdline")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		klpkit += time.Since(start)
	}
	b.ReportMetric(plain.Seconds()/float64(b.N), "make-s/op")
	b.ReportMetric(klpkit.Seconds()/float64(b.N), "klpkit-s/op")
	b.ReportMetric(klpkit.Seconds()/plain.Seconds(), "ratio")
}

func vm(b *testing.B) scenario.VM {
	tg := testenv.VM(b)
	return scenario.VM{Target: tg, Agent: testenv.Agent(b), CPUs: 1, MemoryMB: 512, Timeout: 2 * time.Minute, WorkDir: b.TempDir()}
}

// bareBoot is the floor every VM run pays: boot to the agent, an empty
// plan, power-off.
func bareBoot(b *testing.B, v scenario.VM) time.Duration {
	start := time.Now()
	if _, err := scenario.Run(context.Background(), v, &scenario.Plan{Name: "bare"}, nil); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// BenchmarkVMRun: the whole `klpkit vm run examples/cmdline` (binary,
// build cache warm) with its phases, against a bare VM boot. Goal: the
// whole run ≤ 4.5 s under TCG.
func BenchmarkVMRun(b *testing.B) {
	v := vm(b)
	bin := testenv.Agent(b)
	// Warm the build cache so the figure is the proof, as on a re-run.
	if _, _, err := scenario.BuildPatches(context.Background(), v, testenv.CacheDir(), []string{"../examples/cmdline"}); err != nil {
		b.Fatal(err)
	}
	var bare, whole, boot, load, transition, disable, total time.Duration
	for i := 0; i < b.N; i++ {
		bare += bareBoot(b, v)

		start := time.Now()
		cmd := exec.Command(bin, "vm", "run", "--cache", testenv.CacheDir(), "../examples/cmdline")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		whole += time.Since(start)

		out, _, err := scenario.Prove(context.Background(), v, testenv.CacheDir(), []string{"../examples/cmdline"})
		if err != nil {
			b.Fatal(err)
		}
		boot += out.Boot
		total += out.Total
		for _, s := range out.Steps {
			switch {
			case len(s.What) > 5 && s.What[:5] == "load ":
				load += time.Duration(s.Dur)
				transition += time.Duration(s.Transition)
			case len(s.What) > 8 && s.What[:8] == "disable ":
				disable += time.Duration(s.Dur)
			}
		}
	}
	n := float64(b.N)
	b.ReportMetric(whole.Seconds()/n, "vmrun-s/op")
	b.ReportMetric(bare.Seconds()/n, "bareboot-s/op")
	b.ReportMetric(whole.Seconds()/bare.Seconds(), "ratio-to-bare")
	b.ReportMetric(boot.Seconds()/n, "boot-s")
	b.ReportMetric(load.Seconds()/n, "load-s")
	b.ReportMetric(transition.Seconds()/n, "transition-s")
	b.ReportMetric(disable.Seconds()/n, "disable-s")
	b.ReportMetric(total.Seconds()/n, "vm-total-s")
}

// BenchmarkSuite: the scenario suite's wall time, VMs run as many at once
// as there are cores and reused while scenarios leave the kernel clean,
// against a bare boot. Goal: suite ≤ 20 s. Per scenario, the boot of its
// VM, its steps and its VM's power-off go to the log.
func BenchmarkSuite(b *testing.B) {
	v := vm(b)
	paths, err := scenario.FindFiles([]string{"../tests/scenarios"})
	if err != nil {
		b.Fatal(err)
	}
	s := &scenario.Suite{VM: v, CacheDir: testenv.CacheDir(), Parallel: runtime.NumCPU()}
	s.Run(context.Background(), paths) // warm the build cache: the figure is the VMs
	var bare, wall time.Duration
	for i := 0; i < b.N; i++ {
		bare += bareBoot(b, v)
		start := time.Now()
		cases := s.Run(context.Background(), paths)
		wall += time.Since(start)
		for _, c := range cases {
			if c.Err != nil {
				b.Fatalf("%s: %v", c.File.Path, c.Err)
			}
			var steps time.Duration
			for _, e := range c.Outcome.Steps {
				steps += time.Duration(e.Dur)
			}
			b.Logf("%-40s VM boot %5.2fs steps %5.2fs power-off %5.2fs; its VM %s ran %5.2fs", filepath.Base(c.File.Path),
				c.Outcome.Boot.Seconds(), steps.Seconds(), c.Outcome.PowerOff.Seconds(), filepath.Base(filepath.Dir(c.Outcome.ConsoleLog)), c.Outcome.Total.Seconds())
		}
	}
	n := float64(b.N)
	b.ReportMetric(wall.Seconds()/n, "suite-s/op")
	b.ReportMetric(bare.Seconds()/n, "bareboot-s/op")
	b.ReportMetric(wall.Seconds()/bare.Seconds(), "ratio-to-bare")
	b.ReportMetric(float64(len(paths)), "scenarios")
}
