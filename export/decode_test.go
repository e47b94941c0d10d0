package export

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"conform/internal/jsonkeys"
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

// TestDecodeStatusTellsKeysApartByCase: "progress" and "PROGRESS" are two keys, not a repeat;
// the field-name check refuses the pair, and an unknown key in two cases passes.
func TestDecodeStatusTellsKeysApartByCase(t *testing.T) {
	_, err := DecodeStatus([]byte(strings.Replace(good, `"completed":false`, `"completed":false,"Completed":false`, 1)))
	require.ErrorContains(t, err, `key "Completed" is not the field "completed"`)
	_, err = DecodeStatus([]byte(strings.Replace(good, `"extra":{"PROGRESS":1}`, `"extra":{"x":1,"X":1}`, 1)))
	require.NoError(t, err)
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
		{"a repeated key at the top", `{"progress":"failed","completed":true,` + good[1:],
			`/progress: duplicate key "progress": a JSON object must not repeat a key`},
		{"a repeated key with an equal value", strings.Replace(good, `"completed":false`, `"completed":false,"completed":false`, 1),
			`/completed: duplicate key "completed"`},
		{"a repeated key in escaped form", strings.Replace(good, `"completed":false`, `"completed":false,"complet\u0065d":true`, 1),
			`/completed: duplicate key "completed"`},
		{"a repeated key in result.body", strings.Replace(good, `"requestID":12345`, `"requestID":12345,"requestID":999`, 1),
			`/result/body/requestID: duplicate key "requestID"`},
		{"a repeated key in an item", strings.Replace(good, `"itemID":1`, `"itemID":1,"itemID":2`, 1),
			`/result/body/tables/items/0/itemID: duplicate key "itemID"`},
		{"a repeated key in a part", strings.Replace(good, `"recordCount":92`, `"recordCount":92,"recordCount":0`, 1),
			`/result/body/tables/items/0/parts/items/0/recordCount: duplicate key "recordCount"`},
		{"a repeated key outside the fields", strings.Replace(good, `"extra":{"PROGRESS":1}`, `"extra":{"x":1,"x":1}`, 1),
			`/extra/x: duplicate key "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeStatus([]byte(tt.body))
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestDecodeStatusRepeatedKeyError(t *testing.T) {
	_, err := DecodeStatus([]byte(strings.Replace(good, `"itemName":"SHIPMENT"`, `"itemName":"SHIPMENT","itemName":"ORDER"`, 1)))
	var dup jsonkeys.Duplicate
	require.ErrorAs(t, err, &dup)
	require.Equal(t, jsonkeys.Duplicate{Object: "/result/body/tables/items/0", Key: "itemName"}, dup)
}
