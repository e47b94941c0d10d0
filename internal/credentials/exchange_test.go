package credentials

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestURLRedactsUserinfoAndCredentialQueries(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://api.example.test/v1/x?page=2", "https://api.example.test/v1/x?page=2"},
		{"https://alice:pw-1234567@api.example.test/v1/x", "https://%5BREDACTED%5D@api.example.test/v1/x"},
		{"https://only-a-key@api.example.test/", "https://%5BREDACTED%5D@api.example.test/"},
		{"https://h/x?access_token=abc&page=2", "https://h/x?access_token=[REDACTED]&page=2"},
		{"https://h/x?Access_Token=abc", "https://h/x?Access_Token=[REDACTED]"},
		{"https://h/x?a=1&api_key=k&apikey=k&key=k&password=p&secret=s&client_secret=c&sig=s&signature=s&token=t",
			"https://h/x?a=1&api_key=[REDACTED]&apikey=[REDACTED]&key=[REDACTED]&password=[REDACTED]&secret=[REDACTED]&client_secret=[REDACTED]&sig=[REDACTED]&signature=[REDACTED]&token=[REDACTED]"},
		{"https://h/x?access%5Ftoken=abc", "https://h/x?access%5Ftoken=[REDACTED]"},
		{"/logisticsRestApi/x?token=abc", "/logisticsRestApi/x?token=[REDACTED]"},
		{"http://[::1%zz/", Redacted},
	} {
		require.Equal(t, tc.want, URL(tc.in), tc.in)
	}
}

func TestHeaderIsTheOneListOfCredentialHeaders(t *testing.T) {
	for _, name := range []string{"Authorization", "proxy-authorization", "Cookie", "Set-Cookie", "X-API-Key", "X-Api-Key",
		"X-Auth-Token", "X-Client-Secret", "Api_Key", "X-Password"} {
		require.True(t, Header(name), name)
	}
	for _, name := range []string{"Content-Type", "Accept", "X-Request-Id", "Location"} {
		require.False(t, Header(name), name)
	}
}

func TestLearnExchangeLearnsEveryCredentialOfTheExchange(t *testing.T) {
	r := NewRedactor().ForExchange()
	r.LearnExchange("https://alice:URL-PASSWORD-1@h/x?access_token=ACCESS-TOKEN-2&page=2",
		http.Header{"Cookie": {"a=COOKIE-VALUE-3; b=\"COOKIE-VALUE-4\""}, "X-Api-Key": {"API-KEY-VALUE-5"},
			"Authorization": {"Bearer BEARER-TOKEN-6"}, "X-Auth-Token": {"Token AUTH-TOKEN-7"}},
		http.Header{"Set-Cookie": {"s=SET-COOKIE-8; Path=/; HttpOnly"}})
	for _, secret := range []string{"URL-PASSWORD-1", "ACCESS-TOKEN-2", "COOKIE-VALUE-3", "COOKIE-VALUE-4", "API-KEY-VALUE-5",
		"BEARER-TOKEN-6", "AUTH-TOKEN-7", "SET-COOKIE-8"} {
		require.Equal(t, "echo "+Redacted+".", r.String("echo "+secret+"."), secret)
	}
	require.Equal(t, "page 2 of Path", r.String("page 2 of Path"), "what is not a credential stays")
}

func TestForExchangeKeepsItsSecretsToItself(t *testing.T) {
	run := NewRedactor("RUN-SECRET-123")
	a, b := run.ForExchange(), run.ForExchange()
	a.LearnAuthorization("Bearer cancelling-x")
	run.Add("RUN-TOKEN-LATER-456") // an OAuth2 token fetched later reaches every exchange
	require.Equal(t, "[REDACTED] [REDACTED] [REDACTED]", a.String("RUN-SECRET-123 cancelling-x RUN-TOKEN-LATER-456"))
	require.Equal(t, "[REDACTED] cancelling-x [REDACTED]", b.String("RUN-SECRET-123 cancelling-x RUN-TOKEN-LATER-456"),
		"another exchange does not know the token")
	require.Equal(t, "[REDACTED] cancelling-x [REDACTED]", run.String("RUN-SECRET-123 cancelling-x RUN-TOKEN-LATER-456"),
		"nor does the run")
	require.Equal(t, "[REDACTED]", a.CredentialForms().String("cancelling-x"), "a view of an exchange's redactor has its secrets")
}
