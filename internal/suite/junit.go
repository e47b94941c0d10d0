package suite

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"slices"
)

// The JUnit XML godog v0.16 writes (its internal/formatters/fmt_junit.go), field for field, so
// that a report read back and written again is byte for byte what godog wrote, but for what
// withJUnitSkips changes. godog marks each skipped step of a testcase with an
// <error type="skipped"> that names only the step, counts the testcase as passed and never
// counts a skip: a CI then shows a scenario skipped for a precondition as an error, without the
// reason.
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
	XMLName xml.Name      `xml:"testcase"`
	Name    string        `xml:"name,attr"`
	Status  string        `xml:"status,attr"`
	Time    string        `xml:"time,attr"`
	Skipped *junitSkipped `xml:"skipped,omitempty"` // conform's: godog writes none
	Failure *junitFailure `xml:"failure,omitempty"`
	Error   []*junitError `xml:"error,omitempty"`
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

// withJUnitSkips returns godog's JUnit report b with each scenario skipped for a precondition
// marked as JUnit marks a skipped test: status "skipped", one <skipped message="reason"/> in
// place of godog's per-step <error type="skipped"> elements, and counted in the skipped
// attributes of its testsuite and of the report. b is returned as it is when no scenario was
// skipped.
func withJUnitSkips(b []byte, skips []reportCase) ([]byte, error) {
	if len(skips) == 0 {
		return b, nil
	}
	var doc junitPackageSuite
	if err := xml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("read godog's JUnit report: %w", err)
	}
	for _, s := range skips {
		ts, tc := doc.find(s.feature, s.junitName)
		if tc == nil || tc.Skipped != nil {
			continue // not in this report, or already marked
		}
		tc.Status = "skipped"
		tc.Skipped = &junitSkipped{Message: fmt.Sprintf("Step %s: %s", s.step, s.reason)}
		tc.Error = slices.DeleteFunc(tc.Error, func(e *junitError) bool { return e.Type == "skipped" })
		ts.Skipped++
		doc.Skipped++
	}
	var out bytes.Buffer
	out.WriteString(xml.Header)
	enc := xml.NewEncoder(&out)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("write the JUnit report: %w", err)
	}
	return out.Bytes(), nil
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
