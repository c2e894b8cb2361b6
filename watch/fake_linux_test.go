package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klpkit/klpkit/internal/testenv"

	"golang.org/x/sys/unix"

	"github.com/klpkit/klpkit/sysfs"
)

// eventWait bounds every wait for an event; events arrive within
// milliseconds, so only a bug makes a test wait this long.
const eventWait = 5 * time.Second

// fakeKernel is a temporary /sys/kernel/livepatch and /proc, and a kernel
// log that is a named pipe, with Run following them.
type fakeKernel struct {
	t      *testing.T
	lp     string // the livepatch root
	proc   string
	log    *os.File // the pipe's writing end
	seq    int
	events chan Event
	done   chan struct{} // closed when Run returned
	err    error         // what Run returned, once done is closed
	cancel context.CancelFunc
}

// startFake starts Run on a fake kernel whose /proc holds the given tasks
// (pid/tid → patch_state) and whose livepatch root holds the given files
// (loaded before Run starts), and returns once Run follows it.
func startFake(t *testing.T, poll time.Duration, tasks, patches map[string]string) *fakeKernel {
	t.Helper()
	dir := t.TempDir()
	k := &fakeKernel{
		t:      t,
		lp:     filepath.Join(dir, "livepatch"),
		proc:   filepath.Join(dir, "proc"),
		events: make(chan Event, 100),
		done:   make(chan struct{}),
	}
	if err := os.Mkdir(k.lp, 0o755); err != nil {
		t.Fatal(err)
	}
	k.setTasks(tasks)
	testenv.WriteTree(t, k.lp, patches)
	fifo := filepath.Join(dir, "kmsg")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	k.cancel = cancel
	opt := Options{Livepatch: &sysfs.FS{Root: k.lp, Proc: k.proc}, KmsgPath: fifo, Poll: poll}
	go func() {
		defer close(k.done)
		k.err = Run(ctx, opt, func(ev Event) { k.events <- ev })
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-k.done:
		case <-time.After(eventWait):
			t.Errorf("Run did not return after its context was cancelled")
		}
	})

	// Opening a pipe for writing blocks until it has a reader, and Run
	// opens the log after taking its sysfs baseline: once this open
	// returns, every change made to the fake kernel is one Run reports.
	opened := make(chan *os.File, 1)
	go func() {
		if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			opened <- f
		}
	}()
	select {
	case k.log = <-opened:
		t.Cleanup(func() { k.log.Close() })
	case <-k.done:
		t.Fatalf("Run returned before following the log: %v", k.err)
	case <-time.After(eventWait):
		t.Fatal("Run did not open the kernel log")
	}
	return k
}

// setTasks writes /proc/<pid>/task/<tid>/patch_state for "pid/tid" keys.
func (k *fakeKernel) setTasks(tasks map[string]string) {
	files := map[string]string{}
	for task, state := range tasks {
		pid, tid, _ := strings.Cut(task, "/")
		files[filepath.Join(pid, "task", tid, "patch_state")] = state + "\n"
	}
	testenv.WriteTree(k.t, k.proc, files)
}

// logf appends a record to the kernel log, in one write as a pipe reader
// needs. prio 5 is facility 0 (kernel), level notice.
func (k *fakeKernel) logf(prio int, format string, args ...any) {
	k.seq++
	rec := fmt.Sprintf("%d,%d,%d,-;%s\n", prio, k.seq, k.seq*1000, fmt.Sprintf(format, args...))
	if _, err := k.log.WriteString(rec); err != nil {
		k.t.Fatal(err)
	}
}

// addPatch creates a patch directory in one rename, so that a poll sees
// all of it or nothing.
func (k *fakeKernel) addPatch(name string, files map[string]string) {
	staging := filepath.Join(filepath.Dir(k.lp), "new-"+name)
	testenv.WriteTree(k.t, staging, files)
	if err := os.Rename(staging, filepath.Join(k.lp, name)); err != nil {
		k.t.Fatal(err)
	}
}

// removePatch removes a patch directory in one rename, as a poll must not
// catch it half removed (the poller tolerates that, but a test that
// counts events must not depend on it).
func (k *fakeKernel) removePatch(name string) {
	gone := filepath.Join(filepath.Dir(k.lp), "gone-"+name)
	if err := os.Rename(filepath.Join(k.lp, name), gone); err != nil {
		k.t.Fatal(err)
	}
	os.RemoveAll(gone)
}

// expect reads len(want) events and compares them, as "source kind
// subject pending", with want.
func (k *fakeKernel) expect(step string, want ...string) {
	k.t.Helper()
	for i, w := range want {
		select {
		case ev := <-k.events:
			if got := summary(ev); got != w {
				k.t.Fatalf("%s: event %d is %q (%s), want %q", step, i, got, ev.Text, w)
			}
			if ev.Time.IsZero() || ev.Text == "" {
				k.t.Errorf("%s: event %d has no time or no text: %+v", step, i, ev)
			}
		case <-k.done:
			k.t.Fatalf("%s: Run returned %v while waiting for %q", step, k.err, w)
		case <-time.After(eventWait):
			k.t.Fatalf("%s: no event %d within %v, want %q", step, i, eventWait, w)
		}
	}
}

// expectQuiet checks that no event arrives for a while.
func (k *fakeKernel) expectQuiet(step string, d time.Duration) {
	k.t.Helper()
	select {
	case ev := <-k.events:
		k.t.Fatalf("%s: unexpected event %q (%s)", step, summary(ev), ev.Text)
	case <-time.After(d):
	}
}

func summary(ev Event) string {
	return fmt.Sprintf("%s %s %s %d", ev.Source, ev.Kind, ev.Subject(), ev.Pending)
}

func allTasks(state string) map[string]string {
	return map[string]string{"1/1": state, "7/7": state, "42/42": state, "42/43": state}
}
