package builder

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// CompileError is a failed kbuild run. Output holds what make and the
// compiler printed; diagnostics in the patch's own sources name those
// files and lines, because the generated module includes them by path.
type CompileError struct {
	Dir    string
	Output string
	Err    error
}

func (e *CompileError) Error() string {
	return fmt.Sprintf("kbuild in %s failed (%v):\n%s", e.Dir, e.Err, strings.TrimRight(diagnostics(e.Output), "\n"))
}

func (e *CompileError) Unwrap() error { return e.Err }

// diagnostics drops make's directory chatter so the compiler's own lines
// lead the message.
func diagnostics(out string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(out, "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "make[") && (strings.Contains(t, "Entering directory") || strings.Contains(t, "Leaving directory")) {
			continue
		}
		b.WriteString(l)
	}
	return b.String()
}

// Make runs `make -C kdir M=dir modules` and returns a *CompileError when
// it fails. log, if not nil, also receives the output as it comes.
func Make(ctx context.Context, kdir, dir string, log io.Writer) error {
	cmd := exec.CommandContext(ctx, "make", "-C", kdir, "M="+dir, "modules")
	var out bytes.Buffer
	w := io.Writer(&out)
	if log != nil {
		w = io.MultiWriter(&out, log)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("kbuild in %s: %w", dir, ctx.Err())
		}
		return &CompileError{Dir: dir, Output: out.String(), Err: err}
	}
	return nil
}
