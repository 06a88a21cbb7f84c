package wechat

import (
	"fmt"
	"strings"

	"github.com/walletcard/card/driver"
	"github.com/walletcard/card/internal/check"
)

// cv is the module's one field checker (internal/check) as every Validate
// method of the package uses it: the checks run in order and the first
// failure is reported as a card.ErrInvalidArgument-kind *card.Error naming
// the Go field. Every text check applies the content rules too (no control
// or invisible formatting characters, not whitespace only).
type cv struct{ check.Checker }

// fail records a broken rule unless one was recorded before.
func (v *cv) fail(field, format string, args ...any) { v.Fail(field, format, args...) }

// err is the first broken rule, or nil.
func (v *cv) err() error { return driver.FromCheck(v.Err()) }

// str checks a byte-limited string; required makes "" an error.
func (v *cv) str(field, s string, required bool, maxBytes int) {
	if s == "" {
		if required {
			v.fail(field, "is required")
		}
		return
	}
	v.Bytes(field, s, maxBytes)
}

// zh checks a field WeChat limits to n Chinese characters and types
// string(3n): at most 3n UTF-8 bytes, so other characters count their bytes
// ("6个汉字tips", 14 bytes, fits 6 汉字 as WeChat's own sample requires).
func (v *cv) zh(field, s string, required bool, n int) {
	if s == "" {
		if required {
			v.fail(field, "is required")
		}
		return
	}
	v.Zh(field, s, n)
}

// zhLines is zh for a field that may span lines ('\n' allowed).
func (v *cv) zhLines(field, s string, required bool, n int) {
	if s == "" {
		if required {
			v.fail(field, "is required")
		}
		return
	}
	v.MultilineZh(field, s, n)
}

// cardID, code and openID check the WeChat id formats.
func (v *cv) cardID(field, s string, required bool) { v.str(field, s, required, MaxCardIDLen) }
func (v *cv) code(field, s string, required bool)   { v.str(field, s, required, MaxCodeLen) }
func (v *cv) openID(field, s string, required bool) { v.str(field, s, required, MaxOpenIDLen) }

// rangeInt checks lo ≤ n ≤ hi.
func (v *cv) rangeInt(field string, n, lo, hi int64) {
	if n < lo || n > hi {
		v.fail(field, "is %d, must be between %d and %d", n, lo, hi)
	}
}

// nonNeg checks n ≥ 0.
func (v *cv) nonNeg(field string, n int64) {
	if n < 0 {
		v.fail(field, "must not be negative, got %d", n)
	}
}

// oneOf checks that s is one of allowed.
func (v *cv) oneOf(field, s string, required bool, allowed ...string) {
	if s == "" {
		if required {
			v.fail(field, "is required")
		}
		return
	}
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	v.fail(field, "is %q, must be one of %s", s, strings.Join(allowed, ", "))
}

// appBrand checks a mini-program user name, which WeChat wants as "原始id@app".
func (v *cv) appBrand(field, s string) {
	if s != "" && !strings.HasSuffix(s, "@app") {
		v.fail(field, "must be the mini program's original id followed by \"@app\", got %q", s)
	}
}

// codeList checks a list of codes for deposit/checkcode: non-empty, no empty
// or over-long codes, no duplicates (WeChat 40110 / 40111).
func (v *cv) codeList(field string, codes []string) {
	if len(codes) == 0 {
		v.fail(field, "needs at least one code")
		return
	}
	seen := make(map[string]int, len(codes))
	for i, c := range codes {
		f := fmt.Sprintf("%s[%d]", field, i)
		if strings.TrimSpace(c) == "" {
			v.fail(f, "is empty or blank")
			return
		}
		v.code(f, c, true)
		if j, dup := seen[c]; dup {
			v.fail(f, "repeats %s[%d] (%q)", field, j, c)
			return
		}
		seen[c] = i
	}
}

// record checks a record_bonus / record_balance / init_bonus_record note of
// a member or general card: at most MaxRecordRunes (Chinese) characters.
func (v *cv) record(field, s string) { v.zh(field, s, false, MaxRecordRunes) }

// customValue checks a member- or general-card custom field value: at most
// MaxCustomFieldValueBytes bytes (4 Chinese characters).
func (v *cv) customValue(field, s string) { v.str(field, s, false, MaxCustomFieldValueBytes) }

// outerStr checks a channel value (outer_str) of a QR code, cardExt or
// activation URL: at most 128 characters, like wechattest.
func (v *cv) outerStr(field, s string) { v.zh(field, s, false, catMaxOuterStr) }
