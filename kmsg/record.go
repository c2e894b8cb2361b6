package kmsg

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Record is one entry of the kernel's printk ring buffer.
type Record struct {
	// Level is the syslog level, 0 (emerg) to 7 (debug).
	Level int
	// Facility is the syslog facility. The kernel logs with 0; records
	// written to /dev/kmsg from user space always carry 1 (user) or more.
	Facility int
	// Seq is the kernel's 64-bit sequence number, one per record.
	Seq uint64
	// Time is the record's timestamp since boot (the kernel's local_clock).
	Time time.Duration
	// Text is the message with the "\xNN" escapes restored.
	Text string
	// Dict holds the " KEY=value" lines after the text (SUBSYSTEM, DEVICE,
	// ...), nil when there are none.
	Dict map[string]string
}

// maxPrio is the largest priority the header can carry: the /dev/kmsg ABI
// puts the level in the low 3 bits and the facility in the next 8.
const maxPrio = 1<<11 - 1

// ParseRecord parses one /dev/kmsg record:
//
//	<prio>,<seq>,<usec>,<flags>[,more...];<text>\n
//	 KEY=value\n ...
//
// Header fields after flags (such as "caller=T12" with CONFIG_PRINTK_CALLER)
// are ignored, as the ABI asks of readers. The trailing newline is optional.
// It returns an error wrapping ErrMalformed when the header is not four or
// more comma-separated fields ended by ';', a number does not parse, or a
// line after the text is not a " KEY=value" line.
func ParseRecord(b []byte) (Record, error) {
	semi := bytes.IndexByte(b, ';')
	if semi < 0 {
		return Record{}, malformed(b, "no ';' ends the header")
	}
	var rec Record
	if err := parseHeader(b[:semi], &rec); err != nil {
		return Record{}, malformed(b, "%v", err)
	}

	body := bytes.TrimSuffix(b[semi+1:], []byte{'\n'})
	text, rest, more := bytes.Cut(body, []byte{'\n'})
	rec.Text = unescape(text)
	for line := 2; more; line++ {
		var l []byte
		l, rest, more = bytes.Cut(rest, []byte{'\n'})
		// The kernel escapes newlines inside text and values, so any further
		// line must be a continuation line; anything else means the caller
		// passed two records or a damaged one.
		if len(l) == 0 || l[0] != ' ' {
			return Record{}, malformed(b, "line %d does not start with a space", line)
		}
		key, value, ok := bytes.Cut(l[1:], []byte{'='})
		if !ok || len(key) == 0 {
			return Record{}, malformed(b, "line %d is not KEY=value", line)
		}
		if rec.Dict == nil {
			rec.Dict = make(map[string]string)
		}
		rec.Dict[unescape(key)] = unescape(value)
	}
	return rec, nil
}

func parseHeader(h []byte, rec *Record) error {
	fields := bytes.SplitN(h, []byte{','}, 5)
	if len(fields) < 4 {
		return fmt.Errorf("header %q has %d fields, want prio,seq,usec,flags", h, len(fields))
	}
	prio, err := strconv.ParseUint(string(fields[0]), 10, 64)
	if err != nil || prio > maxPrio {
		return fmt.Errorf("priority %q is not a number from 0 to %d", fields[0], maxPrio)
	}
	seq, err := strconv.ParseUint(string(fields[1]), 10, 64)
	if err != nil {
		return fmt.Errorf("sequence number %q is not an unsigned 64-bit number", fields[1])
	}
	usec, err := strconv.ParseUint(string(fields[2]), 10, 64)
	if err != nil || usec > math.MaxInt64/uint64(time.Microsecond) {
		return fmt.Errorf("timestamp %q is not a number of microseconds that fits a time.Duration", fields[2])
	}
	if len(fields[3]) == 0 {
		return fmt.Errorf("flags field is empty")
	}
	rec.Level = int(prio & 7)
	rec.Facility = int(prio >> 3)
	rec.Seq = seq
	rec.Time = time.Duration(usec) * time.Microsecond
	return nil
}

// malformed names the record by its start, which is enough to find it in a
// log without printing a whole 8 KiB record into an error message.
func malformed(b []byte, format string, args ...any) error {
	const show = 64
	head := b
	if len(head) > show {
		head = head[:show]
	}
	return fmt.Errorf("%w %q: %s", ErrMalformed, head, fmt.Sprintf(format, args...))
}

// String prints the record the way dmesg(1) does: "[    1.234567] text".
func (r Record) String() string {
	us := int64(r.Time / time.Microsecond)
	return fmt.Sprintf("[%5d.%06d] %s", us/1_000_000, us%1_000_000, r.Text)
}
