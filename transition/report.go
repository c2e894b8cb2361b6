package transition

import (
	"time"

	"github.com/klpkit/klpkit/sysfs"
)

// Outcome is how an operation ended.
type Outcome string

const (
	// Done: the transition finished (patched, or unpatched for disable).
	Done Outcome = "done"
	// Refused: the kernel refused the load or the write.
	Refused Outcome = "refused"
	// TimedOut: the transition was still running at the deadline and
	// was left running (no revert asked).
	TimedOut Outcome = "timed-out"
	// Reverted: the transition timed out and the patch was disabled and
	// its module unloaded.
	Reverted Outcome = "reverted"
	// Forced: the transition was forced to complete. Forcing an
	// unpatching transition pins the module until reboot (Pinned).
	Forced Outcome = "forced"
)

// Report is what one operation did and saw.
type Report struct {
	Op      string  `json:"op"` // load, disable, force
	Patch   string  `json:"patch"`
	Outcome Outcome `json:"outcome"`
	// Resumed: the patch was loaded already; the report is of its state,
	// or of the transition it was in, which this operation saw through.
	Resumed bool `json:"resumed,omitempty"`
	// Wall is the whole operation; Syscall the finit_module or sysfs
	// write; Waited the wait for the transition after it.
	Wall    time.Duration `json:"wall_ns"`
	Syscall time.Duration `json:"syscall_ns"`
	Waited  time.Duration `json:"waited_ns"`
	// KernelTransition is the kernel's own time for the transition, from
	// its log: the first record of the operation to the completion
	// record. Zero when the log was not followed.
	KernelTransition time.Duration `json:"kernel_transition_ns,omitempty"`
	// Detection is the time from the kernel's completion record to klpkit
	// seeing the transition finished; measured only when asked, as it
	// writes a reference record to the kernel log.
	Detection time.Duration `json:"detection_ns,omitempty"`
	// DetectedBy is "kmsg" or "sysfs": which source saw the end first.
	DetectedBy string `json:"detected_by,omitempty"`
	// Blockers are the tasks that held the transition at the deadline.
	Blockers []Blocker `json:"blockers,omitempty"`
	// Log holds the kernel's livepatch lines about this patch during the
	// operation.
	Log []string `json:"log,omitempty"`
	// Reverted or forced afterwards: the error of that step, if any.
	FollowUp string `json:"follow_up_error,omitempty"`
	// Pinned is set when an unpatching transition was forced: tasks may
	// still run the patch's code, so the kernel keeps its module for
	// ever. Forcing a patching transition does not pin it.
	Pinned bool `json:"pinned,omitempty"`
}

// Blocker is a task that had not switched when the wait ended.
type Blocker struct {
	sysfs.Task
	// Functions are the patch's functions found on the task's stack: why
	// the kernel cannot switch it. Empty when the task was running on
	// another CPU instead (or its stack was unreadable).
	Functions []string `json:"functions,omitempty"`
	// KernelSays is the kernel's own debug line about the task
	// ("... is sleeping on function ..."), when it logged one.
	KernelSays []string `json:"kernel_says,omitempty"`
}

// Progress is a snapshot while waiting.
type Progress struct {
	Patch   string
	Elapsed time.Duration
	// Pending is the number of tasks not yet switched, -1 when unknown.
	Pending int
}
