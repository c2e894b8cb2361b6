package builder

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klpkit/klpkit/internal/testenv"
	"github.com/klpkit/klpkit/spec"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// patchDirs are every patch the tests build: the examples and testdata.
func patchDirs(t *testing.T) []string {
	t.Helper()
	var dirs []string
	for _, pattern := range []string{"../examples/*/patch.yaml", "testdata/multi/patch.yaml"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			dirs = append(dirs, filepath.Dir(f))
		}
	}
	if len(dirs) < 2 {
		t.Fatalf("found only %v", dirs)
	}
	return dirs
}

// TestGolden compares the generated C with reviewed files. The absolute
// source path differs per checkout, so it is written as $ROOT.
func TestGolden(t *testing.T) {
	root, err := filepath.Abs(testenv.Root())
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range patchDirs(t) {
		p, err := spec.LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(p.Name, func(t *testing.T) {
			files, err := Generate(p)
			if err != nil {
				t.Fatal(err)
			}
			for name, data := range files {
				got := strings.ReplaceAll(string(data), root, "$ROOT")
				golden := filepath.Join("testdata", "golden", p.Name+"."+name+".golden")
				if *update {
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./builder -update)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from %s; review the change and run go test ./builder -update", name, golden)
				}
			}
		})
	}
}

// TestBuildExamples runs the real kbuild on every example and checks the
// module, then that an unchanged patch is not rebuilt and a changed
// source is.
func TestBuildExamples(t *testing.T) {
	tg := testenv.Target(t)
	for _, dir := range patchDirs(t) {
		p, err := spec.LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(p.Name, func(t *testing.T) {
			out := t.TempDir()
			res, err := Build(context.Background(), p, Options{Target: tg, Dir: out})
			if err != nil {
				t.Fatal(err)
			}
			if res.Cached || res.Info.Name != p.Name || !res.Info.Livepatch || res.Info.Release() != tg.Release {
				t.Errorf("result %+v, info %+v", res, res.Info)
			}
			if p.HasPrePatch() != contains(res.Info.Params, "pre_patch_ret") {
				t.Errorf("pre_patch_ret parameter: %v, want %v", res.Info.Params, p.HasPrePatch())
			}
			again, err := Build(context.Background(), p, Options{Target: tg, Dir: out})
			if err != nil || !again.Cached {
				t.Errorf("unchanged rebuild: cached=%v err=%v", again != nil && again.Cached, err)
			}
		})
	}
}

func TestRebuildOnChange(t *testing.T) {
	tg := testenv.Target(t)
	dir := t.TempDir()
	copyDir(t, "../examples/cmdline", dir)
	p, err := spec.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if _, err := Build(context.Background(), p, Options{Target: tg, Dir: out}); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "cmdline.c")
	data, _ := os.ReadFile(src)
	os.WriteFile(src, append(data, []byte("\n/* changed */\n")...), 0o644)
	res, err := Build(context.Background(), p, Options{Target: tg, Dir: out})
	if err != nil || res.Cached {
		t.Errorf("changed source: cached=%v err=%v", res != nil && res.Cached, err)
	}
}

// TestCompileErrorPointsAtSource checks that a mistake in the patch's own
// C is reported at that file and line, not in the generated module.
func TestCompileErrorPointsAtSource(t *testing.T) {
	tg := testenv.Target(t)
	p, err := spec.LoadDir("testdata/broken")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Build(context.Background(), p, Options{Target: tg, Dir: t.TempDir()})
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("want a *CompileError, got %v", err)
	}
	want := p.Sources[0] + ":5:"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error does not point at %s:\n%v", want, err)
	}
}

func TestSourcePathThatCannotBeIncluded(t *testing.T) {
	p := &spec.Patch{Name: "x", Sources: []string{`/tmp/a"b.c`}, Objects: []spec.Object{{Name: "vmlinux", Functions: []spec.Function{{Old: "a", New: "b"}}}}}
	if _, err := Generate(p); err == nil || !strings.Contains(err.Error(), "#include") {
		t.Errorf("got %v", err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBuildRefusesThePatchDirectory: -o pointing at the patch itself would
// write the generated files among the user's sources.
func TestBuildRefusesThePatchDirectory(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, "../examples/cmdline", dir)
	p, err := spec.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Build(context.Background(), p, Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "is the patch directory") {
		t.Fatalf("got %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "Kbuild")); err == nil {
		t.Error("a Kbuild was written into the patch directory")
	}
}
