package transition

import (
	"strings"

	"github.com/klpkit/klpkit/sysfs"
)

// blockers lists the tasks a transition of p still waits for, each with
// the patch's functions found on its stack and the kernel's own line
// about it.
func blockers(fsys *sysfs.FS, p *sysfs.Patch, f *follower) []Blocker {
	tasks, err := fsys.Pending(*p)
	if err != nil {
		return nil
	}
	funcs := map[string]bool{}
	for _, o := range p.Objects {
		for _, fn := range o.Funcs {
			funcs[fn.Name] = true
		}
	}
	var out []Blocker
	for _, t := range tasks {
		b := Blocker{Task: t, Functions: onStack(t.Stack, funcs, p.Name)}
		if f != nil {
			b.KernelSays = f.kernelSays(t.PID)
			if len(b.KernelSays) == 0 && t.TID != t.PID {
				b.KernelSays = f.kernelSays(t.TID)
			}
		}
		out = append(out, b)
	}
	return out
}

// onStack finds the frames that stop a task from switching: a function the
// patch replaces (it blocks patching) or one of the patch module's own
// (the replacement, which blocks unpatching). A frame reads
// "[<0>] busy_mod_work_func+0x3c/0x60 [busy_mod]".
func onStack(stack []string, funcs map[string]bool, patchModule string) []string {
	var out []string
	for _, line := range stack {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		fn, _, _ := strings.Cut(fields[1], "+")
		own := len(fields) >= 3 && fields[2] == "["+patchModule+"]"
		if funcs[fn] || own {
			out = append(out, fn)
		}
	}
	return out
}
