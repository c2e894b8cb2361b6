package qemu

import (
	"io"
	"sync"
)

// stream keeps every byte read from QEMU's event channel, so that each
// reader of Events sees the whole stream from the start and QEMU never
// blocks on a host that reads slowly or not at all. The guest's events are
// small (lines of progress), so memory is not a concern.
type stream struct {
	mu   sync.Mutex
	cond *sync.Cond
	buf  []byte
	done bool
	err  error // why the stream ended, when not at EOF
}

func newStream() *stream {
	s := &stream{}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// fill copies r into the stream until r ends.
func (s *stream) fill(r io.Reader) {
	var b [4096]byte
	for {
		n, err := r.Read(b[:])
		s.mu.Lock()
		s.buf = append(s.buf, b[:n]...)
		if err != nil {
			s.done = true
			if err != io.EOF {
				s.err = err
			}
		}
		s.cond.Broadcast()
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// reader returns a new reader of the stream from its first byte.
func (s *stream) reader() io.Reader { return &streamReader{s: s} }

// streamReader reads a stream from its start. Read blocks until there are
// new bytes or the stream ended, which at the latest is when QEMU exits.
type streamReader struct {
	s   *stream
	off int
}

func (r *streamReader) Read(p []byte) (int, error) {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for r.off == len(s.buf) && !s.done {
		s.cond.Wait()
	}
	if r.off == len(s.buf) {
		if s.err != nil {
			return 0, s.err
		}
		return 0, io.EOF
	}
	n := copy(p, s.buf[r.off:])
	r.off += n
	return n, nil
}

// tail keeps the last bytes written to it: QEMU's stderr, for errors.
// exec.Cmd writes it from one goroutine and Wait waits for that goroutine,
// so it needs no lock as long as it is read only after Wait.
type tail struct {
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}
