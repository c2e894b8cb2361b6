// Package lock serialises the klpkit commands that change livepatches
// (load, disable, unload, force), so two of them never interleave writes
// to /sys/kernel/livepatch or module loads across processes.
//
// It takes an advisory flock(2) on a lock file (DefaultPath,
// /run/klpkit.lock) and writes the holder's PID and command line into it,
// so a waiting klpkit can say who it waits for. The kernel drops a flock
// when the last descriptor of its open file goes away, which includes the
// holder being killed with SIGKILL: a dead klpkit never leaves a stale
// lock, and the file's leftover content is only a stale description,
// never a held lock.
//
// The lock is advisory: it keeps klpkit processes apart, not a root shell
// writing to sysfs or running insmod. Read-only commands (status, info)
// do not take it. It works on Linux only; elsewhere Acquire and
// TryAcquire return an error saying so.
package lock
