package sysfs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/klpkit/klpkit/internal/testenv"
)

func TestWaitTransition(t *testing.T) {
	const flipAfter = 50 * time.Millisecond
	tests := []struct {
		name    string
		patch   string
		noProc  bool
		timeout time.Duration
		cancel  bool                            // cancel ctx instead of letting it time out
		change  func(t *testing.T, root string) // run in a goroutine after flipAfter
		wantErr error
		errHas  []string
		// progress expectations: at least one call, and this pending count
		// on every call (-2: no call expected).
		wantPending int
	}{
		{name: "transition already done", patch: "livepatch_cmdline", timeout: time.Second, wantPending: -2},
		{
			name: "transition flips to 0", patch: "livepatch_replace", timeout: 5 * time.Second,
			change: func(t *testing.T, root string) {
				replaceFile(t, filepath.Join(root, "livepatch_replace", "transition"), "0\n")
			},
			wantPending: 3,
		},
		{
			name: "patch directory removed after unpatching", patch: "livepatch_replace", timeout: 5 * time.Second,
			change: func(t *testing.T, root string) {
				if err := os.RemoveAll(filepath.Join(root, "livepatch_replace")); err != nil {
					t.Error(err)
				}
			},
			wantPending: 3,
		},
		{
			name: "tasks cannot be counted without proc", patch: "livepatch_replace", noProc: true, timeout: 5 * time.Second,
			change: func(t *testing.T, root string) {
				replaceFile(t, filepath.Join(root, "livepatch_replace", "transition"), "0\n")
			},
			wantPending: -1,
		},
		{name: "patch never loaded counts as done", patch: "livepatch_absent", timeout: time.Second, wantPending: -2},
		{
			name: "deadline while in transition", patch: "livepatch_replace", timeout: 3 * flipAfter,
			wantErr: context.DeadlineExceeded, wantPending: 3,
			errHas: []string{"transition of livepatch livepatch_replace still in progress after ", "with 3 tasks not yet switched"},
		},
		{
			name: "cancelled while in transition", patch: "livepatch_replace", timeout: 5 * time.Second, cancel: true,
			wantErr: context.Canceled, wantPending: 3,
			errHas: []string{"still in progress"},
		},
		{name: "bad name", patch: "a/b", timeout: time.Second, errHas: []string{"not a livepatch name"}, wantPending: -2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := newLivepatchTree(t)
			proc := t.TempDir()
			testenv.WriteTree(t, proc, procTree)
			if tt.noProc {
				proc = filepath.Join(proc, "absent")
			}
			fs := &FS{Root: root, Proc: proc}

			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			var wg sync.WaitGroup
			if tt.change != nil || tt.cancel {
				wg.Add(1)
				go func() {
					defer wg.Done()
					select {
					case <-time.After(flipAfter):
					case <-ctx.Done():
						return
					}
					if tt.cancel {
						cancel()
						return
					}
					tt.change(t, root)
				}()
			}

			var calls int
			var badPending []int
			start := time.Now()
			err := fs.WaitTransition(ctx, tt.patch, 5*time.Millisecond, func(elapsed time.Duration, pending int) {
				calls++
				if pending != tt.wantPending {
					badPending = append(badPending, pending)
				}
				if elapsed < 0 || elapsed > time.Since(start) {
					t.Errorf("progress elapsed %v outside [0, %v]", elapsed, time.Since(start))
				}
			})
			took := time.Since(start)
			wg.Wait()

			if tt.errHas != nil || tt.wantErr != nil {
				if err == nil {
					t.Fatalf("WaitTransition returned nil after %v, want an error", took)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("error %v does not wrap %v", err, tt.wantErr)
				}
				for _, s := range tt.errHas {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
			} else if err != nil {
				t.Fatalf("WaitTransition: %v", err)
			}
			if tt.change != nil && took < flipAfter {
				t.Errorf("returned after %v, before the transition ended at %v", took, flipAfter)
			}
			if tt.wantErr == context.DeadlineExceeded && took > tt.timeout+time.Second {
				t.Errorf("returned %v after a %v deadline", took, tt.timeout)
			}
			switch {
			case tt.wantPending == -2 && calls > 0:
				t.Errorf("progress called %d times, want none", calls)
			case tt.wantPending != -2 && calls == 0:
				t.Errorf("progress never called")
			case len(badPending) > 0:
				t.Errorf("progress got pending %v, want %d", badPending, tt.wantPending)
			}
		})
	}
}

// TestWaitTransitionHonoursDoneContext checks that a context that has
// already ended stops the wait after one read, not one poll interval.
func TestWaitTransitionHonoursDoneContext(t *testing.T) {
	fs := &FS{Root: newLivepatchTree(t), Proc: t.TempDir()}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	err := fs.WaitTransition(ctx, "livepatch_replace", time.Hour, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want one wrapping context.Canceled", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("took %v with an hour-long poll interval", took)
	}
}

// TestGone: a read of a patch attribute that fails with ENODEV (the kernel
// tearing the patch down) means the transition is over, like a missing
// file; any other error does not.
func TestGone(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&os.PathError{Op: "open", Path: "x", Err: syscall.ENOENT}, true},
		{&os.PathError{Op: "read", Path: "x", Err: syscall.ENODEV}, true},
		{&os.PathError{Op: "read", Path: "x", Err: syscall.EACCES}, false},
		{nil, false},
	} {
		if got := Gone(tc.err); got != tc.want {
			t.Errorf("Gone(%v) = %v", tc.err, got)
		}
	}
}
