package transition

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klpkit/klpkit/kmsg"
)

// follower reads the kernel log from the moment it starts and keeps what
// concerns one patch: its livepatch lines, when the transition began and
// ended by the kernel's clock, and the kernel's per-task debug lines.
type follower struct {
	name     string
	r        *kmsg.Reader
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	stopOnce sync.Once

	// done is closed when the completion record arrives; end holds its
	// kernel time.
	done     chan struct{}
	doneOnce sync.Once
	end      time.Duration
	ref      chan time.Duration // the clock reference record's kernel time

	mu       sync.Mutex
	lines    []string
	first    time.Duration // kernel time of the first record about the patch
	sleeping map[int][]string
	refText  string
}

// switchLine is klp_try_switch_task's debug line: "<comm>:<pid> is ...".
var switchLine = regexp.MustCompile(`^livepatch: klp_try_switch_task: (.*):(\d+) (is .*|has .*)$`)

// follow starts reading path ("" = /dev/kmsg) from its end. Call it before
// the syscall, so no record of the operation is missed.
func follow(path, name string) (*follower, error) {
	r, err := kmsg.Open(path)
	if err != nil {
		return nil, err
	}
	if err := r.SeekEnd(); err != nil {
		r.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &follower{name: name, r: r, cancel: cancel, done: make(chan struct{}), ref: make(chan time.Duration, 1),
		sleeping: map[int][]string{}, refText: fmt.Sprintf("klpkit: clock reference %d", os.Getpid())}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		f.run(ctx)
	}()
	return f, nil
}

func (f *follower) run(ctx context.Context) {
	for {
		rec, err := f.r.Next(ctx)
		switch {
		case errors.Is(err, kmsg.ErrMalformed):
			continue
		case errors.Is(err, io.EOF):
			// A log file (not /dev/kmsg) may still grow.
			select {
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Millisecond):
			}
			continue
		case err != nil:
			return
		}
		f.take(rec)
	}
}

func (f *follower) take(rec kmsg.Record) {
	if rec.Text == f.refText {
		select {
		case f.ref <- rec.Time:
		default:
		}
		return
	}
	if m := switchLine.FindStringSubmatch(rec.Text); m != nil {
		pid, _ := strconv.Atoi(m[2])
		f.mu.Lock()
		if len(f.sleeping[pid]) < 3 {
			f.sleeping[pid] = append(f.sleeping[pid], m[1]+":"+m[2]+" "+m[3])
		}
		f.mu.Unlock()
		return
	}
	ev, ok := kmsg.ParseEvent(rec)
	if !ok || ev.Patch != f.name {
		return
	}
	f.mu.Lock()
	if len(f.lines) == 0 {
		f.first = rec.Time
	}
	f.lines = append(f.lines, rec.Text)
	f.mu.Unlock()
	switch ev.Kind {
	case kmsg.PatchingComplete, kmsg.UnpatchingComplete:
		f.doneOnce.Do(func() {
			f.mu.Lock()
			f.end = rec.Time
			f.mu.Unlock()
			close(f.done)
		})
	}
}

// stop ends the reader goroutine and closes the log. It is safe to call
// more than once.
func (f *follower) stop() {
	f.stopOnce.Do(func() {
		f.cancel()
		f.wg.Wait()
		f.r.Close()
	})
}

// catchUp stops the reader goroutine and takes every record already in
// the log. When sysfs shows the end first, the completion record is
// already logged (the kernel logs it before clearing the transition), so
// reading what is there finds it without waiting.
func (f *follower) catchUp() {
	f.cancel()
	f.wg.Wait()
	recs, _ := f.r.Drain()
	for _, rec := range recs {
		f.take(rec)
	}
}

// snapshot returns the patch's lines, when the first was logged and when
// the completion record was (0 before it came).
func (f *follower) snapshot() ([]string, time.Duration, time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.lines...), f.first, f.end
}

func (f *follower) kernelSays(pid int) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sleeping[pid]...)
}

// calibrate returns kernel log time minus CLOCK_MONOTONIC: printk stamps
// records with the scheduler clock, which is close to but not the same as
// CLOCK_MONOTONIC, so a detection latency needs the offset between them.
// It writes one debug-level record to the log.
func (f *follower) calibrate(kmsgPath string) (time.Duration, error) {
	if kmsgPath == "" {
		kmsgPath = "/dev/kmsg"
	}
	w, err := os.OpenFile(kmsgPath, os.O_WRONLY, 0)
	if err != nil {
		return 0, fmt.Errorf("clock reference: %w", err)
	}
	defer w.Close()
	t0 := kmsg.Now()
	// <15>: facility user (1<<3), level debug (7).
	if _, err := w.WriteString("<15>" + f.refText + "\n"); err != nil {
		return 0, fmt.Errorf("clock reference: %w", err)
	}
	t1 := kmsg.Now()
	select {
	case ts := <-f.ref:
		return ts - (t0+t1)/2, nil
	case <-time.After(time.Second):
		return 0, errors.New("clock reference: the record did not come back from the kernel log")
	}
}

// trimPrefix drops the kernel's "livepatch: " so lines read as sentences.
func trimPrefix(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimPrefix(l, kmsg.Prefix)
	}
	return out
}
