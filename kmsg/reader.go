package kmsg

import "fmt"

// DefaultPath is the kernel log device Open reads when given "".
const DefaultPath = "/dev/kmsg"

// readSize is the read buffer. /dev/kmsg fails a read with EINVAL when the
// next record does not fit; 8 KiB is the kernel's limit for one formatted
// record (CONSOLE_EXT_LOG_MAX), doubled so a future larger limit or a long
// dictionary does not turn into a read error.
const readSize = 16 << 10

// maxPending bounds the bytes a stream source (a regular file or a pipe) may
// hold without a record boundary, so a file that is not a kernel log fails
// with ErrMalformed instead of being read into memory whole.
const maxPending = 1 << 20

// Reader reads kernel log records from /dev/kmsg, or from a regular file or
// pipe holding records in the same format. A Reader is not safe for
// concurrent use; to stop a Next in progress, cancel its context, then Close.
//
// When a pipe runs momentarily empty, the Reader takes the bytes it holds as
// a whole record rather than hold the newest record back until another one
// follows; so a program feeding a pipe should write each record, with its
// continuation lines, in one write.
type Reader struct {
	path string
	fd   int // -1 once closed
	buf  []byte
	// wake is a pipe whose write end a cancelled context writes to, so a
	// Next blocked in poll(2) returns at once rather than at its next
	// timeout (Linux only; -1 elsewhere).
	wakeR, wakeW int

	// recordPerRead is true for /dev/kmsg, where every read returns exactly
	// one whole record. A regular file or a pipe returns whatever bytes are
	// there, so records are cut from pending at each newline that is not
	// followed by a space (a space starts a continuation line).
	recordPerRead bool
	pending       []byte

	queue []item

	// lastSeq and haveSeq track the previous record's sequence number, to
	// count records that were overwritten before they could be read.
	lastSeq uint64
	haveSeq bool
	// overrun is set when /dev/kmsg said records were overwritten (EPIPE);
	// the next record's sequence number says how many.
	overrun bool
	lost    uint64
	// atEOF is set when the last read returned end of file (files and
	// pipes only).
	atEOF bool
}

// item is a parsed record or the error for a record that did not parse, kept
// in log order so Next and Drain report a malformed record where it was.
type item struct {
	rec Record
	err error
}

// Lost returns how many records were overwritten in the kernel's ring
// buffer before this Reader could read them, counted from gaps in the
// sequence numbers. When the kernel reports an overrun before the first
// record read (or the first after SeekEnd), there is nothing to count the
// gap from, and it adds one.
func (r *Reader) Lost() uint64 {
	return r.lost
}

// accept takes the bytes of one read. flush says that no more bytes follow
// for now (the source would block or is at its end), so a stream's last
// record is complete even without a following record to end it.
func (r *Reader) accept(data []byte, flush bool) {
	if r.recordPerRead {
		r.push(data)
		return
	}
	// Only the newly added bytes (and the newline just before them) can
	// complete a boundary; rescanning the whole tail on every read would be
	// quadratic in the length of a record that arrives in small pieces.
	from := max(len(r.pending)-1, 0)
	r.pending = append(r.pending, data...)
	start := 0
	for i := from; i+1 < len(r.pending); i++ {
		if r.pending[i] == '\n' && r.pending[i+1] != ' ' {
			r.push(r.pending[start : i+1])
			start = i + 1
		}
	}
	if flush && start < len(r.pending) {
		r.push(r.pending[start:])
		start = len(r.pending)
	}
	if len(r.pending)-start > maxPending {
		r.queue = append(r.queue, item{err: fmt.Errorf("read %s: %w", r.path, malformed(r.pending[start:],
			"more than %d bytes without the end of a record", maxPending))})
		start = len(r.pending)
	}
	// Move the unfinished tail to the front of the buffer so that a
	// long-running follow reuses one array instead of growing a new one.
	r.pending = r.pending[:copy(r.pending, r.pending[start:])]
}

// push parses one record and queues it, accounting for records lost
// between it and the one before.
func (r *Reader) push(b []byte) {
	if len(b) == 0 || string(b) == "\n" {
		return // a blank line in a file is not a record
	}
	rec, err := ParseRecord(b)
	if err != nil {
		r.queue = append(r.queue, item{err: fmt.Errorf("read %s: %w", r.path, err)})
		return
	}
	switch {
	case r.haveSeq && rec.Seq > r.lastSeq && rec.Seq-r.lastSeq > 1:
		r.lost += rec.Seq - r.lastSeq - 1
	case r.overrun:
		r.lost++
	}
	r.overrun = false
	r.lastSeq, r.haveSeq = rec.Seq, true
	r.queue = append(r.queue, item{rec: rec})
}

// pop returns the oldest queued record or error; ok is false when the queue
// is empty.
func (r *Reader) pop() (rec Record, err error, ok bool) {
	if len(r.queue) == 0 {
		return Record{}, nil, false
	}
	it := r.queue[0]
	r.queue[0] = item{}
	r.queue = r.queue[1:]
	if len(r.queue) == 0 {
		r.queue = nil
	}
	return it.rec, it.err, true
}

// reset forgets everything read but not yet returned, after a seek.
func (r *Reader) reset() {
	r.pending = nil
	r.queue = nil
	r.haveSeq = false
	r.overrun = false
	r.atEOF = false
}
