package specdiff

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/internal/golden"
	"github.com/conform-harness/conform/openapi"
)

const (
	vendor26b      = "../../openapi/testdata/vendor-26b.json"
	useCaseOverlay = "../../openapi/testdata/use-case.overlay.yaml"
	breaking26c    = "testdata/vendor-26c-breaking.json"
	harmless26c    = "testdata/vendor-26c-harmless.json"
)

// expected is a change a test expects: of call, by oasdiff's rule id, with text in its words.
type expected struct {
	call, id, text string
	breaking       bool
}

// requireChanges requires the report's changes to be exactly want, in any order.
func requireChanges(t testing.TB, r *Report, want []expected) {
	t.Helper()
	left := append([]Change(nil), r.Changes...)
	for _, w := range want {
		found := -1
		for i, c := range left {
			if c.Call == w.call && c.ID == w.id && strings.Contains(c.Text, w.text) {
				found = i
				break
			}
		}
		require.GreaterOrEqual(t, found, 0, "no %s change %s %q among\n%s", w.call, w.id, w.text, dump(left))
		require.Equal(t, w.breaking, left[found].Breaking, "breaking: %+v", left[found])
		require.NotEmpty(t, left[found].Why)
		left = append(left[:found], left[found+1:]...)
	}
	require.Empty(t, left, "changes not expected:\n%s", dump(left))
}

func dump(cs []Change) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(c.Call + " " + c.ID + " " + c.Text + "\n")
	}
	return b.String()
}

func compare(t testing.TB, oldFile, newFile string) *Report {
	t.Helper()
	r, err := Compare(oldFile, newFile)
	require.NoError(t, err)
	return r
}

// One breaking change of each kind the contract knows, in the vendor's 26b document: a status
// the contract expects removed, a success it does not accept added, a required field removed,
// fields the oracle reads retyped (the ids, a checksum), a progress value removed and one added,
// the id parameter retyped, a new required field in the create's body.
func TestBreakingChangesOfEachKind(t *testing.T) {
	r := compare(t, vendor26b, breaking26c)
	var want []expected
	for _, call := range []string{"create", "status"} {
		want = append(want,
			expected{call, "response-required-property-removed", "`completed`", true},
			expected{call, "response-property-type-changed", "`result/body/requestID`", true},
			expected{call, "response-property-type-changed", "`result/body/tables/items/items/itemID`", true},
			expected{call, "response-property-type-changed", "`result/body/tables/items/items/parts/items/items/checksum`", true},
			expected{call, "response-property-enum-value-removed", "`cancelling`", true},
			expected{call, "response-property-enum-value-added", "`queued`", true},
		)
	}
	want = append(want,
		expected{"create", "new-required-request-property", "`format`", true},
		expected{"status", "request-parameter-type-changed", "`id`", true},
		expected{"status", "response-non-success-status-removed", "`404`", true},
		expected{"cancel", "request-parameter-type-changed", "`id`", true},
		expected{"cancel", "response-success-status-removed", "`204`", true},
		expected{"cancel", "response-success-status-added", "`202`", true},
	)
	requireChanges(t, r, want)
	require.Equal(t, len(want), r.Breaking())
	// The version is not the contract's; the status collection's path is not compared.
	require.Equal(t, 1, r.Elsewhere)
	require.Equal(t, "26b", r.Old.Version)
	require.Equal(t, "26c", r.New.Version)
	require.Equal(t, "POST /custom-actions/cancel/exportRequests/{id} (cancel-exportRequests)", r.New.Calls["cancel"])
}

// Harmless changes: optional fields added, an error document's field removed, descriptions,
// another path removed (the status collection, which oasdiff itself rates breaking), the
// cancel's 400 declared at last.
func TestHarmlessChangesBreakNothing(t *testing.T) {
	r := compare(t, vendor26b, harmless26c)
	var want []expected
	for _, call := range []string{"create", "status"} {
		want = append(want,
			expected{call, "response-optional-property-added", "`estimatedEndTime`", false},
			expected{call, "response-optional-property-added", "`result/body/tables/items/items/parts/items/items/compression`", false},
		)
	}
	for _, call := range []string{"create", "status", "cancel"} {
		want = append(want,
			expected{call, "response-optional-property-removed", "`o:errorPath` from the response with the `4", false},
			expected{call, "response-optional-property-removed", "`o:errorPath` from the response with the `4", false},
		)
	}
	want = append(want, expected{"cancel", "response-non-success-status-added", "`400`", false})
	requireChanges(t, r, want)
	require.Zero(t, r.Breaking())
	require.Equal(t, 2, r.Elsewhere, "the collection's schema removed, the version; its path is not compared")
}

func TestSameDocumentNoChange(t *testing.T) {
	r := compare(t, vendor26b, vendor26b)
	require.Empty(t, r.Changes)
	require.Zero(t, r.Elsewhere)
}

// The cancel's 400, which the use-case page requires, removed again.
func TestCancel400Removed(t *testing.T) {
	r := compare(t, harmless26c, vendor26b)
	require.Equal(t, 1, r.Breaking())
	require.Equal(t, "cancel", r.Changes[0].Call)
	require.Equal(t, "response-non-success-status-removed", r.Changes[0].ID)
	require.Contains(t, r.Changes[0].Why, "invalid state")
}

// The use-case page's reading of the vendor's document (its overlay) against the vendor's
// own: the cancel's 200 and 400 are gone, and the ids are strings only.
func TestUseCaseAgainstTheVendorsDocument(t *testing.T) {
	_, source, err := openapi.Effective(vendor26b, []string{useCaseOverlay})
	require.NoError(t, err)
	useCase := filepath.Join(t.TempDir(), "use-case.yaml")
	require.NoError(t, os.WriteFile(useCase, source, 0o600))

	r := compare(t, useCase, vendor26b)
	var removed []string
	for _, c := range r.Changes {
		if c.Call == "cancel" && c.ID == "response-success-status-removed" || c.ID == "response-non-success-status-removed" {
			require.True(t, c.Breaking, "%+v", c)
			removed = append(removed, c.Text)
		}
	}
	require.Len(t, removed, 2, dump(r.Changes))
	require.Contains(t, removed[0]+removed[1], "`200`")
	require.Contains(t, removed[0]+removed[1], "`400`")
}

// edit writes a copy of the JSON document file, changed by change, and returns its path.
func edit(t testing.TB, file string, change func(doc map[string]any)) string {
	t.Helper()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	change(doc)
	out, err := json.Marshal(doc)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "edited.json")
	require.NoError(t, os.WriteFile(path, out, 0o600))
	return path
}

func paths(doc map[string]any) map[string]any { return doc["paths"].(map[string]any) }

func TestCallGone(t *testing.T) {
	gone := edit(t, vendor26b, func(doc map[string]any) {
		p := paths(doc)
		p["/custom-actions/abort/exportRequests/{id}"] = p["/custom-actions/cancel/exportRequests/{id}"]
		delete(p, "/custom-actions/cancel/exportRequests/{id}")
	})
	r := compare(t, vendor26b, gone)
	require.Equal(t, 1, r.Breaking(), dump(r.Changes))
	c := r.Changes[0]
	require.Equal(t, "cancel", c.Call)
	require.Equal(t, "api-path-removed-without-deprecation", c.ID)
	require.Contains(t, c.Why, "every scenario")
	require.NotContains(t, r.New.Calls, "cancel")
	require.Zero(t, r.Elsewhere, "the new path, no call of the API, is not compared")
}

// A vendor that moves the API root from the server's URL into the paths still describes the
// three calls: the old paths' removal breaks nothing conform checks.
func TestCallsMovedBelowTheRoot(t *testing.T) {
	moved := edit(t, vendor26b, func(doc map[string]any) {
		doc["servers"] = []any{map[string]any{"url": "https://servername.example.com"}}
		p, moved := paths(doc), map[string]any{}
		for k, v := range p {
			moved["/logisticsRestApi/data/v1"+k] = v
		}
		doc["paths"] = moved
	})
	r := compare(t, vendor26b, moved)
	require.Zero(t, r.Breaking(), dump(r.Changes))
	require.Len(t, r.Changes, 6, "the old paths of the three calls removed, the new ones added")
	for _, c := range r.Changes {
		if c.ID == "endpoint-added" {
			require.Contains(t, c.Why, "describes the "+c.Call+" call here")
		} else {
			require.Contains(t, c.Why, "still describes", "%+v", c)
		}
	}
	require.Equal(t, "POST /logisticsRestApi/data/v1/exportRequests (create-exportRequests)", r.New.Calls["create"])
}

func TestDocumentsThatDoNotLoad(t *testing.T) {
	dir := t.TempDir()
	notOpenAPI := filepath.Join(dir, "not-openapi.yaml")
	require.NoError(t, os.WriteFile(notOpenAPI, []byte("openapi: [\n"), 0o600))
	noCalls := filepath.Join(dir, "no-calls.json")
	require.NoError(t, os.WriteFile(noCalls, []byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/pets":{"get":{"responses":{"200":{"description":"ok"}}}}}}`), 0o600))

	for _, tt := range []struct {
		name, old, new, err string
	}{
		{"a missing old document", filepath.Join(dir, "missing.json"), vendor26b, "missing.json: no such file or directory"},
		{"a new document that is not YAML", vendor26b, notOpenAPI, "not-openapi.yaml:"},
		{"neither describes the API", noCalls, noCalls, "neither"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compare(tt.old, tt.new)
			require.ErrorContains(t, err, tt.err)
			if tt.name != "neither describes the API" {
				var se *openapi.SpecError
				require.ErrorAs(t, err, &se)
			}
		})
	}
}

func TestDocumentTooBig(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.json")
	f, err := os.Create(big)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(openapi.MaxSpecBytes+1))
	require.NoError(t, f.Close())
	_, err = Compare(vendor26b, big)
	require.ErrorContains(t, err, "longer than")
}

func TestMarkdown(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, compare(t, vendor26b, breaking26c).WriteMarkdown(&b))
	golden.Assert(t, "testdata/breaking.md", b.Bytes())
}

func TestText(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, compare(t, vendor26b, harmless26c).WriteText(&b))
	out := b.String()
	require.Contains(t, out, "No change breaks the contract conform checks.\n")
	require.Contains(t, out, "11 changes do not:\n")
	require.Contains(t, out, "  cancel  added the non-success response with the status `400`\n          why: the document now declares what the contract expects")
	require.Contains(t, out, "\n2 changes outside the three calls (the info, components) left out; other paths are not compared.\n")
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, compare(t, vendor26b, breaking26c).WriteJSON(&b))
	var got struct {
		Breaking int
		Changes  []Change
		Old, New Document
	}
	require.NoError(t, json.Unmarshal(b.Bytes(), &got))
	require.Equal(t, 18, got.Breaking)
	require.Len(t, got.Changes, 18)
	require.Equal(t, "26c", got.New.Version)
}

// What a document holds reaches a terminal and a pull request only defanged: no escape
// sequence, no line of its own, no HTML, no endless line.
func TestHostileTextIsShownDefanged(t *testing.T) {
	hostile := edit(t, vendor26b, func(doc map[string]any) {
		doc["info"].(map[string]any)["version"] = "26c\x1b[2J\n<img src=x>|" + strings.Repeat("v", 5000)
	})
	r := compare(t, vendor26b, hostile)
	var text, md bytes.Buffer
	require.NoError(t, r.WriteText(&text))
	require.NoError(t, r.WriteMarkdown(&md))
	for _, out := range []string{text.String(), md.String()} {
		require.NotContains(t, out, "\x1b")
		require.NotContains(t, out, strings.Repeat("v", maxShown+1))
	}
	require.NotContains(t, md.String(), "<img")
	require.NotContains(t, md.String(), "x>|")
	require.Equal(t, 1, strings.Count(text.String(), "26c"), "the version on the first line only")
	require.True(t, strings.HasPrefix(strings.SplitN(text.String(), "\n", 2)[1], "  create"), "the newline is gone:\n%.300s", text.String())
}

func schemas(doc map[string]any) map[string]any {
	return doc["components"].(map[string]any)["schemas"].(map[string]any)
}

func responses(doc map[string]any, path, method string) map[string]any {
	return paths(doc)[path].(map[string]any)[method].(map[string]any)["responses"].(map[string]any)
}

// The other kinds the README's table names, one change each.
func TestMoreKinds(t *testing.T) {
	tests := []struct {
		name   string
		change func(doc map[string]any)
		want   expected
	}{
		{"progress made optional", func(doc map[string]any) {
			schemas(doc)["exportStatuses-item"].(map[string]any)["required"] = []any{"completed"}
		}, expected{"status", "response-property-became-optional", "`progress`", true}},
		{"an error answer added", func(doc map[string]any) {
			responses(doc, "/exportStatuses/{id}", "get")["429"] = map[string]any{"description": "Too many requests."}
		}, expected{"status", "response-non-success-status-added", "`429`", false}},
		{"OAuth2 dropped from the cancel", func(doc map[string]any) {
			paths(doc)["/custom-actions/cancel/exportRequests/{id}"].(map[string]any)["post"].(map[string]any)["security"] = []any{map[string]any{"basicAuth": []any{}}}
		}, expected{"cancel", "api-security-removed", "`oauth2ClientCredentials`", false}},
		{"a table name accepts more", func(doc map[string]any) {
			item := schemas(doc)["exportRequests-request"].(map[string]any)["properties"].(map[string]any)["tables"].(map[string]any)["properties"].(map[string]any)["items"].(map[string]any)
			item["minItems"] = 0
		}, expected{"create", "request-property-min-items-unset", "`tables/items`", false}},
		{"the status document in another JSON media type", func(doc map[string]any) {
			content := responses(doc, "/exportStatuses/{id}", "get")["200"].(map[string]any)["content"].(map[string]any)
			content["application/vnd.oracle.adf.resourceitem+json"] = content["application/json"]
			delete(content, "application/json")
		}, expected{"status", "response-media-type-name-specialized", "`application/vnd.oracle.adf.resourceitem+json`", false}},
		{"the status document as XML", func(doc map[string]any) {
			content := responses(doc, "/exportStatuses/{id}", "get")["200"].(map[string]any)["content"].(map[string]any)
			content["application/xml"] = content["application/json"]
			delete(content, "application/json")
		}, expected{"status", "response-media-type-removed", "`application/json`", true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := compare(t, vendor26b, edit(t, vendor26b, tt.change))
			var mine []Change
			for _, c := range r.Changes {
				if c.Call == tt.want.call && c.ID == tt.want.id {
					mine = append(mine, c)
				}
			}
			requireChanges(t, &Report{Changes: mine}, []expected{tt.want})
		})
	}
}
