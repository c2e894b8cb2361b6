package scenario

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/klpkit/klpkit/kernel"
	"github.com/klpkit/klpkit/qemu"
)

// DynamicDebug turns on the livepatch core's debug lines (initializing,
// completing, canceling, reversing) but not klp_try_switch_task's per-task
// lines, whose number depends on timing; the kernel's selftests do the
// same, and it gives a log a scenario can expect exactly.
const DynamicDebug = `dyndbg="file kernel/livepatch/* +p; func klp_try_switch_task -p"`

// VM says how to boot the test VM.
type VM struct {
	Target *kernel.Target
	// Agent is a static klpkit binary; it becomes the initramfs's /init.
	Agent    string
	CPUs     int
	MemoryMB int
	KVM      bool
	// Timeout bounds the whole VM, boot to power-off.
	Timeout time.Duration
	// WorkDir receives the initramfs and the console log.
	WorkDir string
	// Progress, if set, sees each event as it arrives.
	Progress func(Event)
	// PlanDone, if set, is called as each plan of a batch ends, with its
	// outcome so far (the VM's figures are filled in at the end).
	PlanDone func(plan int, out *Outcome)
}

// Outcome is what one plan's run showed, with the figures of the VM it
// ran in (a VM may run several plans: see RunBatch).
type Outcome struct {
	Kernel string
	// Boot is QEMU's start to the agent's ready event, on the host clock.
	Boot  time.Duration
	Steps []Event
	Log   []LogLine
	// Result is the plan's end event; nil when it never came.
	Result *Event
	// Elapsed is the plan's own time in the guest, start to end.
	Elapsed time.Duration
	// PowerOff is the agent's final event to QEMU's exit, and Total the
	// whole VM; both are the VM's, shared by its plans.
	PowerOff   time.Duration
	Total      time.Duration
	ConsoleLog string
	Initramfs  string

	started bool
	startAt Duration
}

// BatchOutcome is what one VM running several plans showed.
type BatchOutcome struct {
	// Plans holds an outcome for each plan, in order.
	Plans []*Outcome
	// Ran is how many plans the guest ran; the others are to run in
	// another VM (the kernel was left unclean, or a plan overran).
	Ran int
	// Stopped says why the guest stopped before the last plan.
	Stopped string
	// Err is why the VM failed (it died, hung, or the agent failed); nil
	// when the guest reported its final result and powered off.
	Err error
}

// Run boots a VM that runs one plan with the given modules (plan.Modules'
// File paths must match the files' Path). It returns the outcome, and an
// error when the plan failed, the guest never reported, or QEMU failed;
// the error names the console log.
func Run(ctx context.Context, vm VM, plan *Plan, files []qemu.File) (*Outcome, error) {
	b, err := RunBatch(ctx, vm, []*Plan{plan}, files)
	if err != nil {
		return nil, err
	}
	out := b.Plans[0]
	switch {
	case b.Err != nil:
		return out, b.Err
	case out.Result == nil:
		return out, fmt.Errorf("the VM ended without running the plan: %s (console log: %s)", b.Stopped, out.ConsoleLog)
	case !out.Result.OK:
		return out, fmt.Errorf("in the VM: %s (console log: %s)", out.Result.Err, out.ConsoleLog)
	}
	return out, nil
}

// RunBatch boots one VM that runs the plans in turn. The error is for what
// kept the VM from starting; how the VM and each plan ended is in the
// BatchOutcome. A plan that has a Result ran to its end (OK or not); one
// the VM died during has none (see RunningPlan), and Err names the step it
// was on; plans from Ran on did not run.
func RunBatch(ctx context.Context, vm VM, plans []*Plan, files []qemu.File) (*BatchOutcome, error) {
	if err := checkStatic(vm.Agent); err != nil {
		return nil, err
	}
	vmlinux, err := vm.Target.Vmlinux(ctx)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(vm.WorkDir, 0o755); err != nil {
		return nil, fmt.Errorf("vm work directory: %w", err)
	}
	console := filepath.Join(vm.WorkDir, "console.log")
	initramfs := filepath.Join(vm.WorkDir, "initramfs.cpio")
	if err := writeInitramfs(initramfs, vm.Agent, &Batch{Plans: plans}, files); err != nil {
		return nil, err
	}

	timeout := vm.Timeout
	if timeout <= 0 {
		// Boot, then every plan's own bound.
		timeout = 30 * time.Second
		for _, p := range plans {
			timeout += p.timeout()
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	m, err := qemu.Start(ctx, qemu.Config{
		Kernel:     vmlinux,
		Initrd:     initramfs,
		Append:     []string{"quiet", DynamicDebug},
		CPUs:       vm.CPUs,
		MemoryMB:   vm.MemoryMB,
		KVM:        vm.KVM,
		ConsoleLog: console,
	})
	if err != nil {
		return nil, err
	}
	b := &BatchOutcome{}
	for range plans {
		b.Plans = append(b.Plans, &Outcome{ConsoleLog: console, Initramfs: initramfs})
	}
	var kernel string
	var boot time.Duration
	var result *Event
	var resultAt time.Time
	sc := bufio.NewScanner(m.Events())
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		var ev Event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &ev) != nil {
			continue // not ours: the port may carry noise before the agent opens it
		}
		var out *Outcome
		if ev.Plan >= 0 && ev.Plan < len(b.Plans) {
			out = b.Plans[ev.Plan]
		}
		switch {
		case ev.Kind == EventReady:
			boot, kernel = time.Since(start), ev.Kernel
		case ev.Kind == EventResult:
			result, resultAt = &ev, time.Now()
		case out == nil:
		case ev.Kind == EventPlanStart:
			out.started, out.startAt = true, ev.At
		case ev.Kind == EventStep:
			out.Steps = append(out.Steps, ev)
		case ev.Kind == EventKmsg && ev.Log != nil:
			out.Log = append(out.Log, *ev.Log)
		case ev.Kind == EventPlanEnd:
			out.Result = &ev
			out.Elapsed = time.Duration(ev.At - out.startAt)
			out.Kernel, out.Boot = kernel, boot
			if vm.PlanDone != nil {
				vm.PlanDone(ev.Plan, out)
			}
		}
		if vm.Progress != nil {
			vm.Progress(ev)
		}
	}
	werr := m.Wait()
	total := time.Since(start)
	var powerOff time.Duration
	if !resultAt.IsZero() {
		powerOff = time.Since(resultAt)
	}
	for _, out := range b.Plans {
		out.Kernel, out.Boot, out.PowerOff, out.Total = kernel, boot, powerOff, total
	}
	if result != nil {
		b.Ran, b.Stopped = result.Ran, result.What
	} else {
		for i, out := range b.Plans {
			if out.started {
				b.Ran = i + 1
			}
		}
	}
	switch {
	case result == nil && werr != nil:
		b.Err = fmt.Errorf("the VM ended without a result%s: %w (console log: %s)", b.inProgress(plans, kernel), werr, console)
	case result == nil:
		b.Err = fmt.Errorf("the VM powered off without sending a result%s (console log: %s)", b.inProgress(plans, kernel), console)
	case !result.OK:
		b.Err = fmt.Errorf("the agent in the VM failed: %s (console log: %s)", result.Err, console)
	case werr != nil:
		b.Err = fmt.Errorf("after the guest's result: %w (console log: %s)", werr, console)
	}
	return b, nil
}

func writeInitramfs(path, agent string, batch *Batch, files []qemu.File) error {
	data, err := json.MarshalIndent(batch, "", "  ")
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	all := []qemu.File{
		{Path: "/init", Mode: 0o755, Src: agent},
		{Path: PlanPath, Mode: 0o644, Data: data},
	}
	// Plans of a batch share module files: pack each once.
	seen := map[string]bool{}
	for _, f := range files {
		if !seen[f.Path] {
			seen[f.Path] = true
			all = append(all, f)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("initramfs: %w", err)
	}
	if err := qemu.WriteInitramfs(f, all); err != nil {
		f.Close()
		return fmt.Errorf("initramfs %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("initramfs %s: %w", path, err)
	}
	return nil
}

// checkStatic refuses a dynamically linked agent: the initramfs has no
// libc or loader, and the kernel would fail to start /init with only a
// console message.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("agent binary: %w", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("agent binary %s is dynamically linked: build klpkit with CGO_ENABLED=0 (make build does)", path)
		}
	}
	if f.Machine != elf.EM_X86_64 {
		return errors.New("agent binary " + path + " is not x86-64")
	}
	return nil
}

// inProgress names what the guest was doing when it stopped reporting:
// the step after the last one the running plan finished, or its boot.
func (b *BatchOutcome) inProgress(plans []*Plan, kernel string) string {
	if kernel == "" {
		return " (it never reported ready: the kernel or the agent did not start)"
	}
	for i, out := range b.Plans {
		if !out.started || out.Result != nil {
			continue
		}
		n := len(out.Steps)
		prefix := ""
		if len(plans) > 1 {
			prefix = fmt.Sprintf(" in plan %d (%s)", i+1, plans[i].Name)
		}
		if n < len(plans[i].Steps) {
			s := plans[i].Steps[n]
			return fmt.Sprintf("%s during step %d (%s)%s", prefix, n+1, s, where(s))
		}
		return prefix + " after its last step"
	}
	return " between plans"
}

// RunningPlan returns the index of the plan the VM was running when it
// failed, or -1.
func (b *BatchOutcome) RunningPlan() int {
	for i, out := range b.Plans {
		if out.started && out.Result == nil {
			return i
		}
	}
	return -1
}
