package sysfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNoPatch means the patch has no directory under Root: its module is
// not loaded, or the patch was disabled (or replaced) and its transition
// completed, which makes the kernel remove the directory even though the
// module stays loaded until it is unloaded.
var ErrNoPatch = errors.New("no such livepatch")

// Patch is one directory of /sys/kernel/livepatch.
type Patch struct {
	Name       string `json:"name"`    // the livepatch module's name
	Enabled    bool   `json:"enabled"` // during a transition, the state it moves to
	Transition bool   `json:"transition"`
	// Replace is the patch's atomic-replace flag, nil when the kernel has
	// no "replace" attribute (added in 6.11; 6.1 does not show it).
	Replace *bool `json:"replace,omitempty"`
	// StackOrder is the patch's 1-based position among the enabled
	// patches, 0 when the kernel has no "stack_order" attribute (added in
	// 6.14).
	StackOrder int      `json:"stack_order,omitempty"`
	Objects    []Object `json:"objects"` // sorted by name
}

// Object is a kernel object a patch changes: vmlinux or a module.
type Object struct {
	Name string `json:"name"` // "vmlinux" or a module name
	// Patched says whether the object's functions are redirected now. A
	// module object reads 0 until that module is loaded. The attribute
	// is new in 6.1; without it, Patched is false.
	Patched bool   `json:"patched"`
	Funcs   []Func `json:"functions"` // sorted by name, then sympos
}

// Func is a patched function, from a directory named "<func>,<sympos>".
type Func struct {
	Name string `json:"name"`
	// Sympos picks among symbols of the same name in the object: 0 means
	// the name is unique, N the N-th in kallsyms order.
	Sympos int `json:"sympos"`
}

// Patches lists the loaded patches, sorted by name. No patch loaded gives
// an empty list and no error; a missing Root (a kernel without
// CONFIG_LIVEPATCH, or sysfs not mounted) is an error naming the path.
func (fs *FS) Patches() ([]Patch, error) {
	root := fs.root()
	entries, err := os.ReadDir(root)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("list livepatches: %w (kernel without CONFIG_LIVEPATCH, or sysfs not mounted)", err)
		}
		return nil, fmt.Errorf("list livepatches: %w", err)
	}
	patches := []Patch{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p, err := fs.Patch(e.Name())
		if errors.Is(err, ErrNoPatch) {
			// Removed since ReadDir: its unpatching transition ended.
			continue
		}
		if err != nil {
			return nil, err
		}
		patches = append(patches, *p)
	}
	// os.ReadDir returns entries sorted by name, the order promised.
	return patches, nil
}

// Patch reads one patch. It returns an error wrapping ErrNoPatch when the
// patch has no directory.
func (fs *FS) Patch(name string) (*Patch, error) {
	if err := checkName(name); err != nil {
		return nil, fmt.Errorf("read livepatch: %w", err)
	}
	dir := filepath.Join(fs.root(), name)
	p, err := readPatch(dir, name)
	if err != nil {
		if Gone(err) {
			if _, serr := os.Stat(dir); Gone(serr) || !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("read livepatch %s: %w in %s (module not loaded, or patch disabled and its transition done)", name, ErrNoPatch, fs.root())
			}
		}
		return nil, fmt.Errorf("read livepatch %s: %w", name, err)
	}
	return p, nil
}

func readPatch(dir, name string) (*Patch, error) {
	p := &Patch{Name: name}
	var err error
	if p.Enabled, err = readBool(filepath.Join(dir, "enabled")); err != nil {
		return nil, err
	}
	if p.Transition, err = readBool(filepath.Join(dir, "transition")); err != nil {
		return nil, err
	}
	if replace, err := readBool(filepath.Join(dir, "replace")); err == nil {
		p.Replace = &replace
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if order, err := readInt(filepath.Join(dir, "stack_order")); err == nil {
		p.StackOrder = order
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	p.Objects = []Object{}
	for _, e := range entries {
		// Attributes are files; each object is a directory.
		if !e.IsDir() {
			continue
		}
		obj, err := readObject(filepath.Join(dir, e.Name()), e.Name())
		if err != nil {
			return nil, err
		}
		p.Objects = append(p.Objects, *obj)
	}
	return p, nil
}

func readObject(dir, name string) (*Object, error) {
	obj := &Object{Name: name}
	patched, err := readBool(filepath.Join(dir, "patched"))
	switch {
	case err == nil:
		obj.Patched = patched
	case !errors.Is(err, os.ErrNotExist):
		return nil, err
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	obj.Funcs = []Func{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		f, err := parseFunc(e.Name())
		if err != nil {
			return nil, fmt.Errorf("function directory %s: %w", filepath.Join(dir, e.Name()), err)
		}
		obj.Funcs = append(obj.Funcs, f)
	}
	// Directory order puts "f,10" before "f,2"; sort sympos as a number.
	sort.Slice(obj.Funcs, func(i, j int) bool {
		a, b := obj.Funcs[i], obj.Funcs[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Sympos < b.Sympos
	})
	return obj, nil
}

// parseFunc splits a function directory name, "<func>,<sympos>". C names
// have no comma, but compiler clones do have dots ("foo.isra.0"), so the
// split is at the last comma and the name is kept whole.
func parseFunc(dirName string) (Func, error) {
	name, pos, ok := cutLast(dirName, ",")
	if !ok || name == "" {
		return Func{}, fmt.Errorf("name %q is not <func>,<sympos>", dirName)
	}
	n, err := strconv.Atoi(pos)
	if err != nil || n < 0 {
		return Func{}, fmt.Errorf("sympos %q is not a non-negative integer", pos)
	}
	return Func{Name: name, Sympos: n}, nil
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}
