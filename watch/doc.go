// Package watch follows what happens to livepatches as it happens, as one
// ordered stream of Events merged from three sources:
//
//   - the kernel log (package kmsg): the livepatch core's lines, from
//     "enabling patch" to "unpatching complete", including reversals,
//     failed pre-patch callbacks, and patches applied to loading modules;
//   - kernel uevents (package uevent): modules added and removed;
//   - /sys/kernel/livepatch and /proc (package sysfs): patches appearing
//     and disappearing, enabled changing, and how many tasks a transition
//     still waits for, read by polling since the kernel sends no
//     notification for them.
//
// Run starts at the present: it skips the log's backlog and takes the
// current sysfs state as its baseline, so it reports changes only. Events
// of one source keep their order; events of different sources are delivered
// in the order they arrived, and a log line or uevent comes before the
// sysfs changes read right after it.
//
// The package only observes: it does not load, enable or disable anything
// (packages kmod and sysfs do), and it keeps no history. Following the log
// and uevents works on Linux only; elsewhere Run fails when it opens them.
package watch
