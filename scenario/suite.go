package scenario

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/klpkit/klpkit/builder"
	"github.com/klpkit/klpkit/kernel"
	"github.com/klpkit/klpkit/qemu"
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

// Suite runs scenario files, each on a clean kernel: VMs are shared by
// scenarios while each leaves the kernel clean (see batches).
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
	done := func(c Case) {
		mu.Lock()
		defer mu.Unlock()
		if s.Done != nil {
			s.Done(c)
		}
	}
	var todo []int
	for _, i := range longestFirst(cases) {
		if plans[i] == nil {
			done(cases[i])
			continue
		}
		todo = append(todo, i)
	}

	// A VM with several vCPUs runs as many TCG threads: it takes as many
	// of the slots, so the VMs never want more cores than there are.
	slots := semaphore.NewWeighted(int64(par))
	var wg sync.WaitGroup
	var runBatch func(batch []int, fresh bool)
	runBatch = func(batch []int, fresh bool) {
		defer wg.Done()
		pc := plans[batch[0]]
		w := int64(min(max(pc.vm.CPUs, 1), par))
		if err := slots.Acquire(ctx, w); err != nil {
			for _, i := range batch {
				cases[i].Err = err
				done(cases[i])
			}
			return
		}
		results, rest := s.runBatch(ctx, cases, plans, batch, done)
		slots.Release(w)
		mu.Lock()
		for i, c := range results {
			cases[i] = c
		}
		mu.Unlock()
		if len(rest) == 0 {
			return
		}
		if len(rest) == len(batch) && fresh {
			// A fresh VM that ran none of them will not do better.
			for _, i := range rest {
				cases[i].Err = fmt.Errorf("not run: the VM ran no scenario of its batch")
				done(cases[i])
			}
			return
		}
		wg.Add(1)
		go runBatch(rest, true)
	}
	for _, batch := range batches(todo, plans, par) {
		wg.Add(1)
		go runBatch(batch, false)
	}
	wg.Wait()
	return cases
}

// batches groups the cases that can share a VM (same kernel and vCPUs)
// and splits each group over the slots its VMs may take at once, longest
// scenario first into the batch with the least work so far, so the VMs
// end together. Reusing a VM saves a boot per scenario: the guest checks
// that a scenario left no patch and no module before it runs the next.
func batches(todo []int, plans []*preparedCase, par int) [][]int {
	type key struct {
		release string
		cpus    int
	}
	groups := map[key][]int{}
	var keys []key
	for _, i := range todo {
		k := key{plans[i].vm.Target.Release, plans[i].vm.CPUs}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	var out [][]int
	for _, k := range keys {
		idx := groups[k]
		n := max(1, min(len(idx), par/max(k.cpus, 1)))
		split := make([][]int, n)
		load := make([]time.Duration, n)
		for _, i := range idx { // already longest first
			j := 0
			for b := range load {
				if load[b] < load[j] {
					j = b
				}
			}
			split[j] = append(split[j], i)
			load[j] += estimate(plans[i].file)
		}
		out = append(out, split...)
	}
	return out
}

// runBatch runs cases in one VM and returns the cases that ended, by
// index, and those still to run in another VM. Each case is judged, and
// reported to Done, as soon as its plan ends in the guest.
func (s *Suite) runBatch(ctx context.Context, cases []Case, plans []*preparedCase, batch []int, done func(Case)) (map[int]Case, []int) {
	results := map[int]Case{}
	vm := plans[batch[0]].vm
	work, err := os.MkdirTemp(vm.WorkDir, "vm-")
	if err != nil {
		for _, i := range batch {
			results[i] = Case{File: cases[i].File, Err: fmt.Errorf("vm work directory: %w", err)}
		}
		return results, nil
	}
	vm.WorkDir = work
	vm.Progress = nil
	vm.Timeout = 0 // boot plus each plan's own bound
	var ps []*Plan
	var files []qemu.File
	for _, i := range batch {
		// A fresh copy: a plan may be packed again for another VM.
		p := *plans[i].plan
		p.Modules = nil
		files = append(files, AddModules(&p, plans[i].built)...)
		ps = append(ps, &p)
	}
	vm.PlanDone = func(j int, out *Outcome) {
		i := batch[j]
		c := judge(cases[i].File, ps[j], out)
		results[i] = c
		done(c)
	}
	b, err := RunBatch(ctx, vm, ps, files)
	if err != nil {
		for _, i := range batch {
			results[i] = Case{File: cases[i].File, Err: err}
			done(results[i])
		}
		return results, nil
	}
	var rest []int
	running := b.RunningPlan()
	for j, i := range batch {
		out := b.Plans[j]
		switch {
		case out.Result != nil:
			// Judged when it ended; the VM's figures are final now.
			c := results[i]
			c.Outcome = out
			results[i] = c
		case j == running && b.Err != nil, b.Err != nil && running < 0 && b.Ran == 0:
			// It died during this plan, or never ran one: a fresh VM
			// will not do better.
			results[i] = Case{File: cases[i].File, Outcome: out, Err: b.Err}
			done(results[i])
		default:
			rest = append(rest, i)
		}
	}
	return results, rest
}

// judge turns a plan's outcome into the case's result, comparing the
// kernel log with the scenario's expect_log.
func judge(f *File, plan *Plan, out *Outcome) Case {
	c := Case{File: f, Outcome: out, Elapsed: out.Elapsed}
	if !out.Result.OK {
		c.Err = fmt.Errorf("in the VM: %s (console log: %s)", out.Result.Err, out.ConsoleLog)
	}
	c.Log = FilterLog(out.Log, moduleNames(plan))
	if c.Err == nil && f.ExpectLog != nil {
		if diff := DiffLines(f.ExpectLog, c.Log); diff != "" {
			c.LogDiff = diff
			c.Err = fmt.Errorf("kernel log differs from expect_log (console log: %s):\n%s", out.ConsoleLog, diff)
		}
	}
	return c
}

type preparedCase struct {
	vm    VM
	plan  *Plan
	built []Built
	file  *File
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
	timeout := DefaultPlanTimeout
	switch {
	case f.Timeout > 0:
		timeout = f.Timeout
	case s.VM.Timeout > 0:
		timeout = s.VM.Timeout
	}
	var built []Built
	for _, m := range f.Modules {
		res, err := b.build(ctx, vm.Target, s.CacheDir, m)
		if err != nil {
			return nil, fmt.Errorf("%s: module %s: %w", m.Where, m.Handle, err)
		}
		built = append(built, Built{Handle: m.Handle, Result: res, Livepatch: m.Patch != ""})
	}
	plan := &Plan{Name: f.Name, Steps: f.Steps, StepTimeout: Duration(20 * time.Second), Timeout: Duration(timeout)}
	return &preparedCase{vm: vm, plan: plan, built: built, file: f}, nil
}

func moduleNames(p *Plan) []string {
	var names []string
	for _, m := range p.Modules {
		names = append(names, m.Name)
	}
	return names
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
	dir := builder.DefaultDir(cache, t.Release, m.Name, m.Patch+m.Module)
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
