// Package kernel describes a target kernel: its release name, the kbuild
// headers that modules are built against, and the distribution image that a
// test VM boots, kept in klpkit's cache by scripts/setup.sh.
//
// It reads what is installed or cached and, for booting, extracts the
// uncompressed vmlinux from the bzImage once. It does not download or
// install kernels (scripts/setup.sh does), build modules (package builder)
// or boot anything (package qemu).
package kernel
