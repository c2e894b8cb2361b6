package builder

import (
	"fmt"

	"github.com/klpkit/klpkit/kmod"
)

// Validate checks that the module at ko is what was asked for: named
// name, built for release, and (when livepatch is set) marked as a
// livepatch, without which the kernel would load it as a plain module
// and klp_enable_patch would refuse it.
func Validate(ko, name, release string, livepatch bool) (*kmod.Info, error) {
	info, err := kmod.ReadInfo(ko)
	if err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	switch {
	case info.Name != name:
		return nil, fmt.Errorf("validate %s: module name is %q, expected %q", ko, info.Name, name)
	case info.Release() != release:
		return nil, fmt.Errorf("validate %s: vermagic %q is not for kernel %s: the kernel would refuse it with ENOEXEC", ko, info.Vermagic, release)
	case livepatch && !info.Livepatch:
		return nil, fmt.Errorf("validate %s: modinfo lacks livepatch=Y", ko)
	}
	return info, nil
}
