package similar

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDistance(t *testing.T) {
	require.Equal(t, 0, Distance([]byte("poll_interval"), []byte("poll_interval")))
	require.Equal(t, 1, Distance([]byte("pol_interval"), []byte("poll_interval")))
	require.Equal(t, 3, Distance([]byte("kitten"), []byte("sitting")))
	require.Equal(t, 4, Distance([]byte(""), []byte("abcd")))
	words := strings.Fields
	require.Equal(t, 1, Distance(words("the answr is 200 OK"), words("the answer is 200 OK")))
	require.Equal(t, 2, Distance(words("I cancel the request"), words("I cancel the export request again")))
}
