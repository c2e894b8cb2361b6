package sysfs

import (
	"errors"
	"io/fs"
	"syscall"
)

// Gone reports whether err says a patch's attribute is gone: the file no
// longer exists, or the kernel is removing it. While a freed patch's
// kobject is torn down, its attribute files still exist but reads fail
// with ENODEV (kernfs refuses a node being deactivated), which happens
// right after an unpatching transition completes.
func Gone(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENODEV)
}
