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
}

// Outcome is what one VM run showed.
type Outcome struct {
	Kernel string
	// Boot is QEMU's start to the agent's ready event, on the host clock.
	Boot  time.Duration
	Steps []Event
	Log   []LogLine
	// Result is the guest's final event; nil when it never came.
	Result *Event
	// PowerOff is the final event to QEMU's exit.
	PowerOff   time.Duration
	Total      time.Duration
	ConsoleLog string
	Initramfs  string
}

// Run boots a VM that runs plan with the given modules (plan.Modules'
// File paths must match the files' Path). It returns the outcome, and an
// error when the plan failed, the guest never reported, or QEMU failed;
// the error names the console log.
func Run(ctx context.Context, vm VM, plan *Plan, files []qemu.File) (*Outcome, error) {
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
	out := &Outcome{
		ConsoleLog: filepath.Join(vm.WorkDir, "console.log"),
		Initramfs:  filepath.Join(vm.WorkDir, "initramfs.cpio"),
	}
	if err := writeInitramfs(out.Initramfs, vm.Agent, plan, files); err != nil {
		return nil, err
	}

	timeout := vm.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	m, err := qemu.Start(ctx, qemu.Config{
		Kernel:     vmlinux,
		Initrd:     out.Initramfs,
		Append:     []string{"quiet", DynamicDebug},
		CPUs:       vm.CPUs,
		MemoryMB:   vm.MemoryMB,
		KVM:        vm.KVM,
		ConsoleLog: out.ConsoleLog,
	})
	if err != nil {
		return nil, err
	}
	var resultAt time.Time
	sc := bufio.NewScanner(m.Events())
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		var ev Event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &ev) != nil {
			continue // not ours: the port may carry noise before the agent opens it
		}
		switch ev.Kind {
		case EventReady:
			out.Boot = time.Since(start)
			out.Kernel = ev.Kernel
		case EventStep:
			out.Steps = append(out.Steps, ev)
		case EventKmsg:
			if ev.Log != nil {
				out.Log = append(out.Log, *ev.Log)
			}
		case EventResult:
			out.Result = &ev
			resultAt = time.Now()
		}
		if vm.Progress != nil {
			vm.Progress(ev)
		}
	}
	werr := m.Wait()
	out.Total = time.Since(start)
	if !resultAt.IsZero() {
		out.PowerOff = time.Since(resultAt)
	}
	switch {
	case out.Result == nil && werr != nil:
		return out, fmt.Errorf("the VM ended without a result%s: %w (console log: %s)", inProgress(out, plan), werr, out.ConsoleLog)
	case out.Result == nil:
		return out, fmt.Errorf("the VM powered off without sending a result%s (console log: %s)", inProgress(out, plan), out.ConsoleLog)
	case !out.Result.OK:
		return out, fmt.Errorf("in the VM: %s (console log: %s)", out.Result.Err, out.ConsoleLog)
	case werr != nil:
		return out, fmt.Errorf("after the guest's result: %w (console log: %s)", werr, out.ConsoleLog)
	}
	return out, nil
}

func writeInitramfs(path, agent string, plan *Plan, files []qemu.File) error {
	data, err := json.MarshalIndent(plan, "", "  ")
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	all := append([]qemu.File{
		{Path: "/init", Mode: 0o755, Src: agent},
		{Path: PlanPath, Mode: 0o644, Data: data},
	}, files...)
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
// the step after the last one it finished, or its boot.
func inProgress(out *Outcome, plan *Plan) string {
	if out.Kernel == "" {
		return " (it never reported ready: the kernel or the agent did not start)"
	}
	n := len(out.Steps)
	if n < len(plan.Steps) {
		s := plan.Steps[n]
		return fmt.Sprintf(" during step %d (%s)%s", n+1, s, where(s))
	}
	return " after its last step"
}
