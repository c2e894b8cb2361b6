package qemu

import "syscall"

// sysProcAttr kills QEMU when the host process dies without reaping it (a
// test binary killed at its timeout, a crash): an orphaned TCG guest that
// never powers off would eat a CPU for good. The signal fires when the
// thread that started QEMU exits; Go ends threads only for goroutines that
// exit while locked with runtime.LockOSThread, so do not start a VM from
// one.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
