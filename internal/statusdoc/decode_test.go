package statusdoc

import (
	"testing"

	"github.com/stretchr/testify/require"
)

const good = `{"progress":"cancelling","completed":false,"result":{"body":{"requestID":12345,"tables":{"items":[` +
	`{"itemID":1,"itemName":"SHIPMENT","progress":"succeeded","totalRecordCount":92,"parts":{"count":1,"items":[{"partName":"p","recordCount":92,"checksum":"c9179dae8947cb56abaed4f6c2ea09b3"}]}}]}}},"extra":{"PROGRESS":1}}`

func TestDecodeStatus(t *testing.T) {
	s, err := DecodeStatus([]byte(good))
	require.NoError(t, err)
	require.Equal(t, Cancelling, s.Progress)
	require.Equal(t, ID("12345"), s.RequestID())
	require.Equal(t, int64(92), s.Items()[0].Parts.Items[0].RecordCount)
}

func TestDecodeStatusRefuses(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"trailing data", good + `{}`, "data after the JSON value"},
		{"trailing garbage", good + "\x0e", "data after the JSON value"},
		{"a key in another case", `{"progress":"pending","completed":false,"PROGRESS":"bogus"}`, `key "PROGRESS" is not the field "progress"`},
		{"a nested key in another case", `{"progress":"pending","completed":false,"result":{"body":{"requestID":1,"RequestId":2,"tables":{"items":[]}}}}`, `/result/body/RequestId`},
		{"an item key in another case", `{"progress":"pending","completed":false,"result":{"body":{"requestID":1,"tables":{"items":[{"ITEMNAME":"x"}]}}}}`, `/result/body/tables/items/0/ITEMNAME`},
		{"a number that does not fit", `{"progress":"pending","completed":false,"result":{"body":{"requestID":1,"tables":{"items":[{"itemID":1,"parts":{"count":1.5,"items":[]}}]}}}}`, "cannot unmarshal"},
		{"not JSON", `{`, "unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeStatus([]byte(tt.body))
			require.ErrorContains(t, err, tt.want)
		})
	}
}
