package scenario

import (
	"context"
	"fmt"

	"github.com/klpkit/klpkit/builder"
	"github.com/klpkit/klpkit/spec"
)

// BuildPatches loads and builds each patch directory for vm.Target, into
// the build cache under cacheDir.
func BuildPatches(ctx context.Context, vm VM, cacheDir string, dirs []string) ([]*spec.Patch, []Built, error) {
	var patches []*spec.Patch
	var built []Built
	seen := map[string]string{}
	for _, d := range dirs {
		p, err := spec.LoadDir(d)
		if err != nil {
			return nil, nil, err
		}
		if prev, dup := seen[p.Name]; dup {
			return nil, nil, fmt.Errorf("patches %s and %s are both named %q: the kernel loads one module per name", prev, d, p.Name)
		}
		seen[p.Name] = d
		res, err := builder.Build(ctx, p, builder.Options{
			Target: vm.Target,
			Dir:    builder.DefaultDir(cacheDir, vm.Target.Release, p.Name, p.Dir),
		})
		if err != nil {
			return nil, nil, err
		}
		patches = append(patches, p)
		built = append(built, Built{Handle: p.Name, Result: res, Livepatch: true})
	}
	return patches, built, nil
}

// Prove builds the patches in dirs and proves each in a VM (ProvePatches).
// A patch without verify entries is only loaded, transitioned, disabled
// and unloaded: the caller should say that nothing checked its effect.
func Prove(ctx context.Context, vm VM, cacheDir string, dirs []string) (*Outcome, []Built, error) {
	patches, built, err := BuildPatches(ctx, vm, cacheDir, dirs)
	if err != nil {
		return nil, nil, err
	}
	plan := ProvePatches(patches)
	files := AddModules(plan, built)
	out, err := Run(ctx, vm, plan, files)
	return out, built, err
}
