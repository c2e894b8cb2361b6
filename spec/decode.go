package spec

import "go.yaml.in/yaml/v3"

// Version is the spec format this package reads.
const Version = 1

func (p *parser) patch(n *yaml.Node, out *Patch) {
	p.fields(n, "", map[string]func(string, *yaml.Node){
		"version": func(f string, v *yaml.Node) {
			var ver int
			p.integer(f, v, &ver)
			if ver != Version && len(p.errs) == 0 {
				p.errorf(v, f, "unsupported spec version %d (this klpkit reads version %d)", ver, Version)
			}
		},
		"name":        func(f string, v *yaml.Node) { p.str(f, v, &out.Name) },
		"description": func(f string, v *yaml.Node) { p.str(f, v, &out.Description) },
		"replace":     func(f string, v *yaml.Node) { p.boolean(f, v, &out.Replace) },
		"sources": func(f string, v *yaml.Node) {
			p.list(f, v, func(f string, _ int, v *yaml.Node) {
				var s string
				p.str(f, v, &s)
				out.Sources = append(out.Sources, s)
			})
		},
		"objects": func(f string, v *yaml.Node) {
			p.list(f, v, func(f string, _ int, v *yaml.Node) {
				var o Object
				p.object(f, v, &o)
				out.Objects = append(out.Objects, o)
			})
		},
		"verify": func(f string, v *yaml.Node) {
			p.list(f, v, func(f string, _ int, v *yaml.Node) {
				var vf Verify
				p.fields(v, f, map[string]func(string, *yaml.Node){
					"file":      func(f string, v *yaml.Node) { p.str(f, v, &vf.File) },
					"patched":   func(f string, v *yaml.Node) { p.str(f, v, &vf.Patched) },
					"unpatched": func(f string, v *yaml.Node) { p.str(f, v, &vf.Unpatched) },
				}, "file")
				out.Verify = append(out.Verify, vf)
			})
		},
	}, "name", "sources", "objects")
}

func (p *parser) object(field string, n *yaml.Node, o *Object) {
	p.fields(n, field, map[string]func(string, *yaml.Node){
		"name": func(f string, v *yaml.Node) { p.str(f, v, &o.Name) },
		"functions": func(f string, v *yaml.Node) {
			p.list(f, v, func(f string, _ int, v *yaml.Node) {
				var fn Function
				p.fields(v, f, map[string]func(string, *yaml.Node){
					"old":    func(f string, v *yaml.Node) { p.str(f, v, &fn.Old) },
					"new":    func(f string, v *yaml.Node) { p.str(f, v, &fn.New) },
					"sympos": func(f string, v *yaml.Node) { p.integer(f, v, &fn.Sympos) },
				}, "old", "new")
				o.Functions = append(o.Functions, fn)
			})
		},
		"callbacks": func(f string, v *yaml.Node) {
			cb := &o.Callbacks
			p.fields(v, f, map[string]func(string, *yaml.Node){
				"pre_patch":    func(f string, v *yaml.Node) { p.str(f, v, &cb.PrePatch) },
				"post_patch":   func(f string, v *yaml.Node) { p.str(f, v, &cb.PostPatch) },
				"pre_unpatch":  func(f string, v *yaml.Node) { p.str(f, v, &cb.PreUnpatch) },
				"post_unpatch": func(f string, v *yaml.Node) { p.str(f, v, &cb.PostUnpatch) },
			})
		},
	}, "name", "functions")
}
