package credentials

import (
	"context"
	"encoding/base64"
	"io/fs"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// Secrets used across the tests; no error message or output may contain them.
const (
	testPassword = "s3cret-pw"
	testSecret   = "cl1ent-s3cret"
)

// fakeSources returns Sources that read env and files from maps.
func fakeSources(env, files map[string]string) Sources {
	return Sources{
		Getenv: func(k string) string { return env[k] },
		ReadFile: func(p string) ([]byte, error) {
			if c, ok := files[p]; ok {
				return []byte(c), nil
			}
			return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
		},
	}
}

func TestLoad(t *testing.T) {
	oauthEnv := map[string]string{
		EnvTokenURL:     "https://idp.example/token",
		EnvClientID:     "conform-ci",
		EnvClientSecret: testSecret,
	}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		files   map[string]string
		flags   func(*Sources)
		want    Config
		wantErr []string // substrings of the error
	}{
		{name: "no credentials", want: Config{}},
		{
			name:    "a user name with a colon cannot be sent with HTTP Basic",
			env:     map[string]string{EnvUsername: "corp:alice", EnvPassword: testPassword},
			wantErr: []string{"contains a colon", EnvUsername, "RFC 7617"},
		},
		{
			name: "basic from the environment",
			env:  map[string]string{EnvUsername: "alice", EnvPassword: testPassword},
			want: Config{Basic: &Basic{Username: "alice", Password: testPassword}},
		},
		{
			name:  "basic with a password file from the environment",
			env:   map[string]string{EnvUsername: "alice", EnvPasswordFile: "/run/pw"},
			files: map[string]string{"/run/pw": testPassword + "\n"},
			want:  Config{Basic: &Basic{Username: "alice", Password: testPassword}},
		},
		{
			name:  "password file flag wins over the variable, CRLF trimmed",
			env:   map[string]string{EnvUsername: "alice", EnvPasswordFile: "/elsewhere"},
			files: map[string]string{"/run/pw": testPassword + "\r\n"},
			flags: func(s *Sources) { s.PasswordFile = "/run/pw" },
			want:  Config{Basic: &Basic{Username: "alice", Password: testPassword}},
		},
		{
			name:  "only one trailing newline is trimmed",
			env:   map[string]string{EnvUsername: "alice", EnvPasswordFile: "/run/pw"},
			files: map[string]string{"/run/pw": testPassword + "\n\n"},
			want:  Config{Basic: &Basic{Username: "alice", Password: testPassword + "\n"}},
		},
		{
			name:    "username without password",
			env:     map[string]string{EnvUsername: "alice"},
			wantErr: []string{EnvUsername, "no password", EnvPassword, EnvPasswordFile, "--password-file"},
		},
		{
			name:    "password without username",
			env:     map[string]string{EnvPassword: testPassword},
			wantErr: []string{"(" + EnvPassword + ")", "no user name", EnvUsername},
		},
		{
			name:    "password file without username",
			files:   map[string]string{"/run/pw": testPassword},
			flags:   func(s *Sources) { s.PasswordFile = "/run/pw" },
			wantErr: []string{"(--password-file)", "no user name", EnvUsername},
		},
		{
			name:    "password both in the environment and in a file",
			env:     map[string]string{EnvUsername: "alice", EnvPassword: testPassword, EnvPasswordFile: "/run/pw"},
			files:   map[string]string{"/run/pw": testPassword},
			wantErr: []string{"given twice", EnvPassword, EnvPasswordFile},
		},
		{
			name:    "unreadable password file",
			env:     map[string]string{EnvUsername: "alice"},
			flags:   func(s *Sources) { s.PasswordFile = "/missing/pw" },
			wantErr: []string{"read password file (--password-file)", "/missing/pw", "does not exist"},
		},
		{
			name:    "empty password file",
			env:     map[string]string{EnvUsername: "alice", EnvPasswordFile: "/run/pw"},
			files:   map[string]string{"/run/pw": "\n"},
			wantErr: []string{"password file /run/pw", EnvPasswordFile, "is empty"},
		},
		{
			name: "oauth2 from the environment, scopes space- and comma-separated",
			env:  with(oauthEnv, EnvScopes, "exports.read, exports.write  admin"),
			want: Config{OAuth2: &OAuth2{
				TokenURL: "https://idp.example/token", ClientID: "conform-ci", ClientSecret: testSecret,
				Scopes: []string{"exports.read", "exports.write", "admin"},
			}},
		},
		{
			name:  "oauth2 flags win over the environment, secret from a file",
			env:   map[string]string{EnvTokenURL: "https://old.example/token", EnvClientID: "old", EnvScopes: "old"},
			files: map[string]string{"/run/secret": testSecret + "\n"},
			flags: func(s *Sources) {
				s.TokenURL = "http://127.0.0.1:8080/token"
				s.ClientID = "conform-ci"
				s.Scopes = []string{"exports", " ", "admin"}
				s.ClientSecretFile = "/run/secret"
			},
			want: Config{OAuth2: &OAuth2{
				TokenURL: "http://127.0.0.1:8080/token", ClientID: "conform-ci", ClientSecret: testSecret,
				Scopes: []string{"exports", "admin"},
			}},
		},
		{
			name:    "oauth2 without client id",
			env:     with(oauthEnv, EnvClientID, ""),
			wantErr: []string{"client id", "--oauth2-client-id", EnvClientID},
		},
		{
			name:    "oauth2 without client secret",
			env:     with(oauthEnv, EnvClientSecret, ""),
			wantErr: []string{"client secret", EnvClientSecret, EnvClientSecretFile, "--oauth2-client-secret-file"},
		},
		{
			name:    "client secret both in the environment and in a file",
			env:     with(oauthEnv, EnvClientSecretFile, "/run/secret"),
			files:   map[string]string{"/run/secret": testSecret},
			wantErr: []string{"given twice", EnvClientSecret, EnvClientSecretFile},
		},
		{
			name:    "unreadable client secret file",
			env:     with(oauthEnv, EnvClientSecret, ""),
			flags:   func(s *Sources) { s.ClientSecretFile = "/missing/secret" },
			wantErr: []string{"read OAuth2 client secret file (--oauth2-client-secret-file)", "/missing/secret"},
		},
		{
			name:    "empty client secret file",
			env:     with(oauthEnv, EnvClientSecret, "", EnvClientSecretFile, "/run/secret"),
			files:   map[string]string{"/run/secret": ""},
			wantErr: []string{"/run/secret", "is empty"},
		},
		{
			name:    "token URL that is not http(s)",
			env:     with(oauthEnv, EnvTokenURL, "ftp://idp.example/token"),
			wantErr: []string{EnvTokenURL, "not an absolute http or https URL"},
		},
		{
			name:    "relative token URL",
			flags:   func(s *Sources) { s.TokenURL = "idp.example/token" },
			env:     with(oauthEnv),
			wantErr: []string{"--oauth2-token-url", "not an absolute http or https URL"},
		},
		{
			name:    "token URL with a password in it",
			env:     with(oauthEnv, EnvTokenURL, "https://bob:"+testPassword+"@idp.example/token"),
			wantErr: []string{EnvTokenURL, "must not contain a user or password"},
		},
		{
			name:    "oauth2 settings without a token URL",
			env:     map[string]string{EnvClientID: "conform-ci", EnvClientSecret: testSecret},
			wantErr: []string{"no token URL", EnvClientID, EnvClientSecret, "--oauth2-token-url", EnvTokenURL},
		},
		{
			name:    "scope flag alone",
			flags:   func(s *Sources) { s.Scopes = []string{"exports"} },
			wantErr: []string{"(--oauth2-scope)", "no token URL"},
		},
		{
			name:    "basic and oauth2 both configured",
			env:     with(oauthEnv, EnvUsername, "alice", EnvPassword, testPassword),
			wantErr: []string{"both HTTP Basic", EnvUsername, EnvPassword, EnvTokenURL, "use one"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fakeSources(tt.env, tt.files)
			if tt.flags != nil {
				tt.flags(&s)
			}

			got, err := Load(s)

			if tt.wantErr != nil {
				require.Error(t, err)
				for _, want := range tt.wantErr {
					require.ErrorContains(t, err, want)
				}
				require.NotContains(t, err.Error(), testPassword)
				require.NotContains(t, err.Error(), testSecret)
				require.Equal(t, Config{}, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestLoadDefaultsToTheProcessEnvironment(t *testing.T) {
	t.Setenv(EnvUsername, "alice")
	t.Setenv(EnvPassword, testPassword)

	got, err := Load(Sources{})

	require.NoError(t, err)
	require.Equal(t, Config{Basic: &Basic{Username: "alice", Password: testPassword}}, got)
}

func TestSecretsRedactAuthorizationHeaders(t *testing.T) {
	basic := Config{Basic: &Basic{Username: "alice", Password: testPassword}}
	oauth := Config{OAuth2: &OAuth2{TokenURL: "https://idp.example/token", ClientID: "ci", ClientSecret: "a+b/c=" + testSecret}}
	tests := []struct {
		name   string
		cfg    Config
		header func(testing.TB, *http.Request)
		leaks  []string
	}{
		{
			name: "basic",
			cfg:  basic,
			header: func(t testing.TB, r *http.Request) {
				require.NoError(t, NewAuthenticator(context.Background(), basic, nil, nil).Authenticate(r))
			},
			leaks: []string{base64.StdEncoding.EncodeToString([]byte("alice:" + testPassword))},
		},
		{
			name: "oauth2 client secret as the library sends it in a Basic header",
			cfg:  oauth,
			header: func(_ testing.TB, r *http.Request) {
				r.SetBasicAuth("ci", "a%2Bb%2Fc%3D"+testSecret)
			},
			leaks: []string{base64.StdEncoding.EncodeToString([]byte("ci:a%2Bb%2Fc%3D" + testSecret))},
		},
		{
			name: "oauth2 client secret form-encoded",
			cfg:  oauth,
			header: func(_ testing.TB, r *http.Request) {
				r.Header.Set("X-Dumped-Body", "grant_type=client_credentials&client_secret=a%2Bb%2Fc%3D"+testSecret)
			},
			leaks: []string{testSecret, "a%2Bb%2Fc%3D"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
			require.NoError(t, err)
			tt.header(t, r)
			dump := r.Header.Get("Authorization") + " " + r.Header.Get("X-Dumped-Body")
			for _, leak := range tt.leaks {
				require.Contains(t, dump, leak, "the test must show the leak before redaction")
			}

			got := tt.cfg.Redactor().String(dump)

			for _, leak := range tt.leaks {
				require.NotContains(t, got, leak)
			}
			require.Contains(t, got, Redacted)
		})
	}
	plain, forms := Config{}.Secrets()
	require.Empty(t, plain)
	require.Empty(t, forms)
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{}, "no credentials"},
		{Config{Basic: &Basic{Username: "alice", Password: testPassword}}, `HTTP Basic as "alice"`},
		{
			Config{OAuth2: &OAuth2{TokenURL: "https://idp.example/token", ClientID: "ci", ClientSecret: testSecret}},
			`OAuth2 client credentials for client "ci" at https://idp.example/token`,
		},
		{
			Config{OAuth2: &OAuth2{TokenURL: "https://idp.example/token", ClientID: "ci", ClientSecret: testSecret, Scopes: []string{"a", "b"}}},
			`OAuth2 client credentials for client "ci" at https://idp.example/token with scopes "a b"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			require.Equal(t, tt.want, tt.cfg.Describe())
		})
	}
}

func TestBasicAndNoAuthenticator(t *testing.T) {
	tests := []struct {
		name         string
		cfg          Config
		wantAuth     string
		wantRedacted string // registered with the redactor by NewAuthenticator
	}{
		{
			name:         "basic",
			cfg:          Config{Basic: &Basic{Username: "alice", Password: testPassword}},
			wantAuth:     "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:"+testPassword)),
			wantRedacted: testPassword,
		},
		{name: "none", cfg: Config{}, wantAuth: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			red := NewRedactor()
			a := NewAuthenticator(context.Background(), tt.cfg, nil, red)
			r, err := http.NewRequest(http.MethodGet, "http://127.0.0.1/exportStatuses/1", nil)
			require.NoError(t, err)

			require.NoError(t, a.Authenticate(r))

			require.Equal(t, tt.wantAuth, r.Header.Get("Authorization"))
			_, hasAuth := r.Header["Authorization"]
			require.Equal(t, tt.wantAuth != "", hasAuth)
			if tt.wantRedacted != "" {
				require.Equal(t, "pw="+Redacted, red.String("pw="+tt.wantRedacted))
			}
		})
	}
}
