package scenario

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
)

// runs holds the background klpkit commands of one Exec.
type runs struct {
	mu     sync.Mutex
	byName map[string]*bgRun
}

type bgRun struct {
	cmd  *exec.Cmd
	out  *lockedBuffer
	spec *RunCmd
	done chan error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// command builds the klpkit command of a run step: the guest's own klpkit
// (the agent binary) with module handles replaced by their files.
func (g *Guest) command(plan *Plan, r *RunCmd) (*exec.Cmd, *lockedBuffer, error) {
	if g.Self == "" {
		return nil, nil, errors.New("run: the guest does not know its klpkit binary")
	}
	args := make([]string, len(r.Args))
	for i, a := range r.Args {
		if h, ok := strings.CutPrefix(a, "@"); ok {
			m, err := module(plan, h)
			if err != nil {
				return nil, nil, err
			}
			a = m.File
		}
		args[i] = a
	}
	cmd := exec.Command(g.Self, args...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	return cmd, out, nil
}

// runStep runs a command to its end (or starts it in the background) and
// returns its output.
func (g *Guest) runStep(ctx context.Context, plan *Plan, r *RunCmd) (string, error) {
	cmd, out, err := g.command(plan, r)
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("run klpkit: %w", err)
	}
	bg := &bgRun{cmd: cmd, out: out, spec: r, done: make(chan error, 1)}
	go func() { bg.done <- cmd.Wait() }()
	if r.Background != "" {
		g.bg.mu.Lock()
		defer g.bg.mu.Unlock()
		if g.bg.byName == nil {
			g.bg.byName = map[string]*bgRun{}
		}
		if _, dup := g.bg.byName[r.Background]; dup {
			cmd.Process.Kill()
			return "", fmt.Errorf("a background run named %q is already running", r.Background)
		}
		g.bg.byName[r.Background] = bg
		return "", nil
	}
	return bg.finish(ctx)
}

// finish waits for the command (killing it when ctx ends) and checks its
// exit code and output against the step.
func (b *bgRun) finish(ctx context.Context) (string, error) {
	var err error
	select {
	case err = <-b.done:
	case <-ctx.Done():
		b.cmd.Process.Kill()
		<-b.done
		return b.out.String(), fmt.Errorf("klpkit %s did not finish: %w", strings.Join(b.spec.Args, " "), ctx.Err())
	}
	output := b.out.String()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		return output, err
	}
	if code != b.spec.Exit {
		return output, fmt.Errorf("klpkit %s exited %d, want %d; it printed:\n%s", strings.Join(b.spec.Args, " "), code, b.spec.Exit, clipOutput(output))
	}
	// In order: each text must come after the one before, so a step can
	// check the sequence of events a command reported.
	rest := output
	for _, want := range b.spec.Output {
		i := strings.Index(rest, want)
		if i < 0 {
			return output, fmt.Errorf("klpkit %s did not print %q (after the texts before it); it printed:\n%s", strings.Join(b.spec.Args, " "), want, clipOutput(output))
		}
		rest = rest[i+len(want):]
	}
	for _, want := range b.spec.Has {
		if !strings.Contains(output, want) {
			return output, fmt.Errorf("klpkit %s did not print %q; it printed:\n%s", strings.Join(b.spec.Args, " "), want, clipOutput(output))
		}
	}
	for _, not := range b.spec.Lacks {
		if strings.Contains(output, not) {
			return output, fmt.Errorf("klpkit %s printed %q; it printed:\n%s", strings.Join(b.spec.Args, " "), not, clipOutput(output))
		}
	}
	return output, nil
}

func (g *Guest) take(name string) (*bgRun, error) {
	g.bg.mu.Lock()
	defer g.bg.mu.Unlock()
	b, ok := g.bg.byName[name]
	if !ok {
		return nil, fmt.Errorf("no background run named %q", name)
	}
	delete(g.bg.byName, name)
	return b, nil
}

func (g *Guest) kill(name string) error {
	b, err := g.take(name)
	if err != nil {
		return err
	}
	if err := b.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill %s: %w", name, err)
	}
	<-b.done
	return nil
}

func (g *Guest) join(ctx context.Context, name string) (string, error) {
	b, err := g.take(name)
	if err != nil {
		return "", err
	}
	return b.finish(ctx)
}

// stop interrupts a background run (SIGINT, as ^C would) and checks it
// like join: the way to end a command that runs until interrupted.
func (g *Guest) stop(ctx context.Context, name string) (string, error) {
	g.bg.mu.Lock()
	b, ok := g.bg.byName[name]
	g.bg.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("no background run named %q", name)
	}
	if err := b.cmd.Process.Signal(syscall.SIGINT); err != nil {
		return "", fmt.Errorf("stop %s: %w", name, err)
	}
	return g.join(ctx, name)
}

// reapAll kills background runs a plan left behind.
func (g *Guest) reapAll() {
	g.bg.mu.Lock()
	defer g.bg.mu.Unlock()
	for name, b := range g.bg.byName {
		b.cmd.Process.Kill()
		<-b.done
		delete(g.bg.byName, name)
	}
}
