package uevent

import "errors"

// ErrMalformed is wrapped by every error about a datagram that is not a
// kernel uevent. Conn.Next has already consumed such a datagram, so the
// caller may log the error and call Next again.
var ErrMalformed = errors.New("malformed uevent")

// ErrNotSupported is wrapped by Dial on operating systems other than Linux,
// which have no NETLINK_KOBJECT_UEVENT.
var ErrNotSupported = errors.New("kernel uevents are not supported on this OS")
