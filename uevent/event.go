package uevent

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Event is one kernel uevent.
type Event struct {
	// Action is "add", "remove", "change", "move", "online", "offline",
	// "bind" or "unbind".
	Action string
	// DevPath is the kobject's path under /sys, such as "/module/demo" or
	// "/devices/virtual/mem/null".
	DevPath string
	// Subsystem is the SUBSYSTEM variable: "module" for modules.
	Subsystem string
	// Seq is the SEQNUM variable, the kernel's counter of uevents; 0 when
	// absent.
	Seq uint64
	// Env holds every KEY=VALUE pair, including ACTION, DEVPATH, SUBSYSTEM
	// and SEQNUM.
	Env map[string]string
	// Time is when Conn.Next received the event; Parse leaves it zero.
	Time time.Time
}

// Parse decodes one uevent datagram as the kernel sends it on
// NETLINK_KOBJECT_UEVENT (it has no netlink header):
//
//	ACTION@DEVPATH\0KEY=VALUE\0KEY=VALUE\0...
//
// It returns an error wrapping ErrMalformed when the first string is not
// ACTION@DEVPATH, a later one is not KEY=VALUE, the ACTION or DEVPATH
// variable contradicts the first string, or SEQNUM is not a number.
func Parse(b []byte) (Event, error) {
	// Every string ends in a NUL, so the last split element is empty.
	fields := bytes.Split(bytes.TrimSuffix(b, []byte{0}), []byte{0})
	header := string(fields[0])
	if strings.HasPrefix(header, "libudev") {
		return Event{}, malformed(b, "a udev re-broadcast (libudev format), not a kernel uevent")
	}
	action, devpath, ok := strings.Cut(header, "@")
	if !ok || action == "" || !strings.HasPrefix(devpath, "/") {
		return Event{}, malformed(b, "first string %q is not ACTION@DEVPATH", header)
	}
	ev := Event{Action: action, DevPath: devpath, Env: make(map[string]string, len(fields)-1)}
	for i, f := range fields[1:] {
		key, value, ok := strings.Cut(string(f), "=")
		if !ok || key == "" {
			return Event{}, malformed(b, "string %d, %q, is not KEY=VALUE", i+2, f)
		}
		ev.Env[key] = value
	}
	// The kernel repeats the header as variables; a mismatch means the
	// datagram is not what the kernel sent.
	if v, ok := ev.Env["ACTION"]; ok && v != action {
		return Event{}, malformed(b, "ACTION=%s contradicts %q", v, header)
	}
	if v, ok := ev.Env["DEVPATH"]; ok && v != devpath {
		return Event{}, malformed(b, "DEVPATH=%s contradicts %q", v, header)
	}
	ev.Subsystem = ev.Env["SUBSYSTEM"]
	if v, ok := ev.Env["SEQNUM"]; ok {
		seq, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return Event{}, malformed(b, "SEQNUM=%s is not an unsigned 64-bit number", v)
		}
		ev.Seq = seq
	}
	return ev, nil
}

// Module returns the module's name for an event of the "module" subsystem,
// whose devpath is /module/<name>, and "" for any other event.
func (e Event) Module() string {
	if e.Subsystem != "module" {
		return ""
	}
	name, ok := strings.CutPrefix(e.DevPath, "/module/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return ""
	}
	return name
}

// Synthetic reports whether the event was requested from user space by
// writing an action to a uevent file (as "udevadm trigger" does) rather
// than caused by the kernel object changing: the kernel gives such events
// a SYNTH_UUID variable (added in 4.13; "0" when the writer gave no UUID).
// A synthetic "add" of a module is not a load.
func (e Event) Synthetic() bool {
	_, ok := e.Env["SYNTH_UUID"]
	return ok
}

// String prints the event as "udevadm monitor --kernel" does, without the
// timestamp: "add /module/demo (module)".
func (e Event) String() string {
	return fmt.Sprintf("%s %s (%s)", e.Action, e.DevPath, e.Subsystem)
}

// malformed names the datagram by its start, with NULs shown as spaces, so
// the error reads like the event it came from.
func malformed(b []byte, format string, args ...any) error {
	const show = 64
	head := b
	if len(head) > show {
		head = head[:show]
	}
	head = bytes.ReplaceAll(head, []byte{0}, []byte{' '})
	return fmt.Errorf("%w %q: %s", ErrMalformed, head, fmt.Sprintf(format, args...))
}
