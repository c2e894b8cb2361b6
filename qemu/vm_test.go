package qemu

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/klpkit/klpkit/internal/testenv"

	"github.com/klpkit/klpkit/kernel"
)

// guest is what a VM test boots: the cached Debian vmlinux and an
// initramfs whose /init is testdata/hello.
type guest struct {
	kernel, bzImage, initrd, dir string
}

func setupGuest(t *testing.T) guest {
	t.Helper()
	if _, err := exec.LookPath(defaultQEMU); err != nil {
		testenv.Missing(t, "%s is not installed; run make setup", defaultQEMU)
	}
	tg, err := kernel.Resolve(testenv.CacheDir(), "")
	if err != nil {
		testenv.Missing(t, "%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	vmlinux, err := tg.Vmlinux(ctx)
	if errors.Is(err, kernel.ErrNotInstalled) {
		testenv.Missing(t, "%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	init := buildInit(t, dir)
	initrd := filepath.Join(dir, "initrd.cpio")
	f, err := os.Create(initrd)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteInitramfs(f, []File{{Path: "/init", Mode: 0o755, Src: init}}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return guest{kernel: vmlinux, bzImage: tg.Vmlinuz(), initrd: initrd, dir: dir}
}

// buildInit builds testdata/hello as a static binary. It is built as a
// module of its own in a temporary directory, so the test does not depend
// on the state of klpkit's go.mod.
func buildInit(t *testing.T, dir string) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	src, err := os.ReadFile(filepath.Join("testdata", "hello", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	mod := filepath.Join(dir, "hello")
	if err := os.Mkdir(mod, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(mod, "main.go"), src)
	writeFile(t, filepath.Join(mod, "go.mod"), []byte("module hello\n\ngo 1.22\n"))
	out := filepath.Join(dir, "init")
	cmd := exec.Command(gobin, "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOFLAGS=", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the test /init: %v\n%s", err, b)
	}
	return out
}

func writeFile(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestVM boots Debian's kernel with a /init that says hello on the event
// channel and powers off, then checks the ways a run can end.
func TestVM(t *testing.T) {
	g := setupGuest(t)

	for _, tc := range []struct {
		name   string
		kernel string
		cpus   int
	}{
		{"hello from vmlinux with 1 vCPU", g.kernel, 1},
		{"hello from vmlinux with 2 vCPUs", g.kernel, 2},
		{"hello from bzImage", g.bzImage, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			log := filepath.Join(g.dir, "console-hello.log")
			start := time.Now()
			vm, err := Start(ctx, Config{Kernel: tc.kernel, Initrd: g.initrd, CPUs: tc.cpus, ConsoleLog: log})
			if err != nil {
				t.Fatal(err)
			}
			events, err := io.ReadAll(vm.Events())
			if err != nil {
				t.Error(err)
			}
			if err := vm.Wait(); err != nil {
				t.Fatalf("%v\ncmdline: %q", err, vm.Cmdline())
			}
			t.Logf("%s: Start to Wait: %s", tc.name, time.Since(start).Round(10*time.Millisecond))

			if string(events) != "hello\n" {
				t.Errorf("events %q, want %q", events, "hello\n")
			}
			// The kernel's view: /init ran with the console as stdout, and
			// the kernel powered the machine off.
			con := readFile(t, log)
			for _, want := range []string{"console=ttyS0 panic=-1", "hello: init started", "hello: powering off", "reboot: Power down"} {
				if !strings.Contains(con, want) {
					t.Errorf("console log lacks %q", want)
				}
			}
			if t.Failed() {
				t.Logf("console log:\n%s", con)
			}
		})
	}

	t.Run("killed at the deadline", func(t *testing.T) {
		const deadline = 3 * time.Second
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		start := time.Now()
		vm, err := Start(ctx, Config{Kernel: g.kernel, Initrd: g.initrd, Append: []string{"--", "hang"}})
		if err != nil {
			t.Fatal(err)
		}
		defer os.Remove(vm.ConsoleLog())
		// Events ends because QEMU was killed, not because the guest
		// powered off.
		if _, err := io.ReadAll(vm.Events()); err != nil {
			t.Error(err)
		}
		err = vm.Wait()
		took := time.Since(start)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "killed at the deadline") ||
			!strings.Contains(err.Error(), vm.ConsoleLog()) {
			t.Fatalf("err = %v, want DeadlineExceeded, saying the VM was killed at the deadline and naming the console log", err)
		}
		if took > deadline+5*time.Second {
			t.Fatalf("Wait returned %s after Start, long after the %s deadline", took, deadline)
		}
		if again := vm.Wait(); again != err {
			t.Fatalf("second Wait: %v, want the first one's error", again)
		}
	})

	t.Run("killed after the guest spoke", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		vm, err := Start(ctx, Config{Kernel: g.kernel, Initrd: g.initrd, Append: []string{"--", "hang"}})
		if err != nil {
			t.Fatal(err)
		}
		defer os.Remove(vm.ConsoleLog())
		// Read live: the line arrives while QEMU still runs.
		line, err := bufio.NewReader(vm.Events()).ReadString('\n')
		if err != nil || line != "hello\n" {
			vm.Kill()
			t.Fatalf("first event %q, %v; wait: %v", line, err, vm.Wait())
		}
		vm.Kill()
		if err := vm.Wait(); err == nil || !strings.Contains(err.Error(), "VM killed after") {
			t.Fatalf("err = %v, want one saying the VM was killed", err)
		}
		// Written before the event; what follows may be cut by the kill.
		if !strings.Contains(readFile(t, vm.ConsoleLog()), "hello: init started") {
			t.Fatal("the console log does not show /init starting")
		}
	})

	t.Run("guest panic", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		// No such init: the kernel finds no root to fall back on and
		// panics; panic=-1 and -no-reboot end QEMU with status 0.
		vm, err := Start(ctx, Config{Kernel: g.kernel, Initrd: g.initrd, Append: []string{"rdinit=/nonexistent"}})
		if err != nil {
			t.Fatal(err)
		}
		defer os.Remove(vm.ConsoleLog())
		err = vm.Wait()
		if !errors.Is(err, ErrGuestPanic) || !strings.Contains(err.Error(), "Kernel panic - not syncing") {
			t.Fatalf("err = %v, want ErrGuestPanic with the panic line", err)
		}
	})

	t.Run("QEMU refuses the kernel", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		vm, err := Start(ctx, Config{Kernel: g.initrd, Initrd: g.initrd, ConsoleLog: filepath.Join(g.dir, "console-bad.log")})
		if err != nil {
			t.Fatal(err)
		}
		err = vm.Wait()
		// The exit status, the log, and QEMU's own words, whatever they
		// are in this QEMU version.
		for _, want := range []string{"exit status 1", "console-bad.log"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v, want one containing %q", err, want)
			}
		}
		if strings.Contains(err.Error(), "no output on stderr") {
			t.Fatalf("err = %v, want QEMU's stderr in it", err)
		}
	})
}

func TestStartErrors(t *testing.T) {
	dir := t.TempDir()
	k, i := writeTemp(t, dir, "vmlinux"), writeTemp(t, dir, "initrd")
	for _, tc := range []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"no such QEMU", Config{QEMU: "qemu-system-none", Kernel: k, Initrd: i}, "make setup"},
		{"no kernel", Config{Initrd: i}, "no kernel"},
		{"console log in a missing directory", Config{Kernel: k, Initrd: i, ConsoleLog: filepath.Join(dir, "no", "console.log")}, "console log"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vm, err := Start(context.Background(), tc.cfg)
			if err == nil {
				vm.Kill()
				vm.Wait()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}
