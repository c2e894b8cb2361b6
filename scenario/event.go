package scenario

import (
	"fmt"
	"time"
)

// Event kinds the guest sends, one JSON object per line on its event
// channel (ttyS1).
const (
	EventReady     = "ready"    // the agent runs; Kernel and Uptime are set
	EventPlanStart = "plan"     // a plan of the batch starts
	EventStep      = "step"     // a step ended; Step, What, Dur, Err
	EventKmsg      = "kmsg"     // one kernel log record of the plan
	EventPlanEnd   = "plan-end" // the plan ended: OK and Err
	EventResult    = "result"   // the last event: OK, Err, and Ran plans
)

// Event is one report from the guest. At is the guest's monotonic time
// since the agent started, so phases are timed by the guest's clock, not
// by the host's view of a slow serial line.
type Event struct {
	Kind string   `json:"kind"`
	At   Duration `json:"at"`
	// Plan is the index in the batch of the plan the event belongs to.
	Plan int `json:"plan"`
	// Ran is how many plans the agent ran (EventResult); the host runs
	// the rest in another VM, as when a plan left the kernel unclean.
	Ran int `json:"ran,omitempty"`

	Kernel string   `json:"kernel,omitempty"`
	Uptime Duration `json:"uptime,omitempty"`

	Step int      `json:"step,omitempty"` // 1-based
	What string   `json:"what,omitempty"`
	Dur  Duration `json:"dur,omitempty"`
	// Transition is how long a load or disable waited for the kernel's
	// transition after the syscall or write returned.
	Transition Duration `json:"transition,omitempty"`

	Log *LogLine `json:"log,omitempty"`
	// Output is what a run step's command printed (clipped).
	Output string `json:"output,omitempty"`

	OK  bool   `json:"ok,omitempty"`
	Err string `json:"err,omitempty"`
}

// LogLine is a kernel log record as the guest read it from /dev/kmsg.
type LogLine struct {
	Level int      `json:"level"`
	Time  Duration `json:"time"` // since boot
	Text  string   `json:"text"`
}

func (l LogLine) String() string {
	return fmt.Sprintf("[%12.6f] %s", time.Duration(l.Time).Seconds(), l.Text)
}
