package sysfs

import "fmt"

// Pending lists the tasks that still hold up p's transition: those not
// yet in its target state, which is patched (1) when p is enabled and
// unpatched (0) when it is being disabled. It returns an empty list when p
// is not in transition.
//
// The kernel runs one transition at a time and patch_state belongs to
// that transition, so the tasks found are p's whenever p is the patch in
// transition. See PendingTasks for what the list cannot show.
func (fs *FS) Pending(p Patch) ([]Task, error) {
	if !p.Transition {
		return []Task{}, nil
	}
	target := StateUnpatched
	if p.Enabled {
		// During a transition, enabled is its target: the kernel flips
		// it when it reverses the transition.
		target = StatePatched
	}
	tasks, err := fs.PendingTasks(target)
	if err != nil {
		return nil, fmt.Errorf("transition of livepatch %s: %w", p.Name, err)
	}
	return tasks, nil
}
