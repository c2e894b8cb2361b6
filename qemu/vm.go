package qemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// VM is a running QEMU. Its owner must call Wait, which reaps QEMU, even
// after Kill or after the context ended.
type VM struct {
	ctx     context.Context
	cmd     *exec.Cmd
	argv    []string
	console string
	start   time.Time

	events *stream
	// copied is closed when the event copier has seen QEMU's stdout end.
	copied chan struct{}
	stderr *tail
	killed atomic.Bool

	waitOnce sync.Once
	waitErr  error
}

// Start boots a VM. ttyS0, the kernel console, goes to cfg.ConsoleLog;
// ttyS1, the event channel of the guest agent, is read from Events. QEMU is
// killed when ctx ends.
func Start(ctx context.Context, cfg Config) (*VM, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("qemu: %w", err)
	}
	bin, err := exec.LookPath(cfg.QEMU)
	if err != nil {
		return nil, fmt.Errorf("qemu: %w; run \"make setup\" (scripts/setup.sh installs qemu-system-x86)", err)
	}
	console, err := createConsoleLog(cfg.ConsoleLog)
	if err != nil {
		return nil, fmt.Errorf("qemu: console log: %w", err)
	}

	// Our own pipe rather than cmd.StdoutPipe: Wait must not close the
	// read end while Events readers may still be draining it, and passing
	// an *os.File makes exec give QEMU the write end directly, with no
	// copying goroutine in between.
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("qemu: %w", err)
	}

	vm := &VM{
		ctx:     ctx,
		console: console,
		events:  newStream(),
		copied:  make(chan struct{}),
		stderr:  &tail{max: 16 << 10},
	}
	vm.argv = append([]string{bin}, args(cfg, console)...)
	vm.cmd = exec.CommandContext(ctx, bin, vm.argv[1:]...)
	// No stdin: QEMU's stdio chardev would otherwise forward the host's
	// terminal input to the guest's ttyS1.
	vm.cmd.Stdin = nil
	vm.cmd.Stdout = w
	vm.cmd.Stderr = vm.stderr
	vm.cmd.SysProcAttr = sysProcAttr()
	// Bounds Wait if something QEMU started kept its stderr open.
	vm.cmd.WaitDelay = 5 * time.Second

	vm.start = time.Now()
	err = vm.cmd.Start()
	w.Close() // QEMU holds the only write end now: EOF comes when it exits
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("qemu: start %s: %w", bin, err)
	}
	go func() {
		defer close(vm.copied)
		defer r.Close()
		vm.events.fill(r)
	}()
	return vm, nil
}

// createConsoleLog makes sure the log can be written before QEMU starts,
// so a bad path is an error of Start and not a QEMU exit.
func createConsoleLog(name string) (string, error) {
	var f *os.File
	var err error
	if name == "" {
		f, err = os.CreateTemp("", "klpkit-console-*.log")
	} else {
		f, err = os.Create(name)
	}
	if err != nil {
		return "", err
	}
	return f.Name(), f.Close()
}

// Events reads the bytes the guest writes to ttyS1, from the first one,
// as they arrive; it returns io.EOF after QEMU exited. Every call returns a
// new reader. The bytes are buffered as they come, so QEMU never waits for
// a reader.
func (vm *VM) Events() io.Reader {
	return vm.events.reader()
}

// ConsoleLog is the file that holds the kernel console (ttyS0).
func (vm *VM) ConsoleLog() string { return vm.console }

// Cmdline is QEMU's full argv, for logs and for rerunning a VM by hand.
func (vm *VM) Cmdline() []string { return append([]string(nil), vm.argv...) }

// Kill stops QEMU at once. Wait must still be called.
func (vm *VM) Kill() {
	vm.killed.Store(true)
	// An error means QEMU already exited, which is what Kill wants.
	_ = vm.cmd.Process.Kill()
}

// ErrGuestPanic is wrapped by Wait's error when the guest kernel panicked.
// QEMU itself exits normally then (panic=-1 and -no-reboot), so only the
// console says so.
var ErrGuestPanic = errors.New("guest kernel panic")

// Wait waits for QEMU to exit and for the event stream to end. It returns
// nil when QEMU exited by itself with status 0 and the kernel did not
// panic: the guest powered off. That says nothing about what the guest
// did; the guest must report its result on the event channel. Otherwise
// the error names the console log and wraps ErrGuestPanic, the context's
// error (QEMU was killed at the deadline), or QEMU's exit status with its
// stderr. Later calls return the same result.
func (vm *VM) Wait() error {
	vm.waitOnce.Do(func() { vm.waitErr = vm.wait() })
	return vm.waitErr
}

func (vm *VM) wait() error {
	err := vm.cmd.Wait()
	<-vm.copied
	elapsed := time.Since(vm.start).Round(time.Millisecond)

	if ctxErr := vm.ctx.Err(); ctxErr != nil && err != nil {
		how := "at the deadline"
		if !errors.Is(ctxErr, context.DeadlineExceeded) {
			how = "when its context was canceled"
		}
		return fmt.Errorf("qemu: VM killed %s after %s (console log: %s): %w", how, elapsed, vm.console, ctxErr)
	}
	if vm.killed.Load() && err != nil {
		return fmt.Errorf("qemu: VM killed after %s (console log: %s)", elapsed, vm.console)
	}
	if err != nil {
		msg := strings.TrimSpace(string(vm.stderr.buf))
		if msg == "" {
			msg = "no output on stderr"
		}
		return fmt.Errorf("qemu: %w after %s: %s (console log: %s)", err, elapsed, msg, vm.console)
	}
	if line, err := findPanic(vm.console); err != nil {
		return fmt.Errorf("qemu: read console log: %w", err)
	} else if line != "" {
		return fmt.Errorf("qemu: %w after %s: %q (console log: %s)", ErrGuestPanic, elapsed, line, vm.console)
	}
	return nil
}
