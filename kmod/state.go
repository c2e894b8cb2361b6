package kmod

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// State reads /sys/module/<name>/initstate under sysRoot ("/sys" in
// production): "live", "coming" (init still running; for a livepatch, the
// patch is being enabled) or "going" (being removed). When the module is
// not loaded it returns an error wrapping fs.ErrNotExist; that includes
// built-in modules, which have a /sys/module directory for their
// parameters but no initstate.
func State(sysRoot, name string) (string, error) {
	name = normalizeName(name)
	if err := checkName(name); err != nil {
		return "", fmt.Errorf("state of module: %w", err)
	}
	b, err := os.ReadFile(filepath.Join(sysRoot, "module", name, "initstate"))
	if err != nil {
		return "", fmt.Errorf("state of module %s: %w", name, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// Loaded reports whether the module name is loaded: /sys/module/<name>
// exists with an initstate, in any state.
func Loaded(sysRoot, name string) bool {
	_, err := State(sysRoot, name)
	return err == nil
}
