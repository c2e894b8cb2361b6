package qemu

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cavaliergopher/cpio"
)

// archived is one entry as read back from an archive.
type archived struct {
	Path string
	Mode cpio.FileMode
	Data string // file content, or a symlink's target
}

func readArchive(t *testing.T, b []byte) []archived {
	t.Helper()
	var got []archived
	r := cpio.NewReader(bytes.NewReader(b))
	for {
		h, err := r.Next()
		if errors.Is(err, io.EOF) {
			return got
		}
		if err != nil {
			t.Fatalf("read back: %v", err)
		}
		data, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if h.Linkname != "" {
			data = []byte(h.Linkname)
		}
		if h.ModTime.Unix() != 0 || h.Uid != 0 || h.Guid != 0 {
			t.Errorf("%s: mtime %v uid %d gid %d, want all zero", h.Name, h.ModTime, h.Uid, h.Guid)
		}
		got = append(got, archived{h.Name, h.Mode, string(data)})
	}
}

// The mount points and their parents every archive has, in order.
var base = map[string]archived{
	"dev":  {"dev", cpio.TypeDir | 0o755, ""},
	"proc": {"proc", cpio.TypeDir | 0o555, ""},
	"run":  {"run", cpio.TypeDir | 0o755, ""},
	"sys":  {"sys", cpio.TypeDir | 0o555, ""},
	"tmp":  {"tmp", cpio.TypeDir | cpio.ModeSticky | 0o777, ""},
}

// withBase returns want plus the mount points it does not override,
// sorted by path.
func withBase(want ...archived) []archived {
	out := slices.Clone(want)
	for p, a := range base {
		if !slices.ContainsFunc(want, func(w archived) bool { return w.Path == p }) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b archived) int { return strings.Compare(a.Path, b.Path) })
	return out
}

func TestWriteInitramfs(t *testing.T) {
	src := filepath.Join(t.TempDir(), "agent")
	if err := os.WriteFile(src, []byte("\x7fELF agent"), 0o750); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		files   []File
		want    []archived
		wantErr string
	}{
		{
			name:  "nothing but mount points",
			files: nil,
			want:  withBase(),
		},
		{
			name: "init and a module with their parents",
			files: []File{
				{Path: "/lib/klpkit/patch.ko", Data: []byte("ko")},
				{Path: "/init", Mode: 0o755, Src: src},
			},
			want: withBase(
				archived{"init", cpio.TypeReg | 0o755, "\x7fELF agent"},
				archived{"lib", cpio.TypeDir | 0o755, ""},
				archived{"lib/klpkit", cpio.TypeDir | 0o755, ""},
				archived{"lib/klpkit/patch.ko", cpio.TypeReg | 0o644, "ko"},
			),
		},
		{
			name:  "permissions of the source file",
			files: []File{{Path: "bin/agent", Src: src}},
			want: withBase(
				archived{"bin", cpio.TypeDir | 0o755, ""},
				archived{"bin/agent", cpio.TypeReg | 0o750, "\x7fELF agent"},
			),
		},
		{
			name: "explicit directory keeps its mode, before or after its files",
			files: []File{
				{Path: "/etc/klpkit/plan.json", Data: []byte("{}")},
				{Path: "/etc/klpkit", Mode: fs.ModeDir | 0o700},
				{Path: "/tmp", Mode: fs.ModeDir | 0o755},
			},
			want: withBase(
				archived{"etc", cpio.TypeDir | 0o755, ""},
				archived{"etc/klpkit", cpio.TypeDir | 0o700, ""},
				archived{"etc/klpkit/plan.json", cpio.TypeReg | 0o644, "{}"},
				archived{"tmp", cpio.TypeDir | 0o755, ""},
			),
		},
		{
			name:  "symlink",
			files: []File{{Path: "/sbin/init", Mode: fs.ModeSymlink, Data: []byte("/init")}},
			want: withBase(
				archived{"sbin", cpio.TypeDir | 0o755, ""},
				archived{"sbin/init", cpio.TypeSymlink | 0o777, "/init"},
			),
		},
		{
			name:  "empty file",
			files: []File{{Path: "/etc/empty", Data: []byte{}, Mode: 0o600}},
			want: withBase(
				archived{"etc", cpio.TypeDir | 0o755, ""},
				archived{"etc/empty", cpio.TypeReg | 0o600, ""},
			),
		},
		{name: "same path twice", files: []File{{Path: "/init", Data: []byte("a")}, {Path: "init", Data: []byte("b")}}, wantErr: "given twice"},
		{name: "file where a directory must be", files: []File{{Path: "/lib", Data: []byte("a")}, {Path: "/lib/x.ko", Data: []byte("b")}}, wantErr: "/lib is given twice"},
		{name: "file over a mount point", files: []File{{Path: "/proc", Data: []byte("a")}}, wantErr: "/proc is given twice"},
		{name: "parent reference", files: []File{{Path: "../etc/passwd", Data: []byte("a")}}, wantErr: "bad path"},
		{name: "unclean path", files: []File{{Path: "/lib//x.ko", Data: []byte("a")}}, wantErr: "bad path"},
		{name: "root", files: []File{{Path: "/", Mode: fs.ModeDir}}, wantErr: "bad path"},
		{name: "no content", files: []File{{Path: "/init"}}, wantErr: "neither Data nor Src"},
		{name: "directory with content", files: []File{{Path: "/d", Mode: fs.ModeDir, Data: []byte("x")}}, wantErr: "no content"},
		{name: "device", files: []File{{Path: "/dev/null", Mode: fs.ModeDevice | fs.ModeCharDevice, Data: []byte{}}}, wantErr: "unsupported file type"},
		{name: "missing source", files: []File{{Path: "/init", Src: "/nonexistent/agent"}}, wantErr: "/nonexistent/agent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			err := WriteInitramfs(&b, tc.files)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := readArchive(t, b.Bytes())
			if !slices.Equal(got, tc.want) {
				t.Fatalf("archive holds\n%v\nwant\n%v", got, tc.want)
			}

			// The same files in the other order give the same bytes.
			rev := slices.Clone(tc.files)
			slices.Reverse(rev)
			var b2 bytes.Buffer
			if err := WriteInitramfs(&b2, rev); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), b2.Bytes()) {
				t.Fatal("the archive depends on the order of files")
			}
		})
	}
}
