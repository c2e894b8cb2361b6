package kernel

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles creates files (path relative to root → content) with their
// directories: a cache and header roots shaped like the real ones.
func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestResolve(t *testing.T) {
	const rel = "6.1.0-56-amd64"
	for _, tc := range []struct {
		name    string
		files   map[string]string // under a temp root holding cache/, build/, src/
		release string
		want    Target // paths relative to the temp root
		wantErr string
		notInst bool
	}{
		{
			name: "default file names the release",
			files: map[string]string{
				"cache/kernels/default":                  rel + "\n",
				"cache/kernels/" + rel + "/.complete":    "",
				"src/linux-headers-" + rel + "/Makefile": "",
			},
			want: Target{Release: rel, KDir: "src/linux-headers-" + rel, Dir: "cache/kernels/" + rel},
		},
		{
			name: "default keyword",
			files: map[string]string{
				"cache/kernels/default":                  rel,
				"src/linux-headers-" + rel + "/Makefile": "",
			},
			release: "default",
			want:    Target{Release: rel, KDir: "src/linux-headers-" + rel},
		},
		{
			name: "explicit release ignores the default",
			files: map[string]string{
				"cache/kernels/default":                     "6.1.0-55-amd64",
				"cache/kernels/6.1.0-99-amd64/.complete":    "",
				"src/linux-headers-6.1.0-99-amd64/Makefile": "",
			},
			release: "6.1.0-99-amd64",
			want:    Target{Release: "6.1.0-99-amd64", KDir: "src/linux-headers-6.1.0-99-amd64", Dir: "cache/kernels/6.1.0-99-amd64"},
		},
		{
			name: "build link wins over /usr/src",
			files: map[string]string{
				"build/" + rel + "/build/Makefile":       "",
				"src/linux-headers-" + rel + "/Makefile": "",
			},
			release: rel,
			want:    Target{Release: rel, KDir: "build/" + rel + "/build"},
		},
		{
			name: "interrupted extraction is not an image",
			files: map[string]string{
				"cache/kernels/" + rel + "/boot/vmlinuz-" + rel: "",
				"src/linux-headers-" + rel + "/Makefile":        "",
			},
			release: rel,
			want:    Target{Release: rel, KDir: "src/linux-headers-" + rel},
		},
		{
			name:    "missing default file",
			files:   map[string]string{},
			wantErr: "make setup",
			notInst: true,
		},
		{
			name:    "empty default file",
			files:   map[string]string{"cache/kernels/default": "\n"},
			wantErr: "is empty",
			notInst: true,
		},
		{
			name: "missing release",
			files: map[string]string{
				"cache/kernels/" + rel + "/.complete": "",
			},
			release: "6.1.0-99-amd64",
			wantErr: "no kbuild headers",
			notInst: true,
		},
		{
			name:    "release with a slash",
			files:   map[string]string{},
			release: "../../etc",
			wantErr: "invalid kernel release",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, tc.files)
			kdirs := func(r string) []string {
				return []string{
					filepath.Join(root, "build", r, "build"),
					filepath.Join(root, "src", "linux-headers-"+r),
				}
			}
			got, err := resolve(filepath.Join(root, "cache"), tc.release, kdirs)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				if errors.Is(err, ErrNotInstalled) != tc.notInst {
					t.Fatalf("errors.Is(err, ErrNotInstalled) = %v, want %v (err: %v)", !tc.notInst, tc.notInst, err)
				}
				if tc.notInst && !strings.Contains(err.Error(), "setup") {
					t.Fatalf("err = %v, want it to say how to set up", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			want.KDir = filepath.Join(root, want.KDir)
			if want.Dir != "" {
				want.Dir = filepath.Join(root, want.Dir)
			}
			if *got != want {
				t.Fatalf("got %+v\nwant %+v", *got, want)
			}
		})
	}
}

func TestFromKDir(t *testing.T) {
	for _, tc := range []struct {
		name    string
		files   map[string]string
		want    string
		wantErr string
	}{
		{
			name: "utsrelease.h wins over kernel.release (Debian)",
			files: map[string]string{
				"Makefile":                       "",
				"include/config/kernel.release":  "6.1.192\n",
				"include/generated/utsrelease.h": "#define UTS_RELEASE \"6.1.0-56-amd64\"\n",
			},
			want: "6.1.0-56-amd64",
		},
		{
			name: "kernel.release alone",
			files: map[string]string{
				"Makefile":                      "",
				"include/config/kernel.release": "6.12.0-rc1+\n",
			},
			want: "6.12.0-rc1+",
		},
		{
			name:    "not a kbuild tree",
			files:   map[string]string{"include/config/kernel.release": "6.1.0"},
			wantErr: "no Makefile",
		},
		{
			name:    "unprepared tree",
			files:   map[string]string{"Makefile": ""},
			wantErr: "modules_prepare",
		},
		{
			name: "utsrelease.h without the define",
			files: map[string]string{
				"Makefile":                       "",
				"include/generated/utsrelease.h": "/* empty */\n",
			},
			wantErr: "no UTS_RELEASE",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			got, err := FromKDir(dir)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Release != tc.want || got.KDir != dir || got.Dir != "" {
				t.Fatalf("got %+v, want release %q in %s without an image", *got, tc.want, dir)
			}
		})
	}
}

func TestDefaultCacheDir(t *testing.T) {
	t.Setenv("KLPKIT_CACHE", "/some/cache")
	if got := DefaultCacheDir(); got != "/some/cache" {
		t.Fatalf("with KLPKIT_CACHE: got %q", got)
	}
	t.Setenv("KLPKIT_CACHE", "")
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	if got := DefaultCacheDir(); got != "/xdg/klpkit" {
		t.Fatalf("with XDG_CACHE_HOME: got %q", got)
	}
}
