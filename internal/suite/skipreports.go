package suite

import (
	"bytes"
	"fmt"
	"io"

	"github.com/cucumber/godog"
)

// withSkipReasons returns the report b that godog's formatter name wrote, with the reasons of
// the skipped scenarios added where that format keeps a skip's reason: JUnit and Cucumber
// JSON, which godog writes without them; JUnit also gets each scenario's status from its
// outcome (see withJUnitSkips). Other formats are returned as they are (the Cucumber Messages
// carry a precondition's reason as an attachment of the skipped step).
func withSkipReasons(name string, b []byte, skips []reportCase) ([]byte, error) {
	switch name {
	case "junit":
		return withJUnitSkips(b, skips)
	case "cucumber":
		return withCucumberSkips(b, skips)
	}
	return b, nil
}

// outputBuffers are the reports bound for the run's output that get the skips' reasons added
// (JUnit and Cucumber JSON): godog writes them into memory, and write passes them on.
type outputBuffers []outputBuffer

type outputBuffer struct {
	name string // godog's formatter
	buf  *bytes.Buffer
}

// bufferForOutput returns formats with each JUnit or Cucumber JSON report bound for the run's
// output (no path) written into memory instead, under a formatter name of its own, and the
// buffers. godog writes either only when the run ends, so nothing is held back that it would
// have written sooner.
func bufferForOutput(formats []Format) ([]Format, outputBuffers) {
	out := make([]Format, len(formats))
	var bufs outputBuffers
	for i, f := range formats {
		out[i] = f
		if f.Path != "" || (f.Name != "junit" && f.Name != "cucumber") {
			continue
		}
		buf := &bytes.Buffer{}
		if name, ok := registerBuffer(f.Name, buf); ok {
			out[i].Name = name
			bufs = append(bufs, outputBuffer{name: f.Name, buf: buf})
		}
	}
	return out, bufs
}

// registerBuffer registers, under a name of its own, godog's formatter called name writing into
// buf, and returns that name; false when godog has no such formatter.
func registerBuffer(name string, buf *bytes.Buffer) (string, bool) {
	registry.Lock()
	defer registry.Unlock()
	inner := godog.FindFmt(name)
	if inner == nil {
		return "", false
	}
	own := fmt.Sprintf("conform-%s-%d", name, sinks.Add(1))
	godog.Format(own, "godog's "+name+" report, in memory, for conform to add what it leaves out",
		func(suite string, _ io.Writer) godog.Formatter { return inner(suite, buf) })
	return own, true
}

// write writes each buffered report to w, in the order the formats were given, with the skips'
// reasons added.
func (bufs outputBuffers) write(w io.Writer, skips []reportCase) error {
	for _, b := range bufs {
		report, err := withSkipReasons(b.name, b.buf.Bytes(), skips)
		if err != nil {
			return fmt.Errorf("%s report: %w", b.name, err)
		}
		if _, err := w.Write(report); err != nil {
			return fmt.Errorf("write the %s report: %w", b.name, err)
		}
	}
	return nil
}

// featureNames returns the name of every feature of the run, by the URI its scenarios carry;
// an empty map when the features cannot be read again (they were read once already).
func featureNames(opts *godog.Options) map[string]string {
	all := *opts
	all.Tags = ""
	feats, err := godog.TestSuite{Options: &all}.RetrieveFeatures()
	names := map[string]string{}
	if err != nil {
		return names
	}
	for _, f := range feats {
		if f.GherkinDocument != nil && f.GherkinDocument.Feature != nil {
			names[f.Uri] = f.GherkinDocument.Feature.Name
		}
	}
	return names
}
