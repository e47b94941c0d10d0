package suite

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"slices"
)

// The JUnit XML godog v0.16 writes (its internal/formatters/fmt_junit.go), field for field, so
// that a report read back and written again is byte for byte what godog wrote, but for what
// withJUnitSkips changes. godog's report cannot be taken as it is (see withJUnitSkips): it
// derives a testcase's status from the last step result it happens to read, and godog's store
// hands a scenario's step results over in the order of their ids as strings ("100" before
// "98"), so a scenario that failed can come out "passed" with a <failure>; it marks each
// skipped step with an <error type="skipped"> that names only the step, counts a skipped
// scenario as passed and never counts a skip.
type junitPackageSuite struct {
	XMLName    xml.Name          `xml:"testsuites"`
	Name       string            `xml:"name,attr"`
	Tests      int               `xml:"tests,attr"`
	Skipped    int               `xml:"skipped,attr"`
	Failures   int               `xml:"failures,attr"`
	Errors     int               `xml:"errors,attr"`
	Time       string            `xml:"time,attr"`
	TestSuites []*junitTestSuite `xml:"testsuite"`
}

type junitTestSuite struct {
	XMLName   xml.Name         `xml:"testsuite"`
	Name      string           `xml:"name,attr"`
	Tests     int              `xml:"tests,attr"`
	Skipped   int              `xml:"skipped,attr"`
	Failures  int              `xml:"failures,attr"`
	Errors    int              `xml:"errors,attr"`
	Time      string           `xml:"time,attr"`
	TestCases []*junitTestCase `xml:"testcase"`
}

type junitTestCase struct {
	XMLName xml.Name `xml:"testcase"`
	Name    string   `xml:"name,attr"`
	Status  string   `xml:"status,attr"`
	Time    string   `xml:"time,attr"`
	// In the order of godog's JUnit schema (junit/juint-4.xsd in its repository): skipped,
	// errors, failures. godog writes the failure first.
	Skipped *junitSkipped `xml:"skipped,omitempty"` // conform's: godog writes none
	Error   []*junitError `xml:"error,omitempty"`
	Failure *junitFailure `xml:"failure,omitempty"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
}

type junitError struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
}

// withJUnitSkips returns godog's JUnit report b with each testcase's status taken from its
// scenario's outcome, as the console counts it (see outcome), and the counts of every testsuite
// and of the report made again from those statuses. A skipped scenario is marked as JUnit marks
// a skipped test: status "skipped" and one <skipped message="Step …: reason"/>, the reason from
// skips when the run logged it (a precondition not reached, an interrupted run) and else
// godog's name of the first skipped step. godog's <error type="skipped"> elements go: a step
// not run because an earlier one failed, or because the scenario was skipped, is no error, and
// a reader that counts <error> elements would disagree with the errors attribute. A scenario
// without steps, which godog leaves without a status, is undefined, as the console says.
func withJUnitSkips(b []byte, skips []reportCase) ([]byte, error) {
	var doc junitPackageSuite
	if err := xml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("read godog's JUnit report: %w", err)
	}
	doc.settle(skips)
	return doc.encode()
}

// encode writes the report as a run writes it: the XML header, then the report indented.
func (d *junitPackageSuite) encode() ([]byte, error) {
	var out bytes.Buffer
	out.WriteString(xml.Header)
	enc := xml.NewEncoder(&out)
	enc.Indent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("write the JUnit report: %w", err)
	}
	return out.Bytes(), nil
}

// settle gives each testcase of the report the status of its scenario's outcome (see
// junitTestCase.settle), the reason of a skip from skips, and makes the counts of every
// testsuite and of the report again from those statuses.
func (doc *junitPackageSuite) settle(skips []reportCase) {
	reasons := map[*junitTestCase]string{}
	for _, s := range skips {
		if _, tc := doc.find(s.feature, s.junitName); tc != nil {
			reasons[tc] = fmt.Sprintf("Step %s: %s", s.step, s.reason)
		}
	}
	doc.Tests, doc.Failures, doc.Errors, doc.Skipped = 0, 0, 0, 0
	for _, ts := range doc.TestSuites {
		ts.Tests, ts.Failures, ts.Errors, ts.Skipped = 0, 0, 0, 0
		for _, tc := range ts.TestCases {
			tc.settle(reasons[tc])
			ts.Tests++
			switch tc.Status {
			case statusFailed:
				ts.Failures++
			case statusSkipped:
				ts.Skipped++
			case statusUndefined, statusPending, statusAmbiguous:
				ts.Errors++
			}
		}
		doc.Tests += ts.Tests
		doc.Failures += ts.Failures
		doc.Errors += ts.Errors
		doc.Skipped += ts.Skipped
	}
}

// settle gives the testcase the status of its scenario's outcome, from what godog wrote of its
// steps: a <failure> for the failed one, an <error> typed for each undefined, pending,
// ambiguous or skipped one, and a status "passed" when one passed. reason, when known, says why
// a skipped scenario was skipped.
func (tc *junitTestCase) settle(reason string) {
	var steps []string
	if tc.Failure != nil {
		steps = append(steps, statusFailed)
	}
	firstSkipped := ""
	for _, e := range tc.Error {
		steps = append(steps, e.Type)
		if e.Type == statusSkipped && firstSkipped == "" {
			firstSkipped = e.Message
		}
	}
	if tc.Skipped != nil {
		steps = append(steps, statusSkipped)
	}
	switch tc.Status {
	case statusPassed, statusSkipped: // a scenario that never started is "skipped"
		steps = append(steps, tc.Status)
	}
	tc.Status = outcome(steps)
	tc.Error = slices.DeleteFunc(tc.Error, func(e *junitError) bool { return e.Type == statusSkipped })
	switch {
	case tc.Status == statusSkipped && tc.Skipped == nil:
		if reason == "" {
			reason = firstSkipped
		}
		if reason == "" {
			reason = "not run"
		}
		tc.Skipped = &junitSkipped{Message: reason}
	case tc.Status == statusUndefined && len(tc.Error) == 0:
		tc.Error = append(tc.Error, &junitError{Type: statusUndefined, Message: "the scenario has no steps"})
	}
}

// find returns the testcase called name in the testsuite of the feature called feature.
func (d *junitPackageSuite) find(feature, name string) (*junitTestSuite, *junitTestCase) {
	for _, ts := range d.TestSuites {
		if ts.Name != feature {
			continue
		}
		for _, tc := range ts.TestCases {
			if tc.Name == name {
				return ts, tc
			}
		}
	}
	return nil, nil
}
