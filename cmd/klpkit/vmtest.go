package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/klpkit/klpkit/scenario"
)

func newVMTest(g *globals) *cobra.Command {
	var f vmFlags
	var junit string
	var parallel int
	var showLog bool
	c := &cobra.Command{
		Use:   "test [PATH...]",
		Short: "Run scenario files, each on a clean kernel, and report TAP or JUnit",
		Long: `Test runs scenario files (directories are searched for *.yaml files with
steps), each on a clean kernel, as many VMs at once as there are cores (a VM
with several vCPUs takes as many). Scenarios with the same kernel and vCPU
count share a VM while each leaves it clean: before each, the guest checks that
no livepatch and none of their modules is loaded, and when one is, the rest run
in a fresh VM. Each scenario is bounded by its timeout (default --timeout).

It prints a line per scenario with its own time as it ends, TAP on stdout (or
JSON with --json, with each VM's boot and each step), JUnit XML with --junit
FILE, and ends with "N passed, N failed". Exit 1 when any scenario failed.
--keep keeps each VM's console log and initramfs (they are kept anyway when a
scenario failed). The default PATH is tests/scenarios.`,
		Args: usageArgs(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"tests/scenarios"}
			}
			paths, err := scenario.FindFiles(args)
			if err != nil {
				return withCode(exitUsage, err)
			}
			if len(paths) == 0 {
				return withCode(exitUsage, fmt.Errorf("no scenario files in %s", strings.Join(args, " ")))
			}
			vm, err := f.vm(g)
			if err != nil {
				return withCode(exitUsage, err)
			}
			if parallel <= 0 {
				parallel = runtime.NumCPU()
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			w := cmd.ErrOrStderr()
			fmt.Fprintf(w, "%d scenarios on %s, %d VMs at once (%s)\n", len(paths), vm.Target.Release, parallel, accel(vm.KVM))
			start := time.Now()
			suite := &scenario.Suite{VM: vm, CacheDir: g.cache, Parallel: parallel, Done: func(c scenario.Case) {
				mark := "PASS"
				if c.Err != nil {
					mark = "FAIL"
				}
				fmt.Fprintf(w, "%s %-66s %6.2fs\n", mark, c.File.Name, c.Elapsed.Seconds())
				if showLog {
					for _, l := range c.Log {
						fmt.Fprintf(w, "    %s\n", l)
					}
				}
			}}
			cases := suite.Run(ctx, paths)
			failed := false
			for _, c := range cases {
				failed = failed || c.Err != nil
			}
			if !failed && !f.keep {
				os.RemoveAll(vm.WorkDir)
			}
			if junit != "" {
				jf, err := os.Create(junit)
				if err != nil {
					return withCode(exitFailed, err)
				}
				if err := scenario.WriteJUnit(jf, cases); err != nil {
					jf.Close()
					return withCode(exitFailed, err)
				}
				if err := jf.Close(); err != nil {
					return withCode(exitFailed, err)
				}
			}
			if g.json {
				if err := printJSON(cmd.OutOrStdout(), newSuiteReport(cases, time.Since(start))); err != nil {
					return err
				}
			} else if err := scenario.WriteTAP(cmd.OutOrStdout(), cases); err != nil {
				return err
			}
			fmt.Fprintf(w, "suite: %.2fs wall\n", time.Since(start).Seconds())
			if failed {
				return withCode(exitFailed, fmt.Errorf("%s", scenario.Summary(cases)))
			}
			return nil
		},
	}
	f.register(c)
	c.Flags().StringVar(&junit, "junit", "", "also write JUnit XML to FILE")
	c.Flags().IntVar(&parallel, "parallel", 0, "VMs at once (default: the number of cores)")
	c.Flags().BoolVar(&showLog, "show-log", false, "print each scenario's livepatch and module log lines")
	return c
}

type suiteReport struct {
	Passed  int          `json:"passed"`
	Failed  int          `json:"failed"`
	Seconds float64      `json:"seconds"`
	Cases   []caseReport `json:"scenarios"`
}

type caseReport struct {
	Name    string      `json:"name"`
	File    string      `json:"file"`
	Passed  bool        `json:"passed"`
	Error   string      `json:"error,omitempty"`
	Seconds float64     `json:"seconds"`
	Boot    float64     `json:"boot_seconds,omitempty"`
	Console string      `json:"console_log,omitempty"`
	Steps   []stepPhase `json:"steps,omitempty"`
	Log     []string    `json:"kernel_log,omitempty"`
}

func newSuiteReport(cases []scenario.Case, wall time.Duration) suiteReport {
	r := suiteReport{Seconds: wall.Seconds()}
	r.Passed, r.Failed = scenario.Counts(cases)
	for _, c := range cases {
		cr := caseReport{Name: c.File.Name, File: c.File.Path, Passed: c.Err == nil, Seconds: c.Elapsed.Seconds()}
		if c.Err != nil {
			cr.Error = c.Err.Error()
		}
		if c.Outcome != nil {
			cr.Boot = c.Outcome.Boot.Seconds()
			cr.Console = c.Outcome.ConsoleLog
			cr.Steps = stepPhases(c.Outcome.Steps)
			for _, l := range c.Outcome.Log {
				cr.Log = append(cr.Log, l.String())
			}
		}
		r.Cases = append(r.Cases, cr)
	}
	return r
}
