package scenario

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// errnoAliases are names Linux gives to the same number as another;
// unix.ErrnoName returns only one of each pair.
var errnoAliases = map[string]syscall.Errno{
	"EWOULDBLOCK": unix.EWOULDBLOCK,
	"ENOTSUP":     unix.ENOTSUP,
}

// ErrnoByName resolves a scenario's errno name (ENODEV) to its number.
func ErrnoByName(name string) (syscall.Errno, bool) {
	if e, ok := errnoAliases[name]; ok {
		return e, true
	}
	for e := syscall.Errno(1); e < 256; e++ {
		if unix.ErrnoName(e) == name {
			return e, true
		}
	}
	return 0, false
}

// errnoName gives the errno's symbolic name (ENODEV), as scenarios write it.
func errnoName(e syscall.Errno) string {
	if n := unix.ErrnoName(e); n != "" {
		return n
	}
	return e.Error()
}
