package spec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"

	"go.yaml.in/yaml/v3"
)

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
	p := &parser{file: path, dir: filepath.Dir(abs), nodes: map[string]*yaml.Node{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Errors{p.syntaxError(err)}
	}
	patch := &Patch{File: path, Dir: p.dir}
	if len(doc.Content) == 0 {
		p.errorf(&doc, "", "empty spec: expected a mapping with name, sources and objects")
	} else {
		p.patch(doc.Content[0], patch)
	}
	if len(p.errs) == 0 {
		p.validate(patch)
	}
	if len(p.errs) > 0 {
		sort.SliceStable(p.errs, func(i, j int) bool {
			a, b := p.errs[i], p.errs[j]
			if a.Line != b.Line {
				return a.Line < b.Line
			}
			return a.Col < b.Col
		})
		return nil, p.errs
	}
	return patch, nil
}

// parser walks the YAML node tree so that every value keeps its position.
type parser struct {
	file string
	dir  string
	errs Errors
	// nodes remembers the node of each field path for checks that run
	// after decoding (sources, callbacks).
	nodes map[string]*yaml.Node
}

func (p *parser) errorf(n *yaml.Node, field, format string, args ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, n.Column
	}
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Col: col, Field: field, Msg: fmt.Sprintf(format, args...)})
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

func (p *parser) syntaxError(err error) *Error {
	e := &Error{File: p.file, Line: 1, Col: 1, Msg: err.Error()}
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
		}
	}
	return e
}

// fields decodes a mapping: each key must be one of handlers, at most once.
// required keys that are missing are errors at the mapping itself.
func (p *parser) fields(n *yaml.Node, field string, handlers map[string]func(field string, v *yaml.Node), required ...string) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, field, "must be a mapping, not %s", kindName(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		sub := join(field, k.Value)
		h, ok := handlers[k.Value]
		switch {
		case !ok:
			p.errorf(k, sub, "unknown field %q%s", k.Value, suggest(k.Value, handlers))
			continue
		case seen[k.Value]:
			p.errorf(k, sub, "field %q given twice", k.Value)
			continue
		}
		seen[k.Value] = true
		p.nodes[sub] = v
		h(sub, v)
	}
	for _, r := range required {
		if !seen[r] {
			p.errorf(n, join(field, r), "missing required field %q", r)
		}
	}
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

// suggest names the known fields, so a typo's fix is on the same line.
func suggest(key string, handlers map[string]func(string, *yaml.Node)) string {
	names := make([]string, 0, len(handlers))
	for k := range handlers {
		names = append(names, k)
	}
	sort.Strings(names)
	return fmt.Sprintf(" (known: %v)", names)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.Tag == "!!null" {
		return "empty"
	}
	return fmt.Sprintf("%s %q", n.ShortTag()[2:], n.Value)
}

// str decodes a scalar as text. YAML numbers and booleans are accepted as
// their literal text (a verify string "42" need not be quoted).
func (p *parser) str(field string, n *yaml.Node, dst *string) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		p.errorf(n, field, "must be a string, not %s", kindName(n))
		return
	}
	*dst = n.Value
}

func (p *parser) boolean(field string, n *yaml.Node, dst *bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		p.errorf(n, field, "must be true or false, not %s", kindName(n))
		return
	}
	*dst = n.Value == "true" || n.Value == "True" || n.Value == "TRUE"
}

func (p *parser) integer(field string, n *yaml.Node, dst *int) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		p.errorf(n, field, "must be an integer, not %s", kindName(n))
		return
	}
	v, err := strconv.ParseInt(n.Value, 0, 32)
	if err != nil {
		p.errorf(n, field, "must be an integer: %v", err)
		return
	}
	*dst = int(v)
}

// list decodes a sequence, calling item with each element's field path.
func (p *parser) list(field string, n *yaml.Node, item func(field string, i int, v *yaml.Node)) {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, field, "must be a list, not %s", kindName(n))
		return
	}
	for i, v := range n.Content {
		sub := fmt.Sprintf("%s[%d]", field, i)
		p.nodes[sub] = v
		item(sub, i, v)
	}
}
