package qemu

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/cavaliergopher/cpio"
)

// File is one file of an initramfs.
type File struct {
	// Path inside the guest, e.g. "/init" or "/lib/klpkit/patch.ko".
	Path string
	// Mode holds the permissions and the type: a regular file when no type
	// bit is set, fs.ModeDir for a directory, fs.ModeSymlink for a symbolic
	// link whose target is Data. Zero permissions mean 0644, or the
	// permissions of Src.
	Mode fs.FileMode
	// Data is the content; when nil, the content is read from the host
	// file Src.
	Data []byte
	Src  string
}

// mountPoints are the directories the guest mounts on before anything
// exists: the kernel fails a mount on a missing directory. Directories
// inside /sys (debugfs, tracefs) are created by sysfs itself.
func mountPoints() []File {
	return []File{
		{Path: "proc", Mode: fs.ModeDir | 0o555},
		{Path: "sys", Mode: fs.ModeDir | 0o555},
		{Path: "dev", Mode: fs.ModeDir | 0o755},
		{Path: "tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
		{Path: "run", Mode: fs.ModeDir | 0o755},
	}
}

// WriteInitramfs writes an uncompressed cpio newc archive holding files,
// every parent directory they need, and the mount points /proc, /sys,
// /dev, /tmp and /run.
//
// The archive is not compressed because the kernel copies an uncompressed
// one as is, while decompressing under TCG emulation costs boot time.
// It holds no /dev/console: the kernel's built-in initramfs (with
// CONFIG_INITRAMFS_SOURCE="", as Debian builds it) already has that node,
// and the kernel opens it as /init's stdin, stdout and stderr. Entries are
// sorted by path and carry no timestamps or owners, so the same files
// always give the same bytes.
func WriteInitramfs(w io.Writer, files []File) error {
	entries, err := plan(files)
	if err != nil {
		return fmt.Errorf("initramfs: %w", err)
	}
	cw := cpio.NewWriter(w)
	for _, e := range entries {
		if err := writeEntry(cw, e); err != nil {
			return fmt.Errorf("initramfs: /%s: %w", e.Path, err)
		}
	}
	if err := cw.Close(); err != nil {
		return fmt.Errorf("initramfs: %w", err)
	}
	return nil
}

// entry is a File with a clean relative path.
type entry struct {
	File
	implicit bool // a parent directory or mount point nobody asked for
}

// plan checks files and returns every entry of the archive, parents
// before children.
func plan(files []File) ([]entry, error) {
	byPath := make(map[string]entry)
	add := func(e entry) error {
		old, ok := byPath[e.Path]
		switch {
		case !ok:
			byPath[e.Path] = e
		case e.implicit && old.Mode.IsDir():
			// An explicit directory keeps its own mode.
		case old.implicit && e.Mode.IsDir():
			byPath[e.Path] = e
		default:
			return fmt.Errorf("/%s is given twice, or as a file and as a directory", e.Path)
		}
		return nil
	}

	for _, f := range files {
		p, err := cleanPath(f.Path)
		if err != nil {
			return nil, err
		}
		f.Path = p
		if err := checkType(f); err != nil {
			return nil, err
		}
		if err := add(entry{File: f}); err != nil {
			return nil, err
		}
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if err := add(entry{File: File{Path: d, Mode: fs.ModeDir | 0o755}, implicit: true}); err != nil {
				return nil, err
			}
		}
	}
	for _, m := range mountPoints() {
		if err := add(entry{File: m, implicit: true}); err != nil {
			return nil, err
		}
	}

	// A parent's path is a prefix of its children's, so it sorts first.
	entries := make([]entry, 0, len(byPath))
	for _, e := range byPath {
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.Path, b.Path) })
	return entries, nil
}

// cleanPath turns "/lib/x.ko" into "lib/x.ko", the form the kernel's
// unpacker and cpio(1) use, and refuses paths that are not plainly inside
// the root.
func cleanPath(p string) (string, error) {
	rel := strings.TrimPrefix(p, "/")
	if rel == "" || path.Clean(rel) != rel || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("bad path %q: want a clean path below /", p)
	}
	return rel, nil
}

func checkType(f File) error {
	switch {
	case f.Mode.Type() == fs.ModeDir:
		if f.Data != nil || f.Src != "" {
			return fmt.Errorf("/%s: a directory has no content", f.Path)
		}
	case f.Mode.Type() == fs.ModeSymlink:
		if len(f.Data) == 0 {
			return fmt.Errorf("/%s: a symlink needs its target in Data", f.Path)
		}
	case f.Mode.Type() != 0:
		return fmt.Errorf("/%s: unsupported file type %v", f.Path, f.Mode.Type())
	case f.Data == nil && f.Src == "":
		return fmt.Errorf("/%s: neither Data nor Src", f.Path)
	}
	return nil
}

func writeEntry(cw *cpio.Writer, e entry) error {
	h := &cpio.Header{Name: e.Path, Mode: cpioMode(e.Mode), Links: 1}
	switch {
	case e.Mode.IsDir():
		h.Links = 2
		return cw.WriteHeader(h)
	case e.Data != nil:
		if h.Mode.Perm() == 0 {
			// Symlink permissions are never checked; 0777 is what
			// symlink(2) creates.
			if e.Mode.Type() == fs.ModeSymlink {
				h.Mode |= 0o777
			} else {
				h.Mode |= 0o644
			}
		}
		h.Size = int64(len(e.Data))
		if err := cw.WriteHeader(h); err != nil {
			return err
		}
		_, err := cw.Write(e.Data)
		return err
	default:
		return copyFile(cw, h, e.Src)
	}
}

func copyFile(cw *cpio.Writer, h *cpio.Header, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", src)
	}
	if h.Mode.Perm() == 0 {
		h.Mode |= cpio.FileMode(fi.Mode().Perm())
	}
	h.Size = fi.Size()
	if err := cw.WriteHeader(h); err != nil {
		return err
	}
	// CopyN: a file that grows while it is copied must not overrun the
	// size already written in the header.
	if _, err := io.CopyN(cw, f, h.Size); err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return nil
}

// cpioMode translates Go's file mode bits into the Unix st_mode bits cpio
// stores.
func cpioMode(m fs.FileMode) cpio.FileMode {
	c := cpio.FileMode(m.Perm())
	if m&fs.ModeSetuid != 0 {
		c |= cpio.ModeSetuid
	}
	if m&fs.ModeSetgid != 0 {
		c |= cpio.ModeSetgid
	}
	if m&fs.ModeSticky != 0 {
		c |= cpio.ModeSticky
	}
	switch m.Type() {
	case fs.ModeDir:
		c |= cpio.TypeDir
	case fs.ModeSymlink:
		c |= cpio.TypeSymlink
	default:
		c |= cpio.TypeReg
	}
	return c
}
