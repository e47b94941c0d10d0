package suite

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cucumber/godog"
	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/fakeserver/bundled"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/steps"
)

// consoleSummary is godog's console line "N scenarios (x passed, y failed, …)", read back.
type consoleSummary struct {
	line   string
	total  int
	counts map[string]int // by outcome: passed, failed, skipped, undefined, pending, ambiguous
}

var (
	summaryLine = regexp.MustCompile(`(?m)^(\d+) scenarios \((.*)\)$`)
	summaryPart = regexp.MustCompile(`^(\d+) (passed|failed|skipped|undefined|pending|ambiguous)$`)
)

// readConsoleSummary finds the console's line of scenarios in out and reads it.
func readConsoleSummary(t testing.TB, out string) consoleSummary {
	t.Helper()
	found := summaryLine.FindAllStringSubmatch(out, -1)
	require.Len(t, found, 1, "one line of scenarios in:\n%s", out)
	s := consoleSummary{line: found[0][0], counts: map[string]int{}}
	s.total, _ = strconv.Atoi(found[0][1])
	sum := 0
	for _, part := range regexp.MustCompile(`, `).Split(found[0][2], -1) {
		m := summaryPart.FindStringSubmatch(part)
		require.NotNil(t, m, "part %q of %q", part, s.line)
		n, _ := strconv.Atoi(m[1])
		s.counts[m[2]] = n
		sum += n
	}
	require.Equal(t, s.total, sum, "the console's parts add up to its total: %q", s.line)
	return s
}

// xmlNode is any XML element, for checking a report's structure.
type xmlNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []xmlNode  `xml:",any"`
}

func (n xmlNode) attr(name string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// junitSchema is the structure godog's JUnit schema (junit/juint-4.xsd in godog's repository;
// not part of its module) allows, element by element: the attributes allowed, the required
// ones, and the children in the order of the schema's sequence (each at most once unless
// repeatable). Two attributes godog and conform write are beyond it, and allowed here: godog's
// skipped count on <testsuites>, and the message of <skipped>, which CI readers (Jenkins,
// GitLab, JUnit 5's own reports) take the reason of a skip from.
var junitSchema = map[string]struct {
	attrs    []string
	required []string
	children []string // in order
	repeat   []string // children that may repeat
}{
	"testsuites": {attrs: []string{"name", "time", "tests", "failures", "disabled", "errors", "skipped"}, children: []string{"testsuite"}, repeat: []string{"testsuite"}},
	"testsuite": {attrs: []string{"name", "tests", "failures", "errors", "time", "disabled", "skipped", "timestamp", "hostname", "id", "package"},
		required: []string{"name", "tests"}, children: []string{"properties", "testcase", "system-out", "system-err"}, repeat: []string{"testcase"}},
	"testcase": {attrs: []string{"name", "assertions", "time", "classname", "status"}, required: []string{"name"},
		children: []string{"skipped", "error", "failure", "system-out", "system-err"}, repeat: []string{"error", "failure", "system-out", "system-err"}},
	"skipped": {attrs: []string{"message"}},
	"error":   {attrs: []string{"type", "message"}},
	"failure": {attrs: []string{"type", "message"}},
}

// requireJUnitSchema checks the element n, and all below it, against junitSchema.
func requireJUnitSchema(t testing.TB, n xmlNode, path string) {
	t.Helper()
	path += "/" + n.XMLName.Local
	rule, ok := junitSchema[n.XMLName.Local]
	require.True(t, ok, "%s: an element the schema does not have", path)
	for _, a := range n.Attrs {
		require.Contains(t, rule.attrs, a.Name.Local, "%s: an attribute the schema does not allow", path)
	}
	for _, r := range rule.required {
		_, ok := n.attr(r)
		require.True(t, ok, "%s: the schema requires %s", path, r)
	}
	pos := 0
	var last string
	for _, c := range n.Children {
		name := c.XMLName.Local
		i := slices.Index(rule.children, name)
		require.GreaterOrEqual(t, i, pos, "%s: <%s> where the schema's sequence (%v) does not allow it", path, name, rule.children)
		require.False(t, name == last && !slices.Contains(rule.repeat, name), "%s: <%s> twice", path, name)
		pos, last = i, name
		requireJUnitSchema(t, c, path)
	}
}

// junitCounts checks that a JUnit report is what the schema allows, that every testcase has
// one outcome, told by its status and by its elements alike, and that every count is the sum
// of what it counts; it returns the report.
func junitCounts(t testing.TB, b []byte) junitPackageSuite {
	t.Helper()
	var root xmlNode
	require.NoError(t, xml.Unmarshal(b, &root))
	requireJUnitSchema(t, root, "")

	var doc junitPackageSuite
	require.NoError(t, xml.Unmarshal(b, &doc))
	var tests, failures, errs, skipped int
	for _, ts := range doc.TestSuites {
		var c [4]int
		for _, tc := range ts.TestCases {
			c[0]++
			switch tc.Status {
			case statusPassed:
				require.True(t, tc.Failure == nil && tc.Skipped == nil && len(tc.Error) == 0, "%s: passed, with an outcome element", tc.Name)
			case statusFailed:
				c[1]++
				require.True(t, tc.Failure != nil && tc.Skipped == nil && len(tc.Error) == 0, "%s: failed, with one <failure> and nothing else", tc.Name)
			case statusSkipped:
				c[3]++
				require.True(t, tc.Skipped != nil && tc.Failure == nil && len(tc.Error) == 0, "%s: skipped, with one <skipped> and nothing else", tc.Name)
				require.NotEmpty(t, tc.Skipped.Message, "%s: a skip says why", tc.Name)
			case statusUndefined, statusPending, statusAmbiguous:
				c[2]++
				require.True(t, tc.Failure == nil && tc.Skipped == nil && len(tc.Error) > 0, "%s: %s, with an <error>", tc.Name, tc.Status)
				for _, e := range tc.Error {
					require.Equal(t, tc.Status, e.Type, tc.Name)
				}
			default:
				t.Fatalf("%s: status %q is no outcome", tc.Name, tc.Status)
			}
		}
		require.Equal(t, [4]int{ts.Tests, ts.Failures, ts.Errors, ts.Skipped}, c, "testsuite %q: tests, failures, errors, skipped", ts.Name)
		tests, failures, errs, skipped = tests+c[0], failures+c[1], errs+c[2], skipped+c[3]
	}
	require.Equal(t, [4]int{doc.Tests, doc.Failures, doc.Errors, doc.Skipped}, [4]int{tests, failures, errs, skipped}, "testsuites: tests, failures, errors, skipped")
	return doc
}

// xmllint validates the XML file at path against testdata/junit.xsd with xmllint (Debian's
// libxml2-utils, which CI installs), and skips t when xmllint is not installed.
func xmllint(t *testing.T, path string) error {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint is not installed (Debian: apt-get install libxml2-utils); the structure is checked in Go all the same")
	}
	out, err := exec.Command(bin, "--noout", "--schema", filepath.Join("testdata", "junit.xsd"), path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	return nil
}

// stopAt returns an Exchange hook that ends ctx, with cause, when the run's n-th exchange is
// made: a run interrupted, or timed out, in the middle of a scenario.
func stopAt(n int, stop context.CancelCauseFunc, cause error) func(steps.ScenarioRef, judge.Exchange) {
	var mu sync.Mutex
	seen := 0
	return func(steps.ScenarioRef, judge.Exchange) {
		mu.Lock()
		defer mu.Unlock()
		if seen++; seen == n {
			stop(cause)
		}
	}
}

// TestJUnitAgreesWithTheConsole runs one suite for each outcome a scenario can have and checks
// that the JUnit report and the console's summary tell the same story: as many tests as
// scenarios, a failure for each failed one, an error for each undefined one, a skip for each
// skipped one (a precondition not reached, an interrupted run), each testcase's status its
// scenario's outcome, and the report what godog's JUnit schema allows.
func TestJUnitAgreesWithTheConsole(t *testing.T) {
	undefinedTraffic := &Traffic{
		Name: "mine.feature",
		Feature: `Feature: Mine
  Scenario: Known steps
    Given a step that passes
  Scenario: A step nobody wrote
    Given a step that passes
    When a step nobody wrote
    Then a step that passes
`,
		Scenarios: func(sc *godog.ScenarioContext) {
			sc.Step(`^a step that passes$`, func() error { return nil })
		},
	}
	cases := []struct {
		name string
		// options gives the run's options and its context.
		options func(t *testing.T) (context.Context, Options)
		// want are the outcomes the console must count (others may be there too).
		want map[string]int
	}{
		{"pass", func(*testing.T) (context.Context, Options) {
			return context.Background(), Options{}
		}, map[string]int{statusPassed: 16}},
		{"fail", func(*testing.T) (context.Context, Options) {
			return context.Background(), Options{
				Config:      steps.Config{NewTarget: bundled.Target(fakeserver.Options{Defects: []fakeserver.Defect{fakeserver.DefectProgressMisspelt}})},
				Concurrency: 4,
			}
		}, map[string]int{statusFailed: 5}},
		{"undefined", func(*testing.T) (context.Context, Options) {
			return context.Background(), Options{Traffic: undefinedTraffic}
		}, map[string]int{statusPassed: 1, statusUndefined: 1}},
		{"skipped", func(t *testing.T) (context.Context, Options) {
			return context.Background(), Options{
				Config:      steps.Config{NewTarget: liveFake(t, fakeserver.Options{CancelDelay: time.Nanosecond}), PollInterval: 20 * time.Millisecond},
				LeaveOut:    []string{"@fake-only"},
				Concurrency: 4,
			}
		}, map[string]int{statusSkipped: 1}},
		{"interrupted", func(*testing.T) (context.Context, Options) {
			ctx, stop := context.WithCancelCause(context.Background())
			return ctx, Options{Config: steps.Config{Exchange: stopAt(12, stop, &steps.Interrupted{Signal: syscall.SIGINT})}}
		}, map[string]int{statusPassed: 2, statusSkipped: 14}},
		{"timed out", func(*testing.T) (context.Context, Options) {
			ctx, stop := context.WithCancelCause(context.Background())
			return ctx, Options{Config: steps.Config{Exchange: stopAt(12, stop, &steps.TimedOut{Limit: time.Second})}}
		}, map[string]int{statusPassed: 2, statusFailed: 14}},
	}
	var table bytes.Buffer
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, o := c.options(t)
			junit := filepath.Join(t.TempDir(), "junit.xml")
			var console bytes.Buffer
			o.Output = &console
			o.Formats = []Format{{Name: "pretty"}, {Name: "junit", Path: junit}}
			res, err := Run(ctx, o)
			require.NoError(t, err)

			summary := readConsoleSummary(t, console.String())
			for outcome, n := range c.want {
				require.Equal(t, n, summary.counts[outcome], "the console's %s scenarios: %q", outcome, summary.line)
			}
			doc := junitCounts(t, readFile(t, filepath.Dir(junit), "junit.xml"))
			require.Equal(t, summary.total, doc.Tests, "tests: %q", summary.line)
			require.Equal(t, summary.counts[statusFailed], doc.Failures, "failures: %q", summary.line)
			require.Equal(t, summary.counts[statusUndefined]+summary.counts[statusPending]+summary.counts[statusAmbiguous], doc.Errors, "errors: %q", summary.line)
			require.Equal(t, summary.counts[statusSkipped], doc.Skipped, "skipped: %q", summary.line)
			require.Equal(t, summary.counts[statusPassed]+summary.counts[statusSkipped] == summary.total, res.Passed, "the run's verdict")
			var interrupted *steps.Interrupted
			var timedOut *steps.TimedOut
			require.Equal(t, c.name == "interrupted", errors.As(res.Stopped, &interrupted), "the run says why it stopped: %v", res.Stopped)
			require.Equal(t, c.name == "timed out", errors.As(res.Stopped, &timedOut), "the run says why it stopped: %v", res.Stopped)
			fmt.Fprintf(&table, "| %s | `%s` | %d | %d | %d | %d |\n", c.name, summary.line, doc.Tests, doc.Failures, doc.Errors, doc.Skipped)
			t.Run("xmllint", func(t *testing.T) { require.NoError(t, xmllint(t, junit)) })
		})
	}
	t.Logf("case | console | JUnit tests | failures | errors | skipped\n%s", table.String())
}

// TestJUnitStatusIsTheScenarioOutcome: whatever status godog gave a testcase, it ends with its
// scenario's outcome. godog reads a scenario's step results in the order of their ids as
// strings, so a failure at step "100" after passes at "98" and "99" came out "passed".
func TestJUnitStatusIsTheScenarioOutcome(t *testing.T) {
	in := []byte(xml.Header + `<testsuites name="conform" tests="4" skipped="0" failures="0" errors="0" time="0">
  <testsuite name="F" tests="4" skipped="0" failures="0" errors="0" time="0">
    <testcase name="failed late" status="passed" time="0">
      <failure message="Step c: boom"></failure>
      <error message="Step d" type="skipped"></error>
    </testcase>
    <testcase name="cut short" status="passed" time="0">
      <error message="Step b" type="skipped"></error>
      <error message="Step c" type="skipped"></error>
    </testcase>
    <testcase name="no steps" status="" time="0"></testcase>
    <testcase name="never started" status="skipped" time=""></testcase>
  </testsuite>
</testsuites>`)
	got, err := withJUnitSkips(in, nil)
	require.NoError(t, err)
	require.Equal(t, xml.Header+`<testsuites name="conform" tests="4" skipped="2" failures="1" errors="1" time="0">
  <testsuite name="F" tests="4" skipped="2" failures="1" errors="1" time="0">
    <testcase name="failed late" status="failed" time="0">
      <failure message="Step c: boom"></failure>
    </testcase>
    <testcase name="cut short" status="skipped" time="0">
      <skipped message="Step b"></skipped>
    </testcase>
    <testcase name="no steps" status="undefined" time="0">
      <error message="the scenario has no steps" type="undefined"></error>
    </testcase>
    <testcase name="never started" status="skipped" time="">
      <skipped message="not run"></skipped>
    </testcase>
  </testsuite>
</testsuites>`, string(got))
	junitCounts(t, got)
	t.Run("xmllint", func(t *testing.T) {
		dir := t.TempDir()
		for name, b := range map[string][]byte{"godog.xml": in, "conform.xml": got} {
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
		}
		require.NoError(t, xmllint(t, filepath.Join(dir, "conform.xml")))
		require.ErrorContains(t, xmllint(t, filepath.Join(dir, "godog.xml")), "error", "godog's own, with a <failure> before an <error>, is not what the schema allows")
	})
}
