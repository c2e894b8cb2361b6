package scenario

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// PlanPath is where the batch of plans sits in the guest's initramfs.
const PlanPath = "/klpkit/plan.json"

// Batch is what one VM runs: plans in turn, each on a kernel checked to be
// clean of the previous ones' patches and modules, so a boot serves
// several scenarios.
type Batch struct {
	Plans []*Plan `json:"plans"`
}

// DefaultPlanTimeout bounds a plan that sets none.
const DefaultPlanTimeout = 60 * time.Second

// Plan is what the guest agent runs.
type Plan struct {
	Name string `json:"name"`
	// Modules maps a scenario's handle to a module in the initramfs.
	Modules map[string]Module `json:"modules"`
	Steps   []Step            `json:"steps"`
	// StepTimeout bounds each step, so a hung step fails with its name
	// rather than running into the VM's deadline.
	StepTimeout Duration `json:"step_timeout"`
	// Timeout bounds the whole plan (DefaultPlanTimeout when 0).
	Timeout Duration `json:"timeout,omitempty"`
}

func (p *Plan) timeout() time.Duration {
	if p.Timeout > 0 {
		return time.Duration(p.Timeout)
	}
	return DefaultPlanTimeout
}

// Module is a module file inside the guest.
type Module struct {
	Name      string `json:"name"` // the kernel's module name
	File      string `json:"file"` // path in the guest
	Livepatch bool   `json:"livepatch"`
}

// Step is one action or check. Exactly one of the action fields is set;
// Params, Error and NoWait refine load, unload and disable.
type Step struct {
	Load    string     `json:"load,omitempty"`
	Unload  string     `json:"unload,omitempty"`
	Disable string     `json:"disable,omitempty"`
	Wait    *WaitFor   `json:"wait,omitempty"`
	Write   *WriteFile `json:"write,omitempty"`
	Expect  *Expect    `json:"expect,omitempty"`
	Sleep   Duration   `json:"sleep,omitempty"`
	// Run runs a klpkit command in the guest; Kill sends SIGKILL to a
	// background run; Join waits for one and checks it.
	// Stop interrupts one (SIGINT) and checks it like Join.
	Run  *RunCmd `json:"run,omitempty"`
	Kill string  `json:"kill,omitempty"`
	Join string  `json:"join,omitempty"`
	Stop string  `json:"stop,omitempty"`

	Params string `json:"params,omitempty"`
	// Error is the errno name (ENODEV, ...) the action must fail with.
	Error  string `json:"error,omitempty"`
	NoWait bool   `json:"nowait,omitempty"`

	// Where is the step's place in its scenario file, for messages.
	Where string `json:"where,omitempty"`
}

// RunCmd is a klpkit command run inside the guest. An argument "@handle"
// stands for that module's file in the guest.
type RunCmd struct {
	Args []string `json:"args"`
	// Exit is the exit code it must end with (default 0).
	Exit int `json:"exit"`
	// Output holds texts its output (stdout and stderr) must contain, in
	// this order; Lacks texts it must not.
	Output []string `json:"output,omitempty"`
	Lacks  []string `json:"lacks,omitempty"`
	// Has holds texts the output must contain, in any order: for events
	// whose order against the others the kernel does not fix.
	Has []string `json:"has,omitempty"`
	// Background names the run and goes on at once; Join checks it.
	Background string `json:"background,omitempty"`
}

// WaitFor polls a file until its trimmed content equals Value.
type WaitFor struct {
	Path  string `json:"path"`
	Value string `json:"value"`
}

// WriteFile writes Value to Path (a sysfs attribute or parameter).
type WriteFile struct {
	Path  string `json:"path"`
	Value string `json:"value"`
}

// Expect checks a file's content, or whether the path exists.
type Expect struct {
	Path     string `json:"path"`
	Contains string `json:"contains,omitempty"`
	Lacks    string `json:"lacks,omitempty"`
	Exists   *bool  `json:"exists,omitempty"`
}

// String names a step the way the timeline and errors show it.
func (s Step) String() string {
	var b strings.Builder
	switch {
	case s.Load != "":
		fmt.Fprintf(&b, "load %s", s.Load)
		if s.Params != "" {
			fmt.Fprintf(&b, " %s", s.Params)
		}
	case s.Unload != "":
		fmt.Fprintf(&b, "unload %s", s.Unload)
	case s.Disable != "":
		fmt.Fprintf(&b, "disable %s", s.Disable)
	case s.Wait != nil:
		fmt.Fprintf(&b, "wait %s = %q", s.Wait.Path, s.Wait.Value)
	case s.Write != nil:
		fmt.Fprintf(&b, "write %q > %s", s.Write.Value, s.Write.Path)
	case s.Expect != nil:
		fmt.Fprintf(&b, "expect %s", s.Expect.Path)
		if s.Expect.Contains != "" {
			fmt.Fprintf(&b, " contains %q", s.Expect.Contains)
		}
		if s.Expect.Lacks != "" {
			fmt.Fprintf(&b, " lacks %q", s.Expect.Lacks)
		}
		if s.Expect.Exists != nil && *s.Expect.Exists {
			b.WriteString(" exists")
		} else if s.Expect.Exists != nil {
			b.WriteString(" is absent")
		}
	case s.Sleep > 0:
		fmt.Fprintf(&b, "sleep %s", time.Duration(s.Sleep))
	case s.Run != nil:
		fmt.Fprintf(&b, "run klpkit %s", strings.Join(s.Run.Args, " "))
		if s.Run.Background != "" {
			fmt.Fprintf(&b, " (background %s)", s.Run.Background)
		}
	case s.Kill != "":
		fmt.Fprintf(&b, "kill %s", s.Kill)
	case s.Join != "":
		fmt.Fprintf(&b, "join %s", s.Join)
	case s.Stop != "":
		fmt.Fprintf(&b, "stop %s", s.Stop)
	default:
		b.WriteString("(empty step)")
	}
	if s.NoWait {
		b.WriteString(" (nowait)")
	}
	if s.Error != "" {
		fmt.Fprintf(&b, " (must fail with %s)", s.Error)
	}
	return b.String()
}

// Duration is a time.Duration that reads and writes as "1.5s" in JSON.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}
