package builder

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// BuildModule builds a plain (not livepatch) module from a directory of C
// files, named after the directory ('-' as '_'). The files are copied into
// opt.Dir so the source directory stays clean; a Kbuild is generated
// unless the directory has its own Kbuild or Makefile.
func BuildModule(ctx context.Context, srcDir, name string, opt Options) (*Result, error) {
	srcs, err := dirSources(srcDir)
	if err != nil {
		return nil, fmt.Errorf("build module %s: %w", name, err)
	}
	files := map[string][]byte{}
	var objs []string
	own := false
	for _, s := range srcs {
		data, err := os.ReadFile(s)
		if err != nil {
			return nil, fmt.Errorf("build module %s: %w", name, err)
		}
		base := filepath.Base(s)
		files[base] = data
		switch {
		case base == "Kbuild" || base == "Makefile":
			own = true
		case strings.HasSuffix(base, ".c"):
			objs = append(objs, strings.TrimSuffix(base, ".c")+".o")
		}
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("build module %s: no C files in %s", name, srcDir)
	}
	if !own {
		kb, err := moduleKbuild(name, objs)
		if err != nil {
			return nil, fmt.Errorf("build module %s (%s): %w", name, srcDir, err)
		}
		files["Kbuild"] = kb
	}
	if err := writeFiles(opt.Dir, files); err != nil {
		return nil, fmt.Errorf("build module %s: %w", name, err)
	}
	return build(ctx, name, false, nil, opt)
}

// moduleKbuild names the module after its directory: one file of that
// name is the module itself; otherwise every file is linked into it.
func moduleKbuild(name string, objs []string) ([]byte, error) {
	sort.Strings(objs)
	if len(objs) == 1 && objs[0] == name+".o" {
		return []byte("obj-m := " + name + ".o\n"), nil
	}
	for _, o := range objs {
		if o == name+".o" {
			return nil, fmt.Errorf("%s.c is linked with other files into module %s: kbuild cannot build a module from an object of its own name; rename it", name, name)
		}
	}
	return []byte(fmt.Sprintf("obj-m := %s.o\n%s-y := %s\n", name, name, strings.Join(objs, " "))), nil
}
