package kmod

import (
	"fmt"
	"path/filepath"
	"strings"
)

// maxNameLen is MODULE_NAME_LEN (64 - sizeof(unsigned long)) minus the
// terminating NUL on 64-bit kernels: the kernel truncates longer names, so
// a longer one can never match a loaded module.
const maxNameLen = 55

// NameFromFile gives the module name the kernel will use for a file name:
// the base name without .ko (and without a compression suffix such as .xz),
// with '-' replaced by '_'. Kbuild derives KBUILD_MODNAME the same way, so
// this matches the name= entry of every module built by kbuild.
func NameFromFile(path string) string {
	base := filepath.Base(path)
	for _, ext := range []string{".xz", ".gz", ".zst"} {
		if strings.HasSuffix(base, ".ko"+ext) {
			base = strings.TrimSuffix(base, ext)
			break
		}
	}
	base = strings.TrimSuffix(base, ".ko")
	return normalizeName(base)
}

// normalizeName maps a user-typed module name to the kernel's spelling.
// Module names never contain '-' (kbuild turns it into '_'), and modprobe
// and rmmod accept both, so klpkit does too.
func normalizeName(name string) string {
	return strings.ReplaceAll(name, "-", "_")
}

// checkName rejects strings that cannot be a module name before they are
// used in a syscall or a path under /sys/module, where a '/' or ".." would
// address something else entirely.
func checkName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty module name")
	case strings.ContainsAny(name, "/\x00") || name == "." || name == "..":
		return fmt.Errorf("%q is not a module name", name)
	case strings.HasSuffix(name, ".ko"):
		return fmt.Errorf("%q is a file name, not a module name (the module is %q)", name, NameFromFile(name))
	case len(name) > maxNameLen:
		return fmt.Errorf("module name %q is longer than the kernel's limit of %d characters", name, maxNameLen)
	}
	return nil
}
