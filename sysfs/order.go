package sysfs

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// StackOrder gives each patch's 1-based position on the livepatch stack:
// 1 is the oldest patch, and the highest is the newest, whose version of
// a function runs where several patches replace the same one.
//
// Kernels from 6.14 show it as the stack_order attribute (Patch.StackOrder),
// which is used when non-zero. 6.1 does not; there the order is derived
// from /proc/modules under Proc, which lists modules most recently loaded
// first. A livepatch joins the stack while its module initialises, so the
// stack is the reverse of that order. Two patch modules loaded at the same
// moment could initialise in the other order; klpkit's lock keeps its own
// loads apart.
//
// patches must be every loaded patch, as Patches returns them: a derived
// position is counted among the patches given. A patch whose module is not
// in /proc/modules (unloaded since it was read) has no entry in the map.
func (fs *FS) StackOrder(patches []Patch) (map[string]int, error) {
	order := make(map[string]int, len(patches))
	derive := false
	for _, p := range patches {
		if p.StackOrder > 0 {
			order[p.Name] = p.StackOrder
		} else {
			derive = true
		}
	}
	if !derive {
		return order, nil
	}
	modules, err := readModules(filepath.Join(fs.proc(), "modules"))
	if err != nil {
		return nil, fmt.Errorf("stack order of livepatches: %w", err)
	}
	isPatch := make(map[string]bool, len(patches))
	for _, p := range patches {
		isPatch[p.Name] = true
	}
	n := 0
	for i := len(modules) - 1; i >= 0; i-- {
		name := modules[i]
		if !isPatch[name] {
			continue
		}
		n++
		if _, ok := order[name]; !ok {
			order[name] = n
		}
	}
	return order, nil
}

// readModules returns the module names of /proc/modules in its order.
// Each line is "name size refcount deps state address [taints]"; only the
// name is needed.
func readModules(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 0 {
			names = append(names, fields[0])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return names, nil
}
