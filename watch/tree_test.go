package watch

import (
	"os"
	"path/filepath"
	"testing"
)

// writeTree creates files under root from a map of relative path to
// content. A path ending in "/" is an empty directory. Each file is
// written to a temporary name and renamed, so a poller reading
// concurrently sees the old or the new content, as with a sysfs attribute.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(root, rel)
		if rel[len(rel)-1] == '/' {
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
