package jsonkeys

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const status = `{"progress":"processing","completed":false,"result":{"body":{"requestID":12345,"tables":{"items":[` +
	`{"itemID":1,"itemName":"SHIPMENT","progress":"succeeded","parts":{"count":1,"items":[{"partName":"p","recordCount":92,"checksum":"c9179dae8947cb56abaed4f6c2ea09b3"}]}},` +
	`{"itemID":2,"itemName":"SHIPMENT_REFNUM","progress":"pending","parts":{"count":0,"items":[]}}]}}}}`

func TestFind(t *testing.T) {
	set := func(pairs ...string) string { return strings.NewReplacer(pairs...).Replace(status) }
	tests := []struct {
		name string
		body string
		want []Duplicate
	}{
		{"no duplicate", status, nil},
		{"top level, values differ", `{"progress":"failed","completed":true,` + status[1:],
			[]Duplicate{{"", "progress"}, {"", "completed"}}},
		{"equal values", `{"a":1,"a":1}`, []Duplicate{{"", "a"}}},
		{"in result.body", set(`"requestID":12345`, `"requestID":12345,"requestID":999`), []Duplicate{{"/result/body", "requestID"}}},
		{"in an item", set(`"itemName":"SHIPMENT_REFNUM"`, `"itemName":"SHIPMENT_REFNUM","itemName":"SHIPMENT"`),
			[]Duplicate{{"/result/body/tables/items/1", "itemName"}}},
		{"in a part", set(`"recordCount":92`, `"recordCount":92,"recordCount":0`),
			[]Duplicate{{"/result/body/tables/items/0/parts/items/0", "recordCount"}}},
		{"in an error document", `{"type":"about:blank","title":"Not Found","status":404,"status":200}`, []Duplicate{{"", "status"}}},
		{"escaped forms of one key", `{"progress":"failed","pro\u0067ress":"pending"}`, []Duplicate{{"", "progress"}}},
		{"invalid UTF-8 reads as U+FFFD", "{\"a\xff\":1,\"a\xfe\":2}", []Duplicate{{"", "a\ufffd"}}},
		{"once per object however often", `{"a":1,"a":2,"a":3,"b":[{"a":1},{"a":1,"a":2}]}`,
			[]Duplicate{{"", "a"}, {"/b/1", "a"}}},
		{"keys differing in case are two keys", `{"progress":"pending","PROGRESS":"failed","Progress":"x"}`, nil},
		{"the same key in sibling objects", `{"a":{"k":1},"b":{"k":1},"c":[{"k":1},{"k":2}]}`, nil},
		{"a key that needs escaping in a pointer", `{"a/b":{"~":1,"~":2}}`, []Duplicate{{"/a~1b", "~"}}},
		{"only the first value is read", `{"a":1}{"a":1,"a":2}`, nil},
		{"not an object", `[1,"a","a",{"x":null}]`, nil},
		{"a scalar", `1e400`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Find([]byte(tt.body))
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestFindRefusesWhatIsNotJSON(t *testing.T) {
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	for name, body := range map[string]string{
		"empty":           "",
		"truncated":       `{"a":1,"a":2`,
		"not JSON":        `<h1>no</h1>`,
		"a missing colon": `{"a" 1}`,
		"too deep":        deep,
	} {
		t.Run(name, func(t *testing.T) {
			got, err := Find([]byte(body))
			require.Error(t, err)
			require.Nil(t, got)
		})
	}
	_, err := Find([]byte(deep[1 : len(deep)-1]))
	require.NoError(t, err, "encoding/json's own depth is accepted")
}

func TestDuplicateText(t *testing.T) {
	d := Duplicate{Object: "/result/body", Key: "request/ID"}
	require.Equal(t, "/result/body/request~1ID", d.Pointer())
	require.Equal(t, `duplicate key "request/ID": a JSON object must not repeat a key (readers disagree on which value counts)`, d.Reason())
	require.Equal(t, d.Pointer()+": "+d.Reason(), d.Error())
	require.Equal(t, "/progress", Duplicate{Key: "progress"}.Pointer())
}

// BenchmarkFind is the cost of looking for repeats in a status document: what DecodeStatus pays
// on every document and Validate on a body decodeJSON refuses.
func BenchmarkFind(b *testing.B) {
	body := []byte(status)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if dups, err := Find(body); err != nil || dups != nil {
			b.Fatal(dups, err)
		}
	}
}
