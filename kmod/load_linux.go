package kmod

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxEINTR bounds the retries of delete_module after EINTR, so a process
// that is being signalled in a loop still gets an answer.
const maxEINTR = 5

// Load loads the module file at path with finit_module(2) and the given
// parameter string ("a=1 b=2" or ""). It returns an error wrapping *Error
// on a kernel refusal; other errors (the file cannot be opened, the
// parameters contain a NUL) happen before the kernel is asked.
//
// For a livepatch, finit_module returns once the module's init has enabled
// the patch and started its transition, not when the transition is done:
// follow it with package sysfs.
func Load(path, params string) error {
	if strings.IndexByte(params, 0) >= 0 {
		return fmt.Errorf("load %s: parameter string contains a NUL byte", path)
	}
	// The kernel knows the module by the name modpost wrote into it (the
	// .modinfo name= entry), whatever the file is called; use that in
	// errors so they match the kernel log and /sys/module.
	name := NameFromFile(path)
	if info, err := ReadInfo(path); err == nil && info.Name != "" {
		name = info.Name
	}

	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("load %s: %w", path, err)
	}
	defer f.Close()

	// Control, unlike a bare f.Fd(), keeps the descriptor valid until
	// the syscall has returned, even if f became unreachable meanwhile.
	rc, err := f.SyscallConn()
	if err != nil {
		return fmt.Errorf("load %s: %w", path, err)
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		// No flags: MODULE_INIT_IGNORE_VERMAGIC/MODVERSIONS would hide the
		// very mismatches a livepatch must never be loaded with.
		serr = unix.FinitModule(int(fd), params, 0)
	})
	if err != nil {
		return fmt.Errorf("load %s: %w", path, err)
	}
	if serr != nil {
		return kernelError("load", name, serr)
	}
	return nil
}

// Unload removes the module name with delete_module(2) and O_NONBLOCK: a
// module still in use fails at once with EWOULDBLOCK instead of the call
// waiting for its reference count, which for a forced livepatch never
// drops. It returns an error wrapping *Error on a kernel refusal.
func Unload(name string) error {
	name = normalizeName(name)
	if err := checkName(name); err != nil {
		return fmt.Errorf("unload: %w", err)
	}
	var err error
	for range maxEINTR {
		// O_NONBLOCK is the only flag: O_TRUNC would force the unload of
		// a module in use, which for a livepatch frees code that tasks may
		// still be running.
		err = unix.DeleteModule(name, unix.O_NONBLOCK)
		// delete_module takes module_mutex interruptibly and returns
		// EINTR without having changed anything, so retrying is safe.
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		return kernelError("unload", name, err)
	}
	return nil
}

// kernelError turns a syscall error into *Error; anything else (which
// x/sys returns only for arguments it could not pass) is wrapped as is.
func kernelError(op, name string, err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return &Error{Op: op, Module: name, Errno: errno}
	}
	return fmt.Errorf("%s %s: %w", op, name, err)
}
