package kmsg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/klpkit/klpkit/internal/testenv"

	"golang.org/x/sys/unix"
)

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kmsg.log")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func appendFile(t *testing.T, path, content string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(content); err != nil {
		t.Fatal(err)
	}
}

func openReader(t *testing.T, path string) *Reader {
	t.Helper()
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestReaderRegularFile(t *testing.T) {
	path := writeFile(t, sampleLog)
	r := openReader(t, path)

	recs, err := r.Drain()
	if err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if got := seqs(recs); !reflect.DeepEqual(got, []uint64{1, 2, 3}) {
		t.Fatalf("Drain returned sequence numbers %v, want [1 2 3]", got)
	}
	if recs[1].Dict["SUBSYSTEM"] != "pci" {
		t.Errorf("record 2 dict %v, want SUBSYSTEM=pci", recs[1].Dict)
	}
	if recs, err := r.Drain(); err != nil || len(recs) != 0 {
		t.Errorf("second Drain = %v, %v; want nothing", recs, err)
	}
	if _, err := r.Next(t.Context()); !errors.Is(err, io.EOF) {
		t.Errorf("Next at the end of a file = %v, want io.EOF", err)
	}

	// A file that grows is read on from where the reader stopped.
	appendFile(t, path, "6,4,400,-;fourth\n")
	rec, err := r.Next(t.Context())
	if err != nil || rec.Seq != 4 || rec.Text != "fourth" {
		t.Errorf("Next after append = %+v, %v; want record 4", rec, err)
	}
	if r.Lost() != 0 {
		t.Errorf("Lost() = %d, want 0", r.Lost())
	}
}

func TestReaderSeekEndOnFile(t *testing.T) {
	path := writeFile(t, sampleLog)
	r := openReader(t, path)
	if err := r.SeekEnd(); err != nil {
		t.Fatalf("SeekEnd: %v", err)
	}
	if recs, err := r.Drain(); err != nil || len(recs) != 0 {
		t.Fatalf("Drain after SeekEnd = %v, %v; want nothing", recs, err)
	}
	appendFile(t, path, "6,9,900,-;new\n")
	recs, err := r.Drain()
	if err != nil || !reflect.DeepEqual(seqs(recs), []uint64{9}) {
		t.Fatalf("Drain after append = %v, %v; want only record 9", recs, err)
	}
	// SeekEnd forgot sequence number 3, so 9 is not counted as 5 lost.
	if r.Lost() != 0 {
		t.Errorf("Lost() = %d, want 0", r.Lost())
	}
}

func TestReaderMalformedAndGaps(t *testing.T) {
	path := writeFile(t, "6,1,0,-;a\nnot a record\n6,5,0,-;b\n")
	r := openReader(t, path)

	recs, err := r.Drain()
	if !errors.Is(err, ErrMalformed) || !reflect.DeepEqual(seqs(recs), []uint64{1}) {
		t.Fatalf("first Drain = %v, %v; want record 1 and ErrMalformed", seqs(recs), err)
	}
	recs, err = r.Drain()
	if err != nil || !reflect.DeepEqual(seqs(recs), []uint64{5}) {
		t.Fatalf("second Drain = %v, %v; want record 5 after the malformed one", seqs(recs), err)
	}
	if r.Lost() != 3 {
		t.Errorf("Lost() = %d, want 3 (sequence numbers 2 to 4)", r.Lost())
	}
}

func TestReaderLargeFile(t *testing.T) {
	// Many more bytes than one read, so records straddle read boundaries.
	var content []byte
	const n = 2000
	for i := 1; i <= n; i++ {
		content = fmt.Appendf(content, "6,%d,%d,-;record number %d with some padding to make it longer\n SUBSYSTEM=test\n", i, i*10, i)
	}
	r := openReader(t, writeFile(t, string(content)))
	recs, err := r.Drain()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n {
		t.Fatalf("Drain returned %d records, want %d", len(recs), n)
	}
	for i, rec := range recs {
		if rec.Seq != uint64(i+1) || rec.Dict["SUBSYSTEM"] != "test" {
			t.Fatalf("record %d = %+v", i, rec)
		}
	}
}

// mkfifo makes a named pipe and opens it at both ends: the reader through
// Open, the writer as a plain file.
func mkfifo(t *testing.T) (*Reader, *os.File) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	r := openReader(t, path) // a non-blocking open for reading does not wait for a writer
	w, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return r, w
}

func TestReaderPipeNext(t *testing.T) {
	r, w := mkfifo(t)
	done := make(chan error, 1)
	go func() {
		defer w.Close()
		for _, rec := range []string{"6,1,0,-;a\n K=v\n", "6,2,0,-;b\n"} {
			time.Sleep(50 * time.Millisecond) // make Next wait in poll
			if _, err := w.WriteString(rec); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	for _, want := range []uint64{1, 2} {
		rec, err := r.Next(ctx)
		if err != nil || rec.Seq != want {
			t.Fatalf("Next = %+v, %v; want record %d", rec, err, want)
		}
		if want == 1 && rec.Dict["K"] != "v" {
			t.Errorf("record 1 dict %v, want K=v", rec.Dict)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(ctx); !errors.Is(err, io.EOF) {
		t.Errorf("Next after the writer closed = %v, want io.EOF", err)
	}
	if err := r.SeekEnd(); !errors.Is(err, unix.ESPIPE) {
		t.Errorf("SeekEnd on a pipe = %v, want ESPIPE", err)
	}
}

func TestReaderNextHonoursContext(t *testing.T) {
	tests := []struct {
		name    string
		ctx     func(context.Context) (context.Context, context.CancelFunc)
		wantErr error
	}{
		{"deadline", func(p context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(p, 150*time.Millisecond)
		}, context.DeadlineExceeded},
		{"cancel while waiting", func(p context.Context) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(p)
			time.AfterFunc(150*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
		{"already cancelled", func(p context.Context) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(p)
			cancel()
			return ctx, cancel
		}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := mkfifo(t) // a writer that never writes
			ctx, cancel := tt.ctx(t.Context())
			defer cancel()
			start := time.Now()
			_, err := r.Next(ctx)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Next = %v, want %v", err, tt.wantErr)
			}
			// The poll interval bounds how late a cancel is noticed.
			if d := time.Since(start); d > 150*time.Millisecond+pollInterval+200*time.Millisecond {
				t.Errorf("Next returned %v after start, want about 150ms", d)
			}
		})
	}
}

func TestReaderClosed(t *testing.T) {
	r, err := Open(writeFile(t, sampleLog))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := r.Close(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("second Close = %v, want os.ErrClosed", err)
	}
	if _, err := r.Drain(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Drain after Close = %v, want os.ErrClosed", err)
	}
	if _, err := r.Next(t.Context()); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Next after Close = %v, want os.ErrClosed", err)
	}
	if err := r.SeekEnd(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("SeekEnd after Close = %v, want os.ErrClosed", err)
	}
}

func TestOpenMissing(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "absent"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open of a missing file = %v, want os.ErrNotExist", err)
	}
}

// TestDevKmsg reads the running kernel's log. It needs read access to
// /dev/kmsg (root, or CAP_SYSLOG with kernel.dmesg_restrict=1) and, for the
// Next part, write access (root).
func TestDevKmsg(t *testing.T) {
	r, err := Open("")
	if err != nil {
		testenv.Missing(t, "the kernel log is not readable here: %v", err)
	}
	defer r.Close()

	recs, err := r.Drain()
	if err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if len(recs) == 0 {
		t.Fatal("Drain of /dev/kmsg returned no records; the kernel has logged since boot")
	}
	for i := 1; i < len(recs); i++ {
		if recs[i].Seq <= recs[i-1].Seq {
			t.Fatalf("record %d has sequence number %d after %d", i, recs[i].Seq, recs[i-1].Seq)
		}
	}
	last := recs[len(recs)-1].Seq
	t.Logf("drained %d records up to sequence number %d, %d lost", len(recs), last, r.Lost())

	if err := r.SeekEnd(); err != nil {
		t.Fatalf("SeekEnd: %v", err)
	}
	newer, err := r.Drain()
	if err != nil {
		t.Fatalf("Drain after SeekEnd: %v", err)
	}
	for _, rec := range newer {
		if rec.Seq <= last {
			t.Errorf("after SeekEnd, Drain returned old record %d (%q)", rec.Seq, rec.Text)
		}
	}

	w, err := os.OpenFile(DefaultPath, os.O_WRONLY, 0)
	if err != nil {
		testenv.Missing(t, "cannot write to %s to test Next: %v", DefaultPath, err)
	}
	defer w.Close()
	// The marker looks like a livepatch line, to check that ParseEvent
	// rejects it: <13> is facility 1 (user), level 5 (notice), and the
	// kernel gives every record written from user space a facility of 1 or
	// more.
	marker := fmt.Sprintf("livepatch: 'klpkit_kmsg_selftest_%d_%d': patching complete", os.Getpid(), time.Now().UnixNano())
	start := time.Now()
	if _, err := fmt.Fprintf(w, "<13>%s\n", marker); err != nil {
		testenv.Missing(t, "write to %s: %v", DefaultPath, err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	for {
		rec, err := r.Next(ctx)
		if err != nil {
			t.Fatalf("Next did not return the record written to %s within a second: %v", DefaultPath, err)
		}
		if rec.Text != marker {
			continue
		}
		t.Logf("Next returned %v after %v", rec, time.Since(start))
		if rec.Facility != 1 || rec.Level != 5 {
			t.Errorf("written record has facility %d level %d, want 1 and 5", rec.Facility, rec.Level)
		}
		if rec.Seq <= last {
			t.Errorf("written record has sequence number %d, not after %d", rec.Seq, last)
		}
		if _, ok := ParseEvent(rec); ok {
			t.Errorf("a record written from user space was taken for a livepatch event")
		}
		return
	}
}

// TestNextCancelIsPrompt: a cancel ends a Next blocked in poll at once,
// not at the poll's next timeout; a waiter that stops after a transition
// should not pay up to pollInterval for it.
func TestNextCancelIsPrompt(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "kmsg")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Open(fifo)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// Hold a writer open so the pipe does not read as ended.
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	if _, err := r.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 20*time.Millisecond+pollInterval/2 {
		t.Errorf("Next returned %v after it started, %v after the cancel", d, d-20*time.Millisecond)
	}
}
