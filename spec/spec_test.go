package spec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const good = `name: demo
description: a test
sources: [fix.c]
objects:
  - name: vmlinux
    functions:
      - old: cmdline_proc_show
        new: klp_show
    callbacks:
      pre_patch: my_pre
      post_patch: log
verify:
  - file: /proc/cmdline
    patched: x
`

func parseTestdata(t *testing.T, text string) (*Patch, error) {
	t.Helper()
	return Parse(filepath.Join("testdata", "patch.yaml"), []byte(text))
}

func TestParseGood(t *testing.T) {
	p, err := parseTestdata(t, good)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("testdata/fix.c")
	if p.Name != "demo" || len(p.Sources) != 1 || p.Sources[0] != abs {
		t.Errorf("name %q sources %v", p.Name, p.Sources)
	}
	o := p.Objects[0]
	if !o.IsVmlinux() || o.Functions[0] != (Function{Old: "cmdline_proc_show", New: "klp_show"}) {
		t.Errorf("object %+v", o)
	}
	if o.Callbacks != (Callbacks{PrePatch: "my_pre", PostPatch: LogCallback}) || !p.HasPrePatch() {
		t.Errorf("callbacks %+v", o.Callbacks)
	}
	if p.Verify[0] != (Verify{File: "/proc/cmdline", Patched: "x"}) {
		t.Errorf("verify %+v", p.Verify)
	}
}

// TestParseErrors checks that each bad input is caught before anything is
// built, at the right place, naming the field.
func TestParseErrors(t *testing.T) {
	long := strings.Repeat("a", 56)
	for _, tc := range []struct {
		name, edit, with string
		want             string // "line:col: field: message fragment"
	}{
		{"unknown top-level field", "description: a test", "descrption: a test", "2:1: descrption: unknown field"},
		{"unknown function field", "new: klp_show", "new: klp_show\n        neww: x", "9:9: objects[0].functions[0].neww: unknown field"},
		{"field twice", "description: a test", "description: a\ndescription: b", "3:1: description: field \"description\" given twice"},
		{"missing name", "name: demo\n", "", "1:1: name: missing required field"},
		{"name with a dash", "name: demo", "name: my-demo", "1:7: name: \"my-demo\" may hold only"},
		{"name with capitals", "name: demo", "name: Demo", "1:7: name: \"Demo\" may hold only"},
		{"name too long", "name: demo", "name: " + long, "1:7: name: \"" + long + "\" is 56 characters; the kernel allows at most 55"},
		{"name not a string", "name: demo", "name: [a]", "1:7: name: must be a string, not a list"},
		{"missing source file", "sources: [fix.c]", "sources: [fix.c, gone.c]", "3:18: sources[1]: cannot read source"},
		{"source not C", "sources: [fix.c]", "sources: [fix.h]", "3:11: sources[0]: \"fix.h\" is not a C file"},
		{"source twice", "sources: [fix.c]", "sources: [fix.c, fix.c]", "3:18: sources[1]: source \"fix.c\" listed twice"},
		{"new not defined", "new: klp_show", "new: klp_gone", "8:14: objects[0].functions[0].new: function \"klp_gone\" is not defined in the sources"},
		{"new only declared", "new: klp_show", "new: my_post", "8:14: objects[0].functions[0].new: function \"my_post\" is not defined"},
		{"new in a comment only", "new: klp_show", "new: not_real", "8:14: objects[0].functions[0].new: function \"not_real\" is not defined"},
		{"old not an identifier", "old: cmdline_proc_show", "old: cmdline-proc", "7:14: objects[0].functions[0].old: \"cmdline-proc\" is not a C identifier"},
		{"function listed twice", "        new: klp_show\n", "        new: klp_show\n      - old: cmdline_proc_show\n        new: klp_show\n", "9:14: objects[0].functions[1].old: function \"cmdline_proc_show\" (sympos 0) listed twice"},
		{"negative sympos", "new: klp_show", "new: klp_show\n        sympos: -1", "9:17: objects[0].functions[0].sympos: must be 0"},
		{"sympos not a number", "new: klp_show", "new: klp_show\n        sympos: two", "9:17: objects[0].functions[0].sympos: must be an integer"},
		{"object listed twice", "verify:", "  - name: vmlinux\n    functions:\n      - old: a\n        new: klp_show\nverify:", "12:11: objects[1].name: object \"vmlinux\" listed twice"},
		{"object without functions or callbacks", "    functions:\n      - old: cmdline_proc_show\n        new: klp_show\n    callbacks:\n      pre_patch: my_pre\n      post_patch: log\n", "    functions: []\n", "6:16: objects[0].functions: an object needs at least one function or callback"},
		{"no objects", "objects:\n  - name: vmlinux\n    functions:\n      - old: cmdline_proc_show\n        new: klp_show\n    callbacks:\n      pre_patch: my_pre\n      post_patch: log\n", "objects: []\n", "4:10: objects: at least one object"},
		{"no sources for a function", "sources: [fix.c]", "sources: []", "8:14: objects[0].functions[0].new: function \"klp_show\" is not defined in the sources"},
		{"callback not defined", "pre_patch: my_pre", "pre_patch: my_gone", "10:18: objects[0].callbacks.pre_patch: callback function \"my_gone\" is not defined"},
		{"callback bad value", "post_patch: log", "post_patch: \"log it\"", "11:19: objects[0].callbacks.post_patch: must be \"log\""},
		{"unknown callback", "post_patch: log", "post_patched: log", "11:7: objects[0].callbacks.post_patched: unknown field"},
		{"replace not a bool", "description: a test", "replace: yes please", "2:10: replace: must be true or false"},
		{"verify relative path", "file: /proc/cmdline", "file: proc/cmdline", "13:11: verify[0].file: must be an absolute path"},
		{"verify without text", "    patched: x\n", "", "13:5: verify[0]: give patched, unpatched or both"},
		{"bad version", "name: demo", "version: 2\nname: demo", "1:10: version: unsupported spec version 2"},
		{"yaml syntax", "name: demo", "name: [demo", "1:1: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(good, tc.edit, tc.with, 1)
			if text == good {
				t.Fatalf("edit %q did not apply", tc.edit)
			}
			_, err := parseTestdata(t, text)
			if err == nil {
				t.Fatalf("no error for:\n%s", text)
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *spec.Error", err)
			}
			want := filepath.Join("testdata", "patch.yaml") + ":" + tc.want
			found := false
			for _, line := range strings.Split(err.Error(), "\n") {
				if strings.HasPrefix(line, want) {
					found = true
				}
			}
			if !found {
				t.Errorf("error\n%v\ndoes not start a line with\n%s", err, want)
			}
		})
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), "no spec") {
		t.Errorf("empty dir: %v", err)
	}
	src, _ := os.ReadFile("testdata/fix.c")
	os.WriteFile(filepath.Join(dir, "fix.c"), src, 0o644)
	os.WriteFile(filepath.Join(dir, "patch.yaml"), []byte(good), 0o644)
	p, err := LoadDir(dir)
	if err != nil || p.Name != "demo" {
		t.Fatalf("LoadDir: %v", err)
	}
}

func TestDefinedFunctions(t *testing.T) {
	src := `
#define MACRO(x) \
	int fake_##x(void) { return 0; }
static int __attribute__((unused)) a(void) { return 0; }
int b(int (*fn)(void), char c) __attribute__((cold));
int b2(int x)
{
	if (x) { return '{'; }
	return 0;
}
struct s { int (*op)(void); };
static struct s inst = { .op = a };
// int commented(void) {}
void
c(void) {}
`
	got := DefinedFunctions([]byte(src))
	want := map[string]int{"a": 4, "b2": 6, "c": 15}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for name, line := range want {
		if got[name] != line {
			t.Errorf("%s: line %d, want %d (all: %v)", name, got[name], line, got)
		}
	}
}

// A callbacks-only object needs no functions and no sources: the kernel's
// own selftests patch module objects that way.
func TestCallbacksOnly(t *testing.T) {
	p, err := parseTestdata(t, "name: cb\nobjects:\n  - name: some_mod\n    callbacks: {pre_patch: log}\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Objects[0].Functions) != 0 || p.Objects[0].Callbacks.PrePatch != LogCallback || len(p.Sources) != 0 {
		t.Errorf("%+v", p)
	}
}
