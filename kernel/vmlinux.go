package kernel

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Vmlinux returns the uncompressed kernel ELF, extracting it from the
// bzImage into Dir/vmlinux on first use.
//
// QEMU boots this file through its PVH entry point, which skips the
// kernel's self-decompression: about 2x faster under TCG than the bzImage.
// It is what kbuild objcopies into the bzImage (stripped of symbols), not a
// debug vmlinux. Concurrent callers are safe: each extracts into a
// temporary file and renames it into place.
func (t *Target) Vmlinux(ctx context.Context) (string, error) {
	if err := t.requireImage(); err != nil {
		return "", err
	}
	out := filepath.Join(t.Dir, "vmlinux")
	src := t.Vmlinuz()
	si, err := os.Stat(src)
	if err != nil {
		return "", fmt.Errorf("kernel %s: %w", t.Release, err)
	}
	// Reuse an earlier extraction unless the image was replaced since.
	if oi, err := os.Stat(out); err == nil && !oi.ModTime().Before(si.ModTime()) {
		return out, nil
	}
	if err := extractVmlinux(ctx, src, out); err != nil {
		return "", fmt.Errorf("kernel %s: extract vmlinux from %s: %w", t.Release, src, err)
	}
	return out, nil
}

func extractVmlinux(ctx context.Context, bzImage, out string) (err error) {
	xz, err := exec.LookPath("xz")
	if err != nil {
		return fmt.Errorf("xz(1) is needed (apt-get install xz-utils): %w", err)
	}

	f, err := os.Open(bzImage)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	p, err := findPayload(f, fi.Size())
	if err != nil {
		return err
	}
	// kbuild appends the decompressed size (little-endian u32) to the xz
	// stream; it checks the decompression below.
	var sz [4]byte
	if _, err := f.ReadAt(sz[:], p.Offset+p.Length-4); err != nil {
		return fmt.Errorf("read decompressed size: %w", err)
	}
	want := int64(binary.LittleEndian.Uint32(sz[:]))

	tmp, err := os.CreateTemp(filepath.Dir(out), ".vmlinux-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	// xz(1), not a Go decoder: the payload uses the x86 BCJ filter, which
	// the Go xz packages do not implement.
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, xz, "--decompress", "--stdout", "--single-stream")
	cmd.Stdin = io.NewSectionReader(f, p.Offset, p.Length-4)
	cmd.Stdout = tmp
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("xz: %w", ctx.Err())
		}
		return fmt.Errorf("xz: %w: %s", err, strings.TrimSpace(stderr.String()))
	}

	got, err := tmp.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("decompressed %d bytes, the image says %d", got, want)
	}
	if err := checkELF(tmp); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}

// checkELF makes sure the payload was an x86-64 kernel and not, say, a
// compressed blob of another architecture.
func checkELF(r io.ReaderAt) error {
	ef, err := elf.NewFile(r)
	if err != nil {
		return fmt.Errorf("decompressed payload: %w", err)
	}
	defer ef.Close()
	if ef.Class != elf.ELFCLASS64 || ef.Machine != elf.EM_X86_64 || ef.Type != elf.ET_EXEC {
		return errors.New("decompressed payload is not an x86-64 ELF executable: " +
			ef.Class.String() + " " + ef.Machine.String() + " " + ef.Type.String())
	}
	return nil
}
