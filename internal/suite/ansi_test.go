package suite

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPlainWriterStripsColourCodesSplitAcrossWrites(t *testing.T) {
	text := "\x1b[32mpassed\x1b[0m and \x1b[1;31mfailed\x1b[0m\n"
	for split := 0; split <= len(text); split++ {
		var out bytes.Buffer
		w := &plainWriter{w: &out}
		n, err := w.Write([]byte(text[:split]))
		require.NoError(t, err)
		require.Equal(t, split, n)
		_, err = w.Write([]byte(text[split:]))
		require.NoError(t, err)
		require.Equal(t, "passed and failed\n", out.String(), "split at %d", split)
	}
}

func TestStripANSILeavesPlainTextAlone(t *testing.T) {
	require.Equal(t, "a [b] c", string(stripANSI([]byte("a [b] c"))))
	require.Equal(t, "ok", string(stripANSI([]byte("\x1b[0mok"))))
}
