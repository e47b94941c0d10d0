package credentials

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

var redactCases = []struct {
	name    string
	secrets []string
	in      string
	want    string
}{
	{name: "no secrets", in: "hello", want: "hello"},
	{name: "nothing to replace", secrets: []string{"hunter2-x9"}, in: "hello", want: "hello"},
	{name: "empty secret ignored", secrets: []string{""}, in: "hello", want: "hello"},
	{name: "one", secrets: []string{"hunter2-x9"}, in: "pw=hunter2-x9;", want: "pw=[REDACTED];"},
	{name: "repeated", secrets: []string{"hunter2-x9"}, in: "hunter2-x9 hunter2-x9", want: "[REDACTED] [REDACTED]"},
	{name: "adjacent", secrets: []string{"hunter2-x9"}, in: "hunter2-x9hunter2-x9", want: "[REDACTED][REDACTED]"},
	{name: "one secret inside another", secrets: []string{"abcdefgh", "xabcdefghx"}, in: "1xabcdefghx2abcdefgh3", want: "1[REDACTED]2[REDACTED]3"},
	{name: "overlapping secrets leave no part", secrets: []string{"abcdefgh", "efghijkl"}, in: "xabcdefghijklx", want: "x[REDACTED]x"},
	{name: "self-overlapping occurrences", secrets: []string{"abcabcab"}, in: "zabcabcabcabz", want: "z[REDACTED]z"},
	{name: "whole text", secrets: []string{"hunter2-x9"}, in: "hunter2-x9", want: "[REDACTED]"},
	// A weak secret (short, or a word of conform's) only where it stands as a credential.
	{name: "short secret in words left alone", secrets: []string{"t"}, in: "against the target", want: "against the target"},
	{name: "short secret after a scheme", secrets: []string{"t"}, in: "Authorization: Bearer t\nbearer t", want: "Authorization: Bearer [REDACTED]\nbearer [REDACTED]"},
	{name: "short secret as a key's value", secrets: []string{"t"}, in: "pw=t; token: t&access_token=t password = 't'",
		want: "pw=[REDACTED]; token: [REDACTED]&access_token=[REDACTED] password = '[REDACTED]'"},
	{name: "short secret in JSON, escaped or not", secrets: []string{"t"}, in: `{"access_token":"t"} "{\"client_secret\": \"t\"}"`,
		want: `{"access_token":"[REDACTED]"} "{\"client_secret\": \"[REDACTED]\"}"`},
	{name: "short secret in a URL's userinfo", secrets: []string{"t"}, in: "https://u:t@host/ http://t@host/ t@host",
		want: "https://u:[REDACTED]@host/ http://[REDACTED]@host/ t@host"},
	{name: "short secret inside a longer credential is another one", secrets: []string{"t"}, in: "Bearer t0k pw=at https://u:tt@h", want: "Bearer t0k pw=at https://u:tt@h"},
	{name: "word of conform's", secrets: []string{"conform"}, in: `conforms, "verdict":"conforms" "password":"conform"`,
		want: `conforms, "verdict":"conforms" "password":"[REDACTED]"`},
	{name: "weak and strong side by side", secrets: []string{"t", "hunter2-x9"}, in: "Bearer t hunter2-x9 t", want: "Bearer [REDACTED] [REDACTED] t"},
}

func TestRedactorStringAndBytes(t *testing.T) {
	for _, tt := range redactCases {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRedactor(tt.secrets...)
			require.Equal(t, tt.want, r.String(tt.in))

			in := []byte(tt.in)
			require.Equal(t, tt.want, string(r.Bytes(in)))
			require.Equal(t, tt.in, string(in), "Bytes must not modify its argument")
		})
	}
}

func TestRedactorConcurrentAdd(t *testing.T) {
	r := NewRedactor()
	const n = 50
	var wg sync.WaitGroup
	seen := make([]string, n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			r.Add(fmt.Sprintf("token-%03d", i))
		}()
		go func() {
			defer wg.Done()
			seen[i] = r.String(fmt.Sprintf("plain token-%03d", i))
		}()
	}
	wg.Wait()

	for i, got := range seen {
		// Depending on the interleaving the token was known or not yet; nothing else may change.
		require.Contains(t, []string{"plain " + Redacted, fmt.Sprintf("plain token-%03d", i)}, got)
	}
	for i := range n {
		require.Equal(t, "a "+Redacted, r.String(fmt.Sprintf("a token-%03d", i)))
	}
}

// closeRecorder is an io.WriteCloser that records whether it was closed.
type closeRecorder struct {
	bytes.Buffer
	closed bool
}

func (c *closeRecorder) Close() error {
	c.closed = true
	return nil
}

func TestRedactorWriterSplitAtEveryPoint(t *testing.T) {
	for _, tt := range redactCases {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRedactor(tt.secrets...)
			in := []byte(tt.in)
			// Every way of cutting the text into three writes, empty writes included.
			for i := 0; i <= len(in); i++ {
				for j := i; j <= len(in); j++ {
					var out closeRecorder
					w := r.Writer(&out)
					for _, part := range [][]byte{in[:i], in[i:j], in[j:]} {
						n, err := w.Write(part)
						require.NoError(t, err)
						require.Equal(t, len(part), n)
					}
					require.NoError(t, w.Close())
					require.Equal(t, tt.want, out.String(), "writes split at %d and %d", i, j)
					require.False(t, out.closed, "Close must not close the underlying writer")
				}
			}
		})
	}
}

func TestRedactorWriterHoldsBackOnlyWhatCouldBeASecret(t *testing.T) {
	r := NewRedactor("secret")
	var out bytes.Buffer
	w := r.Writer(&out)

	_, err := w.Write([]byte("partial secr"))
	require.NoError(t, err)
	require.Equal(t, "partial ", out.String(), "the possible start of a secret is kept back")

	_, err = w.Write([]byte("ation"))
	require.NoError(t, err)
	require.Equal(t, "partial secration", out.String(), "no secret after all: written out")

	_, err = w.Write([]byte(" then sec"))
	require.NoError(t, err)
	require.Equal(t, "partial secration then ", out.String())

	require.NoError(t, w.Close())
	require.Equal(t, "partial secration then sec", out.String(), "Close flushes the tail")
}

func TestRedactorWriterLearnsSecretsWhileInUse(t *testing.T) {
	r := NewRedactor()
	var out bytes.Buffer
	w := r.Writer(&out)

	_, err := w.Write([]byte("before tok"))
	require.NoError(t, err)
	r.Add("token-0001")
	_, err = w.Write([]byte("en-0001 after"))
	require.NoError(t, err)
	require.NoError(t, w.Close())

	// "before tok" went out before the token was known; only what followed could be caught.
	require.Equal(t, "before token-0001 after", out.String())

	out.Reset()
	_, err = w.Write([]byte("again token-0001"))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.Equal(t, "again "+Redacted, out.String())
}

// TestRedactorWriterMatchesString feeds random text full of near-misses in random pieces and
// compares with redacting the whole text at once.
func TestRedactorWriterMatchesString(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	secrets := []string{"abcabcab", "bcabcabd", "zz.zz.zz", "ca", "b"}
	// Pieces that put a weak secret where it stands as a credential, or almost.
	contexts := []string{"pw=", "Bearer ", "://", "x:", "@", `"`, " "}
	r := NewRedactor(secrets...)
	for round := range 600 {
		var text strings.Builder
		for range 1 + rng.IntN(20) {
			switch rng.IntN(3) {
			case 0:
				s := secrets[rng.IntN(len(secrets))]
				text.WriteString(s[:1+rng.IntN(len(s))]) // a secret or a prefix of one
			case 1:
				text.WriteString(contexts[rng.IntN(len(contexts))])
			default:
				text.WriteByte("abcdz."[rng.IntN(6)])
			}
		}
		in := text.String()
		var out bytes.Buffer
		w := r.Writer(&out)
		for rest := in; rest != ""; {
			k := min(len(rest), rng.IntN(6))
			_, err := w.Write([]byte(rest[:k]))
			require.NoError(t, err)
			rest = rest[k:]
		}
		require.NoError(t, w.Close())
		require.Equal(t, r.String(in), out.String(), "round %d, text %q", round, in)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRedactorWriterReportsWriteErrors(t *testing.T) {
	w := NewRedactor("secret").Writer(failingWriter{})

	n, err := w.Write([]byte("hello"))

	require.EqualError(t, err, "disk full")
	require.Zero(t, n)
}

func TestRedactorWriterConcurrentWrites(t *testing.T) {
	r := NewRedactor("hunter2-x9")
	var out bytes.Buffer
	w := r.Writer(&out)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = w.Write([]byte("line hunter2-x9\n"))
		}()
	}
	wg.Wait()
	require.NoError(t, w.Close())

	require.Equal(t, strings.Repeat("line "+Redacted+"\n", 20), out.String())
}

func TestRedactorCatchesJSONEscapedSecrets(t *testing.T) {
	secret := `p&ss"w<rd>\x`
	r := NewRedactor(secret)
	for _, html := range []bool{true, false} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(html)
		require.NoError(t, enc.Encode(map[string]string{"detail": "you sent " + secret}))
		out := r.String(buf.String())
		require.NotContains(t, out, `ss`, "escaped form (html=%t) must be redacted: %s", html, out)
		require.Contains(t, out, Redacted)
	}
}

// A password that is also an ordinary word (conform serve's default pairing is conform/conform)
// must not garble conform's own output, while every credential form of it is still redacted,
// and text from the target is redacted whole.
func TestCredentialFormsLeaveAPlainWordAlone(t *testing.T) {
	red := Config{Basic: &Basic{Username: "conform", Password: "conform"}}.Redactor()
	red.Add("tok-3f0d2e") // a token, as the authenticator adds one
	own := `conform: running against http://127.0.0.1/logisticsRestApi/data/v1 with HTTP Basic as "conform"` +
		"\nmedia type application/vnd.conform.exchange+json"
	header := "Authorization: Basic Y29uZm9ybTpjb25mb3Jt"
	pair := "you sent conform:conform"
	bearer := "Authorization: Bearer tok-3f0d2e"

	view := red.CredentialForms()
	require.Equal(t, own, view.String(own), "conform's own words are not secrets")
	require.Equal(t, "Authorization: Basic "+Redacted, view.String(header))
	require.Equal(t, "you sent "+Redacted, view.String(pair))
	require.Equal(t, "Authorization: Bearer "+Redacted, view.String(bearer))
	require.Equal(t, `{"detail":"`+Redacted+`"}`, view.String(`{"detail":"conform:conform"}`))

	var out bytes.Buffer
	w := view.Writer(&out)
	_, err := io.WriteString(w, own+"\n"+header)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.Equal(t, own+"\nAuthorization: Basic "+Redacted, out.String())

	require.Equal(t, "the target echoed conform", red.String("the target echoed conform"),
		"a password that is a word of conform's is redacted only where it stands as a credential")
	require.Equal(t, `{"password":"`+Redacted+`"}`, red.String(`{"password":"conform"}`))
	red.AddPlain("wonderland-7") // a long password: not a word of conform's
	require.Equal(t, `{"echo":"`+Redacted+`"}`, red.String(`{"echo":"wonderland-7"}`), "a strong secret from the target is redacted wherever it is")
	require.Equal(t, "wonderland-7 as a word", view.String("wonderland-7 as a word"), "conform's own words are scrubbed of credential forms only")
	require.Equal(t, "pw="+Redacted, view.String("pw=wonderland-7"))
	red.AddPlain("tok-3f0d2e")
	require.Equal(t, "Bearer "+Redacted, view.String("Bearer tok-3f0d2e"), "a credential form stays one when added again as plain")
}

func TestLearnAuthorization(t *testing.T) {
	r := NewRedactor()
	r.LearnAuthorization("Basic " + base64.StdEncoding.EncodeToString([]byte("alice:s3cr3t-pw")))
	r.LearnAuthorization("Bearer eyJhbGciOi.token.value")
	r.LearnAuthorization("Basic")    // no credentials: nothing to learn
	r.LearnAuthorization("  ")       // likewise
	r.LearnAuthorization("Basic !!") // not base64: the value itself is still learnt

	for _, leak := range []string{"s3cr3t-pw", "alice:s3cr3t-pw", "eyJhbGciOi.token.value",
		base64.StdEncoding.EncodeToString([]byte("alice:s3cr3t-pw"))} {
		require.NotContains(t, r.String("seen: "+leak), leak)
	}
	require.Equal(t, "Authorization: Basic "+Redacted, r.String("Authorization: Basic !!"), "a short value, where it stands as a credential")
	forms := r.CredentialForms()
	require.Equal(t, "the password s3cr3t-pw as a word", forms.String("the password s3cr3t-pw as a word"),
		"the plain password is only redacted from what came from the target")
	require.NotContains(t, forms.String("alice:s3cr3t-pw"), "s3cr3t-pw")
	require.Equal(t, "Basic and Bearer", r.String("Basic and Bearer"), "schemes are not secrets")
}
