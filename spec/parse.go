package spec

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/klpkit/klpkit/internal/yamlfile"
)

// Error is one problem in a spec, at file:line:col and a field.
type Error = yamlfile.Error

// Errors is every problem found in one spec; Load and Parse return it.
type Errors = yamlfile.Errors

// Load reads and validates the spec at path. A spec with problems gives
// Errors listing every one of them.
func Load(path string) (*Patch, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read spec: %w", err)
	}
	return Parse(path, data)
}

// LoadDir loads the spec of a patch directory: DIR/patch.yaml, or the only
// *.yaml file there.
func LoadDir(dir string) (*Patch, error) {
	path, err := FindSpec(dir)
	if err != nil {
		return nil, err
	}
	return Load(path)
}

// FindSpec names the spec file of a patch directory (or returns path
// itself when it is a file).
func FindSpec(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("patch %s: %w", path, err)
	}
	if !st.IsDir() {
		return path, nil
	}
	if p := filepath.Join(path, "patch.yaml"); fileExists(p) {
		return p, nil
	}
	matches, _ := filepath.Glob(filepath.Join(path, "*.yaml"))
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return "", fmt.Errorf("patch %s: no spec: expected patch.yaml in the directory", path)
	}
	return "", fmt.Errorf("patch %s: %d YAML files and no patch.yaml: name the spec file", path, len(matches))
}

// Parse validates spec text read from path (which locates the sources).
func Parse(path string, data []byte) (*Patch, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("spec %s: %w", path, err)
	}
	p := &parser{Decoder: yamlfile.New(path), dir: filepath.Dir(abs)}
	patch := &Patch{File: path, Dir: p.dir}
	if root := p.Root(data); root != nil {
		p.patch(root, patch)
	}
	if !p.Failed() {
		p.validate(patch)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return patch, nil
}

// parser decodes one spec; validate runs on what it decoded.
type parser struct {
	*yamlfile.Decoder
	dir string
}
