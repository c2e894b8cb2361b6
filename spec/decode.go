package spec

import (
	"go.yaml.in/yaml/v3"

	"github.com/klpkit/klpkit/internal/yamlfile"
)

// Version is the spec format this package reads.
const Version = 1

func (p *parser) patch(n *yaml.Node, out *Patch) {
	p.Fields(n, "", yamlfile.Handlers{
		"version": func(f string, v *yaml.Node) {
			var ver int
			p.Int(f, v, &ver)
			if ver != Version && !p.Failed() {
				p.Errorf(v, f, "unsupported spec version %d (this klpkit reads version %d)", ver, Version)
			}
		},
		"name":        func(f string, v *yaml.Node) { p.Str(f, v, &out.Name) },
		"description": func(f string, v *yaml.Node) { p.Str(f, v, &out.Description) },
		"replace":     func(f string, v *yaml.Node) { p.Bool(f, v, &out.Replace) },
		"sources": func(f string, v *yaml.Node) {
			p.List(f, v, func(f string, _ int, v *yaml.Node) {
				var s string
				p.Str(f, v, &s)
				out.Sources = append(out.Sources, s)
			})
		},
		"objects": func(f string, v *yaml.Node) {
			p.List(f, v, func(f string, _ int, v *yaml.Node) {
				var o Object
				p.object(f, v, &o)
				out.Objects = append(out.Objects, o)
			})
		},
		"verify": func(f string, v *yaml.Node) {
			p.List(f, v, func(f string, _ int, v *yaml.Node) {
				var vf Verify
				p.Fields(v, f, yamlfile.Handlers{
					"file":      func(f string, v *yaml.Node) { p.Str(f, v, &vf.File) },
					"patched":   func(f string, v *yaml.Node) { p.Str(f, v, &vf.Patched) },
					"unpatched": func(f string, v *yaml.Node) { p.Str(f, v, &vf.Unpatched) },
				}, "file")
				out.Verify = append(out.Verify, vf)
			})
		},
	}, "name", "objects")
}

func (p *parser) object(field string, n *yaml.Node, o *Object) {
	p.Fields(n, field, yamlfile.Handlers{
		"name": func(f string, v *yaml.Node) { p.Str(f, v, &o.Name) },
		"functions": func(f string, v *yaml.Node) {
			p.List(f, v, func(f string, _ int, v *yaml.Node) {
				var fn Function
				p.Fields(v, f, yamlfile.Handlers{
					"old":    func(f string, v *yaml.Node) { p.Str(f, v, &fn.Old) },
					"new":    func(f string, v *yaml.Node) { p.Str(f, v, &fn.New) },
					"sympos": func(f string, v *yaml.Node) { p.Int(f, v, &fn.Sympos) },
				}, "old", "new")
				o.Functions = append(o.Functions, fn)
			})
		},
		"callbacks": func(f string, v *yaml.Node) {
			cb := &o.Callbacks
			p.Fields(v, f, yamlfile.Handlers{
				"pre_patch":    func(f string, v *yaml.Node) { p.Str(f, v, &cb.PrePatch) },
				"post_patch":   func(f string, v *yaml.Node) { p.Str(f, v, &cb.PostPatch) },
				"pre_unpatch":  func(f string, v *yaml.Node) { p.Str(f, v, &cb.PreUnpatch) },
				"post_unpatch": func(f string, v *yaml.Node) { p.Str(f, v, &cb.PostUnpatch) },
			})
		},
	}, "name")
}
