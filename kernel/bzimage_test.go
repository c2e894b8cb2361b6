package kernel

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// image describes a synthetic bzImage: just enough of the setup header for
// findPayload, then the payload.
type image struct {
	setupSects byte
	magic      string
	version    uint16
	payload    []byte
	// lengthDelta is added to payload_length, to point past the end.
	lengthDelta int
}

func (im image) bytes() []byte {
	sects := int(im.setupSects)
	if sects == 0 {
		sects = 4
	}
	pm := (sects + 1) * 512
	const payloadOffset = 0x100 // from the protected-mode code, like mkpiggy's
	b := make([]byte, pm+payloadOffset, pm+payloadOffset+len(im.payload))
	b[offSetupSects] = im.setupSects
	copy(b[offHeaderMagic:], im.magic)
	binary.LittleEndian.PutUint16(b[offVersion:], im.version)
	binary.LittleEndian.PutUint32(b[offPayloadOffset:], payloadOffset)
	binary.LittleEndian.PutUint32(b[offPayloadLength:], uint32(len(im.payload)+im.lengthDelta))
	return append(b, im.payload...)
}

func TestFindPayload(t *testing.T) {
	xzPayload := []byte(xzMagic + "stream+size")
	for _, tc := range []struct {
		name    string
		im      image
		size    int // truncate the file to this many bytes when > 0
		want    payload
		wantErr string
	}{
		{
			name: "xz payload",
			im:   image{setupSects: 27, magic: "HdrS", version: 0x020f, payload: xzPayload},
			want: payload{Offset: 28*512 + 0x100, Length: int64(len(xzPayload))},
		},
		{
			name: "setup_sects 0 means 4",
			im:   image{setupSects: 0, magic: "HdrS", version: 0x0208, payload: xzPayload},
			want: payload{Offset: 5*512 + 0x100, Length: int64(len(xzPayload))},
		},
		{
			name:    "bad magic",
			im:      image{setupSects: 27, magic: "MZ\x00\x00", version: 0x020f, payload: xzPayload},
			wantErr: "not a bzImage",
		},
		{
			name:    "boot protocol before payload fields",
			im:      image{setupSects: 27, magic: "HdrS", version: 0x0207, payload: xzPayload},
			wantErr: "boot protocol 2.07",
		},
		{
			name:    "gzip payload",
			im:      image{setupSects: 27, magic: "HdrS", version: 0x020f, payload: []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0}},
			wantErr: "payload is gzip, not xz",
		},
		{
			name:    "zstd payload",
			im:      image{setupSects: 27, magic: "HdrS", version: 0x020f, payload: []byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0, 0, 0}},
			wantErr: "payload is zstd, not xz",
		},
		{
			name:    "payload past the end",
			im:      image{setupSects: 27, magic: "HdrS", version: 0x020f, payload: xzPayload, lengthDelta: 1},
			wantErr: "outside",
		},
		{
			name:    "shorter than a setup header",
			im:      image{setupSects: 27, magic: "HdrS", version: 0x020f, payload: xzPayload},
			size:    0x100,
			wantErr: "shorter than the setup header",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.im.bytes()
			if tc.size > 0 {
				b = b[:tc.size]
			}
			got, err := findPayload(bytes.NewReader(b), int64(len(b)))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func FuzzFindPayload(f *testing.F) {
	f.Add(image{setupSects: 27, magic: "HdrS", version: 0x020f, payload: []byte(xzMagic + "abcd")}.bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := findPayload(bytes.NewReader(b), int64(len(b)))
		if err == nil && (p.Offset < 0 || p.Offset+p.Length > int64(len(b))) {
			t.Fatalf("payload %+v outside %d bytes", p, len(b))
		}
	})
}
