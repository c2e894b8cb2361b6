package kernel

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// Offsets in the x86 boot protocol's setup header
// (Documentation/arch/x86/boot.rst), from the start of the bzImage.
const (
	offSetupSects    = 0x1f1
	offHeaderMagic   = 0x202
	offVersion       = 0x206
	offPayloadOffset = 0x248
	offPayloadLength = 0x24c
	setupHeaderEnd   = 0x250

	// payload_offset and payload_length appeared in boot protocol 2.08
	// (Linux 2.6.26).
	minPayloadVersion = 0x0208
)

const (
	headerMagic = "HdrS"
	xzMagic     = "\xfd7zXZ\x00"
)

// payload is where the compressed kernel sits inside a bzImage.
type payload struct {
	Offset int64 // from the start of the file
	Length int64 // including the 4-byte decompressed size kbuild appends
}

// findPayload reads a bzImage's setup header and returns its xz payload.
func findPayload(r io.ReaderAt, size int64) (payload, error) {
	var h [setupHeaderEnd]byte
	if size < int64(len(h)) {
		return payload{}, fmt.Errorf("not a bzImage: %d bytes is shorter than the setup header", size)
	}
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return payload{}, fmt.Errorf("read setup header: %w", err)
	}
	if m := h[offHeaderMagic : offHeaderMagic+4]; string(m) != headerMagic {
		return payload{}, fmt.Errorf("not a bzImage: magic at %#x is %q, want %q", offHeaderMagic, m, headerMagic)
	}
	if v := binary.LittleEndian.Uint16(h[offVersion:]); v < minPayloadVersion {
		return payload{}, fmt.Errorf("boot protocol %d.%02d has no payload fields (need 2.08)", v>>8, v&0xff)
	}

	sects := int64(h[offSetupSects])
	if sects == 0 {
		// The boot protocol's compatibility rule: 0 means 4.
		sects = 4
	}
	// The payload offset counts from the protected-mode code, which follows
	// the boot sector and setup_sects 512-byte setup sectors.
	pm := (sects + 1) * 512
	p := payload{
		Offset: pm + int64(binary.LittleEndian.Uint32(h[offPayloadOffset:])),
		Length: int64(binary.LittleEndian.Uint32(h[offPayloadLength:])),
	}
	if p.Length < int64(len(xzMagic))+4 || p.Offset+p.Length > size {
		return payload{}, fmt.Errorf("payload at %#x+%#x lies outside the %d-byte image", p.Offset, p.Length, size)
	}

	magic := make([]byte, len(xzMagic))
	if _, err := r.ReadAt(magic, p.Offset); err != nil {
		return payload{}, fmt.Errorf("read payload: %w", err)
	}
	if string(magic) != xzMagic {
		return payload{}, fmt.Errorf("payload is %s, not xz: only CONFIG_KERNEL_XZ kernels can be unpacked", compression(magic))
	}
	return p, nil
}

// compression names a payload's format from its first bytes, for the error
// a kernel built with another CONFIG_KERNEL_* gets.
func compression(magic []byte) string {
	for _, c := range []struct {
		name  string
		magic []byte
	}{
		{"gzip", []byte{0x1f, 0x8b}},
		{"bzip2", []byte("BZh")},
		{"lzma", []byte{0x5d, 0x00, 0x00}},
		{"lzo", []byte{0x89, 'L', 'Z', 'O'}},
		{"lz4", []byte{0x02, 0x21, 0x4c, 0x18}},
		{"zstd", []byte{0x28, 0xb5, 0x2f, 0xfd}},
	} {
		if bytes.HasPrefix(magic, c.magic) {
			return c.name
		}
	}
	return fmt.Sprintf("of unknown format (% x)", magic)
}
