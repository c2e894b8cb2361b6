package watch

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/klpkit/klpkit/kmsg"
	"github.com/klpkit/klpkit/sysfs"
	"github.com/klpkit/klpkit/uevent"
)

// DefaultPoll is how often sysfs is read during a transition when
// Options.Poll is 0. The kernel retries a transition once a second, and
// tasks also switch in between as they return to user space, so a tenth of
// that shows the count going down.
const DefaultPoll = 100 * time.Millisecond

// idleFactor slows polling when no transition runs: patches then change
// only when a module is loaded or enabled is written, and those also show
// in the log, which wakes the poller at once.
const idleFactor = 10

// Options say where Run looks.
type Options struct {
	// Livepatch is the sysfs tree to poll; nil means the running system's
	// /sys/kernel/livepatch and /proc.
	Livepatch *sysfs.FS
	// KmsgPath is the kernel log to follow: "" means /dev/kmsg. A regular
	// file or a named pipe in the same format also works (for tests and
	// replays); a file is followed from its end, a pipe from what is
	// written next.
	KmsgPath string
	// Uevents turns on following module uevents (any user may receive
	// them). Without them a module load shows only through the log lines
	// and the sysfs changes it causes.
	Uevents bool
	// Poll is the interval between reads of sysfs while a transition is in
	// progress (DefaultPoll when 0); with none it is ten times longer. A
	// log line or a uevent also makes the poller read at once.
	Poll time.Duration
}

// Run follows the sources and calls fn with each event until ctx ends; it
// then returns nil. It returns an error, naming the source and why, when
// a source cannot be opened (reading /dev/kmsg needs root, or CAP_SYSLOG,
// with kernel.dmesg_restrict=1, Debian's default) or fails later.
//
// Events come in the order they happened: each is held for half a
// second, so that one that happened earlier but arrived later from another
// source goes first (log records by their kernel time, others by when they
// were received). sysfs is read again as each log line or uevent arrives,
// and the line is delivered before what that read found.
//
// fn is called from Run's goroutine, one event at a time, so it needs no
// locking; it should return quickly, since the sources wait for it.
func Run(ctx context.Context, opt Options, fn func(Event)) error {
	fs := opt.Livepatch
	if fs == nil {
		fs = sysfs.New()
	}
	busy := opt.Poll
	if busy <= 0 {
		busy = DefaultPoll
	}
	p := &poller{fs: fs, busy: busy, idle: idleFactor * busy}

	// The baseline is taken before the log is opened, so that any change
	// after it shows in sysfs even if its log line came before the seek.
	var err error
	if p.last, err = p.read(); err != nil {
		return fmt.Errorf("watch livepatch sysfs: %w", err)
	}

	var uc *uevent.Conn
	if opt.Uevents {
		if uc, err = uevent.Dial(); err != nil {
			return fmt.Errorf("watch module uevents: %w", err)
		}
		defer uc.Close()
	}

	kr, err := kmsg.Open(opt.KmsgPath)
	if err != nil {
		return fmt.Errorf("watch the kernel log: %w", err)
	}
	defer kr.Close()
	// A pipe cannot seek, and has no backlog to skip: what a writer puts
	// in it after Run opened it is new.
	if err := kr.SeekEnd(); err != nil && !errors.Is(err, syscall.ESPIPE) {
		return fmt.Errorf("watch the kernel log: %w", err)
	}

	g, gctx := errgroup.WithContext(ctx)
	// Unbuffered: an emit completes only when Run takes the event.
	events := make(chan Event)
	emit := func(ev Event) bool {
		select {
		case events <- ev:
			return true
		case <-gctx.Done():
			return false
		}
	}
	// Log lines and uevents go through the poller, which reads sysfs before
	// it passes each on: see poller.run.
	news := make(chan Event)
	send := func(ev Event) bool {
		select {
		case news <- ev:
			return true
		case <-gctx.Done():
			return false
		}
	}

	g.Go(func() error { return followKmsg(gctx, kr, send) })
	if uc != nil {
		g.Go(func() error { return followUevents(gctx, uc, send) })
	}
	g.Go(func() error { return p.run(gctx, news, emit) })

	var order reorder
	tick := time.NewTicker(reorderWindow / 5)
	defer tick.Stop()
	for {
		select {
		case ev := <-events:
			order.add(ev, time.Now())
		case <-tick.C:
		case <-gctx.Done():
			for _, ev := range order.release(time.Now(), true) {
				fn(ev)
			}
			// Every source returns nil when ctx ends; an error here is a
			// source that failed, and it is what cancelled gctx.
			return g.Wait()
		}
		for _, ev := range order.release(time.Now(), false) {
			fn(ev)
		}
	}
}
