package har

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Read streams a file or a reader of memory, and reads any other reader whole first: each gives
// the same entries, and the same faults at the same places.
func TestReadGivesTheSameFromAnyReader(t *testing.T) {
	docs := map[string]string{
		"entries":              fileWith(okEntry, okEntry),
		"a byte order mark":    "\ufeff" + fileWith(okEntry),
		"a bad entry":          fileWith(okEntry, okEntryWith(t, `"status": 200`, `"status": 2000`)),
		"not JSON":             "{\n  \"log\": {\n    entries: []\n  }\n}",
		"not JSON after a BOM": "\ufeff{\n  \"log\": x}",
		"truncated":            fileWith(okEntry)[:100],
		"empty":                "\ufeff \n",
	}
	readers := map[string]func(t *testing.T, doc string) ([]Entry, error){
		"bytes.Reader": func(_ *testing.T, doc string) ([]Entry, error) {
			return Read(bytes.NewReader([]byte(doc)), "trace.har")
		},
		"strings.Reader, read from past its start": func(_ *testing.T, doc string) ([]Entry, error) {
			r := strings.NewReader("GARBAGE" + doc)
			_, err := r.Read(make([]byte, len("GARBAGE")))
			require.NoError(t, err)
			return Read(r, "trace.har")
		},
		"any reader": func(_ *testing.T, doc string) ([]Entry, error) {
			return Read(iotest.OneByteReader(strings.NewReader(doc)), "trace.har")
		},
		"a file": func(t *testing.T, doc string) ([]Entry, error) {
			path := filepath.Join(t.TempDir(), "trace.har")
			require.NoError(t, os.WriteFile(path, []byte(doc), 0o600))
			f, err := os.Open(path)
			require.NoError(t, err)
			defer f.Close()
			return Read(f, "trace.har")
		},
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			want, wantErr := Read(struct{ io.Reader }{strings.NewReader(doc)}, "trace.har")
			for how, read := range readers {
				got, err := read(t, doc)
				assert.Equal(t, want, got, how)
				if wantErr == nil {
					assert.NoError(t, err, how)
					continue
				}
				assert.EqualError(t, err, wantErr.Error(), how)
			}
		})
	}
}

func TestReadTellsWhereTheJSONGoesWrongInAReaderReadFromPastItsStart(t *testing.T) {
	r := strings.NewReader(`{"log": "x"}` + "{\n  \"log\": {\n    entries: []\n  }\n}")
	_, err := r.Read(make([]byte, len(`{"log": "x"}`)))
	require.NoError(t, err)
	_, err = Read(r, "trace.har")
	assert.EqualError(t, err, `trace.har: not JSON: invalid character 'e' looking for beginning of object key string `+
		`at line 3, column 5 (byte 17)`)
}

// failingReaderAt is a file whose reading again fails.
type failingReaderAt struct{ *bytes.Reader }

func (failingReaderAt) ReadAt([]byte, int64) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestReadFailsToReadAgainAsToRead(t *testing.T) {
	src := &source{r: strings.NewReader("{]"), at: failingReaderAt{}}
	err := decode(src, Options{}, func(Place, Entry) {})
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, io.ErrUnexpectedEOF, src.err, "a failure to read again is one to read the file")
}
