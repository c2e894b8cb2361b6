package sysfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Disable writes "0" to the patch's enabled attribute. That starts the
// unpatching transition, or reverses a patching transition still in
// progress; it returns before the transition ends (see WaitTransition).
func (fs *FS) Disable(name string) error {
	return fs.write("disable", name, "enabled", "0")
}

// Enable writes "1" to the patch's enabled attribute. The kernel accepts
// it only to reverse an unpatching transition still in progress: a patch
// is enabled when its module loads, and once disabled it can never be
// enabled again (load the module anew instead).
func (fs *FS) Enable(name string) error {
	return fs.write("enable", name, "enabled", "1")
}

// Force writes "1" to the patch's force attribute, which marks every task
// as switched and ends the transition without checking their stacks. It
// is accepted only during a transition, and a forced patch's module can
// never be unloaded, because the kernel cannot know whether a task still
// runs its old code.
func (fs *FS) Force(name string) error {
	return fs.write("force", name, "force", "1")
}

// write writes value to an attribute of a patch. sysfs attributes must
// exist: opening without O_CREATE makes a missing patch an error rather
// than a new file.
func (fs *FS) write(op, name, attr, value string) error {
	if err := checkName(name); err != nil {
		return fmt.Errorf("%s livepatch: %w", op, err)
	}
	dir := filepath.Join(fs.root(), name)
	f, err := os.OpenFile(filepath.Join(dir, attr), os.O_WRONLY, 0)
	if err != nil {
		if _, serr := os.Stat(dir); errors.Is(serr, os.ErrNotExist) {
			return fmt.Errorf("%s livepatch %s: %w in %s", op, name, ErrNoPatch, fs.root())
		}
		return fmt.Errorf("%s livepatch %s: %w", op, name, err)
	}
	// One write of the whole value: the kernel parses each write(2) as a
	// complete value (kstrtobool).
	_, err = f.WriteString(value)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if why := explainWrite(attr, value, err); why != "" {
			return fmt.Errorf("%s livepatch %s: %s: %w", op, name, why, err)
		}
		return fmt.Errorf("%s livepatch %s: %w", op, name, err)
	}
	return nil
}

// explainWrite says why the kernel refused a write, from enabled_store
// and force_store in kernel/livepatch/core.c (6.1). It returns "" when
// the errno needs no more words than its own text.
func explainWrite(attr, value string, err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return ""
	}
	switch {
	case errno == syscall.EPERM || errno == syscall.EACCES:
		return "writing livepatch attributes needs root"
	case attr == "force" && errno == syscall.EINVAL:
		return "the patch is not in transition, and force is accepted only while one is in progress"
	case attr == "enabled" && value == "0" && errno == syscall.EINVAL:
		return "the patch is already disabled (its unpatching transition may still be running)"
	case attr == "enabled" && value == "1" && errno == syscall.EINVAL:
		return "the patch is already enabled, or it was disabled and a disabled patch cannot be enabled again " +
			"(writing 1 only reverses an unpatching transition in progress); unload its module and load it again"
	case attr == "enabled" && errno == syscall.EBUSY:
		return "another livepatch's transition is in progress and the kernel runs one at a time; wait for it to finish, then retry"
	}
	return ""
}
