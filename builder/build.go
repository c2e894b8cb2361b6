package builder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/klpkit/klpkit/kernel"
	"github.com/klpkit/klpkit/kmod"
	"github.com/klpkit/klpkit/spec"
)

// Options say where and for which kernel to build.
type Options struct {
	Target *kernel.Target
	// Dir is the build directory; it is created and kept.
	Dir string
	// Force runs kbuild even when the build directory's stamp says
	// nothing changed.
	Force bool
	// Log receives kbuild's output as it runs (nil: only on failure).
	Log io.Writer
}

// Result is a built and validated module.
type Result struct {
	Module  string // path of the .ko
	Dir     string
	Info    *kmod.Info
	Cached  bool // kbuild was skipped: nothing it reads had changed
	Elapsed time.Duration
}

// stampFile records the hash of everything a build read, so an unchanged
// patch is not rebuilt: kbuild's own no-op run still costs about a second.
const stampFile = ".klpkit-stamp"

// Build renders p into opt.Dir, runs kbuild there and validates the module.
func Build(ctx context.Context, p *spec.Patch, opt Options) (*Result, error) {
	if dir, err := filepath.Abs(opt.Dir); err == nil && dir == p.Dir {
		return nil, fmt.Errorf("build %s: the build directory is the patch directory %s: the generated %s.c and Kbuild would be written among your sources; choose another -o", p.Name, p.Dir, p.Name)
	}
	files, err := Generate(p)
	if err != nil {
		return nil, err
	}
	if err := writeFiles(opt.Dir, files); err != nil {
		return nil, fmt.Errorf("build %s: %w", p.Name, err)
	}
	// Headers next to the sources may be included by them; hash them too.
	inputs, err := dirSources(p.Dir)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", p.Name, err)
	}
	inputs = append(inputs, p.Sources...)
	return build(ctx, p.Name, true, inputs, opt)
}

// build runs kbuild in opt.Dir unless its stamp matches, then validates.
func build(ctx context.Context, name string, livepatch bool, inputs []string, opt Options) (*Result, error) {
	start := time.Now()
	t := opt.Target
	ko := filepath.Join(opt.Dir, name+".ko")
	stamp, err := hashInputs(t, opt.Dir, inputs)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", name, err)
	}
	stampPath := filepath.Join(opt.Dir, stampFile)
	cached := false
	if !opt.Force {
		if old, err := os.ReadFile(stampPath); err == nil && string(old) == stamp && fileExists(ko) {
			cached = true
		}
	}
	if !cached {
		_ = os.Remove(stampPath)
		if err := Make(ctx, t.KDir, opt.Dir, opt.Log); err != nil {
			return nil, fmt.Errorf("build %s: %w", name, err)
		}
	}
	info, err := Validate(ko, name, t.Release, livepatch)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", name, err)
	}
	if !cached {
		if err := os.WriteFile(stampPath, []byte(stamp), 0o644); err != nil {
			return nil, fmt.Errorf("build %s: %w", name, err)
		}
	}
	return &Result{Module: ko, Dir: opt.Dir, Info: info, Cached: cached, Elapsed: time.Since(start)}, nil
}

// hashInputs covers the target kernel, the build directory's own files
// (generated or copied), and the given source files.
func hashInputs(t *kernel.Target, dir string, inputs []string) (string, error) {
	own, err := dirSources(dir)
	if err != nil {
		return "", err
	}
	all := append(own, inputs...)
	sort.Strings(all)
	h := sha256.New()
	fmt.Fprintf(h, "klpkit build 1\nrelease %s\nkdir %s\n", t.Release, t.KDir)
	seen := map[string]bool{}
	for _, f := range all {
		if seen[f] {
			continue
		}
		seen[f] = true
		data, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", f, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// dirSources lists the C sources, headers and Kbuild/Makefile of a
// directory (not its subdirectories).
func dirSources(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || strings.HasSuffix(n, ".mod.c") {
			continue
		}
		if strings.HasSuffix(n, ".c") || strings.HasSuffix(n, ".h") || n == "Kbuild" || n == "Makefile" {
			out = append(out, filepath.Join(dir, n))
		}
	}
	return out, nil
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// DefaultDir is the build directory in the cache of the module built
// from srcDir: named after the module, and after its source directory too,
// so two patches of the same name in different places never share one
// (each would rebuild over the other), while build, vm run and vm test of
// one patch do.
func DefaultDir(cacheDir, release, name, srcDir string) string {
	if abs, err := filepath.Abs(srcDir); err == nil {
		srcDir = abs
	}
	sum := sha256.Sum256([]byte(srcDir))
	return filepath.Join(cacheDir, "build", release, name+"-"+hex.EncodeToString(sum[:4]))
}
