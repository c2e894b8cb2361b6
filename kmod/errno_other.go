//go:build !linux

package kmod

import (
	"fmt"
	"syscall"
)

// Explain says what errno means for a module operation. The table of
// explanations is Linux-only: errno numbers are per OS, and outside Linux a
// number cannot be trusted to be the one the kernel meant. Here Explain
// gives the number and the host's text for it.
func Explain(op string, errno syscall.Errno) string {
	return fmt.Sprintf("errno %d (%s): module errors are only explained on Linux", int(errno), errno.Error())
}
