package report

import (
	"bytes"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	messages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/require"

	"golang.org/x/net/html"

	"github.com/conform-harness/conform/internal/golden"

	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/internal/evidence"
)

var sampleInfo = Info{Target: "http://127.0.0.1:41234/logisticsRestApi/data/v1", SpecTitle: "Export requests", SpecVersion: "1.0.0"}

func render(t testing.TB, envs []*messages.Envelope, info Info) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, WriteHTML(&buf, envs, info))
	return buf.String()
}

func TestWriteHTMLGolden(t *testing.T) {
	got := render(t, sampleStream(t), sampleInfo)
	golden.Assert(t, filepath.Join("testdata", "golden", "report.html"), []byte(normalise(got)))
}

func TestWriteHTMLParts(t *testing.T) {
	out := render(t, sampleStream(t), sampleInfo)
	doc := parse(t, out)

	t.Run("summary", func(t *testing.T) {
		summary := byID(doc, "summary")
		require.NotNil(t, summary)
		text := textOf(summary)
		for _, want := range []string{
			"Does not conform",
			"http://127.0.0.1:41234/logisticsRestApi/data/v1",
			"Export requests, version 1.0.0",
			"2024-03-05 10:00:00 UTC",
			"1.50 s",
			"2 (1 failed, 1 passed)",
			"10 (1 failed, 1 skipped, 8 passed)",
			"3 (1 violates, 2 conforms)",
			"godog v0.16.0",
		} {
			require.Contains(t, squash(text), want)
		}
		require.Contains(t, attr(summary, "class"), "fail")
	})

	t.Run("features, scenarios and steps", func(t *testing.T) {
		features := all(doc, hasClass("feature"))
		require.Len(t, features, 1)
		require.Contains(t, textOf(features[0]), "Cancelling an export request")
		require.Contains(t, textOf(features[0]), "A running export request can be cancelled; a completed one cannot.")
		scenarios := all(doc, hasClass("scenario"))
		require.Len(t, scenarios, 2)
		require.Contains(t, textOf(scenarios[0]), "A running request is cancelled")
		require.Contains(t, attr(scenarios[0], "class"), "s-passed")
		require.Contains(t, textOf(scenarios[1]), "Cancelling a request that has already succeeded")
		require.Contains(t, attr(scenarios[1], "class"), "s-failed")
		require.Contains(t, squash(textOf(scenarios[1])), "Examples: Outcomes — outcome = succeeded")

		steps := all(scenarios[0], hasClass("step"))
		require.Len(t, steps, 5)
		require.Contains(t, squash(textOf(steps[0])), "Given I am an authorised integration user (background)")
		require.Len(t, all(steps[1], hasClass("data")), 1, "the data table")
		require.Contains(t, textOf(steps[1]), "SHIPMENT")

		failed := all(scenarios[1], hasClass("step"))
		require.Len(t, failed, 5)
		require.Contains(t, attr(failed[3], "class"), "s-failed")
		errs := all(failed[3], hasClass("error"))
		require.Len(t, errs, 1)
		require.Contains(t, textOf(errs[0]), "expected 400 Bad Request, got 200 OK")
		require.Contains(t, attr(failed[4], "class"), "s-skipped")
	})

	t.Run("exchanges in details, violations highlighted", func(t *testing.T) {
		exchanges := all(doc, func(n *html.Node) bool { return n.Data == "details" && hasClass("exchange")(n) })
		require.Len(t, exchanges, 3)
		for _, ex := range exchanges {
			require.NotNil(t, first(ex, func(n *html.Node) bool { return n.Data == "summary" }))
		}
		conforming, violating := exchanges[0], exchanges[2]
		require.False(t, hasAttr(conforming, "open"), "a conforming exchange starts closed")
		require.Contains(t, squash(textOf(first(conforming, tag("summary")))), "POST http://127.0.0.1:41234/logisticsRestApi/data/v1/custom-actions/cancel/exportRequests/12345 200 OK conforms")
		require.Contains(t, textOf(exchanges[1]), `"progress": "cancelled"`, "a base64 attachment is decoded")

		require.True(t, hasAttr(violating, "open"), "a violating exchange starts open")
		require.Contains(t, attr(violating, "class"), "v-violates")
		violations := all(violating, hasClass("violation"))
		require.Len(t, violations, 1)
		require.Equal(t, "/progress", textOf(first(violations[0], hasClass("pointer"))))
		require.Contains(t, textOf(violations[0]), "value is not one of the allowed values")
		require.Contains(t, css, ".exchange.v-violates, .exchange.v-failed { border: 2px solid var(--fail); }")
	})

	t.Run("one timeline per scenario with one", func(t *testing.T) {
		for _, sc := range all(doc, hasClass("scenario")) {
			svgs := all(sc, func(n *html.Node) bool { return n.Data == "svg" && hasClass("timeline")(n) })
			require.Len(t, svgs, 1)
		}
		tl := all(doc, hasClass("timeline"))[0]
		require.Len(t, all(tl, hasClass("cancel")), 1, "the cancel is marked")
		require.Len(t, all(tl, hasClass("row")), 3, "a row for the request and one per table")
		require.Len(t, all(tl, hasClass("poll")), 4, "a tick per observation")
		var classes []string
		for _, seg := range all(tl, hasClass("seg")) {
			classes = append(classes, attr(seg, "class"))
		}
		require.Equal(t, []string{
			"seg p-processing", "seg p-cancelling", "seg p-cancelled", // the request
			"seg p-succeeded",                  // SHIPMENT throughout
			"seg p-pending", "seg p-cancelled", // REFNUM
		}, classes)
	})

	t.Run("state machine", func(t *testing.T) {
		sm := byID(doc, "state-machine")
		require.NotNil(t, sm)
		svg := first(sm, func(n *html.Node) bool { return n.Data == "svg" && hasClass("machine")(n) })
		require.NotNil(t, svg)
		var states []string
		for _, n := range all(svg, tag("text")) {
			states = append(states, textOf(n))
		}
		for _, s := range []string{"pending", "processing", "succeeded", "failed", "cancelling", "cancelled"} {
			require.Contains(t, states, s)
		}
	})

	t.Run("nothing from elsewhere", func(t *testing.T) {
		requireSelfContained(t, doc, out)
	})
}

func TestWriteHTMLShowsRedactedHeadersAsSuch(t *testing.T) {
	out := render(t, sampleStream(t), sampleInfo)
	doc := parse(t, out)
	var auth []string
	for _, row := range all(doc, tag("tr")) {
		cells := all(row, tag("td"))
		if len(cells) == 2 && textOf(cells[0]) == "Authorization" {
			auth = append(auth, textOf(cells[1]))
		}
	}
	require.Equal(t, []string{"Basic [REDACTED]", "Basic [REDACTED]", "Basic [REDACTED]"}, auth)
}

// withLeak returns the sample stream with exchanges and a failing step that hold secret, as
// attachments in each content encoding.
func withLeak(t testing.TB, secret string) []*messages.Envelope {
	t.Helper()
	envs := sampleStream(t)
	leak := evidence.Call{
		Seq: 9, Method: "GET", URL: "http://127.0.0.1:41234/logisticsRestApi/data/v1/exportStatuses/12345?token=" + secret,
		RequestHeaders: map[string][]string{"X-Debug": {"password=" + secret}},
		Status:         401, ResponseBody: `{"error": "bad password ` + secret + `"}`, Verdict: evidence.Conforms,
	}
	finished := envs[len(envs)-2].TestCaseFinished // of the second scenario
	require.NotNil(t, finished)
	for _, e := range envs {
		if f := e.TestStepFinished; f != nil && f.TestStepResult.Status == messages.TestStepResultStatus_FAILED {
			f.TestStepResult.Message += "\nwith password " + secret
		}
	}
	for _, encoding := range []messages.AttachmentContentEncoding{messages.AttachmentContentEncoding_IDENTITY, messages.AttachmentContentEncoding_BASE64} {
		a := jsonAttachment(t, evidence.ExchangeMediaType, leak, encoding)
		a.TestCaseStartedId = finished.TestCaseStartedId
		envs = append(envs[:len(envs)-1], &messages.Envelope{Attachment: a}, envs[len(envs)-1])
	}
	return envs
}

// TestReportOfARedactedStreamHoldsNoSecret passes a stream that holds a secret through the
// redactor the CLI uses, as the CLI does, and renders it: the secret must be gone from the page.
func TestReportOfARedactedStreamHoldsNoSecret(t *testing.T) {
	const secret = "s3cret-5e1b" // strong: a short one is redacted only where it stands as a credential
	redactor := credentials.NewRedactor(secret)
	stream := ndjson(t, withLeak(t, secret))

	// Without redaction the secret shows: the test can fail.
	plain, err := ReadMessages(bytes.NewReader(stream))
	require.NoError(t, err)
	require.Contains(t, render(t, plain, sampleInfo), secret)

	redacted, err := ReadMessages(bytes.NewReader(redactor.Bytes(stream)))
	require.NoError(t, err)
	info := sampleInfo
	info.Redact = redactor.String // for the BASE64 attachment, which the stream's redaction cannot see into
	out := render(t, redacted, info)
	require.NotContains(t, out, secret)
	require.Contains(t, out, "password=[REDACTED]")
	require.Contains(t, out, "bad password [REDACTED]")
	require.Contains(t, out, "with password [REDACTED]")
}

// TestRedactReachesWhatTheStreamHides: a secret that JSON escapes, or that sits in a BASE64
// attachment, survives redacting the stream's bytes; Info.Redact removes it from the page.
func TestRedactReachesWhatTheStreamHides(t *testing.T) {
	const secret = `pa&ss"w<rd`
	redactor := credentials.NewRedactor(secret)
	redacted, err := ReadMessages(bytes.NewReader(redactor.Bytes(ndjson(t, withLeak(t, secret)))))
	require.NoError(t, err)

	leaky := render(t, redacted, sampleInfo)
	require.Contains(t, leaky, html.EscapeString(secret), "redacting the stream alone leaves it")

	info := sampleInfo
	info.Redact = redactor.String
	out := render(t, redacted, info)
	require.NotContains(t, out, html.EscapeString(secret))
	require.NotContains(t, out, "w&lt;rd")
	require.Contains(t, textOf(parse(t, out)), "password="+credentials.Redacted)
}

func TestWriteHTMLIncompleteStream(t *testing.T) {
	envs := sampleStream(t)
	failed := slices.IndexFunc(envs, func(e *messages.Envelope) bool {
		return e.TestStepFinished != nil && e.TestStepFinished.TestStepResult.Status == messages.TestStepResultStatus_FAILED
	})
	require.Positive(t, failed)

	tests := []struct {
		name   string
		stream []*messages.Envelope
		status string
	}{
		{"stopped before the failing step finished", envs[:failed], "s-unknown"},
		{"stopped after it", envs[:failed+1], "s-failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := render(t, tt.stream, Info{})
			doc := parse(t, out)
			summary := byID(doc, "summary")
			require.Contains(t, textOf(summary), "Incomplete: the run did not finish")
			require.Contains(t, textOf(summary), "not named")
			scenarios := all(doc, hasClass("scenario"))
			require.Len(t, scenarios, 2)
			require.Contains(t, attr(scenarios[0], "class"), "s-passed")
			require.Contains(t, attr(scenarios[1], "class"), tt.status)
			requireSelfContained(t, doc, out)
		})
	}
}

func TestWriteHTMLEmptyStream(t *testing.T) {
	out := render(t, nil, Info{})
	doc := parse(t, out)
	require.Contains(t, textOf(byID(doc, "summary")), "Incomplete")
	require.Empty(t, all(doc, hasClass("scenario")))
}

// requireSelfContained fails when the page would load or link to anything outside itself: a
// href, src (or xlink:href, which parses as href) that is not a fragment, a url() in a style
// attribute or the stylesheet that is not a fragment, an @import, or an element that loads
// (script, link, base, img, iframe, object, embed).
func requireSelfContained(t testing.TB, doc *html.Node, out string) {
	t.Helper()
	for _, n := range all(doc, func(*html.Node) bool { return true }) {
		switch n.Data {
		case "script", "link", "base", "iframe", "object", "embed", "img":
			t.Errorf("page has a <%s> element", n.Data)
		}
		for _, a := range n.Attr {
			key := strings.ToLower(a.Key)
			if key == "href" || key == "src" || key == "srcset" || key == "action" || key == "data" || key == "poster" {
				if !strings.HasPrefix(a.Val, "#") {
					t.Errorf("<%s %s=%q> points outside the page", n.Data, a.Key, a.Val)
				}
			}
			if strings.Contains(strings.ToLower(a.Val), "url(") && regexp.MustCompile(`url\(\s*['"]?[^#'"\s]`).MatchString(a.Val) {
				t.Errorf("<%s %s=%q> refers to something outside the page", n.Data, a.Key, a.Val)
			}
		}
	}
	for _, style := range all(doc, tag("style")) {
		text := textOf(style)
		require.NotRegexp(t, `(?i)url\(\s*['"]?\s*(https?:|//)`, text)
		require.NotContains(t, text, "@import")
	}
	// The only URLs in the page are shown as text.
	require.NotRegexp(t, `(?i)(href|src)\s*=\s*["']?\s*(https?:|//)`, out)
}

func TestReadMessages(t *testing.T) {
	envs := sampleStream(t)
	stream := ndjson(t, envs)
	got, err := ReadMessages(bytes.NewReader(append([]byte("\n"), stream...)))
	require.NoError(t, err)
	require.Len(t, got, len(envs))
	require.Equal(t, render(t, envs, sampleInfo), render(t, got, sampleInfo))

	tests := []struct {
		name, input, want string
	}{
		{"not JSON", "{\"meta\":{}}\n\nnot json\n", "messages line 3: "},
		{"not an envelope", "{\"meta\":{}}\n{\"colour\":\"red\"}\n", "messages line 2: not an envelope"},
		{"wrong type", "{\"pickle\":[]}\n", "messages line 1: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadMessages(strings.NewReader(tt.input))
			require.ErrorContains(t, err, tt.want)
		})
	}
}

var (
	instants  = regexp.MustCompile(`<time datetime="\d{4}-[^"]*">[^<]*</time>`)
	durations = regexp.MustCompile(`<time datetime="PT[^"]*">[^<]*</time>`)
	ports     = regexp.MustCompile(`(127\.0\.0\.1|localhost|\[::1\]):\d+`)
)

// normalise makes a report comparable from run to run: every time shown becomes one fixed
// instant, every duration 0 and every local port PORT.
func normalise(s string) string {
	s = instants.ReplaceAllString(s, `<time datetime="2000-01-01T00:00:00Z">2000-01-01 00:00:00 UTC</time>`)
	s = durations.ReplaceAllString(s, `<time datetime="PT0S">0 µs</time>`)
	return ports.ReplaceAllString(s, "${1}:PORT")
}

func parse(t testing.TB, s string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	require.NoError(t, err)
	return doc
}

func all(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && match(d) {
			out = append(out, d)
		}
	}
	return out
}

func first(n *html.Node, match func(*html.Node) bool) *html.Node {
	if found := all(n, match); len(found) > 0 {
		return found[0]
	}
	return nil
}

func byID(n *html.Node, id string) *html.Node {
	return first(n, func(n *html.Node) bool { return attr(n, "id") == id })
}

func tag(name string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == name }
}

func hasClass(class string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		for _, c := range strings.Fields(attr(n, "class")) {
			if c == class {
				return true
			}
		}
		return false
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode && (d.Parent == nil || d.Parent.Data != "title" || d.Parent.Parent == nil || d.Parent.Parent.Data == "head") {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

// squash collapses runs of white space, as a browser shows them.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// A run stopped early says so: in the facts, and in the verdict unless it already failed.
func TestWriteHTMLStoppedRun(t *testing.T) {
	const why = "the run was interrupted (SIGINT)"
	failing := render(t, sampleStream(t), Info{Stopped: why})
	summary := textOf(byID(parse(t, failing), "summary"))
	require.Contains(t, squash(summary), "Does not conform", "a failure seen before the signal stands")
	require.Contains(t, squash(summary), "Stopped"+why)

	envs := sampleStream(t)
	for _, e := range envs {
		if e.TestRunFinished != nil {
			e.TestRunFinished.Success = true
		}
	}
	require.Contains(t, squash(textOf(byID(parse(t, render(t, envs, Info{})), "summary"))), "Conforms")
	summary = textOf(byID(parse(t, render(t, envs, Info{Stopped: why})), "summary"))
	require.Contains(t, squash(summary), "Incomplete: "+why, "skipped scenarios of a stopped run prove nothing")
	require.NotContains(t, squash(summary), "Conforms")
}
