package kernel

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// kdirRelease reads the release a kbuild tree builds modules for.
//
// UTS_RELEASE in include/generated/utsrelease.h comes first because it is
// what goes into a module's vermagic. include/config/kernel.release is only
// the fallback: Debian's headers hold the upstream version there
// ("6.1.192") while modules must say "6.1.0-56-amd64".
func kdirRelease(kdir string) (string, error) {
	uts := filepath.Join(kdir, "include", "generated", "utsrelease.h")
	b, err := os.ReadFile(uts)
	switch {
	case err == nil:
		if r, ok := parseUTSRelease(b); ok {
			return r, nil
		}
		return "", fmt.Errorf("%s: no UTS_RELEASE definition", uts)
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("read kernel release: %w", err)
	}

	rel := filepath.Join(kdir, "include", "config", "kernel.release")
	b, err = os.ReadFile(rel)
	if err != nil {
		return "", fmt.Errorf("read kernel release of %s (is it prepared? run make modules_prepare there): %w", kdir, err)
	}
	r := strings.TrimSpace(string(b))
	if r == "" {
		return "", fmt.Errorf("%s is empty", rel)
	}
	return r, nil
}

// parseUTSRelease finds `#define UTS_RELEASE "..."`.
func parseUTSRelease(b []byte) (string, bool) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "#define" && f[1] == "UTS_RELEASE" {
			r, err := strconv.Unquote(f[2])
			return r, err == nil && r != ""
		}
	}
	return "", false
}
