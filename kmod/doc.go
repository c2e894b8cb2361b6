// Package kmod loads and unloads kernel modules and reads what a module file
// and /sys/module say about them.
//
// Load and Unload call finit_module(2) and delete_module(2) directly, and turn
// a kernel refusal into an *Error whose text says what the errno means for a
// livepatch and what to do next. ReadInfo reads a .ko file's .modinfo
// section; State and Loaded read /sys/module under a root the caller chooses,
// so tests can point them at a temporary tree.
//
// kmod does not resolve dependencies, find modules by name in
// /lib/modules, decompress .ko.xz files, or sign modules: callers hand it
// the exact file to load. It knows nothing about /sys/kernel/livepatch;
// package sysfs follows a patch after it is loaded.
package kmod
