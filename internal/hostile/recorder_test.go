package hostile

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRecorderKeepsOrderAndBound(t *testing.T) {
	rec := Recorder{Max: 2}
	rec.Record("a", "r1", "application/json", []byte("1"))
	rec.Record("b", "r2", "application/json", []byte("2"))
	rec.Record("a", "r3", "application/json", []byte("3"))
	rec.Record("a", "r4", "application/json", []byte("4"))
	a := rec.Answers("a")
	require.Len(t, a, 2, "at most Max per operation")
	assert.Equal(t, []string{"r3", "r4"}, []string{a[0].Request, a[1].Request})
	all := rec.Answers("")
	require.Len(t, all, 3)
	assert.Equal(t, []string{"r2", "r3", "r4"}, []string{all[0].Request, all[1].Request, all[2].Request}, "in the order given")
	all[0].Body[0] = 'X'
	assert.Equal(t, byte('2'), rec.Answers("b")[0].Body[0], "copies")
}

func TestQueueTakesOnce(t *testing.T) {
	q := Queue{}
	q.Set("op", RawBody([]byte("x")))
	q.Set("", EndlessBody())
	a, ok := q.Take("op")
	require.True(t, ok)
	assert.Equal(t, "RawBody(HTTP 200, 1 bytes)", a.String())
	a, ok = q.Take("other")
	require.True(t, ok, `"" answers any op`)
	assert.Equal(t, "EndlessBody()", a.String())
	_, ok = q.Take("op")
	assert.False(t, ok)
	q.Set("op", Answer{})
	_, ok = q.Take("op")
	assert.False(t, ok, "the zero Answer removes")
}
