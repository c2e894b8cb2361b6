package scenario

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/klpkit/klpkit/builder"
	"github.com/klpkit/klpkit/kernel"
	"github.com/klpkit/klpkit/spec"
)

// Case is one scenario's run.
type Case struct {
	File    *File
	Outcome *Outcome
	// Err is why the scenario failed; nil when it passed.
	Err error
	// Log is the run's kernel log as expect_log sees it (FilterLog).
	Log []string
	// LogDiff is set when the kernel log differed from expect_log.
	LogDiff string
	Elapsed time.Duration
}

// Suite runs scenario files, each in a fresh VM.
type Suite struct {
	// VM is the template for every scenario's VM; Target and CPUs may be
	// overridden by a file's kernel and cpus.
	VM       VM
	CacheDir string
	// Parallel is how many VMs run at once (default 1).
	Parallel int
	// Done, if set, is called as each case ends (from several goroutines,
	// one at a time).
	Done func(Case)
}

// FindFiles expands paths into scenario files: files as given, and every
// *.yaml below a directory, sorted.
func FindFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", p, err)
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(path, ".yaml") && isScenario(path) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("scenarios in %s: %w", p, err)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// isScenario tells a scenario from a patch spec in the same tree: a
// scenario has steps.
func isScenario(path string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "steps:") {
			return true
		}
	}
	return false
}

// Run loads, builds and runs every file; the cases come back in file
// order. A file that does not load or build is a failed case, not an
// abort: the other scenarios still run.
func (s *Suite) Run(ctx context.Context, paths []string) []Case {
	cases := make([]Case, len(paths))
	plans := make([]*preparedCase, len(paths))
	b := &builds{dirs: map[string]*buildOnce{}}
	for i, p := range paths {
		cases[i].File = &File{Path: p, Name: p}
		f, err := LoadFile(p)
		if err != nil {
			cases[i].Err = err
			continue
		}
		cases[i].File = f
		pc, err := s.prepare(ctx, b, f)
		if err != nil {
			cases[i].Err = err
			continue
		}
		plans[i] = pc
	}
	par := s.Parallel
	if par < 1 {
		par = 1
	}
	var mu sync.Mutex
	g := errgroup.Group{}
	// A VM with several vCPUs runs as many TCG threads: it takes as many
	// of the slots, so the VMs never want more cores than there are.
	slots := semaphore.NewWeighted(int64(par))
	for _, i := range longestFirst(cases) {
		i := i
		if plans[i] == nil {
			mu.Lock()
			if s.Done != nil {
				s.Done(cases[i])
			}
			mu.Unlock()
			continue
		}
		w := int64(min(max(plans[i].vm.CPUs, 1), par))
		if err := slots.Acquire(ctx, w); err != nil {
			cases[i].Err = err
			continue
		}
		g.Go(func() error {
			defer slots.Release(w)
			c := s.runCase(ctx, cases[i].File, plans[i])
			mu.Lock()
			cases[i] = c
			if s.Done != nil {
				s.Done(c)
			}
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait()
	return cases
}

type preparedCase struct {
	vm    VM
	plan  *Plan
	built []Built
}

// prepare resolves the file's kernel and builds its modules.
func (s *Suite) prepare(ctx context.Context, b *builds, f *File) (*preparedCase, error) {
	vm := s.VM
	if f.Kernel != "" && f.Kernel != "default" {
		t, err := kernel.Resolve(s.CacheDir, f.Kernel)
		if err != nil {
			return nil, err
		}
		vm.Target = t
	}
	if f.CPUs > 0 {
		vm.CPUs = f.CPUs
	}
	if f.Timeout > 0 {
		vm.Timeout = f.Timeout
	}
	var built []Built
	for _, m := range f.Modules {
		res, err := b.build(ctx, vm.Target, s.CacheDir, m)
		if err != nil {
			return nil, fmt.Errorf("%s: module %s: %w", m.Where, m.Handle, err)
		}
		built = append(built, Built{Handle: m.Handle, Result: res, Livepatch: m.Patch != ""})
	}
	plan := &Plan{Name: f.Name, Steps: f.Steps, StepTimeout: Duration(20 * time.Second)}
	return &preparedCase{vm: vm, plan: plan, built: built}, nil
}

func (s *Suite) runCase(ctx context.Context, f *File, pc *preparedCase) Case {
	start := time.Now()
	c := Case{File: f}
	work, err := os.MkdirTemp(pc.vm.WorkDir, sanitize(f.Name)+"-")
	if err != nil {
		c.Err = fmt.Errorf("vm work directory: %w", err)
		return c
	}
	vm := pc.vm
	vm.WorkDir = work
	vm.Progress = nil
	files := AddModules(pc.plan, pc.built)
	out, err := Run(ctx, vm, pc.plan, files)
	c.Outcome, c.Err = out, err
	if out != nil {
		c.Log = FilterLog(out.Log, moduleNames(pc.plan))
	}
	if err == nil && f.ExpectLog != nil {
		if diff := DiffLines(f.ExpectLog, c.Log); diff != "" {
			c.LogDiff = diff
			c.Err = fmt.Errorf("kernel log differs from expect_log (console log: %s):\n%s", out.ConsoleLog, diff)
		}
	}
	c.Elapsed = time.Since(start)
	return c
}

func moduleNames(p *Plan) []string {
	var names []string
	for _, m := range p.Modules {
		names = append(names, m.Name)
	}
	return names
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, s)
}

// builds builds each module directory once per suite: scenarios share
// patches and fixtures, and two builds in one directory would collide.
type builds struct {
	mu   sync.Mutex
	dirs map[string]*buildOnce
}

type buildOnce struct {
	once sync.Once
	res  *builder.Result
	err  error
}

func (b *builds) build(ctx context.Context, t *kernel.Target, cache string, m ModuleRef) (*builder.Result, error) {
	src := m.Patch + m.Module
	sum := sha256.Sum256([]byte(src))
	dir := builder.DefaultDir(cache, m.Name+"-"+hex.EncodeToString(sum[:4]), t.Release)
	b.mu.Lock()
	o, ok := b.dirs[dir]
	if !ok {
		o = &buildOnce{}
		b.dirs[dir] = o
	}
	b.mu.Unlock()
	o.once.Do(func() {
		opt := builder.Options{Target: t, Dir: dir}
		if m.Patch != "" {
			var p *spec.Patch
			if p, o.err = spec.LoadDir(m.Patch); o.err == nil {
				o.res, o.err = builder.Build(ctx, p, opt)
			}
			return
		}
		o.res, o.err = builder.BuildModule(ctx, m.Module, m.Name, opt)
	})
	return o.res, o.err
}

// longestFirst orders the cases for scheduling by their expected length,
// longest first, so a long scenario does not start last and hold the
// suite alone at the end (the results keep file order).
func longestFirst(cases []Case) []int {
	order := make([]int, len(cases))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return estimate(cases[order[a]].File) > estimate(cases[order[b]].File)
	})
	return order
}

// estimate guesses a scenario's length from what it says: a boot, the
// kernel's one-second retries when it has several vCPUs or waits for a
// transition, its sleeps, and the --timeout of the klpkit commands it runs.
func estimate(f *File) time.Duration {
	if f == nil {
		return 0
	}
	d := 3 * time.Second
	if f.CPUs > 1 {
		d += time.Duration(f.CPUs-1) * 1500 * time.Millisecond
	}
	for _, s := range f.Steps {
		d += time.Duration(s.Sleep)
		if s.Wait != nil {
			d += time.Second
		}
		if s.Run != nil {
			for i, a := range s.Run.Args {
				if a == "--timeout" && i+1 < len(s.Run.Args) {
					if t, err := time.ParseDuration(s.Run.Args[i+1]); err == nil {
						d += t
					}
				}
			}
		}
	}
	return d
}
