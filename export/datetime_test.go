package export

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDateTimeDecodesEveryForm(t *testing.T) {
	instant := time.Date(2022, 11, 29, 15, 21, 58, 0, time.UTC)
	tests := []struct {
		name, in string
		want     DateTime
		at       time.Time // zero: Time must say false
	}{
		{"RFC 3339 string", `"2022-11-29T15:21:58Z"`, DateTime{Value: "2022-11-29T15:21:58Z"}, instant},
		{"RFC 3339 with an offset", `"2022-11-29T16:21:58+01:00"`, DateTime{Value: "2022-11-29T16:21:58+01:00"}, instant},
		{"RFC 3339 in lower case", `"2022-11-29t15:21:58z"`, DateTime{Value: "2022-11-29t15:21:58z"}, instant},
		{"fractional seconds", `"2022-11-29T15:21:58.250Z"`, DateTime{Value: "2022-11-29T15:21:58.250Z"}, instant.Add(250 * time.Millisecond)},
		{"the vendor's ISO 8601", `"2022-11-29T15:21:58.000+0000"`, DateTime{Value: "2022-11-29T15:21:58.000+0000"}, instant},
		{"an offset without colon", `"2022-11-29T10:21:58-0500"`, DateTime{Value: "2022-11-29T10:21:58-0500"}, instant},
		{"an offset of hours only", `"2022-11-29T17:21:58+02"`, DateTime{Value: "2022-11-29T17:21:58+02"}, instant},
		{"no seconds, as Java writes a whole minute", `"2022-11-29T15:21Z"`, DateTime{Value: "2022-11-29T15:21Z"}, instant.Truncate(time.Minute)},
		{"no seconds, with an offset", `"2022-11-29T16:21+01:00"`, DateTime{Value: "2022-11-29T16:21+01:00"}, instant.Truncate(time.Minute)},
		{"no seconds, with an offset without colon", `"2022-11-29T16:21+0100"`, DateTime{Value: "2022-11-29T16:21+0100"}, instant.Truncate(time.Minute)},
		{"no seconds, with an offset of hours only", `"2022-11-29T13:21-02"`, DateTime{Value: "2022-11-29T13:21-02"}, instant.Truncate(time.Minute)},
		{"no seconds, as a dateTimeType", `{"value":"2022-11-29T15:21Z","timezone":"UTC"}`,
			DateTime{Value: "2022-11-29T15:21Z", Timezone: "UTC", Wrapped: true}, instant.Truncate(time.Minute)},
		{"dateTimeType", `{"value":"2022-11-29T15:21:58Z"}`, DateTime{Value: "2022-11-29T15:21:58Z", Wrapped: true}, instant},
		{"dateTimeType with a timezone", `{"value":"2022-11-29T15:21:58.000+0000","timezone":"Europe/Paris"}`,
			DateTime{Value: "2022-11-29T15:21:58.000+0000", Timezone: "Europe/Paris", Wrapped: true}, instant},
		{"dateTimeType with null timezone and extra keys", `{"value":"2022-11-29T15:21:58Z","timezone":null,"o:x":1}`,
			DateTime{Value: "2022-11-29T15:21:58Z", Wrapped: true}, instant},
		{"null", `null`, DateTime{}, time.Time{}},
		{"a word", `"yesterday"`, DateTime{Value: "yesterday"}, time.Time{}},
		{"a date without a time", `"2022-11-29"`, DateTime{Value: "2022-11-29"}, time.Time{}},
		{"no offset", `"2022-11-29T15:21:58"`, DateTime{Value: "2022-11-29T15:21:58"}, time.Time{}},
		{"no seconds and no offset", `"2022-11-29T15:21"`, DateTime{Value: "2022-11-29T15:21"}, time.Time{}},
		{"a fraction without seconds", `"2022-11-29T15:21.5Z"`, DateTime{Value: "2022-11-29T15:21.5Z"}, time.Time{}},
		{"hours only", `"2022-11-29T15Z"`, DateTime{Value: "2022-11-29T15Z"}, time.Time{}},
		{"a colon and no seconds", `"2022-11-29T15:21:Z"`, DateTime{Value: "2022-11-29T15:21:Z"}, time.Time{}},
		{"a minute that does not exist", `"2022-11-29T15:60Z"`, DateTime{Value: "2022-11-29T15:60Z"}, time.Time{}},
		{"a day that does not exist", `"2022-02-30T15:21:58Z"`, DateTime{Value: "2022-02-30T15:21:58Z"}, time.Time{}},
		{"a number", `1669735318000`, DateTime{Value: "1669735318000"}, time.Time{}},
		{"dateTimeType without value", `{"timezone":"UTC"}`, DateTime{Timezone: "UTC", Wrapped: true}, time.Time{}},
		{"dateTimeType with a number", `{"value":5}`, DateTime{Value: "5", Wrapped: true}, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d DateTime
			require.NoError(t, json.Unmarshal([]byte(tt.in), &d))
			require.Equal(t, tt.want, d)
			at, ok := d.Time()
			require.Equal(t, !tt.at.IsZero(), ok, "%q", d.Value)
			if ok {
				require.True(t, tt.at.Equal(at), "want %s, got %s", tt.at, at)
			}
		})
	}
}

// TestDateTimeEncodesTheFormItCameIn: a document decoded and encoded again keeps its dates'
// forms, which the fake relies on to encode its documents as before.
func TestDateTimeEncodesTheFormItCameIn(t *testing.T) {
	for _, in := range []string{
		`"2022-11-29T15:21:58Z"`,
		`"2022-11-29T15:21:58.000+0000"`,
		`{"value":"2022-11-29T15:21:58Z"}`,
		`{"value":"2022-11-29T15:21:58Z","timezone":"UTC"}`,
		`"a<b"`, // escaped as encoding/json escapes any string
	} {
		var d DateTime
		require.NoError(t, json.Unmarshal([]byte(in), &d))
		out, err := json.Marshal(d)
		require.NoError(t, err)
		want, err := json.Marshal(json.RawMessage(in))
		require.NoError(t, err)
		require.Equal(t, string(want), string(out))
	}
}

func TestDateTimeZeroIsLeftOut(t *testing.T) {
	b, err := json.Marshal(Item{ItemID: "1", ItemName: "SHIPMENT", Progress: Pending})
	require.NoError(t, err)
	require.NotContains(t, string(b), "Time")
	b, err = json.Marshal(Body{RequestID: "1"})
	require.NoError(t, err)
	require.NotContains(t, string(b), "submitDate")
}

func TestDateTimeString(t *testing.T) {
	require.Equal(t, "2022-11-29T15:21:58Z", DateTime{Value: "2022-11-29T15:21:58Z", Wrapped: true}.String())
	require.Equal(t, "2022-11-29T15:21:58Z [UTC]", DateTime{Value: "2022-11-29T15:21:58Z", Timezone: "UTC", Wrapped: true}.String())
}
