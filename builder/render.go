package builder

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/klpkit/klpkit/spec"
	"github.com/klpkit/klpkit/templates"
)

// view is what the templates see: the spec, flattened into what C needs.
type view struct {
	Name          string
	Description   string
	Replace       bool
	Sources       []string
	PrePatchParam bool
	Callbacks     bool // some object has a callback: emit the log helper
	Objects       []objectView
}

type objectView struct {
	Index     int
	Name      string
	IsVmlinux bool
	Functions []spec.Function
	Callbacks []callbackView
}

type callbackView struct {
	Kind string // pre_patch, post_patch, pre_unpatch, post_unpatch
	User string // the user's function to call after logging, or ""
}

func newView(p *spec.Patch) (*view, error) {
	v := &view{
		Name:          p.Name,
		Description:   p.Description,
		Replace:       p.Replace,
		PrePatchParam: p.HasPrePatch(),
	}
	for _, s := range p.Sources {
		// A header name is not a string literal: the preprocessor
		// takes its characters as they are, so some cannot be quoted.
		if strings.ContainsAny(s, "\"\\\n\r") {
			return nil, fmt.Errorf("source %q: the path holds a character #include cannot take (\" \\ or a line break); move the patch", s)
		}
		v.Sources = append(v.Sources, s)
	}
	for i, o := range p.Objects {
		ov := objectView{Index: i, Name: o.Name, IsVmlinux: o.IsVmlinux(), Functions: o.Functions}
		o.Callbacks.Each(func(kind, value string) {
			if value == "" {
				return
			}
			cb := callbackView{Kind: kind}
			if value != spec.LogCallback {
				cb.User = value
			}
			ov.Callbacks = append(ov.Callbacks, cb)
			v.Callbacks = true
		})
		v.Objects = append(v.Objects, ov)
	}
	return v, nil
}

// Generate returns the files of the module's build directory, by name.
func Generate(p *spec.Patch) (map[string][]byte, error) {
	v, err := newView(p)
	if err != nil {
		return nil, fmt.Errorf("generate %s: %w", p.Name, err)
	}
	t, err := templates.Parse()
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for file, tmpl := range map[string]string{
		p.Name + ".c": "livepatch.c.tmpl",
		"Kbuild":      "Kbuild.tmpl",
	} {
		var b bytes.Buffer
		if err := t.ExecuteTemplate(&b, tmpl, v); err != nil {
			return nil, fmt.Errorf("generate %s: %s: %w", p.Name, file, err)
		}
		out[file] = b.Bytes()
	}
	return out, nil
}

// Render writes the generated files into dir. A file whose content is
// unchanged is not rewritten, so kbuild's timestamps stay valid and a
// rebuild compiles only what changed.
func Render(p *spec.Patch, dir string) error {
	files, err := Generate(p)
	if err != nil {
		return err
	}
	return writeFiles(dir, files)
}

func writeFiles(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create build directory: %w", err)
	}
	for name, data := range files {
		path := filepath.Join(dir, name)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
			continue
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}
