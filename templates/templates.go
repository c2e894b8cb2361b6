package templates

import (
	"embed"
	"fmt"
	"strings"
	"text/template"
)

//go:embed *.tmpl
var files embed.FS

// Parse returns the templates, named by file ("livepatch.c.tmpl",
// "Kbuild.tmpl"). Each call parses anew, so callers share no state.
func Parse() (*template.Template, error) {
	t, err := template.New("").Funcs(template.FuncMap{"cstring": CString}).ParseFS(files, "*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse embedded templates: %w", err)
	}
	return t, nil
}

// CString quotes s as a C string literal. Everything outside printable
// ASCII is written as an octal escape, and '?' is escaped so no trigraph
// can form, so any text from a spec yields valid C.
func CString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\' || c == '?':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\%03o`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
