package kernel

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
)

// needOrSkip skips a test whose prerequisite is missing when run by hand,
// and fails it in CI, where a skipped test would prove nothing.
func needOrSkip(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and a prerequisite is missing: "+format, args...)
	}
	t.Skipf("skipped: "+format, args...)
}

// minimalELF is an ELF header without sections or segments: all that
// checkELF looks at.
func minimalELF(t *testing.T, machine elf.Machine) []byte {
	t.Helper()
	h := elf.Header64{
		Type:      uint16(elf.ET_EXEC),
		Machine:   uint16(machine),
		Version:   uint32(elf.EV_CURRENT),
		Ehsize:    64,
		Phentsize: 56,
		Shentsize: 64,
	}
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	var b bytes.Buffer
	if err := binary.Write(&b, binary.LittleEndian, h); err != nil {
		t.Fatal(err)
	}
	// Some bytes after the header, like the relocations kbuild appends to
	// vmlinux.bin when the kernel is randomized.
	b.WriteString(strings.Repeat("relocs", 100))
	return b.Bytes()
}

func xzCompress(t *testing.T, b []byte) []byte {
	t.Helper()
	if _, err := exec.LookPath("xz"); err != nil {
		needOrSkip(t, "xz(1) is not installed (apt-get install xz-utils)")
	}
	cmd := exec.Command("xz", "--compress", "--stdout", "--x86", "--lzma2=preset=0")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("xz: %v", err)
	}
	return out
}

func TestExtractVmlinux(t *testing.T) {
	x86 := minimalELF(t, elf.EM_X86_64)
	arm := minimalELF(t, elf.EM_AARCH64)
	withSize := func(data []byte, size int) []byte {
		return binary.LittleEndian.AppendUint32(xzCompress(t, data), uint32(size))
	}
	corrupt := withSize(x86, len(x86))
	corrupt[len(corrupt)/2] ^= 0xff

	for _, tc := range []struct {
		name    string
		payload []byte
		want    []byte
		wantErr string
	}{
		{name: "x86-64 kernel", payload: withSize(x86, len(x86)), want: x86},
		{name: "arm64 kernel", payload: withSize(arm, len(arm)), wantErr: "not an x86-64 ELF"},
		{name: "size trailer disagrees", payload: withSize(x86, len(x86)+1), wantErr: "the image says"},
		{name: "corrupt stream", payload: corrupt, wantErr: "xz:"},
		{name: "not an ELF", payload: withSize([]byte("hello"), 5), wantErr: "decompressed payload"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			bz := filepath.Join(dir, "vmlinuz")
			im := image{setupSects: 27, magic: "HdrS", version: 0x020f, payload: tc.payload}
			if err := os.WriteFile(bz, im.bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "vmlinux")
			err := extractVmlinux(context.Background(), bz, out)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				if left, _ := filepath.Glob(filepath.Join(dir, ".vmlinux-*")); len(left) > 0 || exists(out) {
					t.Fatalf("a failed extraction left files behind: %v", left)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("extracted %d bytes, want the %d-byte ELF", len(got), len(tc.want))
			}
		})
	}
}

func exists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

func TestVmlinuxWithoutImage(t *testing.T) {
	_, err := (&Target{Release: "6.1.0-56-amd64", KDir: "/nonexistent"}).Vmlinux(context.Background())
	if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "make setup") {
		t.Fatalf("err = %v, want ErrNotInstalled saying to run make setup", err)
	}
}

// repoCache is the cache scripts/setup.sh fills: $KLPKIT_CACHE, else .cache
// at the module root.
func repoCache(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("KLPKIT_CACHE"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for !exists(filepath.Join(dir, "go.mod")) {
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
	return filepath.Join(dir, ".cache")
}

// TestVmlinuxDebian unpacks the Debian kernel that scripts/setup.sh caches,
// from two goroutines at once into a fresh directory, so the real xz+BCJ
// payload and the concurrent rename are both exercised on every run.
func TestVmlinuxDebian(t *testing.T) {
	real, err := Resolve(repoCache(t), "")
	if err != nil {
		needOrSkip(t, "%v", err)
	}
	if real.Dir == "" {
		needOrSkip(t, "kernel %s image is not cached; run make setup", real.Release)
	}
	cfg, err := real.Config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg["CONFIG_LIVEPATCH"] != "y" || cfg["CONFIG_PVH"] != "y" {
		t.Fatalf("kernel %s: CONFIG_LIVEPATCH=%q CONFIG_PVH=%q, want both y", real.Release, cfg["CONFIG_LIVEPATCH"], cfg["CONFIG_PVH"])
	}

	// A private copy of the cache entry: only boot/vmlinuz, linked.
	tg := &Target{Release: real.Release, KDir: real.KDir, Dir: t.TempDir()}
	if err := os.Mkdir(filepath.Join(tg.Dir, "boot"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real.Vmlinuz(), tg.Vmlinuz()); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var paths [2]string
	g, gctx := errgroup.WithContext(ctx)
	for i := range paths {
		g.Go(func() error {
			p, err := tg.Vmlinux(gctx)
			paths[i] = p
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if paths[0] != paths[1] || paths[0] != filepath.Join(tg.Dir, "vmlinux") {
		t.Fatalf("paths %q, want both %s", paths, filepath.Join(tg.Dir, "vmlinux"))
	}
	if left, _ := filepath.Glob(filepath.Join(tg.Dir, ".vmlinux-*")); len(left) > 0 {
		t.Fatalf("temporary files left behind: %v", left)
	}

	ef, err := elf.Open(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	if !hasPVHNote(t, ef) {
		t.Fatal("the extracted vmlinux has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY); QEMU cannot boot it")
	}

	// The second call reuses the file.
	fi, _ := os.Stat(paths[0])
	if _, err := tg.Vmlinux(ctx); err != nil {
		t.Fatal(err)
	}
	if fi2, _ := os.Stat(paths[0]); !os.SameFile(fi, fi2) {
		t.Fatal("the second call extracted again")
	}
}

// hasPVHNote looks for the Xen ELF note that QEMU's -kernel needs to boot a
// vmlinux through its 32-bit PVH entry.
func hasPVHNote(t *testing.T, ef *elf.File) bool {
	const xenElfnotePhys32Entry = 18
	for _, p := range ef.Progs {
		if p.Type != elf.PT_NOTE {
			continue
		}
		b := make([]byte, p.Filesz)
		if _, err := p.ReadAt(b, 0); err != nil {
			t.Fatal(err)
		}
		for len(b) >= 12 {
			namesz := binary.LittleEndian.Uint32(b[0:])
			descsz := binary.LittleEndian.Uint32(b[4:])
			typ := binary.LittleEndian.Uint32(b[8:])
			align4 := func(n uint32) int { return int((n + 3) &^ 3) }
			end := 12 + align4(namesz) + align4(descsz)
			if end > len(b) {
				break
			}
			if string(bytes.TrimRight(b[12:12+namesz], "\x00")) == "Xen" && typ == xenElfnotePhys32Entry {
				return true
			}
			b = b[end:]
		}
	}
	return false
}
