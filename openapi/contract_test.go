package openapi

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAcceptCancelDeclaresTheStatusesTheContractAccepts(t *testing.T) {
	doc, err := Load()
	require.NoError(t, err)
	cancel := exchange(http.MethodPost, "/logisticsRestApi/data/v1/custom-actions/cancel/exportRequests/7", "", http.StatusNoContent, "", "")

	v, err := New(doc)
	require.NoError(t, err)
	require.NotEmpty(t, check(v, cancel),
		"the use-case page's spec does not declare a 204")

	same, err := AcceptCancel(doc, []int{200})
	require.NoError(t, err)
	require.Same(t, doc, same, "nothing to add, nothing copied")

	accepting, err := AcceptCancel(doc, []int{200, 204})
	require.NoError(t, err)
	require.NotSame(t, doc, accepting, "the shared spec is not changed")
	v, err = New(accepting)
	require.NoError(t, err)
	require.Empty(t, check(v, cancel))
	other := exchange(http.MethodPost, "/logisticsRestApi/data/v1/custom-actions/cancel/exportRequests/7", "", http.StatusAccepted, "", "")
	require.NotEmpty(t, check(v, other),
		"a status the contract does not accept stays a violation")

	v, err = New(doc)
	require.NoError(t, err)
	require.NotEmpty(t, check(v, cancel),
		"the embedded spec itself is unchanged")
}
