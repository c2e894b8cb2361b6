package kmsg

import "bytes"

// unescape restores the bytes /dev/kmsg writes as "\xNN". The kernel escapes
// every byte below ' ', every byte from 127 up and '\' itself, so a
// backslash that does not start a well-formed escape cannot come from the
// kernel; it is kept as it is rather than failing the whole record.
func unescape(b []byte) string {
	i := bytes.IndexByte(b, '\\')
	if i < 0 {
		return string(b)
	}
	out := make([]byte, 0, len(b))
	out = append(out, b[:i]...)
	for ; i < len(b); i++ {
		c := b[i]
		if c == '\\' && i+3 < len(b) && b[i+1] == 'x' {
			hi, ok1 := hexVal(b[i+2])
			lo, ok2 := hexVal(b[i+3])
			if ok1 && ok2 {
				out = append(out, hi<<4|lo)
				i += 3
				continue
			}
		}
		out = append(out, c)
	}
	return string(out)
}

func hexVal(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
