package suite

import (
	"bytes"
	"io"
	"regexp"
)

// ansiEscape matches the colour codes godog's formatters write (CSI sequences).
var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z@]`)

// stripANSI removes colour codes from b.
func stripANSI(b []byte) []byte {
	if bytes.IndexByte(b, 0x1b) < 0 {
		return b
	}
	return ansiEscape.ReplaceAll(b, nil)
}

// plainWriter passes writes on without colour codes. godog's own uncoloured writer writes one
// character at a time, which makes a large report take seconds; this one writes once per
// write, holding back only an escape sequence that a write leaves unfinished.
type plainWriter struct {
	w    io.Writer
	tail []byte
}

func (p *plainWriter) Write(b []byte) (int, error) {
	buf := append(p.tail, b...)
	p.tail = nil
	if i := bytes.LastIndexByte(buf, 0x1b); i >= 0 && !ansiEscape.Match(buf[i:]) && len(buf)-i < 32 {
		p.tail = append([]byte(nil), buf[i:]...)
		buf = buf[:i]
	}
	if _, err := p.w.Write(stripANSI(buf)); err != nil {
		return 0, err
	}
	return len(b), nil
}
