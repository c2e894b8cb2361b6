package sysfs

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Default roots of a running system.
const (
	DefaultRoot = "/sys/kernel/livepatch"
	DefaultProc = "/proc"
)

// FS reads and writes the livepatch sysfs tree under Root and task state
// under Proc. An empty field means the default, so the zero FS is the real
// system.
type FS struct {
	Root string // default "/sys/kernel/livepatch"
	Proc string // default "/proc"
}

// New returns an FS on the real /sys/kernel/livepatch and /proc.
func New() *FS {
	return &FS{Root: DefaultRoot, Proc: DefaultProc}
}

func (fs *FS) root() string {
	if fs.Root == "" {
		return DefaultRoot
	}
	return fs.Root
}

func (fs *FS) proc() string {
	if fs.Proc == "" {
		return DefaultProc
	}
	return fs.Proc
}

// Value reads the attribute file rel, relative to Root (for example
// "demo/transition"), with surrounding white space trimmed. rel must stay
// inside Root.
func (fs *FS) Value(rel string) (string, error) {
	if !filepath.IsLocal(rel) {
		return "", fmt.Errorf("read livepatch attribute %q: not a path inside %s", rel, fs.root())
	}
	return readValue(filepath.Join(fs.root(), rel))
}

// readValue reads a sysfs attribute. Attributes end in "\n"; the value
// is what comes before it.
func readValue(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// readBool reads an attribute the kernel prints with "%d\n" from a bool.
func readBool(path string) (bool, error) {
	v, err := readValue(path)
	if err != nil {
		return false, err
	}
	switch v {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, fmt.Errorf("read %s: got %q, want 0 or 1", path, v)
}

// readInt reads an attribute holding a decimal integer.
func readInt(path string) (int, error) {
	v, err := readValue(path)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("read %s: %q is not an integer", path, v)
	}
	return n, nil
}

// checkName rejects a patch name that would address something other
// than a directory directly under Root. Patch names are module names.
func checkName(name string) error {
	if name == "" || strings.ContainsAny(name, `/\`) || !filepath.IsLocal(name) {
		return fmt.Errorf("%q is not a livepatch name", name)
	}
	return nil
}
