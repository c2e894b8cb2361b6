package kmod

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestExplain(t *testing.T) {
	tests := []struct {
		name  string
		op    string
		errno syscall.Errno
		want  []string // substrings, in order
	}{
		{"load of a name already loaded", "load", unix.EEXIST, []string{"EEXIST (file exists): ", "already loaded", "another name"}},
		{"pre_patch callback refused", "load", unix.ENODEV, []string{"ENODEV (no such device): ", "pre_patch callback refused", "refusing to load module", "dmesg", "pre_patch_ret"}},
		{"livepatch refused by the kernel", "load", unix.EINVAL, []string{"EINVAL (invalid argument): ", "parameter", "not found in its object", "dmesg"}},
		{"transition in progress", "load", unix.EBUSY, []string{"EBUSY (device or resource busy): ", "transition is in progress", "transition reads 0"}},
		{"unknown symbol", "load", unix.ENOENT, []string{"ENOENT (no such file or directory): ", "Unknown symbol"}},
		{"built for another kernel", "load", unix.ENOEXEC, []string{"ENOEXEC (exec format error): ", "another kernel release", "uname -r"}},
		{"signature rejected", "load", unix.EKEYREJECTED, []string{"EKEYREJECTED (key was rejected by service): ", "signature was rejected"}},
		{"signature malformed", "load", unix.EBADMSG, []string{"EBADMSG (bad message): ", "signature", "malformed"}},
		{"file still being written", "load", unix.ETXTBSY, []string{"ETXTBSY (text file busy): ", "open for writing"}},
		{"descriptor not readable", "load", unix.EBADF, []string{"EBADF (bad file descriptor): ", "bug in the caller"}},
		{"file too large", "load", unix.EFBIG, []string{"EFBIG (file too large): "}},
		{"load not permitted", "load", unix.EPERM, []string{"EPERM (operation not permitted): ", "CAP_SYS_MODULE", "modules_disabled", "lockdown"}},
		{"load out of memory", "load", unix.ENOMEM, []string{"ENOMEM (cannot allocate memory): ", "allocate"}},
		{"load bad address", "load", unix.EFAULT, []string{"EFAULT (bad address): ", "bug in the caller"}},
		{"load interrupted", "load", unix.EINTR, []string{"EINTR (interrupted system call): ", "retry"}},
		{"unload of enabled or forced livepatch", "unload", unix.EWOULDBLOCK, []string{"EAGAIN (resource temporarily unavailable): ", "in use", "forced", "disable the patch"}},
		{"unload EAGAIN is EWOULDBLOCK", "unload", unix.EAGAIN, []string{"EAGAIN", "in use"}},
		{"unload of a module not live", "unload", unix.EBUSY, []string{"EBUSY (device or resource busy): ", "not live", "initstate"}},
		{"unload of a module not loaded", "unload", unix.ENOENT, []string{"ENOENT (no such file or directory): ", "no module of that name is loaded"}},
		{"unload not permitted", "unload", unix.EPERM, []string{"EPERM (operation not permitted): ", "CAP_SYS_MODULE"}},
		{"unload out of memory", "unload", unix.ENOMEM, []string{"ENOMEM", "allocate"}},
		{"unload bad address", "unload", unix.EFAULT, []string{"EFAULT", "bug in the caller"}},
		{"load without module support", "load", unix.ENOSYS, []string{"ENOSYS (" + unix.ENOSYS.Error() + "): ", "CONFIG_MODULES", "seccomp"}},
		{"unload without module support", "unload", unix.ENOSYS, []string{"ENOSYS", "CONFIG_MODULES"}},
		{"unload interrupted", "unload", unix.EINTR, []string{"EINTR", "retry"}},
		{"errno without an entry", "load", unix.E2BIG, []string{"E2BIG (argument list too long): ", "see the kernel log (dmesg)"}},
		{"load-only errno on unload", "unload", unix.ENOEXEC, []string{"ENOEXEC (exec format error): ", "see the kernel log (dmesg)"}},
		{"errno without a name", "load", syscall.Errno(512), []string{"errno 512 (", "see the kernel log"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Explain(tt.op, tt.errno)
			rest := got
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("Explain(%q, %s) = %q\nwant it to contain, in order: %q", tt.op, unix.ErrnoName(tt.errno), got, tt.want)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}

// TestExplanationsTable checks every row: each must be reachable (no
// duplicate op/errno hiding another) and say something beyond the errno.
func TestExplanationsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range explanations {
		key := e.op + "/" + unix.ErrnoName(e.errno)
		t.Run(key, func(t *testing.T) {
			if seen[key] {
				t.Fatalf("duplicate row for %s: only the first is used", key)
			}
			seen[key] = true
			switch e.op {
			case "load", "unload", "":
			default:
				t.Fatalf("op %q is neither load, unload nor empty", e.op)
			}
			op := e.op
			if op == "" {
				op = "load"
			}
			if got := Explain(op, e.errno); !strings.HasSuffix(got, e.text) {
				t.Errorf("Explain(%q, %s) = %q, want this row's text", op, unix.ErrnoName(e.errno), got)
			}
			if strings.HasSuffix(e.text, ".") || strings.HasSuffix(e.text, " ") {
				t.Errorf("text ends with %q; it is embedded in longer errors", e.text[len(e.text)-1:])
			}
		})
	}
}

func TestError(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
		is   error
	}{
		{
			"pre_patch refusal",
			&Error{Op: "load", Module: "cmdline_demo", Errno: unix.ENODEV},
			"load cmdline_demo: ENODEV (no such device): a pre_patch callback refused to patch an object",
			unix.ENODEV,
		},
		{
			"unload of an enabled patch",
			&Error{Op: "unload", Module: "cmdline_demo", Errno: unix.EAGAIN},
			"unload cmdline_demo: EAGAIN (resource temporarily unavailable): the module is in use",
			unix.EWOULDBLOCK,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); !strings.HasPrefix(got, tt.want) {
				t.Errorf("Error() = %q, want prefix %q", got, tt.want)
			}
			wrapped := errors.Join(errors.New("context"), tt.err)
			if !errors.Is(wrapped, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false", wrapped, tt.is)
			}
			var kerr *Error
			if !errors.As(wrapped, &kerr) || kerr != tt.err {
				t.Errorf("errors.As did not find the *Error")
			}
		})
	}
}
