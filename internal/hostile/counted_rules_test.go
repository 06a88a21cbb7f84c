package hostile

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestCountsUseUpOpBeforeAny: a rule for the operation is used up before
// the "" rule, each Take uses up one request, and n ≤ 0 removes a rule.
func TestCountsUseUpOpBeforeAny(t *testing.T) {
	c := Counts{}
	c.Set("a", 2)
	c.Set("", 1)
	assert.True(t, c.Take("a"))
	assert.True(t, c.Take("a"))
	assert.Equal(t, Counts{"": 1}, c, "a's rule is used up after two requests")
	assert.True(t, c.Take("a"), "then a falls back to the any-operation rule")
	assert.False(t, c.Take("a"))
	assert.False(t, c.Take("b"))
	assert.Empty(t, c)

	c.Set("b", 3)
	c.Set("b", 0)
	assert.False(t, c.Take("b"), "n ≤ 0 removes the rule")
	c.Set("b", -1)
	assert.Empty(t, c)
}
