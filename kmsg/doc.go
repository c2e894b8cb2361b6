// Package kmsg reads the kernel log from /dev/kmsg as structured records and
// recognises the lines the livepatch core prints, so that klpkit can wait
// for "patching complete" or report "refusing to load module" from what the
// kernel said rather than from polling sysfs alone.
//
// ParseRecord turns one /dev/kmsg record (header, text, " KEY=value" lines)
// into a Record with the escaped bytes restored. A Reader owns one
// non-blocking descriptor on /dev/kmsg, or on a regular file or pipe holding
// records in the same format (for tests and saved logs): Drain returns what
// is there now, Next waits for the next record under a context, SeekEnd skips
// the backlog, and Lost counts records the kernel overwrote before they were
// read. ParseEvent classifies a record as a livepatch Event using the exact
// formats of kernel/livepatch/{core,transition}.c in Linux 6.1.
//
// The package does not write to the log, change printk or dynamic-debug
// settings, merge continuation fragments, or read /proc/kmsg or syslog(2).
// Reading /dev/kmsg works on Linux only; elsewhere Open returns an error
// wrapping ErrNotSupported, while the parsers work everywhere.
package kmsg
