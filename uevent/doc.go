// Package uevent receives the kernel's uevents from a NETLINK_KOBJECT_UEVENT
// socket, so that klpkit sees a module being loaded ("add@/module/<name>",
// sent once its init has returned) or unloaded ("remove@/module/<name>") as
// it happens instead of polling /sys/module.
//
// Parse decodes one uevent datagram: "ACTION@DEVPATH" and then KEY=VALUE
// strings, each ended by a NUL. Dial subscribes to the kernel's multicast
// group; Conn.Next waits for the next event under a context and accepts only
// datagrams the kernel itself sent (sender port 0).
//
// The package does not read udev's re-broadcast (group 2, the "libudev"
// format), does not trigger uevents, and does not keep track of what is
// loaded. Livepatch itself sends no uevent: a patch's transition is followed
// through package sysfs or package kmsg. Receiving works on Linux only;
// elsewhere Dial returns an error wrapping ErrNotSupported, while Parse works
// everywhere.
package uevent
