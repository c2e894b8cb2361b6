package kmsg

import "errors"

// ErrMalformed is wrapped by every error about a record that does not follow
// the /dev/kmsg format. Reader.Next and Reader.Drain have already moved past
// such a record, so the caller may log the error and keep reading.
var ErrMalformed = errors.New("malformed kernel log record")

// ErrNotSupported is wrapped by Open on operating systems other than Linux,
// which have no /dev/kmsg.
var ErrNotSupported = errors.New("reading the kernel log is not supported on this OS")
