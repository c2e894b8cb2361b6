// Package agent is klpkit's side inside a test VM: it runs as PID 1 of
// the initramfs, mounts what the kernel interfaces need, reads the plan the
// host packed, runs it with scenario.Guest, streams events to the host on
// the second serial port and powers the VM off.
//
// It never decides whether a scenario passed: it reports what happened and
// the host judges. It always sends a final result event, and powers off
// even when the plan fails or the agent panics, so the host sees an end
// rather than a hang.
package agent
