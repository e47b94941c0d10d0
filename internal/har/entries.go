package har

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"runtime"
	"strings"
	"sync"
)

// The entries are most of a HAR file, and decoding them most of the work of reading it. So
// log.entries is not read token by token with the rest of the document: a splitter reads it a
// chunk at a time and finds where each entry begins and ends, which is little work, and workers,
// one a processor, check and decode the entries of each chunk with a json.Decoder of their own.
// The entries are told in their order, and a fault as the one decoder of the whole would: that
// of the first entry at fault, unless the file is not JSON further on.

// entriesIn is log.entries: how many entries it has, or why it cannot be read.
type entriesIn struct {
	n   int    // entries handed on
	err *Error // log.entries is not an array, or the first entry that cannot be read
}

// chunkSize is how much of log.entries the splitter reads at a time, but for an entry longer.
const chunkSize = 256 << 10

// A chunk is a piece of log.entries read, and the entries wholly in it, for a worker to decode.
type chunk struct {
	buf   []byte
	at    int64  // the offset in the file of buf[0]
	first int    // the index in log.entries of the first entry
	spans []span // where each entry is in buf
	done  chan struct{}

	// What the worker makes of them:
	entries []Entry // up to the first that cannot be read
	fault   *Error  // the first entry that cannot be read
	notJSON bool    // an entry is not JSON
}

type span struct{ start, end int }

// decode decodes the entries of c. They are a stream of JSON values to a json.Decoder, for the
// splitter has made white space of the commas between them: one decoder, and one entryIn, serve
// them all.
func (c *chunk) decode(opts Options) {
	defer close(c.done)
	start := c.spans[0].start
	dec := json.NewDecoder(bytes.NewReader(c.buf[start:c.spans[len(c.spans)-1].end]))
	c.entries = make([]Entry, 0, len(c.spans))
	var in entryIn
	for i, s := range c.spans {
		var err error
		if c.fault == nil {
			in = entryIn{}
			err = dec.Decode(&in)
		} else {
			// The first fault is the one told; the rest need only be JSON.
			err = dec.Decode(&ignored{})
		}
		typ, mistyped := asTypeError(err)
		if err != nil && !mistyped || dec.InputOffset() != int64(s.end-start) {
			// Not JSON, or JSON that ends before the entry does: 1x.
			c.notJSON = true
			return
		}
		switch {
		case c.fault != nil:
		case err != nil:
			c.fault = &Error{Entry: c.first + i, Err: typeError(typ, "the entry")}
		default:
			e, err := in.entry(opts)
			if err != nil {
				c.fault = &Error{Entry: c.first + i, Err: err}
				continue
			}
			c.entries = append(c.entries, e)
		}
	}
}

// asTypeError returns err as a *json.UnmarshalTypeError, if it is one.
func asTypeError(err error) (*json.UnmarshalTypeError, bool) {
	if err == nil {
		return nil, false // and nothing allocated for errors.As
	}
	var typ *json.UnmarshalTypeError
	ok := errors.As(err, &typ)
	return typ, ok
}

// decodeElements reads the elements of log.entries into l, from after the '[' that d.dec has
// just returned to after the ']', handing each entry to d.visit; it then leaves d reading the
// document on from there.
func (d *document) decodeElements(l *entriesIn) error {
	from := d.origin + d.dec.InputOffset()
	s := splitter{r: io.MultiReader(d.dec.Buffered(), d.in), src: d.src, opts: d.opts, from: from}
	// The entries are handed on in their order, as their chunks are decoded, up to the first
	// that cannot be read; whether the file is JSON to its end is known only at the end.
	notJSON := false
	s.deliver = func(c *chunk) {
		switch {
		case c.notJSON:
			notJSON = true
		case notJSON || l.err != nil:
		default:
			for i, e := range c.entries {
				sp := c.spans[i]
				d.visit(Place{Index: c.first + i, Offset: c.at + int64(sp.start), Length: int64(sp.end - sp.start)}, e)
			}
			l.n += len(c.entries)
			l.err = c.fault
		}
		c.entries = nil
	}
	rest, err := s.split()
	if err != nil {
		return err
	}
	if notJSON {
		return errNotJSON
	}
	d.resume(from+s.read-int64(len(rest)), io.MultiReader(bytes.NewReader(rest), s.r))
	return nil
}

// resume leaves d reading the document on from in, which is at offset at in the file, after
// log.entries. A json.Decoder cannot be told where it is in a document: the new one is brought
// there, in two objects after a value, by reading a prefix that says so.
func (d *document) resume(at int64, in io.Reader) {
	const prefix = `{"":{"":""`
	d.in = in
	d.dec = json.NewDecoder(io.MultiReader(strings.NewReader(prefix), in))
	d.dec.UseNumber()
	d.origin = at - int64(len(prefix))
	for range 5 { // '{', the key, '{', the key, the value: a string, which nothing after extends
		_, _ = d.dec.Token() // the prefix is JSON
	}
}

// A splitter finds the elements of log.entries in r, and has them decoded by workers.
type splitter struct {
	r    io.Reader
	src  *source // the file, to read a long element again
	from int64   // the offset in the file of r's first byte
	read int64   // bytes read from r
	eof  bool
	opts Options

	cur     *chunk // the chunk being split: cur.buf[pos:] is still to split
	pos     int
	n       int          // elements found
	deliver func(*chunk) // is given each chunk decoded, in their order, on one goroutine
	order   chan *chunk  // chunks sent to the workers, in their order, to be delivered
	todo    chan *chunk  // chunks for the workers
	free    chan []byte  // buffers delivered, for reuse
	wg      sync.WaitGroup
}

// split reads log.entries from r, from after its '[' to after its ']', has its chunks decoded
// and delivered, and returns what it read of r after the ']'. An error means that the file is
// not JSON, or could not be read. At most a few chunks are held at a time: the splitter waits
// for the workers, and the workers for the delivery.
func (s *splitter) split() (rest []byte, err error) {
	workers := runtime.GOMAXPROCS(0)
	s.todo = make(chan *chunk, workers)
	s.order = make(chan *chunk, 2*workers)
	s.free = make(chan []byte, 2*workers+2)
	for range workers {
		s.wg.Go(func() {
			for c := range s.todo {
				c.decode(s.opts)
			}
		})
	}
	delivered := make(chan struct{})
	go func() {
		defer close(delivered)
		for c := range s.order {
			<-c.done
			s.deliver(c)
			if c.buf == nil {
				continue // a long element's: read for it alone
			}
			select {
			case s.free <- c.buf:
			default: // enough are free
			}
		}
	}()
	s.cur = &chunk{buf: make([]byte, 0, chunkSize), at: s.from}
	err = s.elements()
	if err == nil {
		rest = bytes.Clone(s.cur.buf[s.pos:])
		s.send()
	}
	close(s.todo)
	close(s.order)
	s.wg.Wait()
	<-delivered
	return rest, err
}

// elements splits the elements of the array, and reads its ']'.
func (s *splitter) elements() error {
	if err := s.skipSpace(); err != nil {
		return err
	}
	if s.cur.buf[s.pos] == ']' {
		s.pos++
		return nil
	}
	for {
		if err := s.element(); err != nil {
			return err
		}
		if err := s.skipSpace(); err != nil {
			return err
		}
		switch s.cur.buf[s.pos] {
		case ']':
			s.pos++
			return nil
		case ',':
			// Made white space, so that the entries of a chunk are a stream of JSON values.
			s.cur.buf[s.pos] = ' '
			s.pos++
			if err := s.skipSpace(); err != nil {
				return err
			}
		default:
			return errNotJSON
		}
	}
}

// element splits the element at s.pos.
func (s *splitter) element() error {
	for {
		n, depth := valueLen(s.cur.buf[s.pos:], s.eof)
		switch {
		case n > 0:
			if 3+depth > maxNesting { // in the document, log and log.entries
				return errNotJSON
			}
			s.cur.spans = append(s.cur.spans, span{s.pos, s.pos + n})
			s.pos += n
			s.n++
			return nil
		case n < 0 && !s.eof:
			if len(s.cur.buf)-s.pos >= longElement && (s.cur.buf[s.pos] == '{' || s.cur.buf[s.pos] == '[') {
				return s.long()
			}
			if err := s.more(); err != nil {
				return err
			}
		default:
			return errNotJSON
		}
	}
}

// skipSpace skips JSON white space, up to a byte that is not.
func (s *splitter) skipSpace() error {
	for {
		for s.pos < len(s.cur.buf) && isSpace(s.cur.buf[s.pos]) {
			s.pos++
		}
		switch {
		case s.pos < len(s.cur.buf):
			return nil
		case s.eof:
			return errNotJSON // the file ends in log.entries
		}
		if err := s.more(); err != nil {
			return err
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// more reads more of r into the chunk being split, keeping what is still to split. The elements
// split in the chunk go to a worker first, and what is left to a new chunk.
func (s *splitter) more() error {
	left := s.cur.buf[s.pos:]
	buf := s.cur.buf[:0]
	if len(s.cur.spans) > 0 {
		s.send()
		select {
		case buf = <-s.free:
		default:
			buf = make([]byte, 0, chunkSize)
		}
	}
	if cap(buf)-len(left) < chunkSize/2 {
		// An element longer than a chunk.
		buf = make([]byte, 0, 2*len(left)+chunkSize)
	}
	// As many entries as in the chunk before are room enough for most.
	s.cur = &chunk{buf: append(buf[:0], left...), at: s.cur.at + int64(s.pos), first: s.n, spans: make([]span, 0, cap(s.cur.spans))}
	s.pos = 0
	for {
		n, err := s.r.Read(s.cur.buf[len(s.cur.buf):cap(s.cur.buf)])
		s.read += int64(n)
		s.cur.buf = s.cur.buf[:len(s.cur.buf)+n]
		switch {
		case err == io.EOF:
			s.eof = true
			return nil
		case err != nil:
			return err
		case n > 0:
			return nil
		}
	}
}

// longElement is the length past which an element is no longer kept in a chunk as it is read:
// it is scanned to its end as it streams by, then read again whole, once, into a buffer of its
// exact length (long). An entry holding a body of hundreds of MB then takes that much memory
// once, not the three or four times of a buffer doubled as it grows and copied by a decoder.
const longElement = 1 << 20

// long splits the element at s.pos, an object or an array longer than longElement, and has
// it decoded on its own (decodeLong) before the splitting goes on.
func (s *splitter) long() error {
	start := s.cur.at + int64(s.pos)
	data := s.cur.buf[s.pos:]
	if len(s.cur.spans) > 0 {
		s.send() // the chunk is read-only from here: its buffer is not read into again
	}
	buf := make([]byte, chunkSize)
	var sc scanner
	length := int64(0)
	for {
		end := sc.feed(data)
		if 3+sc.depth > maxNesting { // in the document, log and log.entries
			return errNotJSON
		}
		if end >= 0 {
			length += int64(end)
			data = data[end:]
			break
		}
		length += int64(len(data))
		if s.eof {
			return errNotJSON
		}
		n, err := s.r.Read(buf)
		s.read += int64(n)
		switch {
		case err == io.EOF:
			s.eof = true
		case err != nil:
			return err
		}
		data = buf[:n]
	}
	c := &chunk{at: start, first: s.n, spans: []span{{0, int(length)}}, done: make(chan struct{})}
	s.n++
	if err := c.decodeLong(s.src, s.opts); err != nil {
		return err
	}
	s.order <- c
	s.cur = &chunk{buf: append(buf[:0:chunkSize], data...), at: start + length, first: s.n}
	if cap(s.cur.buf) < chunkSize {
		s.cur.buf = append(make([]byte, 0, chunkSize), data...)
	}
	s.pos = 0
	return nil
}

// decodeLong reads the element of c, alone in it, from the file into a buffer of its length,
// and decodes it as decode does, with json.Unmarshal: a body in it is passed on as a slice of
// that buffer, never copied, unless it is kept. An error is a failure to read the file.
func (c *chunk) decodeLong(src *source, opts Options) error {
	defer close(c.done)
	buf := make([]byte, c.spans[0].end)
	if err := src.readAt(buf, c.at); err != nil {
		return err
	}
	var in entryIn
	err := json.Unmarshal(buf, &in)
	typ, mistyped := asTypeError(err)
	switch {
	case err != nil && !mistyped:
		c.notJSON = true
	case err != nil:
		c.fault = &Error{Entry: c.first, Err: typeError(typ, "the entry")}
	default:
		e, err := in.entry(opts)
		if err != nil {
			c.fault = &Error{Entry: c.first, Err: err}
		} else {
			c.entries = []Entry{e}
		}
	}
	return nil
}

// A scanner finds where a JSON object or array ends, fed its bytes a piece at a time, and how
// deeply it nests, as valueLen does for one in a buffer whole.
type scanner struct {
	level, depth     int
	inString, escape bool
}

// feed scans b, the next bytes of the value, and returns the length of b up to the end of the
// value, or -1 when the value goes on past b.
func (sc *scanner) feed(b []byte) int {
	for i := 0; i < len(b); i++ {
		if sc.inString {
			if sc.escape {
				sc.escape = false // the byte escaped
				continue
			}
			j := bytes.IndexAny(b[i:], `"\`)
			if j < 0 {
				return -1
			}
			i += j
			if b[i] == '\\' {
				sc.escape = true
			} else {
				sc.inString = false
			}
			continue
		}
		switch b[i] {
		case '"':
			sc.inString = true
		case '{', '[':
			sc.level++
			sc.depth = max(sc.depth, sc.level)
		case '}', ']':
			sc.level--
			if sc.level == 0 {
				return i + 1
			}
		}
	}
	return -1
}

// send gives the chunk being split to a worker, if it holds elements.
func (s *splitter) send() {
	if len(s.cur.spans) > 0 {
		s.cur.done = make(chan struct{})
		s.order <- s.cur
		s.todo <- s.cur
	}
}

// valueLen returns the length of the JSON value that b begins with, and how deeply arrays and
// objects nest in it, when b holds it whole; -1 when b ends first (at the end of the file when
// atEOF), so that more is needed; 0 when b begins with no value. It finds only where the value
// ends: whether it is JSON is for the decoder of its chunk to say.
func valueLen(b []byte, atEOF bool) (n, depth int) {
	if len(b) == 0 {
		return -1, 0
	}
	switch b[0] {
	case '{', '[':
		level := 0
		for i := 0; i < len(b); i++ {
			switch b[i] {
			case '"':
				end := stringLen(b[i:])
				if end < 0 {
					return -1, 0
				}
				i += end - 1
			case '{', '[':
				level++
				depth = max(depth, level)
			case '}', ']':
				level--
				if level == 0 {
					return i + 1, depth
				}
			}
		}
		return -1, 0
	case '"':
		return stringLen(b), 0
	}
	// A number, true, false or null: as far as what can be in one goes.
	i := 0
	for i < len(b) && inLiteral(b[i]) {
		i++
	}
	if i == len(b) && !atEOF {
		return -1, 0
	}
	return i, 0
}

// stringLen returns the length of the JSON string that b begins with, or -1 when b ends first.
func stringLen(b []byte) int {
	for i := 1; ; i++ {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return -1
		}
		i += j
		// The quote ends the string unless an odd number of backslashes escape it.
		k := i
		for b[k-1] == '\\' {
			k--
		}
		if (i-k)%2 == 0 {
			return i + 1
		}
	}
}

// inLiteral reports whether c can be in a number or a literal.
func inLiteral(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '.' || c == '+' || c == '-'
}
