package watch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klpkit/klpkit/internal/testenv"

	"github.com/klpkit/klpkit/sysfs"
)

// TestRunCycle follows a livepatch through load, transition, a module
// loading, completion, a reversed disable, disable and removal. Each step
// changes sysfs and /proc first and then logs the kernel's line, and the
// poll interval is an hour, so sysfs is read only when a log line wakes the
// poller: the order of events is then fixed, the line first.
func TestRunCycle(t *testing.T) {
	k := startFake(t, time.Hour, allTasks("-1"), nil)

	// klp_enable_patch: sysfs entries, every task starts unpatched.
	k.setTasks(allTasks("0"))
	k.addPatch("demo", map[string]string{
		"enabled":                      "1\n",
		"transition":                   "1\n",
		"vmlinux/patched":              "0\n",
		"vmlinux/cmdline_proc_show,0/": "",
	})
	k.logf(5, "livepatch: enabling patch 'demo'")
	k.expect("enable", "kmsg enabling demo 0", "sysfs patch-added demo 0", "sysfs progress demo 4")

	k.setTasks(map[string]string{"1/1": "1", "42/43": "1"})
	k.logf(5, "livepatch: 'demo': starting patching transition")
	k.expect("start", "kmsg transition-start demo 0", "sysfs progress demo 2")

	// A line written from user space has facility 1 and is no kernel word.
	k.logf(13, "livepatch: 'demo': patching complete")
	k.logf(4, "livepatch: signaling remaining tasks")
	k.expect("signal", "kmsg signaling - 0")

	k.logf(5, "livepatch: applying patch 'demo' to loading module 'target_mod'")
	k.expect("module loads", "kmsg applying demo/target_mod 0")

	k.setTasks(allTasks("1"))
	k.logf(7, "livepatch: 'demo': completing patching transition")
	k.expect("completing", "kmsg transition-complete demo 0", "sysfs progress demo 0")

	testenv.WriteTree(t, k.lp, map[string]string{"demo/transition": "0\n", "demo/vmlinux/patched": "1\n"})
	k.setTasks(allTasks("-1"))
	k.logf(5, "livepatch: 'demo': patching complete")
	k.expect("patched", "kmsg patching-complete demo 0", "sysfs transition-done demo 0")

	// Disable: every task starts patched and moves to unpatched ...
	testenv.WriteTree(t, k.lp, map[string]string{"demo/enabled": "0\n", "demo/transition": "1\n"})
	k.setTasks(allTasks("1"))
	k.logf(5, "livepatch: 'demo': starting unpatching transition")
	k.expect("disable", "kmsg transition-start demo 0", "sysfs enabled-changed demo 0", "sysfs progress demo 4")

	// ... and writing 1 to enabled reverses it: the target is patched
	// again, which every task still is.
	testenv.WriteTree(t, k.lp, map[string]string{"demo/enabled": "1\n"})
	k.logf(7, "livepatch: 'demo': reversing transition from unpatching to patching")
	k.expect("reverse", "kmsg reversing demo 0", "sysfs enabled-changed demo 0", "sysfs progress demo 0")

	testenv.WriteTree(t, k.lp, map[string]string{"demo/transition": "0\n"})
	k.setTasks(allTasks("-1"))
	k.logf(5, "livepatch: 'demo': patching complete")
	k.expect("patched again", "kmsg patching-complete demo 0", "sysfs transition-done demo 0")

	testenv.WriteTree(t, k.lp, map[string]string{"demo/enabled": "0\n", "demo/transition": "1\n"})
	k.setTasks(allTasks("1"))
	k.logf(5, "livepatch: 'demo': starting unpatching transition")
	k.expect("disable again", "kmsg transition-start demo 0", "sysfs enabled-changed demo 0", "sysfs progress demo 4")

	// The kernel removes the directory once unpatching is complete.
	k.removePatch("demo")
	k.setTasks(allTasks("-1"))
	k.logf(5, "livepatch: 'demo': unpatching complete")
	k.expect("unpatched", "kmsg unpatching-complete demo 0", "sysfs patch-removed demo 0")

	k.logf(6, "not a livepatch line")
	k.expectQuiet("end", 200*time.Millisecond)
}

// TestRunPolls checks that sysfs is read on its own, without log lines,
// and that a patch already loaded when Run starts is part of the baseline.
func TestRunPolls(t *testing.T) {
	k := startFake(t, 10*time.Millisecond, allTasks("-1"), map[string]string{
		"old/enabled": "1\n", "old/transition": "0\n",
	})

	// Tasks hold a state only during a transition, so nothing is counted
	// before the patch appears.
	k.setTasks(allTasks("0"))
	k.expectQuiet("no transition", 50*time.Millisecond)
	k.addPatch("demo", map[string]string{"enabled": "1\n", "transition": "1\n"})
	k.expect("load", "sysfs patch-added demo 0", "sysfs progress demo 4")
	for i, task := range []string{"1/1", "7/7", "42/42", "42/43"} {
		k.setTasks(map[string]string{task: "1"})
		k.expect("task "+task+" switches", fmt.Sprintf("sysfs progress demo %d", 3-i))
	}
	testenv.WriteTree(t, k.lp, map[string]string{"demo/transition": "0\n"})
	k.expect("done", "sysfs transition-done demo 0")
	k.removePatch("old")
	k.expect("old replaced", "sysfs patch-removed old 0")
	k.expectQuiet("end", 100*time.Millisecond)
}

func TestRunReturnsOnCancel(t *testing.T) {
	k := startFake(t, 10*time.Millisecond, allTasks("-1"), map[string]string{"demo/enabled": "1\n", "demo/transition": "1\n"})
	start := time.Now()
	k.cancel()
	select {
	case <-k.done:
		if k.err != nil {
			t.Fatalf("Run after cancel = %v, want nil", k.err)
		}
		// Each source notices a cancel within its poll interval (100ms).
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("Run returned %v after cancel, want well under 500ms", d)
		}
	case <-time.After(eventWait):
		t.Fatal("Run did not return after cancel")
	}
}

// TestRunSourceFails removes the livepatch root while Run polls it, as an
// unmounted sysfs would: Run must stop with an error that says so.
func TestRunSourceFails(t *testing.T) {
	k := startFake(t, 5*time.Millisecond, allTasks("-1"), nil)
	if err := os.Remove(k.lp); err != nil {
		t.Fatal(err)
	}
	select {
	case <-k.done:
		if err := k.err; err == nil || !strings.Contains(err.Error(), "poll livepatch sysfs") || !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("Run = %v, want an error about polling sysfs wrapping ErrNotExist", err)
		}
	case <-time.After(eventWait):
		t.Fatal("Run went on without its livepatch root")
	}
}

func TestRunOpenErrors(t *testing.T) {
	dir := t.TempDir()
	lp := filepath.Join(dir, "livepatch")
	testenv.WriteTree(t, dir, map[string]string{"livepatch/": "", "kmsg": "", "proc/": ""})
	tests := []struct {
		name   string
		opt    Options
		errHas []string
	}{
		{"no livepatch root", Options{Livepatch: &sysfs.FS{Root: filepath.Join(dir, "absent"), Proc: dir}, KmsgPath: filepath.Join(dir, "kmsg")},
			[]string{"watch livepatch sysfs", "CONFIG_LIVEPATCH"}},
		{"no kernel log", Options{Livepatch: &sysfs.FS{Root: lp, Proc: dir}, KmsgPath: filepath.Join(dir, "absent")},
			[]string{"watch the kernel log", "absent", "no such file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), eventWait)
			defer cancel()
			err := Run(ctx, tt.opt, func(ev Event) { t.Errorf("unexpected event %+v", ev) })
			if err == nil {
				t.Fatal("Run succeeded, want an error")
			}
			for _, s := range tt.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Run = %v, want it to mention %q", err, s)
				}
			}
		})
	}
}

// TestRunSkipsLogBacklog follows a regular file, which Run reads from its
// end: records already in it are history, and only appended ones count.
func TestRunSkipsLogBacklog(t *testing.T) {
	dir := t.TempDir()
	testenv.WriteTree(t, dir, map[string]string{
		"livepatch/": "",
		"proc/":      "",
		"kmsg":       "5,1,100,-;livepatch: enabling patch 'old'\n5,2,200,-;livepatch: 'old': patching complete\n",
	})
	path := filepath.Join(dir, "kmsg")
	ctx, cancel := context.WithCancel(t.Context())
	events := make(chan Event, 100)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Livepatch: &sysfs.FS{Root: filepath.Join(dir, "livepatch"), Proc: filepath.Join(dir, "proc")}, KmsgPath: path},
			func(ev Event) { events <- ev })
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	}()

	// A file gives no sign of when Run has reached its end, so append
	// records until one is reported; the first must be an appended one.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	deadline := time.After(eventWait)
	for seq := 3; ; seq++ {
		fmt.Fprintf(f, "5,%d,%d,-;livepatch: 'probe%d': patching complete\n", seq, seq*100, seq)
		select {
		case ev := <-events:
			if !strings.HasPrefix(ev.Patch, "probe") || ev.Kind != KindPatchingComplete || ev.KernelTime == 0 {
				t.Fatalf("first event %+v, want a probe's patching-complete", ev)
			}
			return
		case err := <-done:
			t.Fatalf("Run returned %v", err)
		case <-deadline:
			t.Fatal("no appended record was reported")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestRunRealSources runs on this machine's /dev/kmsg and uevent socket
// (sysfs stays fake: the test machine may have no livepatch). Nothing that
// user space can do passes for a livepatch event: a log line written to
// /dev/kmsg has facility 1, a synthetic uevent of /dev/null is no module's.
// So this proves the real sources open, are followed without error, let no
// forgery through, and stop on cancel; the real module and livepatch
// events are proved in the VM.
func TestRunRealSources(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Missing(t, "following /dev/kmsg and writing uevent files needs root")
	}
	dir := t.TempDir()
	testenv.WriteTree(t, dir, map[string]string{"livepatch/": "", "proc/": ""})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	events := make(chan Event, 100)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Livepatch: &sysfs.FS{Root: filepath.Join(dir, "livepatch"), Proc: filepath.Join(dir, "proc")}, Uevents: true},
			func(ev Event) { events <- ev })
	}()
	// Run opens its sources in well under this; if not, the writes below
	// come early and the test proves less, but does not fail.
	time.Sleep(200 * time.Millisecond)

	if err := os.WriteFile("/dev/kmsg", []byte(fmt.Sprintf("<5>livepatch: 'klpkit_watch_test_%d': patching complete\n", os.Getpid())), 0); err != nil {
		t.Fatalf("write /dev/kmsg: %v", err)
	}
	if err := os.WriteFile("/sys/devices/virtual/mem/null/uevent", []byte("add"), 0); err != nil {
		t.Fatalf("trigger a uevent: %v", err)
	}
	select {
	case ev := <-events:
		t.Fatalf("user space made Run report %+v", ev)
	case err := <-done:
		t.Fatalf("Run on the real sources returned %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	start := time.Now()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel = %v, want nil", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("Run returned %v after cancel", d)
	}
}
