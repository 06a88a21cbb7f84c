package card

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// Money is an amount of Chinese yuan in integer fen (1 yuan = 100 fen). It is
// never a float: "128.88" parses to exactly 12888.
type Money int64

// Yuan returns whole yuan as Money: Yuan(12) == 1200 fen.
func Yuan(yuan int64) Money { return Money(yuan * 100) }

// Fen returns Money of n fen.
func Fen(n int64) Money { return Money(n) }

// Fen returns the amount in fen.
func (m Money) Fen() int64 { return int64(m) }

// String formats m in yuan with exactly two decimals, as Alipay expects:
// 12888 → "128.88", -5 → "-0.05".
func (m Money) String() string { return formatHundredths(int64(m), true) }

// MarshalText encodes m as its String form.
func (m Money) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText decodes a yuan string such as "128.88".
func (m *Money) UnmarshalText(b []byte) error {
	v, err := ParseMoney(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// ParseMoney parses a yuan amount with at most two decimals ("128.88", "10",
// "-0.5", "+3.1") into fen, exactly. More decimals, exponents, spaces or
// values that overflow int64 fen are errors.
func ParseMoney(s string) (Money, error) {
	v, err := parseHundredths(s)
	if err != nil {
		return 0, errors.New("card: invalid money " + strconv.Quote(s) + ": " + err.Error())
	}
	return Money(v), nil
}

// Points is a loyalty point balance in hundredths of a point, so that Alipay's
// decimal points ("88.50") round-trip without loss. Use WholePoints for the
// usual integer case; WeChat's bonus is always whole.
type Points int64

// WholePoints returns n whole points.
func WholePoints(n int64) Points { return Points(n * 100) }

// Whole returns the whole number of points and whether p has no fractional part.
func (p Points) Whole() (int64, bool) { return int64(p) / 100, int64(p)%100 == 0 }

// Hundredths returns p in hundredths of a point.
func (p Points) Hundredths() int64 { return int64(p) }

// String formats p without trailing zeros: 8800 → "88", 8850 → "88.5", 8805 → "88.05".
func (p Points) String() string { return formatHundredths(int64(p), false) }

// MarshalText encodes p as its String form.
func (p Points) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText decodes a decimal string such as "88.50".
func (p *Points) UnmarshalText(b []byte) error {
	v, err := ParsePoints(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// ParsePoints parses a point value with at most two decimals ("88", "88.50").
func ParsePoints(s string) (Points, error) {
	v, err := parseHundredths(s)
	if err != nil {
		return 0, errors.New("card: invalid points " + strconv.Quote(s) + ": " + err.Error())
	}
	return Points(v), nil
}

// parseHundredths parses an optionally signed decimal with ≤ 2 fraction digits
// into an integer count of hundredths, failing on overflow.
func parseHundredths(s string) (int64, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	neg := false
	switch s[0] {
	case '-':
		neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" && (!hasDot || frac == "") {
		return 0, errors.New("no digits")
	}
	if hasDot && frac == "" {
		return 0, errors.New("no digits after the decimal point")
	}
	if len(frac) > 2 {
		return 0, errors.New("more than two decimals")
	}
	var v uint64
	for _, c := range []byte(intPart) {
		if c < '0' || c > '9' {
			return 0, errors.New("not a decimal number")
		}
		if v > (math.MaxInt64-9)/10 {
			return 0, errors.New("out of range")
		}
		v = v*10 + uint64(c-'0')
	}
	if v > math.MaxInt64/100 {
		return 0, errors.New("out of range")
	}
	v *= 100
	mult := uint64(10)
	for _, c := range []byte(frac) {
		if c < '0' || c > '9' {
			return 0, errors.New("not a decimal number")
		}
		v += uint64(c-'0') * mult
		mult /= 10
	}
	if v > math.MaxInt64 {
		return 0, errors.New("out of range")
	}
	if neg {
		return -int64(v), nil
	}
	return int64(v), nil
}

// formatHundredths renders v/100 with two decimals (fixed) or trimmed.
func formatHundredths(v int64, fixed bool) string {
	var u uint64
	neg := v < 0
	if neg {
		u = uint64(-(v + 1)) + 1 // safe for MinInt64
	} else {
		u = uint64(v)
	}
	whole, frac := u/100, u%100
	buf := make([]byte, 0, 24)
	if neg {
		buf = append(buf, '-')
	}
	buf = strconv.AppendUint(buf, whole, 10)
	switch {
	case fixed:
		buf = append(buf, '.', byte('0'+frac/10), byte('0'+frac%10))
	case frac == 0:
	case frac%10 == 0:
		buf = append(buf, '.', byte('0'+frac/10))
	default:
		buf = append(buf, '.', byte('0'+frac/10), byte('0'+frac%10))
	}
	return string(buf)
}
