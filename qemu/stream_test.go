package qemu

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeTemp(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(name), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestStream(t *testing.T) {
	pr, pw := io.Pipe()
	s := newStream()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.fill(pr)
	}()

	early := s.reader()
	got := make(chan string)
	go func() {
		b, _ := io.ReadAll(early)
		got <- string(b)
	}()

	io.WriteString(pw, "hello\n")
	// A reader that starts late still sees the first bytes.
	late := s.reader()
	buf := make([]byte, 6)
	if _, err := io.ReadFull(late, buf); err != nil || string(buf) != "hello\n" {
		t.Fatalf("late reader: %q, %v", buf, err)
	}
	io.WriteString(pw, "bye\n")
	pw.Close()
	<-done

	select {
	case s := <-got:
		if s != "hello\nbye\n" {
			t.Fatalf("early reader got %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("early reader did not see EOF")
	}
	rest, err := io.ReadAll(late)
	if err != nil || string(rest) != "bye\n" {
		t.Fatalf("late reader rest: %q, %v", rest, err)
	}
}

func TestStreamError(t *testing.T) {
	pr, pw := io.Pipe()
	s := newStream()
	boom := errors.New("boom")
	go func() {
		io.WriteString(pw, "partial")
		pw.CloseWithError(boom)
	}()
	s.fill(pr)
	b, err := io.ReadAll(s.reader())
	if string(b) != "partial" || !errors.Is(err, boom) {
		t.Fatalf("got %q, %v; want the bytes then the read error", b, err)
	}
}

func TestTail(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes []string
		want   string
	}{
		{"under the limit", []string{"ab", "cd"}, "abcd"},
		{"keeps the end", []string{"abcdef", "gh"}, "defgh"},
		{"one long write", []string{"0123456789"}, "56789"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := &tail{max: 5}
			for _, w := range tc.writes {
				tl.Write([]byte(w))
			}
			if string(tl.buf) != tc.want {
				t.Fatalf("got %q, want %q", tl.buf, tc.want)
			}
		})
	}
}

func TestFindPanic(t *testing.T) {
	for _, tc := range []struct {
		name string
		log  string
		want string
	}{
		{"clean power-off", "[    1.86] reboot: Power down\n", ""},
		{
			"init died",
			"[    1.9] Run /init as init process\n[    2.0] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n[    2.1] ---[ end Kernel panic - not syncing: Attempted to kill init! ]---\n",
			"Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100",
		},
		{"empty log", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "console.log")
			if err := os.WriteFile(p, []byte(tc.log), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := findPanic(p)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := findPanic("/nonexistent/console.log"); err == nil || !strings.Contains(err.Error(), "nonexistent") {
		t.Fatalf("missing log: err = %v", err)
	}
}
