package transition

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klpkit/klpkit/kmod"
	"github.com/klpkit/klpkit/sysfs"
)

// fakeKernel is a temporary /sys and /proc with one livepatch, and a
// kernel log file the fake syscalls append to.
type fakeKernel struct {
	t    *testing.T
	lp   string // /sys/kernel/livepatch
	sys  string
	proc string
	kmsg string
	seq  int
}

func newFakeKernel(t *testing.T) *fakeKernel {
	dir := t.TempDir()
	k := &fakeKernel{t: t, sys: filepath.Join(dir, "sys"), proc: filepath.Join(dir, "proc"), kmsg: filepath.Join(dir, "kmsg")}
	k.lp = filepath.Join(k.sys, "kernel", "livepatch")
	for _, d := range []string{k.lp, k.proc} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(k.kmsg, nil, 0o644)
	return k
}

func (k *fakeKernel) log(usec int, text string) {
	f, err := os.OpenFile(k.kmsg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		k.t.Fatal(err)
	}
	defer f.Close()
	k.seq++
	fmt.Fprintf(f, "5,%d,%d,-;%s\n", k.seq, usec, text)
}

func (k *fakeKernel) set(rel, value string) {
	p := filepath.Join(k.lp, rel)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(value+"\n"), 0o644); err != nil {
		k.t.Fatal(err)
	}
}

func (k *fakeKernel) patch(name string, transition string) {
	k.set(name+"/enabled", "1")
	k.set(name+"/transition", transition)
	os.MkdirAll(filepath.Join(k.lp, name, "busy_mod", "busy_mod_work_func,0"), 0o755)
	k.set(name+"/busy_mod/patched", "1")
}

func (k *fakeKernel) task(pid int, comm string, state int, stack ...string) {
	dir := filepath.Join(k.proc, fmt.Sprint(pid), "task", fmt.Sprint(pid))
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "patch_state"), []byte(fmt.Sprintf("%d\n", state)), 0o644)
	os.WriteFile(filepath.Join(dir, "comm"), []byte(comm+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "stack"), []byte(strings.Join(stack, "\n")+"\n"), 0o644)
}

func (k *fakeKernel) options() Options {
	return Options{
		FS:   &sysfs.FS{Root: k.lp, Proc: k.proc},
		Sys:  k.sys,
		Kmsg: k.kmsg, NoDynDebug: true,
		Poll: 2 * time.Millisecond,
	}
}

// A livepatch .ko needs only a .modinfo for ReadInfo; build none: call run
// directly through Disable/Wait, and Load through a module-less path.

func TestWaitSeesTheKernelLog(t *testing.T) {
	k := newFakeKernel(t)
	k.patch("demo", "1")
	o := k.options()
	go func() {
		time.Sleep(30 * time.Millisecond)
		k.log(1_000_000, "livepatch: 'demo': starting patching transition")
		k.log(1_250_000, "livepatch: 'demo': patching complete")
	}()
	rep, err := Wait(context.Background(), "demo", o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outcome != Done || rep.DetectedBy != "kmsg" {
		t.Errorf("report %+v", rep)
	}
	if rep.KernelTransition != 250*time.Millisecond {
		t.Errorf("kernel transition %v, want the log's 250ms", rep.KernelTransition)
	}
	if len(rep.Log) != 2 || rep.Log[1] != "'demo': patching complete" {
		t.Errorf("log %q", rep.Log)
	}
}

func TestWaitSeesSysfsWithoutLog(t *testing.T) {
	k := newFakeKernel(t)
	k.patch("demo", "1")
	o := k.options()
	o.NoKmsg = true
	go func() {
		time.Sleep(30 * time.Millisecond)
		k.set("demo/transition", "0")
	}()
	rep, err := Wait(context.Background(), "demo", o)
	if err != nil || rep.Outcome != Done || rep.DetectedBy != "sysfs" {
		t.Fatalf("%+v %v", rep, err)
	}
}

// TestTimeoutReverts: a task sleeping in the patched function holds the
// transition; at the deadline it is reported with that function, then
// the patch is disabled, the reversed transition awaited and the module
// unloaded.
func TestTimeoutReverts(t *testing.T) {
	k := newFakeKernel(t)
	k.patch("demo", "1")
	k.task(33, "kworker/0:1", 0, "[<0>] msleep+0x2a/0x40", "[<0>] busy_mod_work_func+0x3c/0x60 [busy_mod]", "[<0>] process_one_work+0x1c4/0x380")
	k.task(1, "init", 1)
	o := k.options()
	o.Timeout = 50 * time.Millisecond
	var unloaded []string
	o.Unload = func(name string) error { unloaded = append(unloaded, name); return nil }
	// The fake kernel finishes the reversal when enabled turns 0.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			if v, _ := os.ReadFile(filepath.Join(k.lp, "demo", "enabled")); strings.TrimSpace(string(v)) == "0" {
				os.RemoveAll(filepath.Join(k.lp, "demo"))
				return
			}
		}
	}()
	o.NoRevert = false
	rep := &Report{Op: "load", Patch: "demo"}
	rep, err := run(context.Background(), o.withDefaults(), rep, func() error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outcome != Reverted || rep.FollowUp != "" {
		t.Fatalf("report %+v", rep)
	}
	if len(rep.Blockers) != 1 || rep.Blockers[0].Comm != "kworker/0:1" || strings.Join(rep.Blockers[0].Functions, ",") != "busy_mod_work_func" {
		t.Errorf("blockers %+v", rep.Blockers)
	}
	if strings.Join(unloaded, ",") != "demo" {
		t.Errorf("unloaded %v", unloaded)
	}
}

func TestTimeoutLeftRunning(t *testing.T) {
	k := newFakeKernel(t)
	k.patch("demo", "1")
	o := k.options()
	o.Timeout = 30 * time.Millisecond
	rep, err := Wait(context.Background(), "demo", o)
	if err != nil || rep.Outcome != TimedOut {
		t.Fatalf("%+v %v", rep, err)
	}
}

func TestRefused(t *testing.T) {
	k := newFakeKernel(t)
	o := k.options()
	refusal := &kmod.Error{Op: "load", Module: "demo", Errno: syscall.ENODEV}
	rep, err := run(context.Background(), o.withDefaults(), &Report{Op: "load", Patch: "demo"}, func() error {
		k.log(10, "livepatch: pre-patch callback failed for object 'vmlinux'")
		k.log(11, "livepatch: failed to enable patch 'demo'")
		return refusal
	})
	if !errors.Is(err, syscall.ENODEV) || rep.Outcome != Refused {
		t.Fatalf("%+v %v", rep, err)
	}
	if len(rep.Log) != 1 || rep.Log[0] != "failed to enable patch 'demo'" {
		t.Errorf("log %q: want the line that names the patch", rep.Log)
	}
}

func TestUnloadExplains(t *testing.T) {
	k := newFakeKernel(t)
	o := k.options()
	o.Unload = func(string) error { return &kmod.Error{Op: "unload", Module: "demo", Errno: syscall.EAGAIN} }
	os.MkdirAll(filepath.Join(k.sys, "module", "demo"), 0o755)
	os.WriteFile(filepath.Join(k.sys, "module", "demo", "initstate"), []byte("live\n"), 0o644)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	// Gone from sysfs, still loaded and referenced: forced.
	if err := Unload(ctx, "demo", o); !errors.Is(err, ErrForcedModule) || !errors.Is(err, syscall.EAGAIN) {
		t.Errorf("got %v, want ErrForcedModule wrapping the errno", err)
	}
	// Still registered: disable first.
	k.patch("demo", "0")
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if err := Unload(ctx2, "demo", o); err == nil || !strings.Contains(err.Error(), "klpkit disable demo first") {
		t.Errorf("got %v", err)
	}
}

func TestOnStack(t *testing.T) {
	stack := []string{
		"[<0>] msleep+0x2a/0x40",
		"[<0>] busy_mod_work_func+0x3c/0x60 [busy_mod]",
		"[<0>] klp_busy_mod_work_func+0x10/0x20 [callbacks_demo]",
		"garbage",
	}
	got := onStack(stack, map[string]bool{"busy_mod_work_func": true}, "callbacks_demo")
	if strings.Join(got, ",") != "busy_mod_work_func,klp_busy_mod_work_func" {
		t.Errorf("got %v", got)
	}
}

func TestPins(t *testing.T) {
	k := newFakeKernel(t)
	k.patch("demo", "1")
	fs := &sysfs.FS{Root: k.lp, Proc: k.proc}
	if Pins(fs, "demo") {
		t.Error("a patching transition does not pin")
	}
	k.set("demo/enabled", "0")
	if !Pins(fs, "demo") {
		t.Error("an unpatching transition pins")
	}
}

// TestLoadResumes: loading a patch that is already loaded and still in
// transition (a klpkit killed while it waited) waits for that transition.
func TestLoadResumes(t *testing.T) {
	k := newFakeKernel(t)
	k.patch("demo", "1")
	o := k.options()
	exists := &kmod.Error{Op: "load", Module: "demo", Errno: syscall.EEXIST}
	go func() {
		time.Sleep(30 * time.Millisecond)
		k.set("demo/transition", "0")
	}()
	rep, err := loadPatch(context.Background(), o.withDefaults(), &Report{Op: "load", Patch: "demo"}, func() error { return exists })
	if err != nil || !rep.Resumed || rep.Outcome != Done || rep.Waited <= 0 {
		t.Fatalf("%+v %v", rep, err)
	}
}
