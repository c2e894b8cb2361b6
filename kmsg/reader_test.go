package kmsg

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// sampleLog is three records as a file or pipe would hold them: one with
// continuation lines, one with an escaped newline.
const sampleLog = "6,1,100,-;first\n" +
	"7,2,200,-;second\n SUBSYSTEM=pci\n DEVICE=+pci:0000:00:01.0\n" +
	"5,3,300,-;livepatch: 'p': patching\\x0acomplete\n"

func seqs(recs []Record) []uint64 {
	var s []uint64
	for _, r := range recs {
		s = append(s, r.Seq)
	}
	return s
}

// drainQueue empties the queue the way Drain does, without a descriptor.
func drainQueue(r *Reader) ([]Record, []error) {
	var recs []Record
	var errs []error
	for {
		rec, err, ok := r.pop()
		if !ok {
			return recs, errs
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		recs = append(recs, rec)
	}
}

// A stream delivers records in arbitrary pieces; wherever the cuts fall,
// the same records must come out, and none before it is known to be whole.
func TestStreamSplitAnyChunking(t *testing.T) {
	want, err := ParseRecord([]byte("7,2,200,-;second\n SUBSYSTEM=pci\n DEVICE=+pci:0000:00:01.0\n"))
	if err != nil {
		t.Fatal(err)
	}
	for cut := 0; cut <= len(sampleLog); cut++ {
		r := &Reader{path: "test"}
		r.accept([]byte(sampleLog[:cut]), false)
		r.accept([]byte(sampleLog[cut:]), true)
		recs, errs := drainQueue(r)
		if len(errs) > 0 {
			t.Fatalf("cut at %d: %v", cut, errs)
		}
		if got := seqs(recs); !reflect.DeepEqual(got, []uint64{1, 2, 3}) {
			t.Fatalf("cut at %d: sequence numbers %v, want [1 2 3]", cut, got)
		}
		if !reflect.DeepEqual(recs[1], want) {
			t.Errorf("cut at %d: record 2 = %+v, want %+v", cut, recs[1], want)
		}
		if recs[2].Text != "livepatch: 'p': patching\ncomplete" {
			t.Errorf("cut at %d: record 3 text %q", cut, recs[2].Text)
		}
	}
}

func TestStreamSplit(t *testing.T) {
	tests := []struct {
		name     string
		chunks   []string // all but the last accepted without flush
		wantSeqs []uint64
		wantErrs int
	}{
		{"one chunk", []string{sampleLog}, []uint64{1, 2, 3}, 0},
		{"byte by byte", strings.Split(sampleLog, ""), []uint64{1, 2, 3}, 0},
		{"record waits for what follows", []string{"6,1,0,-;a\n", "6,2,0,-;b\n"}, []uint64{1, 2}, 0},
		{"continuation in the next chunk", []string{"6,1,0,-;a\n", " K=v\n6,2,0,-;b\n"}, []uint64{1, 2}, 0},
		{"blank lines skipped", []string{"\n6,1,0,-;a\n\n\n6,2,0,-;b\n\n"}, []uint64{1, 2}, 0},
		{"last record without newline", []string{"6,1,0,-;a\n6,2,0,-;b"}, []uint64{1, 2}, 0},
		{"malformed record between good ones", []string{"6,1,0,-;a\ngarbage\n6,2,0,-;b\n"}, []uint64{1, 2}, 1},
		{"orphan continuation line", []string{" K=v\n6,1,0,-;a\n"}, []uint64{1}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Reader{path: "test"}
			for i, c := range tt.chunks {
				r.accept([]byte(c), i == len(tt.chunks)-1)
			}
			recs, errs := drainQueue(r)
			if got := seqs(recs); !reflect.DeepEqual(got, tt.wantSeqs) {
				t.Errorf("sequence numbers %v, want %v", got, tt.wantSeqs)
			}
			if len(errs) != tt.wantErrs {
				t.Errorf("errors %v, want %d", errs, tt.wantErrs)
			}
			for _, err := range errs {
				if !errors.Is(err, ErrMalformed) {
					t.Errorf("error %v does not wrap ErrMalformed", err)
				}
			}
		})
	}
}

func TestStreamSplitHoldsIncompleteRecord(t *testing.T) {
	r := &Reader{path: "test"}
	r.accept([]byte("6,1,0,-;a\n"), false)
	if recs, _ := drainQueue(r); len(recs) != 0 {
		t.Fatalf("a record was released before it could be known complete: %+v", recs)
	}
	r.accept(nil, true)
	if recs, _ := drainQueue(r); len(recs) != 1 {
		t.Fatalf("flush released %d records, want 1", len(recs))
	}
}

func TestStreamSplitBoundsPending(t *testing.T) {
	r := &Reader{path: "test"}
	chunk := []byte(strings.Repeat("x", 64<<10))
	for range maxPending/len(chunk) + 2 {
		r.accept(chunk, false)
	}
	_, errs := drainQueue(r)
	if len(errs) == 0 || !errors.Is(errs[0], ErrMalformed) {
		t.Fatalf("errors %v, want one wrapping ErrMalformed", errs)
	}
	if len(r.pending) > maxPending {
		t.Errorf("%d bytes still pending, want at most %d", len(r.pending), maxPending)
	}
}

// On /dev/kmsg each read is exactly one record, continuation lines and all.
func TestRecordPerRead(t *testing.T) {
	r := &Reader{path: "/dev/kmsg", recordPerRead: true}
	r.accept([]byte("6,1,0,-;a\n K=v\n"), false)
	r.accept([]byte("6,2,0,-;b\n"), false)
	recs, errs := drainQueue(r)
	if len(errs) > 0 || !reflect.DeepEqual(seqs(recs), []uint64{1, 2}) {
		t.Fatalf("records %+v, errors %v", recs, errs)
	}
	if recs[0].Dict["K"] != "v" {
		t.Errorf("dict %v, want K=v", recs[0].Dict)
	}
}

func TestLost(t *testing.T) {
	rec := func(seq uint64) []byte { return []byte(fmt.Sprintf("6,%d,0,-;r\n", seq)) }
	type step struct {
		seq     uint64
		overrun bool // the read before this record failed with EPIPE
		reset   bool // SeekEnd before this record
	}
	tests := []struct {
		name  string
		steps []step
		want  uint64
	}{
		{"contiguous", []step{{seq: 1}, {seq: 2}, {seq: 3}}, 0},
		{"gap without EPIPE", []step{{seq: 1}, {seq: 5}}, 3},
		{"EPIPE with gap counts the gap", []step{{seq: 10}, {seq: 20, overrun: true}}, 9},
		{"EPIPE before the first record counts one", []step{{seq: 20, overrun: true}}, 1},
		{"first record after open has no gap", []step{{seq: 1000}}, 0},
		{"seek to end forgets the previous sequence number", []step{{seq: 1}, {seq: 500, reset: true}}, 0},
		{"sequence going back is not a loss", []step{{seq: 5}, {seq: 3}}, 0},
		{"at the top of the sequence space", []step{{seq: 1<<64 - 2}, {seq: 1<<64 - 1}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Reader{path: "/dev/kmsg", recordPerRead: true}
			for _, s := range tt.steps {
				if s.reset {
					r.reset()
				}
				r.overrun = s.overrun
				r.accept(rec(s.seq), false)
			}
			if got := r.Lost(); got != tt.want {
				t.Errorf("Lost() = %d, want %d", got, tt.want)
			}
		})
	}
}
