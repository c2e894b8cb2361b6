package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// WriteTree creates files under root from a map of relative path to
// content, for tests that shape a temporary /sys or /proc. A path ending
// in "/" is an empty directory. Each file is written to a temporary name
// and renamed, so a poller reading concurrently sees the old or the new
// content, as with a sysfs attribute.
func WriteTree(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(root, rel)
		if strings.HasSuffix(rel, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p+".tmp", []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(p+".tmp", p); err != nil {
			t.Fatal(err)
		}
	}
}
