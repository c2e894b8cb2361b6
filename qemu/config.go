package qemu

import (
	"errors"
	"fmt"
	"os"
)

// Config describes one VM run.
type Config struct {
	// QEMU is the binary; default "qemu-system-x86_64", looked up in PATH.
	QEMU string
	// Kernel is a vmlinux (booted through its PVH entry, the fast path
	// under TCG) or a bzImage.
	Kernel string
	// Initrd is the initramfs, e.g. written by WriteInitramfs.
	Initrd string
	// Append holds extra kernel command-line words, after the
	// "console=ttyS0 panic=-1" that every run gets. Words after "--" go to
	// /init as arguments.
	Append []string
	// CPUs is the number of vCPUs, default 1. One vCPU is the fast default:
	// a livepatch transition then completes inside finit_module. Several
	// exercise the kernel's once-a-second transition retry.
	CPUs int
	// MemoryMB is the guest's memory, default 512.
	MemoryMB int
	// KVM uses hardware virtualisation. Opt-in only: on the machines
	// klpkit targets /dev/kvm exists but guests hang in firmware.
	KVM bool
	// ConsoleLog receives the kernel console (ttyS0) and is kept after the
	// run. When empty, Start creates a temporary file; its path is in
	// Wait's errors and in ConsoleLog().
	ConsoleLog string
}

const (
	defaultQEMU     = "qemu-system-x86_64"
	defaultCPUs     = 1
	defaultMemoryMB = 512
)

// withDefaults fills in the zero fields.
func (c Config) withDefaults() Config {
	if c.QEMU == "" {
		c.QEMU = defaultQEMU
	}
	if c.CPUs == 0 {
		c.CPUs = defaultCPUs
	}
	if c.MemoryMB == 0 {
		c.MemoryMB = defaultMemoryMB
	}
	c.Append = append([]string(nil), c.Append...)
	return c
}

// validate catches what QEMU would report less clearly, or only after
// it started.
func (c Config) validate() error {
	var errs []error
	for _, f := range []struct{ what, path string }{{"kernel", c.Kernel}, {"initrd", c.Initrd}} {
		if f.path == "" {
			errs = append(errs, fmt.Errorf("no %s", f.what))
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.what, err))
		}
	}
	if c.CPUs < 1 {
		errs = append(errs, fmt.Errorf("CPUs is %d, want at least 1", c.CPUs))
	}
	if c.MemoryMB < 64 {
		// The Debian kernel with an initramfs does not boot in less.
		errs = append(errs, fmt.Errorf("MemoryMB is %d, want at least 64", c.MemoryMB))
	}
	return errors.Join(errs...)
}
