package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/klpkit/klpkit/scenario"
)

// runReport is what vm run prints, as text or JSON.
type runReport struct {
	Passed     bool         `json:"passed"`
	Error      string       `json:"error,omitempty"`
	Kernel     string       `json:"kernel"`
	CPUs       int          `json:"cpus"`
	Accel      string       `json:"accel"`
	Builds     []buildPhase `json:"builds"`
	Boot       float64      `json:"boot_seconds"`
	Steps      []stepPhase  `json:"steps"`
	PowerOff   float64      `json:"poweroff_seconds"`
	Total      float64      `json:"total_seconds"`
	ConsoleLog string       `json:"console_log,omitempty"`
	Log        []string     `json:"kernel_log,omitempty"`
}

type buildPhase struct {
	Name    string  `json:"name"`
	Module  string  `json:"module"`
	Cached  bool    `json:"cached"`
	Seconds float64 `json:"seconds"`
}

type stepPhase struct {
	Step       int     `json:"step"`
	What       string  `json:"what"`
	Seconds    float64 `json:"seconds"`
	Transition float64 `json:"transition_seconds,omitempty"`
	Error      string  `json:"error,omitempty"`
	Output     string  `json:"output,omitempty"`
}

func stepPhases(events []scenario.Event) []stepPhase {
	var out []stepPhase
	for _, s := range events {
		out = append(out, stepPhase{Step: s.Step, What: s.What, Seconds: time.Duration(s.Dur).Seconds(),
			Transition: time.Duration(s.Transition).Seconds(), Error: s.Err, Output: s.Output})
	}
	return out
}

func newRunReport(vm scenario.VM, out *scenario.Outcome, built []scenario.Built, err error) runReport {
	r := runReport{Passed: err == nil, Kernel: vm.Target.Release, CPUs: vm.CPUs, Accel: accel(vm.KVM)}
	if err != nil {
		r.Error = err.Error()
	}
	for _, b := range built {
		r.Builds = append(r.Builds, buildPhase{Name: b.Result.Info.Name, Module: b.Result.Module, Cached: b.Result.Cached, Seconds: b.Result.Elapsed.Seconds()})
	}
	if out == nil {
		return r
	}
	r.Boot, r.PowerOff, r.Total = out.Boot.Seconds(), out.PowerOff.Seconds(), out.Total.Seconds()
	r.ConsoleLog = out.ConsoleLog
	r.Steps = stepPhases(out.Steps)
	for _, l := range out.Log {
		r.Log = append(r.Log, l.String())
	}
	return r
}

func printTimeline(w io.Writer, r runReport) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(what string, s float64, note string) {
		fmt.Fprintf(tw, "%s\t%8.3fs\t%s\n", what, s, note)
	}
	for _, b := range r.Builds {
		note := "built"
		if b.Cached {
			note = "unchanged, not rebuilt"
		}
		row("build "+b.Name, b.Seconds, note)
	}
	if r.Boot > 0 {
		row("boot", r.Boot, "QEMU start to agent ready")
	}
	for _, s := range r.Steps {
		note := ""
		if s.Transition > 0 {
			note = "transition " + seconds(s.Transition)
		}
		if s.Error != "" {
			note = "FAILED"
		}
		row(fmt.Sprintf("%d %s", s.Step, s.What), s.Seconds, note)
	}
	if r.PowerOff > 0 {
		row("power-off", r.PowerOff, "")
	}
	if r.Total > 0 {
		row("total VM", r.Total, fmt.Sprintf("%s, %d vCPU, %s", r.Kernel, r.CPUs, r.Accel))
	}
	tw.Flush()
	if r.Passed {
		fmt.Fprintf(w, "PASS: proved on %s\n", r.Kernel)
		return
	}
	fmt.Fprintf(w, "FAIL: %s\n", r.Error)
}
