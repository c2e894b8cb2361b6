package qemu

import (
	"strconv"
	"strings"
)

// baseCmdline starts every kernel command line: the console on the first
// serial port (the console log), and panic=-1, which with QEMU's -no-reboot
// turns a guest panic into QEMU exiting instead of a hang until the
// deadline.
const baseCmdline = "console=ttyS0 panic=-1"

// args returns QEMU's arguments for cfg (with defaults applied), writing
// the console to consoleLog.
//
// The machine is q35: it boots a vmlinux to power-off as fast as pc (about
// 2.5-3 s here) and has HPET and the ACPI PM timer. microvm boots ~0.3 s
// faster but has neither: when the host is busy, the kernel's fast TSC
// calibration against the PIT fails, and microvm, with nothing else to
// calibrate against, hangs at boot (9 of 22 boots on this shared 2-core
// host, measured with QEMU 7.2 and Debian's 6.1). -nodefaults drops the
// default NIC and VGA, whose drivers would probe for nothing;
// -no-user-config keeps /etc/qemu out of the run.
func args(cfg Config, consoleLog string) []string {
	accel := "tcg"
	switch {
	case cfg.KVM:
		accel = "kvm"
	case cfg.CPUs > 1:
		// One host thread per vCPU; single-threaded TCG would serialise
		// the vCPUs and hide the races that several CPUs are for.
		accel = "tcg,thread=multi"
	}
	return []string{
		"-machine", "q35",
		"-accel", accel,
		"-cpu", "max",
		"-smp", strconv.Itoa(cfg.CPUs),
		"-m", strconv.Itoa(cfg.MemoryMB),
		"-nodefaults", "-no-user-config",
		"-display", "none",
		"-no-reboot",
		"-kernel", cfg.Kernel,
		"-initrd", cfg.Initrd,
		"-append", kernelCmdline(cfg.Append),
		// Serial ports are numbered in order: ttyS0 (0x3f8) is the
		// console, ttyS1 (0x2f8) the event channel. The 8250 driver is
		// built into Debian's kernel, so both work without a module.
		"-chardev", "file,id=console,path=" + escapeOpt(consoleLog),
		"-serial", "chardev:console",
		// ttyS1 goes to QEMU's stdout, a pipe that exists before QEMU
		// does: no byte is lost before a listener is ready, and it ends
		// (EOF) exactly when QEMU exits.
		"-chardev", "stdio,id=events",
		"-serial", "chardev:events",
	}
}

func kernelCmdline(extra []string) string {
	if len(extra) == 0 {
		return baseCmdline
	}
	return baseCmdline + " " + strings.Join(extra, " ")
}

// escapeOpt escapes a value inside a QEMU option list, where a comma
// separates options and ",," stands for a literal comma.
func escapeOpt(s string) string {
	return strings.ReplaceAll(s, ",", ",,")
}
