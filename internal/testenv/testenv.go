package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/klpkit/klpkit/kernel"
)

// InCI reports whether the tests run in CI (CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

// Require skips the test with reason when run by hand, and fails it in CI.
func Require(t testing.TB, ok bool, reason string) {
	t.Helper()
	if ok {
		return
	}
	if InCI() {
		t.Fatalf("missing prerequisite in CI: %s", reason)
	}
	t.Skipf("skipped: %s (run make setup; in CI this fails)", reason)
}

// Root is the repository's top directory.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// CacheDir is $KLPKIT_CACHE or the repository's .cache, where
// scripts/setup.sh puts the kernel.
func CacheDir() string {
	if d := os.Getenv("KLPKIT_CACHE"); d != "" {
		return d
	}
	return filepath.Join(Root(), ".cache")
}

// Target is the set-up kernel, with headers.
func Target(t testing.TB) *kernel.Target {
	t.Helper()
	tg, err := kernel.Resolve(CacheDir(), "")
	Require(t, err == nil, "no set-up kernel: "+errString(err))
	_, err = os.Stat(filepath.Join(tg.KDir, "Makefile"))
	Require(t, err == nil, "no kernel headers for "+tg.Release)
	return tg
}

// VM is Target plus QEMU and the kernel image.
func VM(t testing.TB) *kernel.Target {
	t.Helper()
	tg := Target(t)
	_, err := exec.LookPath("qemu-system-x86_64")
	Require(t, err == nil, "qemu-system-x86_64 not installed")
	_, err = os.Stat(tg.Vmlinuz())
	Require(t, err == nil, "no kernel image for "+tg.Release)
	return tg
}

var agent struct {
	once sync.Once
	path string
	err  error
}

// Agent returns a static klpkit binary: $KLPKIT_BIN (make test builds
// it), or one built once per test process.
func Agent(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("KLPKIT_BIN"); p != "" {
		return p
	}
	agent.once.Do(func() {
		dir, err := os.MkdirTemp("", "klpkit-bin-")
		if err != nil {
			agent.err = err
			return
		}
		agent.path = filepath.Join(dir, "klpkit")
		cmd := exec.Command("go", "build", "-o", agent.path, "./cmd/klpkit")
		cmd.Dir = Root()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			agent.err = &buildError{out: string(out), err: err}
		}
	})
	if agent.err != nil {
		t.Fatalf("build klpkit: %v", agent.err)
	}
	return agent.path
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Missing skips the test because a prerequisite is missing, when run by
// hand, and fails it in CI, where a skipped test would prove nothing.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	Require(t, false, fmt.Sprintf(format, args...))
}
