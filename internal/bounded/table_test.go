package bounded

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTableEvictsDoneEntriesFirstThenTheLeastRecentlyUsed(t *testing.T) {
	tab := New[int, string](3)
	tab.Put(1, "a")
	tab.Put(2, "b")
	tab.Put(3, "c")
	tab.Done(3)
	tab.Put(4, "d") // full: 3 is done, so it goes though 1 is older
	_, ok := tab.Get(3)
	require.False(t, ok, "a done entry is evicted first")
	require.Equal(t, 1, tab.Evicted())

	_, ok = tab.Get(1) // 1 is now more recently used than 2
	require.True(t, ok)
	tab.Put(5, "e") // none done: the least recently used, 2, goes
	_, ok = tab.Get(2)
	require.False(t, ok, "then the least recently used")
	for _, k := range []int{1, 4, 5} {
		_, ok := tab.Get(k)
		require.True(t, ok, "%d is kept", k)
	}
	require.Equal(t, 3, tab.Len())
	require.Equal(t, 2, tab.Evicted())

	tab.Put(1, "a2") // an update evicts nothing
	v, _ := tab.Get(1)
	require.Equal(t, "a2", v)
	require.Equal(t, 2, tab.Evicted())
}

func TestTableWithoutABoundKeepsEverything(t *testing.T) {
	tab := New[int, int](0)
	for i := range 1000 {
		tab.Put(i, i)
	}
	require.Equal(t, 1000, tab.Len())
	require.Zero(t, tab.Evicted())
}
