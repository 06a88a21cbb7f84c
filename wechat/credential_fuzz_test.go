package wechat

import (
	"testing"
	"time"
)

// FuzzCredentialAnswer drives the decoder of token and ticket answers
// (untrusted bytes from the network): it must never panic, and what it
// accepts must be a value of 1..2048 visible ASCII bytes (no space, so it
// fits the fleet store's record) with a lifetime in (0, 1 day].
func FuzzCredentialAnswer(f *testing.F) {
	f.Add([]byte(`{"access_token":"ACCESS_TOKEN","expires_in":7200}`), "access_token")
	f.Add([]byte(`{"errcode":0,"errmsg":"ok","ticket":"bxLdikRXVbTPdHSM05e5u5sUoXNKd8-41ZO3MhKoyN5OfkWITDGgnr2fwJ0m9E8NYzWKVZvdVtaUgWvsdshFKA","expires_in":7200}`), "ticket")
	f.Add([]byte(`{"access_token":"T","expires_in":"300"}`), "access_token")
	f.Add([]byte(`{"access_token":"a b","expires_in":-5}`), "access_token")
	f.Fuzz(func(t *testing.T, b []byte, field string) {
		v, ttl, err := credentialAnswer(b, field)
		if err != nil {
			return
		}
		if v == "" || len(v) > maxCredentialLen {
			t.Fatalf("accepted a value of %d bytes", len(v))
		}
		for i := 0; i < len(v); i++ {
			if v[i] < 0x21 || v[i] > 0x7e {
				t.Fatalf("accepted byte %#x in the value", v[i])
			}
		}
		if ttl <= 0 || ttl > 24*time.Hour {
			t.Fatalf("lifetime %v", ttl)
		}
	})
}
