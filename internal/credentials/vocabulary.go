package credentials

import (
	_ "embed"
	"strings"
	"unicode/utf8"
)

// vocabulary is every word of eight letters or more that conform's own output may hold, one a
// line, lowercased: the words of its features, spec, report templates and messages, and of the
// libraries that write its reports and validation errors (godog, Cucumber Messages,
// kin-openapi). TestVocabularyIsConformsOwnWords rebuilds it from the sources (go test -update
// rewrites it), so that it cannot drift from the code.
//
//go:embed vocabulary.txt
var vocabulary string

// MinStrongLen is the length, in characters, from which a secret that is not a word of conform's
// own output is redacted wherever it appears in what came from the target.
const MinStrongLen = 8

// Weak reports whether secret, if redacted wherever it appears, would garble conform's own
// words: it is shorter than MinStrongLen characters, or it is made only of letters and appears
// (in any case) inside a word of conform's own output ("conform" is inside "conforms"). A weak
// secret is redacted only where it stands as a credential (see Redactor).
func Weak(secret string) bool {
	if utf8.RuneCountInString(secret) < MinStrongLen {
		return true
	}
	for i := 0; i < len(secret); i++ {
		if c := secret[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return strings.Contains(vocabulary, strings.ToLower(secret))
}
