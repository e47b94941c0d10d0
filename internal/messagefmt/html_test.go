package messagefmt_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// htmlDirEnv names the directory where the official HTML formatter and jsdom are installed:
//
//	mkdir -p /tmp/cucumber-html && cd /tmp/cucumber-html &&
//	  npm install @cucumber/html-formatter@24.2.0 @cucumber/messages@34.2.0 jsdom@24
//	CUCUMBER_HTML_DIR=/tmp/cucumber-html go test ./internal/messagefmt -run HTML
const htmlDirEnv = "CUCUMBER_HTML_DIR"

// TestHTMLFormatterReadsTheStream feeds the streams to the official Cucumber HTML formatter and
// renders its report in jsdom: the report must raise no script error and show what the run
// found. It is skipped without node, or without the packages in $CUCUMBER_HTML_DIR: it never
// downloads anything.
func TestHTMLFormatterReadsTheStream(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	dir := os.Getenv(htmlDirEnv)
	for _, pkg := range []string{"@cucumber/html-formatter", "jsdom"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); dir == "" || err != nil {
			t.Skipf("%s is not installed in $%s (%q)", pkg, htmlDirEnv, dir)
		}
	}

	tests := []struct {
		name     string
		features []string
		want     []string // text the report must show
	}{
		{"passing", []string{"passing"}, []string{
			"(4 / 4) passed", "Everything that passes",
			// Arguments are placed in the step text, the one at its start too: the text shows
			// once, followed by the next step.
			`When a step with the argument "forty-two"And 3 items cost 12 EURAnd a step with a doc string:`,
			"Then 1 items cost 10", "Then 2 items cost 10",
			`Attached Text (text/plain; charset=utf-8)plain text, with <markup> & "quotes"`,
			"Download exchange-001.json", "screen.png",
		}},
		{"failing", []string{"failing"}, []string{
			"(0 / 6) passed", "failed 3", "undefined 1", "pending 1", "ambiguous 1",
			"Everything that does not pass", "A failing step skips the rest",
			"the answer is 500 Internal Server Error, want 200 OK", "boom",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream, _ := runFixture(t, 1, tt.features...)
			text := renderHTML(t, node, dir, stream)
			for _, w := range tt.want {
				require.Contains(t, text, w)
			}
		})
	}
	t.Run("conform's features", func(t *testing.T) {
		stream, _ := runSuite(t, 4)
		n := len(checkIntegrity(t, envelopes(t, stream)).Outcomes)
		require.Contains(t, renderHTML(t, node, dir, stream), fmt.Sprintf("(%d / %d) passed", n, n))
	})
}

// renderHTML renders stream with testdata/html/render.mjs and returns the text the report shows,
// failing on any script error.
func renderHTML(tb testing.TB, node, dir string, stream []byte) string {
	tb.Helper()
	cmd := exec.Command(node, "testdata/html/render.mjs", dir, filepath.Join(tb.TempDir(), "report.html"))
	cmd.Stdin = bytes.NewReader(stream)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(tb, err, stderr.String())
	var res struct {
		Errors []string `json:"errors"`
		Text   string   `json:"text"`
	}
	require.NoError(tb, json.Unmarshal(out, &res), string(out))
	require.Empty(tb, res.Errors, "the report's scripts failed")
	return res.Text
}
