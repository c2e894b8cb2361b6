package yamlfile

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Decoder collects the problems of one file while its nodes are walked.
type Decoder struct {
	File string
	errs Errors
	// nodes remembers the node of each field path, for checks that run
	// after decoding and still need a position.
	nodes map[string]*yaml.Node
}

// Handlers maps the keys a mapping may hold to their decoders.
type Handlers map[string]func(field string, v *yaml.Node)

// New returns a decoder for the file at path (used only in messages).
func New(path string) *Decoder {
	return &Decoder{File: path, nodes: map[string]*yaml.Node{}}
}

// Root parses data and returns its top-level node, or nil after
// recording a syntax error or an empty document.
func (d *Decoder) Root(data []byte) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		d.errs = append(d.errs, d.syntaxError(err))
		return nil
	}
	if len(doc.Content) == 0 {
		d.Errorf(&doc, "", "empty file: expected a mapping")
		return nil
	}
	return doc.Content[0]
}

// Node returns the node decoded for a field path ("objects[0].name"), or
// nil.
func (d *Decoder) Node(field string) *yaml.Node { return d.nodes[field] }

// Errorf records a problem at n (at 1:1 when n is nil).
func (d *Decoder) Errorf(n *yaml.Node, field, format string, args ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, n.Column
	}
	d.errs = append(d.errs, &Error{File: d.File, Line: line, Col: col, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// At records a problem at the node of a field decoded earlier.
func (d *Decoder) At(field, format string, args ...any) {
	d.Errorf(d.nodes[field], field, format, args...)
}

// Failed reports whether any problem was recorded.
func (d *Decoder) Failed() bool { return len(d.errs) > 0 }

// Err returns the problems in file order, or nil.
func (d *Decoder) Err() error {
	if len(d.errs) == 0 {
		return nil
	}
	sort.SliceStable(d.errs, func(i, j int) bool {
		a, b := d.errs[i], d.errs[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return d.errs
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

func (d *Decoder) syntaxError(err error) *Error {
	e := &Error{File: d.File, Line: 1, Col: 1, Msg: err.Error()}
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
		}
	}
	return e
}

// Fields decodes a mapping: each key must be one of handlers, at most
// once; required keys that are missing are errors at the mapping itself.
func (d *Decoder) Fields(n *yaml.Node, field string, handlers Handlers, required ...string) {
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, field, "must be a mapping, not %s", KindName(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		sub := Join(field, k.Value)
		h, ok := handlers[k.Value]
		switch {
		case !ok:
			d.Errorf(k, sub, "unknown field %q (known: %v)", k.Value, handlers.names())
			continue
		case seen[k.Value]:
			d.Errorf(k, sub, "field %q given twice", k.Value)
			continue
		}
		seen[k.Value] = true
		d.nodes[sub] = v
		h(sub, v)
	}
	for _, r := range required {
		if !seen[r] {
			d.Errorf(n, Join(field, r), "missing required field %q", r)
		}
	}
}

func (h Handlers) names() []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Join appends a key to a field path.
func Join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

// KindName describes a node for messages: "a list", "int \"3\"", "empty".
func KindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.ShortTag() == "!!null" {
		return "empty"
	}
	return fmt.Sprintf("%s %q", n.ShortTag()[2:], n.Value)
}

// Str decodes a scalar as text. YAML numbers and booleans are taken as
// their literal text (a verify string "42" need not be quoted).
func (d *Decoder) Str(field string, n *yaml.Node, dst *string) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		d.Errorf(n, field, "must be a string, not %s", KindName(n))
		return
	}
	*dst = n.Value
}

// Bool decodes true or false.
func (d *Decoder) Bool(field string, n *yaml.Node, dst *bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		d.Errorf(n, field, "must be true or false, not %s", KindName(n))
		return
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		d.Errorf(n, field, "must be true or false: %v", err)
		return
	}
	*dst = b
}

// Int decodes a 32-bit integer.
func (d *Decoder) Int(field string, n *yaml.Node, dst *int) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		d.Errorf(n, field, "must be an integer, not %s", KindName(n))
		return
	}
	var v int32
	if err := n.Decode(&v); err != nil {
		d.Errorf(n, field, "must be a 32-bit integer: %v", err)
		return
	}
	*dst = int(v)
}

// List decodes a sequence, calling item with each element's field path.
func (d *Decoder) List(field string, n *yaml.Node, item func(field string, i int, v *yaml.Node)) {
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, field, "must be a list, not %s", KindName(n))
		return
	}
	for i, v := range n.Content {
		sub := fmt.Sprintf("%s[%d]", field, i)
		d.nodes[sub] = v
		item(sub, i, v)
	}
}
