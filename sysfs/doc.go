// Package sysfs models /sys/kernel/livepatch and the per-task patch state
// in /proc: which patches are loaded, their objects and functions, whether
// they are enabled or in transition, and which tasks still hold a
// transition up.
//
// It enables, disables and forces patches by writing their sysfs
// attributes, and waits for a transition by polling, since the kernel sends
// no uevent or sysfs notification when one ends.
//
// sysfs does not load or unload modules (package kmod does) and does not
// read the kernel log (package kmsg does). It only reads and writes files,
// under roots held in FS, so tests point it at a temporary tree; it works
// on any OS but finds something only on a Linux with CONFIG_LIVEPATCH.
package sysfs
