package export

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDecodeErrorReadsTheVendorShapes(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    Error // without its strings
		strings []string
	}{
		{"the fake's", `{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"Bad Request","status":400,"detail":"Request 7 is in an invalid state for a cancellation request (succeeded)"}`,
			Error{Type: "https://tools.ietf.org/html/rfc9110#section-15.5.1", Title: "Bad Request", Status: 400, Detail: "Request 7 is in an invalid state for a cancellation request (succeeded)"},
			[]string{"https://tools.ietf.org/html/rfc9110#section-15.5.1", "Bad Request", "Request 7 is in an invalid state for a cancellation request (succeeded)"}},
		{"status as a string, o:errorDetails, no detail", `{"title":"Bad Request","status":"400","o:errorCode":"X-1",` +
			`"o:errorDetails":[{"detail":"The request is not in a cancellable state","o:errorCode":"X-2","o:extra":["deep"]}],"instance":"/a"}`,
			Error{Title: "Bad Request", Status: 400, ErrorCode: "X-1", Instance: "/a",
				ErrorDetails: []ErrorDetail{{Detail: "The request is not in a cancellable state", ErrorCode: "X-2"}}},
			[]string{"Bad Request", "400", "X-1", "The request is not in a cancellable state", "X-2", "deep", "/a"}},
		{"status only", `{"status":404}`, Error{Status: 404}, nil},
		{"nulls everywhere", `{"type":null,"title":null,"status":null,"detail":null,"instance":null,"o:errorCode":null,"o:errorPath":null,"o:errorDetails":null}`,
			Error{}, nil},
		{"extra fields", `{"title":"Not Found","status":404,"o:errorPath":"/x","links":[{"rel":"self","href":"/y"}],"n":{"k":"v"}}`,
			Error{Title: "Not Found", Status: 404, ErrorPath: "/x"}, []string{"Not Found", "/x", "self", "/y", "v"}},
		{"keys are not strings of the document", `{"detail":"d","detail2":{"title":["t",1,true,null,{"a":"b"}]}}`,
			Error{Detail: "d"}, []string{"d", "t", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeError([]byte(tt.body))
			require.NoError(t, err)
			require.Equal(t, tt.strings, got.Strings())
			got.texts = nil
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeErrorRefuses(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"a status that is a word", `{"status":"bad"}`, `status must be an integer or a string of digits, got "bad"`},
		{"a negative status", `{"status":"-400"}`, "status must be"},
		{"a fraction", `{"status":400.5}`, "status must be"},
		{"a status that is an object", `{"status":{}}`, "status must be"},
		{"a key in another case", `{"status":400,"Detail":"x"}`, `key "Detail" is not the field "detail"`},
		{"a repeated key", `{"status":400,"status":"400"}`, `duplicate key "status"`},
		{"an o:errorDetails key in another case", `{"status":400,"o:errorDetails":[{"DETAIL":"x"}]}`, `/o:errorDetails/0/DETAIL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeError([]byte(tt.body))
			require.ErrorContains(t, err, tt.want)
		})
	}
}

// TestErrorEncodesAsBefore: the fields the vendor's shape adds are left out when empty, so an
// error document of the four fields encodes as it did.
func TestErrorEncodesAsBefore(t *testing.T) {
	b, err := json.Marshal(Error{Type: "t", Title: "Not Found", Status: 404, Detail: "d"})
	require.NoError(t, err)
	require.Equal(t, `{"type":"t","title":"Not Found","status":404,"detail":"d"}`, string(b))
}

func TestErrorStringsIsACopy(t *testing.T) {
	e, err := DecodeError([]byte(`{"status":400,"detail":"d"}`))
	require.NoError(t, err)
	e.Strings()[0] = "changed"
	require.Equal(t, []string{"d"}, e.Strings())
	require.Nil(t, Error{}.Strings())
}
