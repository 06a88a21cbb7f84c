package alipaytest

import (
	"testing"
)

// BenchmarkCardQuery measures one signed round trip through smartwalle:
// client signing, request verification, the method, response signing and
// client verification.
func BenchmarkCardQuery(b *testing.B) {
	e := newEnv(b, nil)
	tpl := e.template(nil)
	_, no := e.open(tpl, nil)
	biz := map[string]any{"target_card_no_type": "BIZ_CARD", "target_card_no": no}
	b.ReportAllocs()
	for b.Loop() {
		r, err := e.try(MethodCardQuery, biz, nil)
		if err != nil || r.Code != "10000" {
			b.Fatal(err, r.SubCode)
		}
	}
}

// BenchmarkNewServer measures starting and closing a server with the
// built-in keys.
func BenchmarkNewServer(b *testing.B) {
	for b.Loop() {
		NewServer(nil).Close()
	}
}
