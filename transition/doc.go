// Package transition sees a livepatch through its transition: load it (or
// disable or force it), wait for the kernel to finish switching every task,
// and when it does not finish in time say which tasks block it and why,
// then revert or force as asked.
//
// It waits on two sources at once: the kernel log, whose "patching
// complete" record arrives the moment the kernel finishes, and the sysfs
// transition attribute, polled, which works without /dev/kmsg. While a
// transition stalls it turns on the kernel's own per-task debug line
// (klp_try_switch_task) and restores it afterwards. It does not lock
// against other processes; callers that mutate take package lock first.
package transition
