package scenario

import (
	"crypto/sha256"
	"encoding/hex"
	"path"

	"github.com/klpkit/klpkit/builder"
	"github.com/klpkit/klpkit/qemu"
	"github.com/klpkit/klpkit/spec"
)

// ModuleDir is where modules sit in the guest.
const ModuleDir = "/klpkit/modules"

// Built is a module built on the host for a plan.
type Built struct {
	Handle    string
	Result    *builder.Result
	Livepatch bool
}

// AddModules puts built modules in the plan and returns the initramfs
// files that carry them.
func AddModules(plan *Plan, mods []Built) []qemu.File {
	if plan.Modules == nil {
		plan.Modules = map[string]Module{}
	}
	var files []qemu.File
	for _, b := range mods {
		// A directory per build: scenarios sharing a VM may load
		// different modules of the same name.
		sum := sha256.Sum256([]byte(b.Result.Module))
		guest := path.Join(ModuleDir, hex.EncodeToString(sum[:6]), b.Result.Info.Name+".ko")
		plan.Modules[b.Handle] = Module{Name: b.Result.Info.Name, File: guest, Livepatch: b.Livepatch}
		files = append(files, qemu.File{Path: guest, Mode: 0o644, Src: b.Result.Module})
	}
	return files
}

// ProvePatches is the plan of `klpkit vm run`: for each patch in turn,
// check its verify files unpatched, load it and wait for the transition,
// check them patched, disable and wait, check them unpatched again, and
// unload. Each state is checked both ways (the text that must be there and
// the one that must not), so a verify that cannot tell the states apart
// fails rather than proving nothing.
func ProvePatches(patches []*spec.Patch) *Plan {
	plan := &Plan{Name: "prove", Modules: map[string]Module{}}
	for _, p := range patches {
		h := p.Name
		plan.Steps = append(plan.Steps, verifySteps(p, false)...)
		plan.Steps = append(plan.Steps, Step{Load: h})
		plan.Steps = append(plan.Steps, verifySteps(p, true)...)
		plan.Steps = append(plan.Steps, Step{Disable: h})
		plan.Steps = append(plan.Steps, verifySteps(p, false)...)
		plan.Steps = append(plan.Steps, Step{Unload: h})
	}
	return plan
}

func verifySteps(p *spec.Patch, patched bool) []Step {
	var out []Step
	for _, v := range p.Verify {
		e := &Expect{Path: v.File, Contains: v.Unpatched, Lacks: v.Patched}
		if patched {
			e = &Expect{Path: v.File, Contains: v.Patched, Lacks: v.Unpatched}
		}
		out = append(out, Step{Expect: e})
	}
	return out
}
