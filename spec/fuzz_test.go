package spec

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input crashes the parser and that every
// rejection is positioned: a kernel engineer must always get file:line:col.
func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	seeds, _ := filepath.Glob("../examples/*/patch.yaml")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("name: x\nobjects: [{name: vmlinux, functions: [{old: a, new: klp_show, sympos: 0x10}]}]\nsources: [fix.c]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(filepath.Join("testdata", "patch.yaml"), data)
		if err == nil {
			if p.Name == "" || len(p.Objects) == 0 {
				t.Fatalf("valid spec without name or objects: %+v", p)
			}
			return
		}
		var es Errors
		if !errors.As(err, &es) || len(es) == 0 {
			t.Fatalf("error is not spec.Errors: %v", err)
		}
		for _, e := range es {
			if e.Line < 1 || e.Col < 1 || e.File == "" {
				t.Fatalf("unpositioned error: %+v", e)
			}
		}
	})
}
