package kmod

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/klpkit/klpkit/internal/testenv"
)

// requireTool returns the path of a program the test needs. Run by hand
// without it, the test skips and says why; in CI a missing tool is a
// failure, because a green run that proved nothing is worse than a red one.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	testenv.Missing(t, "%s is needed to build an ELF object with a .modinfo section (%v)", name, err)
	return ""
}

// compile builds a relocatable object from C source with gcc -c, which
// is what a .ko is before modpost: enough ELF to carry a .modinfo section.
func compile(t *testing.T, name, src string) string {
	t.Helper()
	gcc := requireTool(t, "gcc")
	dir := t.TempDir()
	c := filepath.Join(dir, name+".c")
	if err := os.WriteFile(c, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	obj := filepath.Join(dir, name+".ko")
	// -fno-toplevel-reorder keeps the strings in source order, as the
	// kernel's own build does, so the test can check value order.
	cmd := exec.Command(gcc, "-c", "-fno-toplevel-reorder", "-o", obj, c)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc -c %s: %v\n%s", c, err, out)
	}
	return obj
}

// modinfoSource mimics what MODULE_INFO() and modpost emit: one string per
// entry in the .modinfo section, each NUL-terminated.
const modinfoSource = `
#define MI(id, s) static const char mi_##id[] \
	__attribute__((section(".modinfo"), used, aligned(1))) = s

MI(1, "livepatch=Y");
MI(2, "license=GPL");
MI(3, "description=klpkit demo: patch cmdline_proc_show");
MI(4, "parm=pre_patch_ret:value the pre_patch callback returns");
MI(5, "parmtype=pre_patch_ret:int");
MI(6, "parmtype=verbose:bool");
MI(7, "alias=klp-demo");
MI(8, "alias=klp-demo-2");
MI(9, "depends=");
MI(10, "retpoline=Y");
MI(11, "name=cmdline_demo");
MI(12, "vermagic=6.1.0-56-amd64 SMP preempt mod_unload modversions ");

int cmdline_demo_unused(void) { return 0; }
`

func TestReadInfo(t *testing.T) {
	module := compile(t, "cmdline-demo", modinfoSource)
	plain := compile(t, "plain", "int plain(void) { return 1; }\n")
	notELF := filepath.Join(t.TempDir(), "notelf.ko")
	if err := os.WriteFile(notELF, []byte("obj-m += demo.o\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.ko")

	tests := []struct {
		name    string
		path    string
		want    *Info
		release string
		errHas  []string
		errIs   error
	}{
		{
			name: "livepatch module",
			path: module,
			want: &Info{
				Name:        "cmdline_demo",
				Vermagic:    "6.1.0-56-amd64 SMP preempt mod_unload modversions ",
				License:     "GPL",
				Description: "klpkit demo: patch cmdline_proc_show",
				Livepatch:   true,
				Params:      []string{"pre_patch_ret", "verbose"},
				Fields: map[string][]string{
					"livepatch":   {"Y"},
					"license":     {"GPL"},
					"description": {"klpkit demo: patch cmdline_proc_show"},
					"parm":        {"pre_patch_ret:value the pre_patch callback returns"},
					"parmtype":    {"pre_patch_ret:int", "verbose:bool"},
					"alias":       {"klp-demo", "klp-demo-2"},
					"depends":     {""},
					"retpoline":   {"Y"},
					"name":        {"cmdline_demo"},
					"vermagic":    {"6.1.0-56-amd64 SMP preempt mod_unload modversions "},
				},
			},
			release: "6.1.0-56-amd64",
		},
		{name: "ELF object without .modinfo", path: plain, errHas: []string{plain, "no .modinfo section"}},
		{name: "not an ELF file", path: notELF, errHas: []string{notELF, "not an ELF file"}},
		{name: "missing file", path: missing, errHas: []string{missing}, errIs: fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadInfo(tt.path)
			if tt.errHas != nil {
				if err == nil {
					t.Fatalf("ReadInfo(%s) = %+v, want an error", tt.path, got)
				}
				for _, s := range tt.errHas {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				if tt.errIs != nil && !errors.Is(err, tt.errIs) {
					t.Errorf("error %v does not wrap %v", err, tt.errIs)
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadInfo(%s): %v", tt.path, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ReadInfo(%s) =\n%+v\nwant\n%+v", tt.path, got, tt.want)
			}
			if r := got.Release(); r != tt.release {
				t.Errorf("Release() = %q, want %q", r, tt.release)
			}
		})
	}
}

func TestParseModinfo(t *testing.T) {
	tests := []struct {
		name string
		data string
		want *Info
	}{
		{"empty section", "", &Info{Fields: map[string][]string{}}},
		{
			"alignment padding and entries without '=' are skipped",
			"license=GPL\x00\x00\x00\x00junk\x00=novalue\x00livepatch=N\x00",
			&Info{License: "GPL", Livepatch: true, Fields: map[string][]string{"license": {"GPL"}, "livepatch": {"N"}}},
		},
		{
			"value containing '=' is kept whole",
			"description=sets a=1\x00",
			&Info{Description: "sets a=1", Fields: map[string][]string{"description": {"sets a=1"}}},
		},
		{
			"parameter named by parm and parmtype once",
			"parmtype=x:int\x00parm=x:the x\x00parm=y:the y\x00",
			&Info{Params: []string{"x", "y"}, Fields: map[string][]string{"parmtype": {"x:int"}, "parm": {"x:the x", "y:the y"}}},
		},
		{
			"last entry without NUL",
			"name=demo",
			&Info{Name: "demo", Fields: map[string][]string{"name": {"demo"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseModinfo([]byte(tt.data))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseModinfo(%q) =\n%+v\nwant\n%+v", tt.data, got, tt.want)
			}
		})
	}
}

func TestRelease(t *testing.T) {
	tests := []struct {
		name, vermagic, want string
	}{
		{"debian vermagic", "6.1.0-56-amd64 SMP preempt mod_unload modversions ", "6.1.0-56-amd64"},
		{"release only", "6.12.9+bpo-amd64", "6.12.9+bpo-amd64"},
		{"empty", "", ""},
		{"leading space", "  6.1.0-56-cloud-amd64 SMP", "6.1.0-56-cloud-amd64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (&Info{Vermagic: tt.vermagic}).Release(); got != tt.want {
				t.Errorf("Release() of %q = %q, want %q", tt.vermagic, got, tt.want)
			}
		})
	}
}

func FuzzParseModinfo(f *testing.F) {
	f.Add([]byte("name=demo\x00vermagic=6.1.0-56-amd64 SMP\x00livepatch=Y\x00"))
	f.Add([]byte("parm=a:b\x00parmtype=a:int\x00\x00\x00=\x00:\x00parm=\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info := parseModinfo(data)
		n := 0
		for k, vs := range info.Fields {
			if k == "" || strings.ContainsRune(k, 0) {
				t.Fatalf("bad key %q", k)
			}
			n += len(vs)
		}
		if n > len(data)/2+1 {
			t.Fatalf("%d entries from %d bytes", n, len(data))
		}
		seen := map[string]bool{}
		for _, p := range info.Params {
			if p == "" || seen[p] {
				t.Fatalf("params %q: empty or repeated name", info.Params)
			}
			seen[p] = true
		}
	})
}
