package openapi

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

// TestViolationQuotesTheOffendingValue: a violation about one value says which value, so that
// a reader sees the misspelling or the malformed date without opening the body; bounded, and
// one line, whatever the target sent.
func TestViolationQuotesTheOffendingValue(t *testing.T) {
	v := mustValidator(t)
	status := export.Root + "/exportStatuses/12345"
	seed := seedDoc(t)
	get := func(pairs ...string) call {
		return exchange("GET", status, "", 200, jsonCT, strings.NewReplacer(pairs...).Replace(seed))
	}
	long := strings.Repeat("x", 10<<10)
	tests := []struct {
		name    string
		ex      call
		pointer string
		got     string // the end of the reason
	}{
		{"a misspelt progress", get(`"cancelling"`, `"procesing"`), "/progress", `(got "procesing")`},
		{"a malformed date", get(`"2022-11-29T15:21:56Z"`, `"yesterday"`), "/result/body/submitDate", `(got "yesterday")`},
		{"a number as a string", get(`"recordCount": 92`, `"recordCount": "92"`), "/result/body/tables/items/0/parts/items/0/recordCount", `(got "92")`},
		{"a negative count", get(`"recordCount": 92`, `"recordCount": -1`), "/result/body/tables/items/0/parts/items/0/recordCount", `(got -1)`},
		{"null where a value is required", get(`"completed": false`, `"completed": null`), "/completed", `(got null)`},
		{"an object for a string", get(`"cancelling"`, `{"b": [1, "<&>"], "a": true}`), "/progress", `(got {"a":true,"b":[1,"<&>"]})`},
		{"10 KB cut to a line", get(`"cancelling"`, `"`+long+`"`), "/progress", `(got "` + strings.Repeat("x", maxShownValue-1) + `…)`},
		{"a newline and escapes stay one line", get(`"cancelling"`, `"a\nb\u001b[31m\u007f\u0085\u2028"`), "/progress",
			`(got "a\nb\u001b[31m\u007f\u0085\u2028")`},
		{"an escape is not cut in two", get(`"cancelling"`, `"`+strings.Repeat("x", maxShownValue-4)+`\n\n"`), "/progress",
			`(got "` + strings.Repeat("x", maxShownValue-4) + `\n…)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hit *Violation
			got := check(v, tt.ex)
			for i, vi := range got {
				if vi.Where == "response" && vi.Pointer == tt.pointer {
					hit = &got[i]
				}
			}
			require.NotNil(t, hit, "want a violation at %s, got %v", tt.pointer, got)
			require.True(t, strings.HasSuffix(hit.Reason, tt.got), "want %s at the end of %q", tt.got, hit.Reason)
			s := hit.String()
			require.False(t, strings.ContainsFunc(s, unicode.IsControl), "one line, no control character: %q", s)
			require.False(t, strings.ContainsAny(s, "\u2028\u2029"), "no line separator either: %q", s)
			quoted := hit.Reason[strings.LastIndex(hit.Reason, "(got ")+len("(got "):]
			require.LessOrEqual(t, utf8.RuneCountInString(quoted), maxShownValue+2, "bounded: the value, an ellipsis, a parenthesis")
		})
	}
}

// TestAMissingPropertyQuotesNoValue: the value of a missing property's error is the object
// that lacks it, which the pointer does not name: no value is quoted.
func TestAMissingPropertyQuotesNoValue(t *testing.T) {
	got := check(mustValidator(t), exchange("GET", export.Root+"/exportStatuses/12345", "", 200, jsonCT,
		strings.Replace(seedDoc(t), `"completed": false,`, ``, 1)))
	require.Len(t, got, 1)
	require.Equal(t, "/completed", got[0].Pointer)
	require.True(t, strings.HasSuffix(got[0].Reason, `property "completed" is missing`), got[0].Reason)
}

// TestRedactingMasksASecretBeforeTheCut: a secret the target echoes into a value is masked
// whole, even where the cut would have left part of it.
func TestRedactingMasksASecretBeforeTheCut(t *testing.T) {
	const secret = "CANARY-TOKEN-3f0d2e-0123456789abcdef" // a token, longer than what is left of the line
	value := strings.Repeat("x", maxShownValue-20) + secret + strings.Repeat("y", 100)
	ex := exchange("GET", export.Root+"/exportStatuses/12345", "", 200, jsonCT,
		strings.Replace(seedDoc(t), `"cancelling"`, `"`+value+`"`, 1))
	redact := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(secret), []byte("[REDACTED]")) }
	v := mustValidator(t)

	plain := check(v, ex)
	require.Len(t, plain, 1)
	require.Contains(t, plain[0].Reason, secret[:15], "without redaction the cut shows part of the secret, which no later redaction recognises")

	got := check(v.Redacting(redact), ex)
	require.Len(t, got, 1)
	require.True(t, strings.HasSuffix(got[0].Reason, `(got "`+strings.Repeat("x", maxShownValue-20)+`[REDACTED]`+strings.Repeat("y", 9)+`…)`), got[0].Reason)
	require.NotContains(t, got[0].Reason, "CANARY")
	require.Equal(t, plain, check(v, ex), "Redacting leaves v as it was")
}
