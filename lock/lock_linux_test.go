package lock

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// holderEnv makes the test binary, re-executed as a child, take the lock
// at the path it names, say "locked" on stdout and sleep until killed.
const holderEnv = "KLPKIT_LOCK_TEST_HOLDER"

func TestMain(m *testing.M) {
	if path := os.Getenv(holderEnv); path != "" {
		l, err := TryAcquire(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("locked")
		time.Sleep(time.Minute) // bounded, in case the parent dies without killing it
		l.Release()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestAcquireWaitsForRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run", "klpkit.lock") // "run" does not exist yet
	first, err := Acquire(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var notified atomic.Int32
	var holder atomic.Value
	got := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		second, err := Acquire(ctx, path, func(h string) {
			notified.Add(1)
			holder.Store(h)
		})
		if err == nil {
			err = second.Release()
		}
		got <- err
	}()

	// The second Acquire must still wait after several polls.
	select {
	case err := <-got:
		t.Fatalf("second Acquire returned %v while the first lock was held", err)
	case <-time.After(200 * time.Millisecond):
	}
	if n := notified.Load(); n != 1 {
		t.Fatalf("notify called %d times while waiting, want 1", n)
	}
	want := fmt.Sprintf("pid %d: ", os.Getpid())
	if h, _ := holder.Load().(string); !strings.HasPrefix(h, want) {
		t.Errorf("notify got holder %q, want it to start with %q", h, want)
	}

	released := time.Now()
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("second Acquire after release: %v", err)
		}
		if d := time.Since(released); d > time.Second {
			t.Errorf("second Acquire took %s after the release, want about one poll", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("second Acquire did not get the lock within 5s of the release")
	}
	if n := notified.Load(); n != 1 {
		t.Errorf("notify called %d times in all, want 1", n)
	}
}

func TestBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "klpkit.lock")
	held, err := TryAcquire(path)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	wantHolder := fmt.Sprintf("pid %d: %s", os.Getpid(), filepath.Base(os.Args[0]))

	tests := []struct {
		name    string
		acquire func() (*Lock, error)
		wantCtx error // besides ErrBusy
		waited  bool
	}{
		{"TryAcquire does not wait", func() (*Lock, error) { return TryAcquire(path) }, nil, false},
		{"Acquire until a deadline", func() (*Lock, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			return Acquire(ctx, path, nil)
		}, context.DeadlineExceeded, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := tt.acquire()
			if err == nil {
				l.Release()
				t.Fatal("got the lock while it was held")
			}
			if !errors.Is(err, ErrBusy) {
				t.Errorf("error %v does not wrap ErrBusy", err)
			}
			if tt.wantCtx != nil && !errors.Is(err, tt.wantCtx) {
				t.Errorf("error %v does not wrap %v", err, tt.wantCtx)
			}
			msg := err.Error()
			if want := "another klpkit (" + wantHolder; !strings.HasPrefix(msg, want) {
				t.Errorf("error %q, want it to start with %q", msg, want)
			}
			if !strings.Contains(msg, ") holds "+path) {
				t.Errorf("error %q does not name the lock file %s", msg, path)
			}
			if got := strings.Contains(msg, "waited"); got != tt.waited {
				t.Errorf("error %q: mentions the wait = %v, want %v", msg, got, tt.waited)
			}
		})
	}
}

func TestReleaseClearsHolderAndIsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "klpkit.lock")
	l, err := TryAcquire(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Errorf("second Release: %v", err)
	}
	if h := Holder(path); h != "unknown process" {
		t.Errorf("Holder after Release = %q, want %q", h, "unknown process")
	}
	// The file is kept on purpose (see Release); a new lock works.
	l, err = TryAcquire(path)
	if err != nil {
		t.Fatalf("TryAcquire after Release: %v", err)
	}
	l.Release()
}

func TestAcquireWithEndedContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "klpkit.lock")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if l, err := Acquire(ctx, path, nil); !errors.Is(err, context.Canceled) {
		l.Release()
		t.Fatalf("Acquire with a cancelled context: %v, want context.Canceled", err)
	}
}

// TestKilledHolderReleases kills a holder process with SIGKILL, which
// runs no code of klpkit's, and checks that the kernel dropped its lock.
func TestKilledHolderReleases(t *testing.T) {
	path := filepath.Join(t.TempDir(), "klpkit.lock")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holderEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("holder child said %q, %v; want \"locked\"", line, err)
	}

	_, err = TryAcquire(path)
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("TryAcquire while the child holds the lock: %v, want ErrBusy", err)
	}
	if want := fmt.Sprintf("pid %d: ", cmd.Process.Pid); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name the child: want %q", err, want)
	}

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	killed = true

	// The child's description is still in the file, but the lock is free.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	l, err := Acquire(ctx, path, nil)
	if err != nil {
		t.Fatalf("Acquire after the holder was killed: %v", err)
	}
	defer l.Release()
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("Acquire after the holder was killed took %s, want no wait", d)
	}
	if want := fmt.Sprintf("pid %d: ", os.Getpid()); !strings.HasPrefix(Holder(path), want) {
		t.Errorf("Holder = %q after taking over, want it to start with %q", Holder(path), want)
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"pid and command line", "1234\nklpkit load x.ko\n", "pid 1234: klpkit load x.ko"},
		{"pid only", "1234\n", "pid 1234"},
		{"empty: locked, not yet written", "", "unknown process"},
		{"garbage", "klpkit\n", "unknown process"},
		{"negative pid", "-1\nx\n", "unknown process"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describe(tt.content); got != tt.want {
				t.Errorf("describe(%q) = %q, want %q", tt.content, got, tt.want)
			}
		})
	}
}
