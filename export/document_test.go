package export

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestIDDecodesNumbersAndStrings(t *testing.T) {
	for in, want := range map[string]ID{`12345`: "12345", `"12345"`: "12345", `"abc"`: "abc", `1.5e3`: "1.5e3"} {
		var id ID
		require.NoError(t, json.Unmarshal([]byte(in), &id), in)
		require.Equal(t, want, id, in)
	}
	for _, in := range []string{`true`, `{}`, `[1]`} {
		var id ID
		require.Error(t, json.Unmarshal([]byte(in), &id), in)
	}
}

func TestIDEncodesPlainIntegersAsNumbers(t *testing.T) {
	for id, want := range map[ID]string{"12345": `12345`, "0": `0`, "007": `"007"`, "abc": `"abc"`, "-1": `"-1"`, "": `""`,
		"99999999999999999999": `"99999999999999999999"`} {
		b, err := json.Marshal(id)
		require.NoError(t, err)
		require.Equal(t, want, string(b), string(id))
	}
}

func TestProgress(t *testing.T) {
	terminal := map[Progress]bool{Succeeded: true, Failed: true, Cancelled: true, Interrupted: true}
	for _, p := range Progresses() {
		require.True(t, p.Known())
		require.Equal(t, terminal[p], p.Terminal(), p)
	}
	require.False(t, Progress("canceled").Known())
	require.False(t, Progress("canceled").Terminal())
}

func TestStatusAccessorsOnAnEmptyDocument(t *testing.T) {
	var s Status
	require.Equal(t, ID(""), s.RequestID())
	require.Nil(t, s.Items())
	_, ok := s.Item("SHIPMENT")
	require.False(t, ok)
}
