package kmsg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// pollInterval bounds each wait in Next, so a cancelled context is noticed
// within this time even if no record arrives.
const pollInterval = 100 * time.Millisecond

// Open opens path ("" means /dev/kmsg) for reading. On /dev/kmsg the first
// record read is the oldest one still in the kernel's ring buffer; call
// SeekEnd to follow only new records.
//
// The descriptor is opened non-blocking and used through raw system calls
// rather than an *os.File, because (*os.File).Fd switches a descriptor back
// to blocking mode, after which a drain of an empty /dev/kmsg hangs.
func Open(path string) (*Reader, error) {
	if path == "" {
		path = DefaultPath
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, explainOpen(err))
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	var wake [2]int
	if err := unix.Pipe2(wake[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("open %s: wake pipe: %w", path, err)
	}
	return &Reader{
		path:          path,
		fd:            fd,
		wakeR:         wake[0],
		wakeW:         wake[1],
		buf:           make([]byte, readSize),
		recordPerRead: st.Mode&unix.S_IFMT == unix.S_IFCHR,
	}, nil
}

// explainOpen says what a refused open of the kernel log means and what to
// do, keeping the errno for errors.Is.
func explainOpen(err error) error {
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		return fmt.Errorf("%w (reading the kernel log needs CAP_SYSLOG while kernel.dmesg_restrict=1: run as root)", err)
	}
	return err
}

// SeekEnd moves past every record logged so far, so that Drain and Next
// return only newer ones. On a regular file it moves to the end of the file;
// a pipe cannot seek and returns an error.
func (r *Reader) SeekEnd() error {
	if err := r.open(); err != nil {
		return err
	}
	if _, err := unix.Seek(r.fd, 0, unix.SEEK_END); err != nil {
		return fmt.Errorf("seek to the end of %s: %w", r.path, err)
	}
	r.reset()
	return nil
}

// Drain returns every record available now without waiting: on /dev/kmsg it
// reads until the kernel has no more (EAGAIN), on a file until its end. It
// returns the records before the first malformed one together with an error
// wrapping ErrMalformed; the next Drain continues after that record.
func (r *Reader) Drain() ([]Record, error) {
	if err := r.open(); err != nil {
		return nil, err
	}
	var readErr error
	for {
		more, err := r.readOnce()
		if err != nil {
			readErr = err
			break
		}
		if !more {
			break
		}
	}
	var recs []Record
	for {
		rec, err, ok := r.pop()
		if !ok {
			return recs, readErr
		}
		if err != nil {
			return recs, err
		}
		recs = append(recs, rec)
	}
}

// Next returns the next record, waiting for one until ctx is done; it then
// returns ctx.Err(). A malformed record is returned as an error wrapping
// ErrMalformed, and the following call reads on after it. /dev/kmsg never
// ends; at the end of a regular file, or of a pipe whose writers closed it,
// Next returns io.EOF.
func (r *Reader) Next(ctx context.Context) (Record, error) {
	if err := r.open(); err != nil {
		return Record{}, err
	}
	for {
		if rec, err, ok := r.pop(); ok {
			return rec, err
		}
		if err := ctx.Err(); err != nil {
			return Record{}, err
		}
		more, err := r.readOnce()
		if err != nil {
			return Record{}, err
		}
		if more || len(r.queue) > 0 {
			continue
		}
		if r.atEOF {
			return Record{}, io.EOF
		}
		if err := r.wait(ctx); err != nil {
			return Record{}, err
		}
	}
}

// Close releases the descriptor. Closing twice returns an error wrapping
// os.ErrClosed.
func (r *Reader) Close() error {
	if r.fd < 0 {
		return fmt.Errorf("close %s: %w", r.path, os.ErrClosed)
	}
	fd := r.fd
	r.fd = -1
	unix.Close(r.wakeR)
	unix.Close(r.wakeW)
	if err := unix.Close(fd); err != nil {
		return fmt.Errorf("close %s: %w", r.path, err)
	}
	return nil
}

func (r *Reader) open() error {
	if r == nil || r.fd < 0 {
		return fmt.Errorf("kmsg reader: %w", os.ErrClosed)
	}
	return nil
}

// readOnce does one read and queues what it returned. more is true when the
// source may have more to read right away.
func (r *Reader) readOnce() (more bool, err error) {
	for {
		n, err := unix.Read(r.fd, r.buf)
		switch {
		case err == nil && n > 0:
			r.atEOF = false
			r.accept(r.buf[:n], false)
			return true, nil
		case err == nil:
			// Only files and pipes end; /dev/kmsg returns EAGAIN instead.
			r.atEOF = true
			r.accept(nil, true)
			return false, nil
		case errors.Is(err, unix.EAGAIN):
			r.accept(nil, true)
			return false, nil
		case errors.Is(err, unix.EPIPE):
			// The kernel overwrote records we had not read and moved our
			// position to the oldest one left; the next read continues there.
			r.overrun = true
			return true, nil
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EINVAL) && r.recordPerRead:
			return false, fmt.Errorf("read %s: %w (the next record is larger than the %d-byte read buffer)", r.path, err, len(r.buf))
		default:
			return false, fmt.Errorf("read %s: %w", r.path, err)
		}
	}
}

// wait blocks in poll(2) until the descriptor is readable, at most
// pollInterval or until ctx's deadline, whichever is sooner. A cancel
// writes to the wake pipe, which ends the poll at once; the caller checks
// ctx again.
func (r *Reader) wait(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { unix.Write(r.wakeW, []byte{0}) })
	defer stop()
	timeout := pollInterval
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	// Round up, so a deadline less than a millisecond away does not become
	// a zero timeout that spins.
	ms := int((max(timeout, 0) + time.Millisecond - 1) / time.Millisecond)
	fds := []unix.PollFd{{Fd: int32(r.fd), Events: unix.POLLIN}, {Fd: int32(r.wakeR), Events: unix.POLLIN}}
	if _, err := unix.Poll(fds, ms); err != nil && !errors.Is(err, unix.EINTR) {
		return fmt.Errorf("poll %s: %w", r.path, err)
	}
	if fds[1].Revents != 0 {
		var b [16]byte
		unix.Read(r.wakeR, b[:])
	}
	return nil
}
