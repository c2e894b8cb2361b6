package scenario

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/klpkit/klpkit/internal/yamlfile"
	"github.com/klpkit/klpkit/kmod"
	"github.com/klpkit/klpkit/spec"
)

// File is a scenario file: modules to build, steps for the guest, and the
// kernel log the steps must produce.
type File struct {
	Path   string
	Name   string
	Kernel string // "" or "default": the set-up kernel; else a release
	// CPUs is the VM's vCPU count (default 1). More than one keeps the
	// kernel's one-second transition retry path covered.
	CPUs    int
	Modules []ModuleRef
	Steps   []Step // module fields hold handles
	// ExpectLog is the filtered kernel log the run must produce, exactly
	// and in order; nil means the log is not checked.
	ExpectLog []string
	Timeout   time.Duration
}

// ModuleRef is one entry of a scenario's modules: a livepatch spec
// directory or a plain module's source directory.
type ModuleRef struct {
	Handle string
	Patch  string // absolute directory of a livepatch spec
	Module string // absolute directory of a plain module's C files
	// Name is the kernel's module name: the spec's name, or the plain
	// module directory's name with '-' as '_'.
	Name  string
	Where string // file:line
}

// LoadFile reads and validates a scenario file. Problems name
// file:line:col and the field; a referenced patch spec that is invalid
// reports its own errors.
func LoadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	d := yamlfile.New(path)
	f := &File{Path: path}
	if root := d.Root(data); root != nil {
		decodeFile(d, root, f)
	}
	if !d.Failed() {
		checkFile(d, f)
	}
	if err := d.Err(); err != nil {
		return nil, err
	}
	return f, nil
}

func decodeFile(d *yamlfile.Decoder, n *yaml.Node, f *File) {
	dir := filepath.Dir(f.Path)
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		a, _ := filepath.Abs(filepath.Join(dir, p))
		return a
	}
	d.Fields(n, "", yamlfile.Handlers{
		"name":   func(fl string, v *yaml.Node) { d.Str(fl, v, &f.Name) },
		"kernel": func(fl string, v *yaml.Node) { d.Str(fl, v, &f.Kernel) },
		"cpus":   func(fl string, v *yaml.Node) { d.Int(fl, v, &f.CPUs) },
		"timeout": func(fl string, v *yaml.Node) {
			var s string
			d.Str(fl, v, &s)
			f.Timeout = duration(d, fl, v, s)
		},
		"modules": func(fl string, v *yaml.Node) {
			if v.Kind != yaml.MappingNode {
				d.Errorf(v, fl, "must be a mapping of handle to {patch: DIR} or {module: DIR}, not %s", yamlfile.KindName(v))
				return
			}
			for i := 0; i+1 < len(v.Content); i += 2 {
				k, mv := v.Content[i], v.Content[i+1]
				m := ModuleRef{Handle: k.Value, Where: fmt.Sprintf("%s:%d", f.Path, k.Line)}
				var patch, module string
				sub := yamlfile.Join(fl, k.Value)
				d.Fields(mv, sub, yamlfile.Handlers{
					"patch":  func(fl string, v *yaml.Node) { d.Str(fl, v, &patch) },
					"module": func(fl string, v *yaml.Node) { d.Str(fl, v, &module) },
				})
				switch {
				case patch != "" && module != "":
					d.Errorf(mv, sub, "give patch or module, not both")
				case patch != "":
					m.Patch = abs(patch)
				case module != "":
					m.Module = abs(module)
				case mv.Kind == yaml.MappingNode:
					d.Errorf(mv, sub, "give patch: DIR (a livepatch spec) or module: DIR (a plain module's C files)")
				}
				f.Modules = append(f.Modules, m)
			}
		},
		"steps": func(fl string, v *yaml.Node) {
			d.List(fl, v, func(fl string, _ int, v *yaml.Node) {
				s := decodeStep(d, fl, v)
				s.Where = fmt.Sprintf("%s:%d", f.Path, v.Line)
				f.Steps = append(f.Steps, s)
			})
		},
		"expect_log": func(fl string, v *yaml.Node) {
			f.ExpectLog = []string{}
			d.List(fl, v, func(fl string, _ int, v *yaml.Node) {
				var s string
				d.Str(fl, v, &s)
				f.ExpectLog = append(f.ExpectLog, s)
			})
		},
	}, "name", "steps")
}

func duration(d *yamlfile.Decoder, field string, n *yaml.Node, s string) time.Duration {
	if s == "" {
		return 0
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		d.Errorf(n, field, "must be a positive duration such as 500ms or 2s, not %q", s)
		return 0
	}
	return v
}

// actions are the keys that make a step; exactly one per step.
var actions = []string{"load", "unload", "disable", "wait", "write", "expect", "sleep", "run", "kill", "join", "stop"}

// strs decodes a string or a list of strings.
func strs(d *yamlfile.Decoder, field string, n *yaml.Node, split bool) []string {
	if n.Kind == yaml.ScalarNode {
		var v string
		d.Str(field, n, &v)
		if split {
			return strings.Fields(v)
		}
		return []string{v}
	}
	var out []string
	d.List(field, n, func(f string, _ int, v *yaml.Node) {
		var x string
		d.Str(f, v, &x)
		out = append(out, x)
	})
	return out
}

func decodeStep(d *yamlfile.Decoder, field string, n *yaml.Node) Step {
	var s Step
	var run RunCmd
	runMods := map[string]bool{}
	var wait struct {
		patch, path, value  string
		transition, enabled *int
	}
	d.Fields(n, field, yamlfile.Handlers{
		"load":    func(f string, v *yaml.Node) { d.Str(f, v, &s.Load) },
		"unload":  func(f string, v *yaml.Node) { d.Str(f, v, &s.Unload) },
		"disable": func(f string, v *yaml.Node) { d.Str(f, v, &s.Disable) },
		"params":  func(f string, v *yaml.Node) { d.Str(f, v, &s.Params) },
		"error":   func(f string, v *yaml.Node) { d.Str(f, v, &s.Error) },
		"nowait":  func(f string, v *yaml.Node) { d.Bool(f, v, &s.NoWait) },
		"run": func(f string, v *yaml.Node) {
			run.Args = strs(d, f, v, true)
			s.Run = &run
			if len(run.Args) == 0 {
				d.Errorf(v, f, "give the klpkit command's arguments, e.g. [load, \"@demo\", --timeout, 5s]")
			}
		},
		"kill": func(f string, v *yaml.Node) { d.Str(f, v, &s.Kill) },
		"join": func(f string, v *yaml.Node) { d.Str(f, v, &s.Join) },
		"stop": func(f string, v *yaml.Node) { d.Str(f, v, &s.Stop) },
		"exit": func(f string, v *yaml.Node) {
			d.Int(f, v, &run.Exit)
			runMods["exit"] = true
		},
		"output": func(f string, v *yaml.Node) {
			run.Output = strs(d, f, v, false)
			runMods["output"] = true
		},
		"lacks": func(f string, v *yaml.Node) {
			run.Lacks = strs(d, f, v, false)
			runMods["lacks"] = true
		},
		"has": func(f string, v *yaml.Node) {
			run.Has = strs(d, f, v, false)
			runMods["has"] = true
		},
		"background": func(f string, v *yaml.Node) {
			d.Str(f, v, &run.Background)
			runMods["background"] = true
		},
		"sleep": func(f string, v *yaml.Node) {
			var str string
			d.Str(f, v, &str)
			s.Sleep = Duration(duration(d, f, v, str))
		},
		"wait": func(f string, v *yaml.Node) {
			s.Wait = &WaitFor{}
			d.Fields(v, f, yamlfile.Handlers{
				"patch": func(f string, v *yaml.Node) { d.Str(f, v, &wait.patch) },
				"path":  func(f string, v *yaml.Node) { d.Str(f, v, &wait.path) },
				"value": func(f string, v *yaml.Node) { d.Str(f, v, &wait.value) },
				"transition": func(f string, v *yaml.Node) {
					wait.transition = new(int)
					d.Int(f, v, wait.transition)
				},
				"enabled": func(f string, v *yaml.Node) {
					wait.enabled = new(int)
					d.Int(f, v, wait.enabled)
				},
			})
			switch {
			case wait.patch != "" && wait.transition != nil && wait.enabled == nil && wait.path == "":
				s.Wait = &WaitFor{Path: "@" + wait.patch + "/transition", Value: fmt.Sprint(*wait.transition)}
			case wait.patch != "" && wait.enabled != nil && wait.transition == nil && wait.path == "":
				s.Wait = &WaitFor{Path: "@" + wait.patch + "/enabled", Value: fmt.Sprint(*wait.enabled)}
			case wait.path != "" && wait.patch == "" && wait.transition == nil && wait.enabled == nil:
				s.Wait = &WaitFor{Path: wait.path, Value: wait.value}
			default:
				d.Errorf(v, f, "give {patch: HANDLE, transition: 0|1}, {patch: HANDLE, enabled: 0|1} or {path: FILE, value: TEXT}")
			}
		},
		"write": func(f string, v *yaml.Node) {
			s.Write = &WriteFile{}
			d.Fields(v, f, yamlfile.Handlers{
				"path":  func(f string, v *yaml.Node) { d.Str(f, v, &s.Write.Path) },
				"value": func(f string, v *yaml.Node) { d.Str(f, v, &s.Write.Value) },
			}, "path", "value")
		},
		"expect": func(f string, v *yaml.Node) {
			s.Expect = &Expect{}
			d.Fields(v, f, yamlfile.Handlers{
				"path":     func(f string, v *yaml.Node) { d.Str(f, v, &s.Expect.Path) },
				"contains": func(f string, v *yaml.Node) { d.Str(f, v, &s.Expect.Contains) },
				"lacks":    func(f string, v *yaml.Node) { d.Str(f, v, &s.Expect.Lacks) },
				"exists": func(f string, v *yaml.Node) {
					s.Expect.Exists = new(bool)
					d.Bool(f, v, s.Expect.Exists)
				},
			}, "path")
			if s.Expect.Contains == "" && s.Expect.Lacks == "" && s.Expect.Exists == nil && v.Kind == yaml.MappingNode {
				d.Errorf(v, f, "give contains, lacks or exists")
			}
		},
	})
	if n.Kind != yaml.MappingNode {
		return s
	}
	var given []string
	for i := 0; i < len(n.Content); i += 2 {
		for _, a := range actions {
			if n.Content[i].Value == a {
				given = append(given, a)
			}
		}
	}
	switch {
	case len(given) == 0:
		d.Errorf(n, field, "a step needs one action: %s", strings.Join(actions, ", "))
	case len(given) > 1:
		d.Errorf(n, field, "a step has one action, this one has %s", strings.Join(given, " and "))
	default:
		a := given[0]
		if s.Params != "" && a != "load" {
			d.At(field+".params", "params go with load only")
		}
		if s.NoWait && a != "load" && a != "disable" {
			d.At(field+".nowait", "nowait goes with load or disable only")
		}
		if s.Error != "" && a != "load" && a != "unload" && a != "disable" && a != "write" {
			d.At(field+".error", "error goes with load, unload, disable or write only")
		}
		for m := range runMods {
			if a != "run" {
				d.At(field+"."+m, "%s goes with run only", m)
			}
		}
	}
	return s
}

// checkFile resolves module names and checks every reference.
func checkFile(d *yamlfile.Decoder, f *File) {
	handles := map[string]*ModuleRef{}
	names := map[string]string{}
	for i := range f.Modules {
		m := &f.Modules[i]
		field := "modules." + m.Handle
		switch {
		case m.Patch != "":
			p, err := spec.LoadDir(m.Patch)
			if err != nil {
				d.At(field+".patch", "%v", err)
				continue
			}
			m.Name = p.Name
		case m.Module != "":
			st, err := os.Stat(m.Module)
			if err != nil || !st.IsDir() {
				d.At(field+".module", "%s is not a directory of C files", m.Module)
				continue
			}
			m.Name = kmod.NameFromFile(filepath.Base(m.Module))
		}
		if prev, dup := names[m.Name]; dup && m.Name != "" {
			d.At(field, "module name %q is also %s's: the kernel loads one module per name", m.Name, prev)
		}
		names[m.Name] = m.Handle
		handles[m.Handle] = m
	}
	background := map[string]bool{}
	for i, s := range f.Steps {
		field := fmt.Sprintf("steps[%d]", i)
		for key, h := range map[string]string{"load": s.Load, "unload": s.Unload, "disable": s.Disable} {
			if h == "" {
				continue
			}
			m, ok := handles[h]
			switch {
			case !ok:
				d.At(field+"."+key, "no module %q in modules", h)
			case key == "disable" && m.Patch == "":
				d.At(field+"."+key, "%q is a plain module: only a livepatch can be disabled", h)
			}
		}
		if s.Wait != nil && strings.HasPrefix(s.Wait.Path, "@") {
			h, attr, _ := strings.Cut(s.Wait.Path[1:], "/")
			if m, ok := handles[h]; !ok || m.Patch == "" {
				d.At(field+".wait.patch", "no livepatch %q in modules", h)
			} else {
				f.Steps[i].Wait.Path = "/sys/kernel/livepatch/" + m.Name + "/" + attr
			}
		}
		if s.Run != nil {
			for _, a := range s.Run.Args {
				if h, ok := strings.CutPrefix(a, "@"); ok {
					if _, ok := handles[h]; !ok {
						d.At(field+".run", "no module %q in modules (\"@handle\" stands for a module's file)", h)
					}
				}
			}
			if b := s.Run.Background; b != "" {
				if background[b] {
					d.At(field+".background", "a background run %q is already started", b)
				}
				background[b] = true
			}
		}
		for key, b := range map[string]string{"kill": s.Kill, "join": s.Join, "stop": s.Stop} {
			if b == "" {
				continue
			}
			if !background[b] {
				d.At(field+"."+key, "no background run %q started before this step", b)
			}
			delete(background, b)
		}
		if s.Error != "" {
			if _, ok := ErrnoByName(s.Error); !ok {
				d.At(field+".error", "%q is not an errno name such as ENODEV", s.Error)
			}
		}
	}
	if f.CPUs < 0 || f.CPUs > 8 {
		d.At("cpus", "must be from 1 to 8")
	}
}
