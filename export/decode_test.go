package export

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/internal/jsonkeys"
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

// TestDecodeStatusTolerates the forms a server of the vendor's stack may write where the
// use-case page is silent: they decode, to what the plain form decodes to where they mean the same.
func TestDecodeStatusTolerates(t *testing.T) {
	plain, err := DecodeStatus([]byte(good))
	require.NoError(t, err)
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, s Status)
	}{
		{"null for every optional field", `{"progress":"pending","startTime":null,"completed":false,"links":null,"result":{"body":{"requestID":1,` +
			`"submitDate":null,"tables":{"items":[{"itemID":1,"itemName":"A","startTime":null,"endTime":null,"progress":"pending",` +
			`"totalResults":null,"offset":null,"totalRecordCount":null,"parts":{"count":0,"items":[]}}]}}}}`,
			func(t *testing.T, s Status) {
				require.Nil(t, s.StartTime)
				require.Nil(t, s.Links)
				require.True(t, s.Result.Body.SubmitDate.IsZero())
				it := s.Items()[0]
				require.True(t, it.StartTime.IsZero())
				require.True(t, it.EndTime.IsZero())
				require.Nil(t, it.TotalResults)
			}},
		{"null for a link's optional fields", strings.Replace(good, `"extra"`, `"links":[{"rel":null,"href":"/x","mediaType":null,"name":"n","kind":"item"}],"extra"`, 1),
			func(t *testing.T, s Status) { require.Equal(t, []Link{{Href: "/x"}}, s.Links) }},
		{"dates in every form", `{"progress":"processing","startTime":{"value":"2022-11-29T15:21:58.000+0000","timezone":"UTC"},"completed":false,` +
			`"result":{"body":{"requestID":"7","submitDate":{"value":"2022-11-29T15:21:56Z"},"tables":{"items":[{"itemID":"1","itemName":"A",` +
			`"startTime":"2022-11-29T15:21:58.000+0000","endTime":"not a date","progress":"processing","parts":{"count":0,"items":[]}}]}}}}`,
			func(t *testing.T, s Status) {
				require.Equal(t, &DateTime{Value: "2022-11-29T15:21:58.000+0000", Timezone: "UTC", Wrapped: true}, s.StartTime)
				require.Equal(t, DateTime{Value: "2022-11-29T15:21:56Z", Wrapped: true}, s.Result.Body.SubmitDate)
				it := s.Items()[0]
				require.Equal(t, "2022-11-29T15:21:58.000+0000", it.StartTime.Value)
				_, ok := it.EndTime.Time()
				require.False(t, ok, "a malformed date decodes, and says it names no instant")
				require.Equal(t, "not a date", it.EndTime.Value)
				require.Equal(t, ID("7"), s.RequestID())
			}},
		{"dates without seconds", `{"progress":"processing","startTime":{"value":"2022-11-29T16:05+01:00","timezone":"Europe/Paris"},"completed":false,` +
			`"result":{"body":{"requestID":"7","submitDate":"2022-11-29T15:04Z","tables":{"items":[{"itemID":"1","itemName":"A",` +
			`"startTime":"2022-11-29T16:05+0100","endTime":"2022-11-29T15:06:30Z","progress":"processing","parts":{"count":0,"items":[]}}]}}}}`,
			func(t *testing.T, s Status) {
				at := func(d DateTime) time.Time {
					t.Helper()
					tm, ok := d.Time()
					require.True(t, ok, "%q names an instant", d.Value)
					return tm.UTC()
				}
				require.Equal(t, time.Date(2022, 11, 29, 15, 5, 0, 0, time.UTC), at(*s.StartTime))
				require.Equal(t, time.Date(2022, 11, 29, 15, 4, 0, 0, time.UTC), at(s.Result.Body.SubmitDate))
				it := s.Items()[0]
				require.Equal(t, time.Date(2022, 11, 29, 15, 5, 0, 0, time.UTC), at(it.StartTime))
				require.Equal(t, time.Date(2022, 11, 29, 15, 6, 30, 0, time.UTC), at(it.EndTime))
			}},
		{"extra fields at every level", strings.NewReplacer(`"completed":false`, `"completed":false,"o:x":{"y":[1]},"hasMore":false,"limit":25`,
			`"tables":{`, `"tables":{"count":1,"hasMore":false,"offset":0,"totalResults":1,`,
			`"itemName":"SHIPMENT"`, `"itemName":"SHIPMENT","links":[{"rel":"self","href":"/i","name":"SHIPMENT","kind":"item"}]`).Replace(good),
			func(t *testing.T, s Status) { require.Equal(t, plain, s) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := DecodeStatus([]byte(tt.body))
			require.NoError(t, err)
			tt.check(t, s)
		})
	}
}

// TestDecodeStatusChecksTheKeysOfADateTimeType: a dateTimeType's keys are fields like any
// other, so another case of them is refused as it is elsewhere.
func TestDecodeStatusChecksTheKeysOfADateTimeType(t *testing.T) {
	_, err := DecodeStatus([]byte(`{"progress":"processing","startTime":{"Value":"2022-11-29T15:21:58Z"},"completed":false}`))
	require.ErrorContains(t, err, `/startTime/Value: key "Value" is not the field "value"`)
}
