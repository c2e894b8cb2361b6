//go:build !linux

package qemu

import "syscall"

// sysProcAttr: only Linux can tie QEMU's life to ours.
func sysProcAttr() *syscall.SysProcAttr { return nil }
