package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/klpkit/klpkit/kmod"
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

// Run executes the batch of plans at planPath, reporting to w, and
// returns an error only when the agent itself failed: each plan's outcome
// goes to the host in its EventPlanEnd. Before every plan but the first
// it checks the kernel is clean (no livepatch, none of the batch's
// modules); when it is not, it stops there and the host runs the rest in
// a fresh VM. The kernel log of each plan reaches the host as EventKmsg
// records before that plan's end, so the host can compare it with the
// scenario's expectations.
func Run(ctx context.Context, planPath string, w io.Writer) (err error) {
	em := &emitter{w: w, start: time.Now()}
	ran, stopped := 0, ""
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("agent panic: %v", r)
		}
		res := resultEvent(err)
		res.Ran, res.What = ran, stopped
		em.emit(res)
	}()

	log, err := kmsg.Open("")
	if err != nil {
		return fmt.Errorf("kernel log: %w", err)
	}
	defer log.Close()
	// The boot log is not part of any plan.
	if err := log.SeekEnd(); err != nil {
		return fmt.Errorf("kernel log: %w", err)
	}

	em.emit(scenario.Event{Kind: scenario.EventReady, Kernel: release(), Uptime: scenario.Duration(uptime())})

	batch, err := readBatch(planPath)
	if err != nil {
		return err
	}
	guest := scenario.NewGuest()
	for i, plan := range batch.Plans {
		if i > 0 {
			if err := clean(guest, batch); err != nil {
				stopped = fmt.Sprintf("stopped before plan %d: %v", i, err)
				return nil
			}
		}
		// Records between plans belong to none.
		if _, err := log.Drain(); err != nil {
			return fmt.Errorf("kernel log: %w", err)
		}
		em.emit(scenario.Event{Kind: scenario.EventPlanStart, Plan: i})
		pctx, cancel := context.WithTimeout(ctx, planTimeout(plan))
		runErr := guest.Exec(pctx, plan, func(ev scenario.Event) {
			ev.Plan = i
			em.emit(ev)
		})
		overdue := pctx.Err() != nil
		cancel()
		recs, derr := log.Drain()
		for _, r := range recs {
			em.emit(scenario.Event{Kind: scenario.EventKmsg, Plan: i, Log: &scenario.LogLine{Level: r.Level, Time: scenario.Duration(r.Time), Text: r.Text}})
		}
		switch {
		case runErr == nil && derr != nil:
			runErr = fmt.Errorf("kernel log: %w", derr)
		case runErr == nil && log.Lost() > 0:
			runErr = fmt.Errorf("kernel log: %d records were overwritten before they were read", log.Lost())
		}
		end := scenario.Event{Kind: scenario.EventPlanEnd, Plan: i, OK: runErr == nil}
		if runErr != nil {
			end.Err = runErr.Error()
		}
		em.emit(end)
		ran++
		if overdue {
			// A step may still be stuck in the kernel: the rest of the
			// batch deserves a fresh VM.
			stopped = fmt.Sprintf("stopped after plan %d: it ran past its deadline", i)
			return nil
		}
	}
	return em.err
}

func planTimeout(p *scenario.Plan) time.Duration {
	if p.Timeout > 0 {
		return time.Duration(p.Timeout)
	}
	return scenario.DefaultPlanTimeout
}

// clean checks that the previous plans left no livepatch and none of the
// batch's modules: the next plan must start as on a fresh boot.
func clean(g *scenario.Guest, b *scenario.Batch) error {
	patches, err := g.Livepatch.Patches()
	if err != nil {
		return err
	}
	if len(patches) > 0 {
		return fmt.Errorf("livepatch %s is still loaded", patches[0].Name)
	}
	for _, p := range b.Plans {
		for _, m := range p.Modules {
			if kmod.Loaded("/sys", m.Name) {
				return fmt.Errorf("module %s is still loaded", m.Name)
			}
		}
	}
	return nil
}

func readBatch(path string) (*scenario.Batch, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	var b scenario.Batch
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("read plan %s: %w", path, err)
	}
	return &b, nil
}
