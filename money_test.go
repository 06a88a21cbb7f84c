package card

import (
	"math"
	"strconv"
	"testing"
)

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Money
	}{
		{"128.88", 12888}, {"0", 0}, {"10", 1000}, {"10.5", 1050}, {"10.05", 1005},
		{"0.01", 1}, {".5", 50}, {"-0.05", -5}, {"+3.1", 310}, {"007.00", 700},
		{"92233720368547758.07", math.MaxInt64},
	} {
		got, err := ParseMoney(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "-", ".", "1.", "1.234", "1e3", " 1", "1 ", "1,5", "abc", "0x10", "--1", "1.2.3", "92233720368547758.08", "99999999999999999999"} {
		if v, err := ParseMoney(bad); err == nil {
			t.Errorf("ParseMoney(%q) = %d, want an error", bad, v)
		}
	}
}

func TestMoneyString(t *testing.T) {
	for _, tc := range []struct {
		in   Money
		want string
	}{
		{12888, "128.88"}, {0, "0.00"}, {5, "0.05"}, {-5, "-0.05"}, {100, "1.00"}, {-12345, "-123.45"},
		{math.MaxInt64, "92233720368547758.07"}, {math.MinInt64, "-92233720368547758.08"},
	} {
		if got := tc.in.String(); got != tc.want {
			t.Errorf("Money(%d).String() = %q, want %q", int64(tc.in), got, tc.want)
		}
	}
	if Yuan(12).Fen() != 1200 || Fen(7) != 7 {
		t.Error("Yuan/Fen constructors")
	}
}

func TestPoints(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Points
		out  string
	}{
		{"88", 8800, "88"}, {"88.50", 8850, "88.5"}, {"88.05", 8805, "88.05"}, {"0", 0, "0"}, {"-100", -10000, "-100"},
	} {
		got, err := ParsePoints(tc.in)
		if err != nil || got != tc.want || got.String() != tc.out {
			t.Errorf("ParsePoints(%q) = %d (%q), %v; want %d (%q)", tc.in, got, got.String(), err, tc.want, tc.out)
		}
	}
	if w, ok := WholePoints(88).Whole(); w != 88 || !ok {
		t.Error("WholePoints(88).Whole()")
	}
	if _, ok := Points(8850).Whole(); ok {
		t.Error("88.5 reported as whole")
	}
	if _, err := ParsePoints("1.001"); err == nil {
		t.Error("three decimals accepted")
	}
}

func TestMoneyTextRoundTrip(t *testing.T) {
	var m Money
	if err := m.UnmarshalText([]byte("66.60")); err != nil || m != 6660 {
		t.Fatalf("UnmarshalText: %d %v", m, err)
	}
	b, _ := m.MarshalText()
	if string(b) != "66.60" {
		t.Fatalf("MarshalText = %s", b)
	}
	var p Points
	if err := p.UnmarshalText([]byte("x")); err == nil {
		t.Fatal("bad points accepted")
	}
}

// FuzzParseMoney checks that any input either fails or round-trips exactly
// through String, and never panics. Wallet responses carry money as text.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"128.88", "0", "-0.05", ".5", "1.234", "92233720368547758.07", "1e3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s)
		if err != nil {
			return
		}
		back, err := ParseMoney(m.String())
		if err != nil || back != m {
			t.Fatalf("%q → %d → %q → %d, %v", s, m, m.String(), back, err)
		}
		p, err := ParsePoints(s)
		if err != nil || int64(p) != int64(m) {
			t.Fatalf("ParsePoints(%q) = %d, %v; ParseMoney gave %d", s, p, err, m)
		}
		if q, err := ParsePoints(p.String()); err != nil || q != p {
			t.Fatalf("points %q round trip: %d %v", p.String(), q, err)
		}
		if _, err := strconv.ParseFloat(s, 64); err != nil && s[0] != '.' && s[0] != '+' && s[0] != '-' {
			t.Fatalf("accepted %q which is not a decimal number", s)
		}
	})
}
