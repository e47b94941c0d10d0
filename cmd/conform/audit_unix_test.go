//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// A HAR file that cannot be read twice (a pipe, <(zcat trace.har.gz)) is read into memory once
// for both passes of the audit.
func TestAuditReadsAPipe(t *testing.T) {
	dir := t.TempDir()
	path, _ := writeTraffic(t, dir, 2, 1)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	fifo := filepath.Join(dir, "pipe.har")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	written := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			_, err = f.Write(b)
			f.Close()
		}
		written <- err
	}()
	code, out, errOut := conform(t, "audit", fifo)
	require.NoError(t, <-written)
	require.Equal(t, exitPass, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	require.Contains(t, errOut, "10 exchange(s) of 2 export request(s): no violation")
}
