package kmod

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"strings"
)

// Info is what a .ko file says about itself, read from its ELF .modinfo
// section: NUL-separated key=value strings written by MODULE_INFO(),
// MODULE_LICENSE(), module_param() and modpost.
type Info struct {
	Name        string // name=, added by modpost; empty in files built without it
	Vermagic    string // vermagic=, e.g. "6.1.0-56-amd64 SMP preempt mod_unload modversions "
	License     string
	Description string
	Livepatch   bool     // livepatch=Y, which klp_enable_patch requires
	Params      []string // parameter names from parm= and parmtype=, in order of first appearance
	// Fields holds every key with all its values in file order (alias=,
	// depends=, ... can repeat).
	Fields map[string][]string
}

// ReadInfo reads the .modinfo section of the module file at path. A file
// that is not ELF, or an ELF file without .modinfo (an object that is not a
// kernel module), is an error naming the path.
func ReadInfo(path string) (*Info, error) {
	f, err := elf.Open(path)
	if err != nil {
		var ferr *elf.FormatError
		if errors.As(err, &ferr) {
			return nil, fmt.Errorf("read module info of %s: not an ELF file: %w", path, err)
		}
		return nil, fmt.Errorf("read module info of %s: %w", path, err)
	}
	defer f.Close()

	sec := f.Section(".modinfo")
	if sec == nil || sec.Type == elf.SHT_NOBITS {
		return nil, fmt.Errorf("read module info of %s: no .modinfo section, so not a kernel module", path)
	}
	data, err := sec.Data()
	if err != nil {
		return nil, fmt.Errorf("read module info of %s: .modinfo: %w", path, err)
	}
	return parseModinfo(data), nil
}

// parseModinfo splits a .modinfo section into an Info. It never fails:
// the kernel itself skips strings without '=' and runs of NUL padding (the
// compiler aligns each entry), and so does this.
func parseModinfo(data []byte) *Info {
	info := &Info{Fields: map[string][]string{}}
	seen := map[string]bool{}
	for _, entry := range bytes.Split(data, []byte{0}) {
		key, value, ok := strings.Cut(string(entry), "=")
		if !ok || key == "" {
			continue
		}
		info.Fields[key] = append(info.Fields[key], value)
		switch key {
		case "parm", "parmtype":
			// "parm=name:description" and "parmtype=name:type" both
			// name a parameter; only parmtype is always present.
			name, _, _ := strings.Cut(value, ":")
			if name != "" && !seen[name] {
				seen[name] = true
				info.Params = append(info.Params, name)
			}
		}
	}
	info.Name = info.first("name")
	info.Vermagic = info.first("vermagic")
	info.License = info.first("license")
	info.Description = info.first("description")
	// The kernel marks a module as a livepatch when .modinfo has a
	// livepatch= entry at all, whatever its value (check_modinfo_livepatch).
	_, info.Livepatch = info.Fields["livepatch"]
	return info
}

// first returns the first value of key, or "".
func (i *Info) first(key string) string {
	if v := i.Fields[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Release returns the kernel release the module was built for: the first
// word of Vermagic, e.g. "6.1.0-56-amd64". It is "" when Vermagic is empty.
func (i *Info) Release() string {
	if f := strings.Fields(i.Vermagic); len(f) > 0 {
		return f[0]
	}
	return ""
}
