package har

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
)

// A source is a HAR file as Read takes it: read once from start to end by the decoder, and read
// again, in part, only for what a stream does not tell: where the JSON goes wrong, and how deeply
// a long value nests. A regular file, or a reader of memory, is read again at an offset; any
// other reader is read into memory first, for it cannot be read again. Either way a file is read
// to its end, up to MaxFileBytes+1 bytes.
type source struct {
	r    io.Reader   // what is left of the file
	at   io.ReaderAt // the file again, from base
	base int64
	n    int64 // bytes read from r
	err  error // the first failure to read the file; every later read fails with it
}

// errTooLong is the fault of a file of more than MaxFileBytes.
var errTooLong = errors.New("longer than MaxFileBytes")

// newSource returns r as a source; sizeHint, when not 0, is its size. It fails when r is too
// long, or when it has to read r into memory and cannot.
func newSource(r io.Reader, sizeHint int64) (*source, error) {
	if at, base, size, ok := readerAt(r); ok {
		if size > MaxFileBytes {
			return nil, errTooLong
		}
		if _, ok := r.(*os.File); ok {
			// A json.Decoder reads a little at a time: a system call each would cost more than
			// the copy through a buffer.
			r = bufio.NewReaderSize(r, 64<<10)
		}
		return &source{r: io.LimitReader(r, MaxFileBytes+1), at: at, base: base}, nil
	}
	var buf bytes.Buffer
	buf.Grow(int(sizeHint) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(r, MaxFileBytes+1)); err != nil {
		return nil, err
	}
	if buf.Len() > MaxFileBytes {
		return nil, errTooLong
	}
	data := bytes.NewReader(buf.Bytes())
	return &source{r: data, at: data}, nil
}

// readerAt returns r as an io.ReaderAt, with the offset that r reads from next and the number of
// bytes left from there, when r is a regular file, a bytes.Reader or a strings.Reader.
func readerAt(r io.Reader) (at io.ReaderAt, base, size int64, ok bool) {
	switch r := r.(type) {
	case *os.File:
		fi, err := r.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return nil, 0, 0, false
		}
		base, err := r.Seek(0, io.SeekCurrent)
		return r, base, fi.Size() - base, err == nil
	case *bytes.Reader:
		return r, r.Size() - int64(r.Len()), int64(r.Len()), true
	case *strings.Reader:
		return r, r.Size() - int64(r.Len()), int64(r.Len()), true
	}
	return nil, 0, 0, false
}

// Read reads the file on, counting what it reads and keeping the first failure.
func (s *source) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.r.Read(p)
	s.n += int64(n)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// finish reads what is left of the file, so that s.n is its length, or s.err why it is not.
func (s *source) finish() {
	_, _ = io.Copy(io.Discard, s) // a failure is in s.err
}

// readAt reads len(p) bytes of the file at offset off into p. A failure is one to read the file.
func (s *source) readAt(p []byte, off int64) error {
	if s.err != nil {
		return s.err
	}
	if _, err := io.ReadFull(io.NewSectionReader(s.at, s.base+off, int64(len(p))), p); err != nil {
		s.err = err
	}
	return s.err
}

// bytes reads the file to its end, and returns it whole.
func (s *source) bytes() ([]byte, error) {
	s.finish()
	if s.err != nil {
		return nil, s.err
	}
	if s.n > MaxFileBytes {
		return nil, errTooLong
	}
	data := make([]byte, s.n)
	if err := s.readAt(data, 0); err != nil {
		return nil, err
	}
	return data, nil
}
