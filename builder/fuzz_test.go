package builder

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/klpkit/klpkit/internal/testenv"
	"github.com/klpkit/klpkit/spec"
)

// compiler is kbuild's own compile command for a generated module, taken
// from the .o.cmd file of one real build, so a fuzz case is compiled with
// exactly the kernel's flags without a whole kbuild run per case.
var compiler struct {
	once sync.Once
	cmd  string // shell command with SOURCE where the file goes
	kdir string
	err  error
}

var cmdLine = regexp.MustCompile(`(?m)^(?:saved)?cmd_\S+ :=\s*(.*)$`)

func compileCommand(t *testing.T) (string, string) {
	tg := testenv.Target(t)
	compiler.once.Do(func() {
		p, err := spec.LoadDir("testdata/multi")
		if err != nil {
			compiler.err = err
			return
		}
		dir, err := os.MkdirTemp("", "klpkit-fuzz-")
		if err != nil {
			compiler.err = err
			return
		}
		if _, err := Build(context.Background(), p, Options{Target: tg, Dir: dir}); err != nil {
			compiler.err = err
			return
		}
		data, err := os.ReadFile(filepath.Join(dir, "."+p.Name+".o.cmd"))
		if err != nil {
			compiler.err = err
			return
		}
		m := cmdLine.FindSubmatch(data)
		if m == nil {
			compiler.err = os.ErrNotExist
			return
		}
		cmd := string(m[1])
		if i := strings.Index(cmd, ";"); i >= 0 {
			cmd = cmd[:i] // objtool and friends run after the compiler
		}
		obj, src := filepath.Join(dir, p.Name+".o"), filepath.Join(dir, p.Name+".c")
		cmd = strings.Replace(cmd, "-o "+obj+" "+src, "-Werror -fsyntax-only SOURCE", 1)
		cmd = regexp.MustCompile(`-Wp,-MMD,\S+`).ReplaceAllString(cmd, "")
		if !strings.Contains(cmd, "SOURCE") {
			compiler.err = os.ErrInvalid
			return
		}
		compiler.cmd, compiler.kdir = cmd, tg.KDir
	})
	if compiler.err != nil {
		t.Fatalf("derive the kernel's compile command: %v", compiler.err)
	}
	return compiler.cmd, compiler.kdir
}

// FuzzRender checks the generator's promise: whatever spec validates
// renders C that the kernel's compiler accepts, warnings included.
func FuzzRender(f *testing.F) {
	for _, s := range []string{"testdata/multi/patch.yaml", "../examples/cmdline/patch.yaml"} {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := spec.Parse("testdata/multi/patch.yaml", data)
		if err != nil {
			return
		}
		files, err := Generate(p)
		if err != nil {
			t.Fatalf("a valid spec did not render: %v", err)
		}
		cmd, kdir := compileCommand(t)
		src := filepath.Join(t.TempDir(), p.Name+".c")
		if err := os.WriteFile(src, files[p.Name+".c"], 0o644); err != nil {
			t.Fatal(err)
		}
		c := exec.Command("sh", "-c", strings.Replace(cmd, "SOURCE", src, 1))
		c.Dir = kdir
		var out bytes.Buffer
		c.Stdout, c.Stderr = &out, &out
		if err := c.Run(); err != nil {
			t.Fatalf("generated C does not compile (%v):\n%s\nspec:\n%s", err, out.String(), data)
		}
	})
}

// TestCompileCommandRejects guards FuzzRender against a derived command
// that accepts anything.
func TestCompileCommandRejects(t *testing.T) {
	cmd, kdir := compileCommand(t)
	src := filepath.Join(t.TempDir(), "bad.c")
	os.WriteFile(src, []byte("int f(void) { return \"x\"; }\n"), 0o644)
	c := exec.Command("sh", "-c", strings.Replace(cmd, "SOURCE", src, 1))
	c.Dir = kdir
	if out, err := c.CombinedOutput(); err == nil {
		t.Fatalf("the compile command accepted bad C:\n%s", out)
	}
}
