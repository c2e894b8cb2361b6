package taint

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DefaultProc is the proc mount of a running system.
const DefaultProc = "/proc"

// Read reads sys/kernel/tainted under procRoot ("" means "/proc") and
// decodes it.
func Read(procRoot string) (mask uint64, flags []Flag, err error) {
	if procRoot == "" {
		procRoot = DefaultProc
	}
	path := filepath.Join(procRoot, "sys", "kernel", "tainted")
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, nil, fmt.Errorf("read kernel taint: %w", err)
	}
	// The kernel prints the mask as an unsigned long in decimal.
	v := strings.TrimSpace(string(b))
	mask, err = strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, nil, fmt.Errorf("read kernel taint: %s holds %q, not a decimal mask", path, v)
	}
	return mask, Decode(mask), nil
}
