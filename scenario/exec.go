package scenario

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/klpkit/klpkit/kmod"
	"github.com/klpkit/klpkit/sysfs"
	"github.com/klpkit/klpkit/transition"
)

// Guest is what Exec needs of the machine it runs on. The real one is
// NewGuest; tests may point the paths at a temporary tree.
type Guest struct {
	Livepatch *sysfs.FS
	// Load and Unload default to kmod's syscalls.
	Load   func(path, params string) error
	Unload func(name string) error
	// Poll is how often waits re-read sysfs.
	Poll time.Duration
	// Self is the klpkit binary that run steps execute.
	Self string

	bg runs
}

// NewGuest returns the Guest of the running kernel.
func NewGuest() *Guest {
	self, _ := os.Executable()
	return &Guest{Livepatch: sysfs.New(), Load: kmod.Load, Unload: kmod.Unload, Poll: 5 * time.Millisecond, Self: self}
}

// Exec runs the plan's steps in order, calling emit with an EventStep
// after each. It stops at the first failing step and returns its error,
// which names the step.
func (g *Guest) Exec(ctx context.Context, plan *Plan, emit func(Event)) error {
	defer g.reapAll()
	for i, s := range plan.Steps {
		timeout := time.Duration(plan.StepTimeout)
		if timeout <= 0 {
			timeout = 30 * time.Second
		}
		sctx, cancel := context.WithTimeout(ctx, timeout)
		start := time.Now()
		transition, output, err := g.step(sctx, plan, s)
		cancel()
		ev := Event{Kind: EventStep, Step: i + 1, What: s.String(), Dur: Duration(time.Since(start)), Transition: Duration(transition), Output: clipOutput(output)}
		if err != nil {
			switch {
			case ctx.Err() != nil:
				err = fmt.Errorf("the scenario's deadline (%s) passed during step %d (%s)%s: %w", plan.timeout(), i+1, s, where(s), err)
			case errors.Is(err, context.DeadlineExceeded):
				err = fmt.Errorf("step %d (%s)%s: %w (the step's bound is %s)", i+1, s, where(s), err, timeout)
			default:
				err = fmt.Errorf("step %d (%s)%s: %w", i+1, s, where(s), err)
			}
			ev.Err = err.Error()
		}
		emit(ev)
		if err != nil {
			return err
		}
	}
	return nil
}

func where(s Step) string {
	if s.Where == "" {
		return ""
	}
	return " at " + s.Where
}

// step runs one step; it returns how long it waited for a transition and
// what a run step's command printed.
func (g *Guest) step(ctx context.Context, plan *Plan, s Step) (time.Duration, string, error) {
	switch {
	case s.Run != nil:
		out, err := g.runStep(ctx, plan, s.Run)
		return 0, out, err
	case s.Kill != "":
		return 0, "", g.kill(s.Kill)
	case s.Join != "":
		out, err := g.join(ctx, s.Join)
		return 0, out, err
	case s.Stop != "":
		out, err := g.stop(ctx, s.Stop)
		return 0, out, err
	}
	d, err := g.action(ctx, plan, s)
	return d, "", err
}

// action runs a step other than run, kill and join.
func (g *Guest) action(ctx context.Context, plan *Plan, s Step) (time.Duration, error) {
	switch {
	case s.Load != "":
		m, err := module(plan, s.Load)
		if err != nil {
			return 0, err
		}
		if err := expectErrno(g.Load(m.File, s.Params), s.Error); err != nil || s.Error != "" {
			return 0, err
		}
		if !m.Livepatch || s.NoWait {
			return 0, nil
		}
		return g.wait(ctx, m.Name)
	case s.Unload != "":
		m, err := module(plan, s.Unload)
		if err != nil {
			return 0, err
		}
		return 0, expectErrno(g.unload(ctx, m), s.Error)
	case s.Disable != "":
		m, err := module(plan, s.Disable)
		if err != nil {
			return 0, err
		}
		if err := expectErrno(g.Livepatch.Disable(m.Name), s.Error); err != nil || s.Error != "" {
			return 0, err
		}
		if s.NoWait {
			return 0, nil
		}
		return g.wait(ctx, m.Name)
	case s.Wait != nil:
		return 0, g.waitValue(ctx, s.Wait)
	case s.Write != nil:
		return 0, expectErrno(os.WriteFile(s.Write.Path, []byte(s.Write.Value), 0), s.Error)
	case s.Expect != nil:
		return 0, expect(s.Expect)
	case s.Sleep > 0:
		select {
		case <-time.After(time.Duration(s.Sleep)):
			return 0, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return 0, errors.New("empty step")
}

func module(plan *Plan, handle string) (Module, error) {
	m, ok := plan.Modules[handle]
	if !ok {
		return Module{}, fmt.Errorf("no module %q in the plan", handle)
	}
	return m, nil
}

func (g *Guest) wait(ctx context.Context, name string) (time.Duration, error) {
	start := time.Now()
	err := g.Livepatch.WaitTransition(ctx, name, g.Poll, nil)
	return time.Since(start), err
}

// unload removes a module; for a livepatch it goes through
// transition.Unload, which waits out the moment after a disable when the
// kernel still holds the module and explains a refusal.
func (g *Guest) unload(ctx context.Context, m Module) error {
	if !m.Livepatch {
		return g.Unload(m.Name)
	}
	return transition.Unload(ctx, m.Name, transition.Options{FS: g.Livepatch, Unload: g.Unload})
}

func (g *Guest) waitValue(ctx context.Context, w *WaitFor) error {
	var last string
	for {
		data, err := os.ReadFile(w.Path)
		last = strings.TrimSpace(string(data))
		if err != nil {
			last = err.Error()
		} else if last == w.Value {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s is %q, not %q: %w", w.Path, last, w.Value, ctx.Err())
		case <-time.After(g.Poll):
		}
	}
}

// expectErrno compares an action's outcome with the errno it should fail
// with ("" for success).
func expectErrno(err error, want string) error {
	if want == "" {
		return err
	}
	if err == nil {
		return fmt.Errorf("succeeded, but should have failed with %s", want)
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return fmt.Errorf("should have failed with %s, but failed with: %w", want, err)
	}
	if w, ok := ErrnoByName(want); !ok || w != errno {
		return fmt.Errorf("should have failed with %s, but failed with %s: %w", want, errnoName(errno), err)
	}
	return nil
}

func expect(e *Expect) error {
	if e.Exists != nil {
		_, err := os.Lstat(e.Path)
		switch {
		case *e.Exists && err != nil:
			return fmt.Errorf("%s should exist: %w", e.Path, err)
		case !*e.Exists && err == nil:
			return fmt.Errorf("%s should not exist, but does", e.Path)
		case !*e.Exists && !errors.Is(err, os.ErrNotExist):
			return fmt.Errorf("%s: %w", e.Path, err)
		}
		if e.Contains == "" && e.Lacks == "" {
			return nil
		}
	}
	data, err := os.ReadFile(e.Path)
	if err != nil {
		return err
	}
	text := string(data)
	if e.Contains != "" && !strings.Contains(text, e.Contains) {
		return fmt.Errorf("%s does not contain %q; it holds %q", e.Path, e.Contains, clip(text))
	}
	if e.Lacks != "" && strings.Contains(text, e.Lacks) {
		return fmt.Errorf("%s contains %q; it holds %q", e.Path, e.Lacks, clip(text))
	}
	return nil
}

// clipOutput keeps a run's output small enough for the event channel.
func clipOutput(s string) string {
	const max = 8 << 10
	if len(s) > max {
		return s[:max] + "\n... (clipped)"
	}
	return s
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}
