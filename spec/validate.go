package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

var (
	// moduleName is what the spec allows for a module or object name: the
	// kernel turns '-' into '_', so a spec that says '_' says what sysfs
	// and the log will show.
	moduleName = regexp.MustCompile(`^[a-z0-9_]+$`)
	cIdent     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

func (p *parser) validate(pt *Patch) {
	p.checkModuleName("name", pt.Name)

	defined := map[string]string{} // function name -> "file:line"
	seenSrc := map[string]bool{}
	// sourcesOK: every source was read, so a missing definition is the
	// spec's mistake and not a consequence of an unreadable file.
	sourcesOK := true
	for i, s := range pt.Sources {
		f := fmt.Sprintf("sources[%d]", i)
		path := s
		if !filepath.IsAbs(path) {
			path = filepath.Join(p.dir, s)
		}
		switch {
		case !strings.HasSuffix(s, ".c"):
			p.At(f, "%q is not a C file (.c)", s)
			sourcesOK = false
			continue
		case seenSrc[path]:
			p.At(f, "source %q listed twice", s)
			continue
		}
		seenSrc[path] = true
		data, err := os.ReadFile(path)
		if err != nil {
			p.At(f, "cannot read source: %v", err)
			sourcesOK = false
			continue
		}
		pt.Sources[i] = path
		for name, line := range DefinedFunctions(data) {
			defined[name] = fmt.Sprintf("%s:%d", s, line)
		}
	}
	if len(pt.Objects) == 0 {
		p.At("objects", "at least one object (vmlinux or a module) is needed")
	}

	seenObj := map[string]string{}
	for i, o := range pt.Objects {
		of := fmt.Sprintf("objects[%d]", i)
		if p.checkModuleName(of+".name", o.Name) {
			if prev, dup := seenObj[o.Name]; dup {
				p.At(of+".name", "object %q listed twice (first as %s)", o.Name, prev)
			}
			seenObj[o.Name] = of
		}
		if len(o.Functions) == 0 && o.Callbacks == (Callbacks{}) {
			p.At(of+".functions", "an object needs at least one function or callback: otherwise it does nothing")
		}
		seenFn := map[string]string{}
		for j, fn := range o.Functions {
			ff := fmt.Sprintf("%s.functions[%d]", of, j)
			p.checkIdent(ff+".old", fn.Old)
			if p.checkIdent(ff+".new", fn.New) && sourcesOK {
				if _, ok := defined[fn.New]; !ok {
					p.At(ff+".new", "function %q is not defined in the sources", fn.New)
				}
			}
			if fn.Sympos < 0 {
				p.At(ff+".sympos", "must be 0 (unique name) or a position from 1, not %d", fn.Sympos)
			}
			key := fmt.Sprintf("%s,%d", fn.Old, fn.Sympos)
			if prev, dup := seenFn[key]; dup {
				p.At(ff+".old", "function %q (sympos %d) listed twice in object %q (first as %s)", fn.Old, fn.Sympos, o.Name, prev)
			}
			seenFn[key] = ff
		}
		o.Callbacks.Each(func(kind, value string) {
			cf := of + ".callbacks." + kind
			switch {
			case value == "" && p.Node(cf) == nil, value == LogCallback:
			case !cIdent.MatchString(value):
				p.At(cf, "must be %q or the name of a C function in the sources, not %q", LogCallback, value)
			case sourcesOK:
				if _, ok := defined[value]; !ok {
					p.At(cf, "callback function %q is not defined in the sources", value)
				}
			}
		})
	}

	for i, v := range pt.Verify {
		vf := fmt.Sprintf("verify[%d]", i)
		if !filepath.IsAbs(v.File) {
			p.At(vf+".file", "must be an absolute path inside the VM, such as /proc/cmdline")
		}
		if v.Patched == "" && v.Unpatched == "" {
			p.At(vf, "give patched, unpatched or both: the text the file holds with and without the patch")
		}
	}
}

// checkModuleName reports whether name is a valid module name, recording
// an error at field when it is not.
func (p *parser) checkModuleName(field, name string) bool {
	switch {
	case name == "":
		p.At(field, "must not be empty")
	case len(name) > MaxNameLen:
		p.At(field, "%q is %d characters; the kernel allows at most %d", name, len(name), MaxNameLen)
	case !moduleName.MatchString(name):
		p.At(field, "%q may hold only a-z, 0-9 and _ (the kernel writes '-' in module names as '_')", name)
	default:
		return true
	}
	return false
}

func (p *parser) checkIdent(field, name string) bool {
	if !cIdent.MatchString(name) {
		p.At(field, "%q is not a C identifier", name)
		return false
	}
	return true
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}
