package kmod

import "syscall"

// Error is a kernel refusal of a module operation: which operation, which
// module, and the errno finit_module(2) or delete_module(2) returned. Its
// text explains what the errno means for a livepatch (see Explain).
type Error struct {
	Op     string // "load" or "unload"
	Module string // the module name, as the kernel knows it
	Errno  syscall.Errno
}

// Error returns "<op> <module>: <errno name> (<strerror>): <meaning>".
func (e *Error) Error() string {
	return e.Op + " " + e.Module + ": " + Explain(e.Op, e.Errno)
}

// Unwrap returns the errno, so that errors.Is(err, unix.ENODEV) works on
// any error wrapping an *Error.
func (e *Error) Unwrap() error {
	return e.Errno
}
