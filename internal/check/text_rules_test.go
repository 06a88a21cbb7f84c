package check

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTextRules(t *testing.T) {
	for _, ok := range []string{"", "Gold", "会员 001", "消费128元，获得12积分", "6个汉字tips", "a\u00a0b", "emoji 😀"} {
		assert.Empty(t, Problem(ok), "%q", ok)
	}
	for s, want := range map[string]string{
		"\xff":         "is not valid UTF-8",
		"a\x00":        "contains the control character U+0000",
		"a\tb":         "contains the control character U+0009",
		"a\nb":         "contains the control character U+000A",
		"a\u0085":      "contains the control character U+0085",
		"a\x7f":        "contains the control character U+007F",
		"a\u200bb":     "contains the invisible formatting character U+200B",
		"a\u202eb":     "contains the invisible formatting character U+202E",
		"a\u2066b":     "contains the invisible formatting character U+2066",
		"\ufeffa":      "contains the invisible formatting character U+FEFF",
		"a\u00adb":     "contains the invisible formatting character U+00AD",
		"a\u3164b":     "contains the invisible formatting character U+3164",
		" ":            "is only whitespace",
		"\u3000\t ":    "contains the control character U+0009",
		"\u3000\u00a0": "is only whitespace",
	} {
		assert.Equal(t, want, Problem(s), "%q", s)
	}
	assert.Empty(t, MultilineProblem("line one\nline two"))
	assert.NotEmpty(t, MultilineProblem("a\r\nb"))
	assert.NotEmpty(t, MultilineProblem("\n\n"), "whitespace only")
}

func TestLengthRules(t *testing.T) {
	var c Checker
	c.Zh("sub", "6个汉字tips", 6) // 14 bytes ≤ 18
	assert.False(t, c.Failed())
	c.Zh("sub", "7个汉字tipsXXXXX", 6) // 19 bytes
	assert.Equal(t, "sub", c.Err().Field)

	c = Checker{}
	c.Runes("r", "金金金", 3)
	c.Bytes("b", "金金金", 9)
	assert.False(t, c.Failed())
	c.Bytes("b", "金金金", 8)
	assert.Equal(t, "b", c.Err().Field)
	c.Runes("later", "x\x00", 1)
	assert.Equal(t, "b", c.Err().Field, "the first broken rule is kept")

	c = Checker{}
	c.Key("k", "order-1_A", 32)
	assert.False(t, c.Failed())
	c.Key("k", "order 1", 32)
	assert.True(t, c.Failed())
}
