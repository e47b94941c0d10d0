// Package credentials loads the credentials for a live target (HTTP Basic or OAuth2 client
// credentials), adds them to requests, and keeps every secret out of what the harness prints.
//
// Secrets come only from the environment or from files, never from flag values, which show up
// in process listings and shell history. Flags may name the non-secret parts.
package credentials

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
)

// Environment variables Load reads.
const (
	EnvUsername         = "CONFORM_USERNAME"
	EnvPassword         = "CONFORM_PASSWORD"
	EnvPasswordFile     = "CONFORM_PASSWORD_FILE"
	EnvTokenURL         = "CONFORM_OAUTH2_TOKEN_URL"
	EnvClientID         = "CONFORM_OAUTH2_CLIENT_ID"
	EnvClientSecret     = "CONFORM_OAUTH2_CLIENT_SECRET"
	EnvClientSecretFile = "CONFORM_OAUTH2_CLIENT_SECRET_FILE"
	EnvScopes           = "CONFORM_OAUTH2_SCOPES"
)

// Flags the CLI is expected to offer for the non-secret parts, named in error messages.
const (
	flagPasswordFile     = "--password-file"
	flagTokenURL         = "--oauth2-token-url"
	flagClientID         = "--oauth2-client-id"
	flagScope            = "--oauth2-scope"
	flagClientSecretFile = "--oauth2-client-secret-file"
)

// Basic is an HTTP Basic user and password.
type Basic struct{ Username, Password string }

// OAuth2 is an OAuth2 client-credentials grant.
type OAuth2 struct {
	TokenURL, ClientID, ClientSecret string
	Scopes                           []string
}

// Config is the credentials of a run: at most one of Basic and OAuth2 is set. The zero value
// means no credentials.
type Config struct {
	Basic  *Basic
	OAuth2 *OAuth2
}

// Sources names the inputs Load reads. The CLI fills the non-secret fields from flags; each one
// left empty falls back to its environment variable.
type Sources struct {
	Getenv           func(string) string          // nil → os.Getenv
	ReadFile         func(string) ([]byte, error) // nil → os.ReadFile
	PasswordFile     string                       // --password-file; else CONFORM_PASSWORD_FILE
	TokenURL         string                       // --oauth2-token-url; else CONFORM_OAUTH2_TOKEN_URL
	ClientID         string                       // --oauth2-client-id; else CONFORM_OAUTH2_CLIENT_ID
	Scopes           []string                     // --oauth2-scope (repeatable); else CONFORM_OAUTH2_SCOPES, space- or comma-separated
	ClientSecretFile string                       // --oauth2-client-secret-file; else CONFORM_OAUTH2_CLIENT_SECRET_FILE
}

// setting is one input with the name of where it came from, for error messages.
type setting struct{ value, from string }

func (s Sources) pick(flagValue, flagName, env string) setting {
	if flagValue != "" {
		return setting{flagValue, flagName}
	}
	return setting{s.Getenv(env), env}
}

// Load reads the credentials: HTTP Basic from CONFORM_USERNAME and CONFORM_PASSWORD or a
// password file; OAuth2 client credentials when a token URL is given, with the client secret
// from CONFORM_OAUTH2_CLIENT_SECRET or a secret file. One trailing newline (LF or CRLF) is
// trimmed from a file. No credentials at all gives Config{} and no error.
//
// Every error is a configuration error. It names the variables, flags or files involved and
// never contains a secret. Errors: Basic and OAuth2 both configured; a username without a
// password or the reverse; a user name with a colon, which HTTP Basic cannot send; a password
// (or client secret) both in the environment and in a file; OAuth2 settings without a token URL, or a token URL without a client id or secret; an
// unreadable or empty file; a token URL that is not an absolute http(s) URL.
func Load(s Sources) (Config, error) {
	if s.Getenv == nil {
		s.Getenv = os.Getenv
	}
	if s.ReadFile == nil {
		s.ReadFile = os.ReadFile
	}
	var (
		username     = setting{s.Getenv(EnvUsername), EnvUsername}
		password     = setting{s.Getenv(EnvPassword), EnvPassword}
		passwordFile = s.pick(s.PasswordFile, flagPasswordFile, EnvPasswordFile)
		tokenURL     = s.pick(s.TokenURL, flagTokenURL, EnvTokenURL)
		clientID     = s.pick(s.ClientID, flagClientID, EnvClientID)
		secret       = setting{s.Getenv(EnvClientSecret), EnvClientSecret}
		secretFile   = s.pick(s.ClientSecretFile, flagClientSecretFile, EnvClientSecretFile)
		scopes       = setting{from: flagScope}
		scopeList    = nonEmpty(s.Scopes)
	)
	if len(scopeList) == 0 {
		scopes = setting{s.Getenv(EnvScopes), EnvScopes}
		scopeList = strings.FieldsFunc(scopes.value, func(r rune) bool {
			return r == ',' || r == ' ' || r == '\t' || r == '\n'
		})
	} else {
		scopes.value = strings.Join(scopeList, " ")
	}

	basicParts := given(username, password, passwordFile)
	oauthParts := given(tokenURL, clientID, secret, secretFile, scopes)
	if len(basicParts) > 0 && len(oauthParts) > 0 {
		return Config{}, fmt.Errorf("both HTTP Basic (%s) and OAuth2 (%s) credentials are configured: use one",
			strings.Join(basicParts, ", "), strings.Join(oauthParts, ", "))
	}
	switch {
	case len(basicParts) > 0:
		b, err := loadBasic(s, username, password, passwordFile)
		if err != nil {
			return Config{}, err
		}
		return Config{Basic: b}, nil
	case len(oauthParts) > 0:
		o, err := loadOAuth2(s, tokenURL, clientID, secret, secretFile, scopeList, oauthParts)
		if err != nil {
			return Config{}, err
		}
		return Config{OAuth2: o}, nil
	}
	return Config{}, nil
}

func loadBasic(s Sources, username, password, passwordFile setting) (*Basic, error) {
	password, err := secretOf(s, "password", password, passwordFile)
	if err != nil {
		return nil, err
	}
	if username.value == "" {
		return nil, fmt.Errorf("a password is given (%s) but no user name: set %s", password.from, EnvUsername)
	}
	if password.value == "" {
		return nil, fmt.Errorf("%s is set but no password: set %s or %s (or %s)",
			EnvUsername, EnvPassword, EnvPasswordFile, flagPasswordFile)
	}
	if strings.Contains(username.value, ":") {
		// RFC 7617: the user-id ends at the first colon, so the server would read another
		// user and a password starting with the rest of this name.
		return nil, fmt.Errorf("the user name in %s contains a colon, which HTTP Basic cannot send (RFC 7617 section 2): "+
			"the server would read the part before the colon as the user", EnvUsername)
	}
	return &Basic{Username: username.value, Password: password.value}, nil
}

func loadOAuth2(s Sources, tokenURL, clientID, secret, secretFile setting, scopes, parts []string) (*OAuth2, error) {
	if tokenURL.value == "" {
		return nil, fmt.Errorf("OAuth2 settings are given (%s) but no token URL: set %s or %s",
			strings.Join(parts, ", "), flagTokenURL, EnvTokenURL)
	}
	u, err := url.Parse(tokenURL.value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The value is not echoed: a mistyped setting could hold anything, a secret included.
		return nil, fmt.Errorf("the OAuth2 token URL (%s) is not an absolute http or https URL", tokenURL.from)
	}
	if u.User != nil {
		return nil, fmt.Errorf("the OAuth2 token URL (%s) must not contain a user or password: "+
			"set %s and %s or %s instead", tokenURL.from, flagClientID, EnvClientSecret, EnvClientSecretFile)
	}
	if clientID.value == "" {
		return nil, fmt.Errorf("OAuth2 needs a client id: set %s or %s", flagClientID, EnvClientID)
	}
	secret, err = secretOf(s, "OAuth2 client secret", secret, secretFile)
	if err != nil {
		return nil, err
	}
	if secret.value == "" {
		return nil, fmt.Errorf("OAuth2 needs a client secret: set %s or %s (or %s)",
			EnvClientSecret, EnvClientSecretFile, flagClientSecretFile)
	}
	return &OAuth2{TokenURL: tokenURL.value, ClientID: clientID.value, ClientSecret: secret.value, Scopes: scopes}, nil
}

// secretOf returns the secret what given as value, or read from the file named by file: one of
// them, never both.
func secretOf(s Sources, what string, value, file setting) (setting, error) {
	switch {
	case value.value != "" && file.value != "":
		return setting{}, fmt.Errorf("the %s is given twice, in %s and in %s: use one", what, value.from, file.from)
	case file.value == "":
		return value, nil
	}
	v, err := readSecretFile(s, what, file)
	if err != nil {
		return setting{}, err
	}
	return setting{v, file.from}, nil
}

// readSecretFile reads a secret from the file named by path, trimming one trailing newline.
func readSecretFile(s Sources, what string, path setting) (string, error) {
	b, err := s.ReadFile(path.value)
	if err != nil {
		// An *fs.PathError names the file and the reason, and nothing of its content.
		return "", fmt.Errorf("read %s file (%s): %w", what, path.from, err)
	}
	v := string(b)
	if strings.HasSuffix(v, "\r\n") {
		v = v[:len(v)-2]
	} else if strings.HasSuffix(v, "\n") {
		v = v[:len(v)-1]
	}
	if v == "" {
		return "", fmt.Errorf("%s file %s (%s) is empty", what, path.value, path.from)
	}
	return v, nil
}

// given returns the names of the settings that have a value.
func given(settings ...setting) []string {
	var names []string
	for _, s := range settings {
		if s.value != "" {
			names = append(names, s.from)
		}
	}
	return names
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Secrets returns every form in which c's secrets could appear in output, for a Redactor.
// plain are the password and the client secret as given: they may be ordinary words. forms are
// the forms only a credential takes: the base64 "user:password" of a Basic Authorization header
// and the "user:password" pair itself; the client secret's form encoding as the token request
// carries it, and the Basic header forms the OAuth2 library sends to the token endpoint. Tokens
// are not known yet; NewAuthenticator adds them as they arrive.
func (c Config) Secrets() (plain, forms []string) {
	add := func(list *[]string, s string) {
		if s != "" && !slices.Contains(*list, s) {
			*list = append(*list, s)
		}
	}
	basicHeader := func(user, pass string) string {
		return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	}
	if b := c.Basic; b != nil {
		add(&plain, b.Password)
		add(&forms, basicHeader(b.Username, b.Password))
		add(&forms, b.Username+":"+b.Password)
	}
	if o := c.OAuth2; o != nil {
		add(&plain, o.ClientSecret)
		if esc := url.QueryEscape(o.ClientSecret); esc != o.ClientSecret {
			add(&forms, esc)
		}
		add(&forms, "client_secret="+url.QueryEscape(o.ClientSecret))
		add(&forms, basicHeader(o.ClientID, o.ClientSecret))
		add(&forms, basicHeader(url.QueryEscape(o.ClientID), url.QueryEscape(o.ClientSecret)))
	}
	return plain, forms
}

// Redactor returns a Redactor that knows every secret of c: the plain ones with AddPlain, the
// credential forms with Add (see Secrets and Redactor.CredentialForms).
func (c Config) Redactor() *Redactor {
	red := NewRedactor()
	c.teach(red)
	return red
}

// teach adds c's secrets to red.
func (c Config) teach(red *Redactor) {
	plain, forms := c.Secrets()
	for _, s := range forms {
		red.Add(s)
	}
	for _, s := range plain {
		red.AddPlain(s)
	}
}

// Describe says which credentials c holds, without secrets, for logs: `HTTP Basic as "alice"`,
// `OAuth2 client credentials for client "x" at https://idp/token`, or "no credentials".
func (c Config) Describe() string {
	switch {
	case c.Basic != nil:
		return fmt.Sprintf("HTTP Basic as %q", c.Basic.Username)
	case c.OAuth2 != nil:
		s := fmt.Sprintf("OAuth2 client credentials for client %q at %s", c.OAuth2.ClientID, c.OAuth2.TokenURL)
		if len(c.OAuth2.Scopes) > 0 {
			s += fmt.Sprintf(" with scopes %q", strings.Join(c.OAuth2.Scopes, " "))
		}
		return s
	}
	return "no credentials"
}
