// Package check is the one field checker behind every Validate in the
// module: the neutral requests of package card, the wallet rules the
// pipeline applies (internal/walletrules), and the typed requests of the
// alipay and wechat adapters. It records the first rule a request breaks as
// a field name and a message; callers turn that into a *card.Error of kind
// invalid argument. Messages never quote the value (it may be a secret).
//
// Text rules (Text, and every string check that calls it): valid UTF-8; no
// control characters (C0, DEL, C1 — a field that may span lines allows
// '\n' only); no invisible formatting characters (zero-width spaces and
// joiners, bidirectional embeddings, overrides and isolates, word joiners,
// the byte-order mark, soft hyphen, and the rest of Unicode's Cf category);
// and not whitespace only.
//
// Length rules count bytes, characters, or, for fields a wallet limits to
// "n 汉字" and types string(3n), UTF-8 bytes against 3n: a Chinese character
// is 3 bytes, so "6个汉字tips" (14 bytes) fits a 6-汉字 field (18 bytes), as
// WeChat's own member-card sample requires.
package check

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error is the first broken rule.
type Error struct {
	// Field names the field, as the caller spelled it ("Ref.CardNo").
	Field string
	// Message says what is wrong, without the value.
	Message string
}

func (e *Error) Error() string { return e.Field + ": " + e.Message }

// Checker collects the first broken rule. The zero value is ready.
type Checker struct{ first *Error }

// Fail records a broken rule unless one was recorded before.
func (c *Checker) Fail(field, format string, args ...any) {
	if c.first == nil {
		c.first = &Error{Field: field, Message: fmt.Sprintf(format, args...)}
	}
}

// Failed reports whether a rule was broken.
func (c *Checker) Failed() bool { return c.first != nil }

// Err returns the first broken rule, or nil.
func (c *Checker) Err() *Error { return c.first }

// Problem returns why s is not acceptable text for a single-line field, or
// "" when it is. Empty text is acceptable (required-ness is separate).
func Problem(s string) string { return problem(s, false) }

// MultilineProblem is Problem for a field that may span lines ('\n' allowed).
func MultilineProblem(s string) string { return problem(s, true) }

func problem(s string, multiline bool) string {
	if s == "" {
		return ""
	}
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	visible := false
	for _, r := range s {
		switch {
		case r == '\n' && multiline:
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return fmt.Sprintf("contains the control character U+%04X", r)
		case unicode.Is(unicode.Cf, r) || r == 0x115f || r == 0x1160 || r == 0x3164 || r == 0xffa0:
			// Cf: zero-width, bidi, word joiner, BOM, soft hyphen …; the
			// Hangul fillers render as nothing as well.
			return fmt.Sprintf("contains the invisible formatting character U+%04X", r)
		case !unicode.IsSpace(r):
			visible = true
		}
	}
	if !visible {
		return "is only whitespace"
	}
	return ""
}

// Text checks s's content (see Problem).
func (c *Checker) Text(field, s string) {
	if p := Problem(s); p != "" {
		c.Fail(field, "%s", p)
	}
}

// MultilineText checks s's content, allowing '\n'.
func (c *Checker) MultilineText(field, s string) {
	if p := MultilineProblem(s); p != "" {
		c.Fail(field, "%s", p)
	}
}

// Required fails when s is empty.
func (c *Checker) Required(field, s string) bool {
	if s == "" {
		c.Fail(field, "is required")
		return false
	}
	return true
}

// Bytes checks text of at most max bytes (max ≤ 0: no limit).
func (c *Checker) Bytes(field, s string, max int) {
	c.Text(field, s)
	if max > 0 && len(s) > max {
		c.Fail(field, "is %d bytes, the limit is %d", len(s), max)
	}
}

// Runes checks text of at most max characters (max ≤ 0: no limit).
func (c *Checker) Runes(field, s string, max int) {
	c.Text(field, s)
	if n := utf8.RuneCountInString(s); max > 0 && n > max && utf8.ValidString(s) {
		c.Fail(field, "is %d characters, the limit is %d", n, max)
	}
}

// MultilineRunes is Runes for a field that may span lines.
func (c *Checker) MultilineRunes(field, s string, max int) {
	c.MultilineText(field, s)
	if n := utf8.RuneCountInString(s); max > 0 && n > max && utf8.ValidString(s) {
		c.Fail(field, "is %d characters, the limit is %d", n, max)
	}
}

// Zh checks a field limited to n Chinese characters (string(3n)): at most
// 3n UTF-8 bytes.
func (c *Checker) Zh(field, s string, n int) {
	c.Text(field, s)
	if len(s) > 3*n {
		c.Fail(field, "is %d bytes, the limit is %d (%d Chinese characters of 3 bytes; other characters count their UTF-8 bytes)", len(s), 3*n, n)
	}
}

// MultilineZh is Zh for a field that may span lines.
func (c *Checker) MultilineZh(field, s string, n int) {
	c.MultilineText(field, s)
	if len(s) > 3*n {
		c.Fail(field, "is %d bytes, the limit is %d (%d Chinese characters of 3 bytes; other characters count their UTF-8 bytes)", len(s), 3*n, n)
	}
}

// OneOf checks that a non-empty s is one of allowed.
func (c *Checker) OneOf(field, s string, allowed ...string) {
	if s == "" {
		return
	}
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	c.Fail(field, "must be one of %s", strings.Join(allowed, ", "))
}

// Range checks lo ≤ n ≤ hi.
func (c *Checker) Range(field string, n, lo, hi int64) {
	if n < lo || n > hi {
		c.Fail(field, "is %d, must be between %d and %d", n, lo, hi)
	}
}

// NonNegative checks n ≥ 0.
func (c *Checker) NonNegative(field string, n int64) {
	if n < 0 {
		c.Fail(field, "must not be negative")
	}
}

// Key checks an idempotency key: at most max bytes of ASCII letters,
// digits, '-' and '_'.
func (c *Checker) Key(field, s string, max int) {
	if len(s) > max {
		c.Fail(field, "is %d bytes, the limit is %d", len(s), max)
		return
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
			c.Fail(field, "may hold only letters, digits, '-' and '_'")
			return
		}
	}
}
