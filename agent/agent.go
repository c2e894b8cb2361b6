package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/klpkit/klpkit/kmsg"
	"github.com/klpkit/klpkit/scenario"
)

// EventPort is the guest device of the event channel. The 8250 driver is
// built into Debian's kernel, so ttyS1 needs no module, unlike virtio
// console or vsock.
const EventPort = "/dev/ttyS1"

// emitter writes events as JSON lines; it is safe for concurrent use.
type emitter struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
	err   error
}

func (e *emitter) emit(ev scenario.Event) {
	ev.At = scenario.Duration(time.Since(e.start))
	b, err := json.Marshal(ev)
	if err != nil {
		b, _ = json.Marshal(scenario.Event{Kind: ev.Kind, Err: "marshal event: " + err.Error()})
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := e.w.Write(append(b, '\n')); err != nil && e.err == nil {
		e.err = err
	}
}

// Run executes the plan at planPath, reporting to w, and returns the
// plan's error. The kernel log of the run goes to the host as EventKmsg
// records before the result, so the host can compare it with a scenario's
// expectations.
func Run(ctx context.Context, planPath string, w io.Writer) (err error) {
	em := &emitter{w: w, start: time.Now()}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("agent panic: %v", r)
		}
		em.emit(resultEvent(err))
	}()

	// Follow only what the kernel logs from now on: the boot log is not
	// part of any scenario.
	log, kerr := kmsg.Open("")
	if kerr == nil {
		defer log.Close()
		if kerr = log.SeekEnd(); kerr != nil {
			return fmt.Errorf("kernel log: %w", kerr)
		}
	} else {
		return fmt.Errorf("kernel log: %w", kerr)
	}

	em.emit(scenario.Event{Kind: scenario.EventReady, Kernel: release(), Uptime: scenario.Duration(uptime())})

	plan, err := readPlan(planPath)
	if err != nil {
		return err
	}
	runErr := scenario.NewGuest().Exec(ctx, plan, em.emit)

	recs, derr := log.Drain()
	for _, r := range recs {
		em.emit(scenario.Event{Kind: scenario.EventKmsg, Log: &scenario.LogLine{Level: r.Level, Time: scenario.Duration(r.Time), Text: r.Text}})
	}
	if runErr != nil {
		return runErr
	}
	if derr != nil {
		return fmt.Errorf("kernel log: %w", derr)
	}
	if n := log.Lost(); n > 0 {
		return fmt.Errorf("kernel log: %d records were overwritten before they were read", n)
	}
	return em.err
}

func readPlan(path string) (*scenario.Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	var p scenario.Plan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("read plan %s: %w", path, err)
	}
	return &p, nil
}
