package suite

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// notRunFeature names the one testsuite (JUnit) and feature (Cucumber JSON) of a run that
// could not start.
const notRunFeature = "Reaching the target"

// WriteNotRun writes every JUnit and Cucumber JSON report of formats, each to its file or, without
// one, to out, for a run that ended before any scenario could start (the target cannot be
// reached, rejects the credentials or is not the export API): one testcase, called check,
// failed with why. A CI step that publishes the results then shows why nothing ran, where it
// would otherwise find no file and hide the reason. why must already be free of secrets.
// Other formats are not written: the console's reason is conform's error on stderr. Every
// report is attempted; the errors of those that cannot be written are joined.
func WriteNotRun(formats []Format, out io.Writer, check, why string) error {
	var errs []error
	for _, f := range formats {
		var report []byte
		var err error
		switch f.Name {
		case "junit":
			report, err = notRunJUnit(check, why)
		case "cucumber":
			report, err = notRunCucumber(check, why)
		default:
			continue
		}
		if err == nil {
			err = writeReport(f.Path, out, report)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("--format %s: %w", f.Name, err))
		}
	}
	return errors.Join(errs...)
}

// notRunJUnit is the JUnit report, in the shape godog writes, of one failed testcase.
func notRunJUnit(check, why string) ([]byte, error) {
	doc := junitPackageSuite{Name: "conform", Tests: 1, Failures: 1, Time: "0",
		TestSuites: []*junitTestSuite{{Name: notRunFeature, Tests: 1, Failures: 1, Time: "0",
			TestCases: []*junitTestCase{{Name: check, Status: statusFailed, Time: "0", Failure: &junitFailure{Message: why}}}}}}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// notRunCucumber is the Cucumber JSON report, in the shape godog writes, of one scenario whose
// one step failed.
func notRunCucumber(check, why string) ([]byte, error) {
	zero := 0
	feats := []cukeFeature{{URI: "conform", ID: "reaching-the-target", Keyword: "Feature", Name: notRunFeature,
		Elements: []cukeElement{{ID: "reaching-the-target;reach-the-target", Keyword: "Scenario", Name: check, Type: "scenario",
			Steps: []cukeStep{{Keyword: "Given ", Name: check, Result: cukeResult{Status: statusFailed, Error: why, Duration: &zero}}}}}}}
	b, err := json.MarshalIndent(feats, "", "    ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// writeReport writes report to the file path, creating its directory, or to out when path is "".
func writeReport(path string, out io.Writer, report []byte) error {
	if path == "" {
		_, err := out.Write(report)
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, report, 0o644)
}
