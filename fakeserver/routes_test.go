package fakeserver

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

// TestRoutesAreTheCallsOfTheAPI: the routes spell out the wire form of the three calls, as
// ServeMux patterns; each is the path export.PathOf writes for its call, and export.CallOf
// reads it back as that call, so the fake and the harness cannot disagree on a path.
func TestRoutesAreTheCallsOfTheAPI(t *testing.T) {
	calls := map[callKind]export.Call{callCreate: export.CallCreate, callStatus: export.CallStatus, callCancel: export.CallCancel}
	routes := New(Options{}).routes()
	require.Len(t, routes, len(calls))
	for _, rt := range routes {
		want, ok := calls[rt.call]
		require.True(t, ok, rt.pattern)
		method, path, _ := strings.Cut(rt.pattern, " ")
		var id export.ID
		if want != export.CallCreate {
			id = "12345"
			path = strings.Replace(path, "{requestID}", string(id), 1)
		}
		require.Equal(t, want.Method(), method, rt.pattern)
		written, err := export.PathOf(export.Root, want, id)
		require.NoError(t, err)
		require.Equal(t, written, path, rt.pattern)
		call, got := export.CallOf(method, path)
		require.Equal(t, want, call, rt.pattern)
		require.Equal(t, id, got, rt.pattern)
	}
}
