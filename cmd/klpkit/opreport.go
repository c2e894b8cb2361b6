package main

import (
	"fmt"
	"io"
	"time"

	"github.com/klpkit/klpkit/transition"
)

// opReport is the JSON of load, disable, force and unload.
type opReport struct {
	Op               string               `json:"op"`
	Patch            string               `json:"patch"`
	Outcome          transition.Outcome   `json:"outcome"`
	Resumed          bool                 `json:"resumed,omitempty"`
	Error            string               `json:"error,omitempty"`
	Seconds          float64              `json:"seconds"`
	Syscall          float64              `json:"syscall_seconds"`
	Waited           float64              `json:"waited_seconds"`
	KernelTransition float64              `json:"kernel_transition_seconds,omitempty"`
	Detection        float64              `json:"detection_seconds,omitempty"`
	DetectedBy       string               `json:"detected_by,omitempty"`
	Blockers         []transition.Blocker `json:"blockers,omitempty"`
	Log              []string             `json:"kernel_log,omitempty"`
	FollowUp         string               `json:"follow_up_error,omitempty"`
}

func newOpReport(r *transition.Report, err error) opReport {
	o := opReport{
		Op: r.Op, Patch: r.Patch, Outcome: r.Outcome, Resumed: r.Resumed,
		Seconds: r.Wall.Seconds(), Syscall: r.Syscall.Seconds(), Waited: r.Waited.Seconds(),
		KernelTransition: r.KernelTransition.Seconds(), Detection: r.Detection.Seconds(), DetectedBy: r.DetectedBy,
		Blockers: r.Blockers, Log: r.Log, FollowUp: r.FollowUp,
	}
	if err != nil {
		o.Error = err.Error()
	}
	return o
}

func dur(d time.Duration) string { return d.Round(time.Millisecond).String() }

func printOp(w io.Writer, r *transition.Report) {
	if r.Resumed {
		if r.Waited > 0 || r.Outcome != transition.Done {
			fmt.Fprintf(w, "%s was loaded already, in transition: waited for it\n", r.Patch)
		} else {
			fmt.Fprintf(w, "%s was loaded already, its transition done\n", r.Patch)
		}
	}
	switch r.Outcome {
	case transition.Done, transition.Forced:
		fmt.Fprintf(w, "%s %s: %s", r.Op, r.Patch, dur(r.Wall))
		if r.Waited > 0 || r.KernelTransition > 0 {
			fmt.Fprintf(w, " (transition waited %s", dur(r.Waited))
			if r.KernelTransition > 0 {
				fmt.Fprintf(w, ", kernel %s", dur(r.KernelTransition))
			}
			if r.DetectedBy != "" {
				fmt.Fprintf(w, ", seen via %s", r.DetectedBy)
			}
			if r.Detection > 0 {
				fmt.Fprintf(w, " %s after the kernel's record", r.Detection.Round(time.Microsecond))
			}
			fmt.Fprint(w, ")")
		}
		fmt.Fprintln(w)
	case transition.Refused:
		for _, l := range r.Log {
			fmt.Fprintf(w, "kernel: %s\n", l)
		}
	}
	if len(r.Blockers) == 0 && (r.Outcome == transition.TimedOut || r.Outcome == transition.Reverted || r.Outcome == transition.Forced) && r.Op != "force" {
		fmt.Fprintf(w, "%s: the transition did not finish; no task with a /proc entry blocks it (an idle task on a busy CPU can)\n", r.Patch)
	}
	if len(r.Blockers) > 0 {
		fmt.Fprintf(w, "%s: the transition did not finish in time; %d task(s) block it:\n", r.Patch, len(r.Blockers))
		for _, b := range r.Blockers {
			why := "running on a CPU, or its stack could not be checked"
			if len(b.Functions) > 0 {
				why = fmt.Sprintf("%v on its stack", b.Functions)
			}
			fmt.Fprintf(w, "  %s (pid %d, tid %d): %s\n", b.Comm, b.PID, b.TID, why)
			for _, k := range b.KernelSays {
				fmt.Fprintf(w, "    kernel: %s\n", k)
			}
			for _, s := range b.Stack {
				fmt.Fprintf(w, "    %s\n", s)
			}
		}
	}
	switch r.Outcome {
	case transition.Reverted:
		fmt.Fprintf(w, "reverted: %s disabled and unloaded\n", r.Patch)
	case transition.TimedOut:
		fmt.Fprintf(w, "left running: %s is still in transition\n", r.Patch)
	}
}
