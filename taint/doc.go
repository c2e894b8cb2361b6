// Package taint decodes the kernel's taint mask, /proc/sys/kernel/tainted,
// into flags with their letter and meaning, as listed in the kernel's
// Documentation/admin-guide/tainted-kernels.rst.
//
// A livepatch taints the kernel with K (bit 15) when it loads, and a
// module built outside the kernel tree adds O (and E when unsigned), so
// klpkit shows the taint next to the patches that caused it. The taint
// is sticky: unloading a patch does not clear it.
//
// taint only reads and decodes; it does not set taint (writing to the
// file does) and does not read per-module taint in /sys/module/*/taint.
// It reads a file under a root the caller chooses, so tests point it at
// a temporary tree.
package taint
