package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat/wechattest"
)

// TestOpenValidatesBeforeWire: an OpenRequest the activate call would refuse
// is rejected before userinfo/get is sent, and the error names the
// OpenRequest field, not the wire request's.
func TestOpenValidatesBeforeWire(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := newCardID(t, p)
	code := claim(t, s, id, "oUSER1")
	ok := card.OpenRequest{Provider: card.WeChat, TemplateID: id, Code: code, ExternalNo: "M1"}
	for _, tc := range []struct {
		name  string
		req   card.OpenRequest
		field string
	}{
		{"membership number over 20 bytes", with(ok, func(r *card.OpenRequest) { r.ExternalNo = strings.Repeat("9", 21) }), "ExternalNo"},
		{"level over 12 bytes", with(ok, func(r *card.OpenRequest) { r.Level = "超过四个汉字" }), "Level"},
		{"code too long", with(ok, func(r *card.OpenRequest) { r.Code = strings.Repeat("1", 21) }), "Code"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.CallCount("")
			_, err := p.Open(ctx, tc.req)
			var ce *card.Error
			if !errors.Is(err, card.ErrInvalidArgument) || !errors.As(err, &ce) || ce.Field != tc.field || ce.Op != "Open" {
				t.Fatalf("err = %v (field %q), want InvalidArgument naming %s", err, fieldOf(err), tc.field)
			}
			if n := s.CallCount("") - before; n != 0 {
				t.Fatalf("%d calls sent before the rejection", n)
			}
		})
	}
	// At 20 bytes the number is accepted by the adapter and the fake alike.
	if _, err := p.Open(ctx, with(ok, func(r *card.OpenRequest) { r.ExternalNo = strings.Repeat("9", 20) })); err != nil {
		t.Fatalf("20-byte ExternalNo: %v", err)
	}
}

func fieldOf(err error) string {
	var ce *card.Error
	if errors.As(err, &ce) {
		return ce.Field
	}
	return ""
}

// TestClaimLinkFieldNames: a ClaimLink the QR request would refuse is
// rejected before the wire, naming the ClaimLinkRequest field.
func TestClaimLinkFieldNames(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := newCardID(t, p)
	ok := card.ClaimLinkRequest{Provider: card.WeChat, TemplateID: id}
	for _, tc := range []struct {
		req   card.ClaimLinkRequest
		field string
	}{
		{with(ok, func(r *card.ClaimLinkRequest) { r.Holder = strings.Repeat("o", 40) }), "Holder"},
		{with(ok, func(r *card.ClaimLinkRequest) { r.TemplateID = strings.Repeat("p", 40) }), "TemplateID"},
		{with(ok, func(r *card.ClaimLinkRequest) { r.Channel = strings.Repeat("c", 200) }), "Channel"},
	} {
		before := s.CallCount("")
		_, err := p.ClaimLink(ctx, tc.req)
		if !errors.Is(err, card.ErrInvalidArgument) || fieldOf(err) != tc.field {
			t.Errorf("err = %v (field %q), want InvalidArgument naming %s", err, fieldOf(err), tc.field)
		}
		if n := s.CallCount("") - before; n != 0 {
			t.Errorf("%s: %d calls sent", tc.field, n)
		}
	}
}

// TestUnavailableReasonLimit: the adapter and wechattest agree on
// MaxUnavailableReasonBytes: a reason of exactly the limit is accepted by
// both, one byte more is refused before the wire.
func TestUnavailableReasonLimit(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := newCardID(t, p)
	code := claim(t, s, id, "oUSER1")
	before := s.CallCount("")
	err := p.UnavailableCode(ctx, UnavailableCodeRequest{Code: code, CardID: id, Reason: strings.Repeat("r", MaxUnavailableReasonBytes+1)})
	if !errors.Is(err, card.ErrInvalidArgument) || fieldOf(err) != "Reason" || s.CallCount("") != before {
		t.Fatalf("over the limit: %v, %d calls", err, s.CallCount("")-before)
	}
	// 126 bytes of ASCII plus one 2-byte character: 128 bytes, 127 characters.
	if err := p.UnavailableCode(ctx, UnavailableCodeRequest{Code: code, CardID: id, Reason: strings.Repeat("r", MaxUnavailableReasonBytes-2) + "é"}); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
}

// bodyRecorder is an http.RoundTripper that keeps the body of every request
// sent to one path.
type bodyRecorder struct {
	path   string
	mu     sync.Mutex
	bodies []string
}

func (b *bodyRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == b.path && r.Body != nil {
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		b.mu.Lock()
		b.bodies = append(b.bodies, string(raw))
		b.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(raw))
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (b *bodyRecorder) last(t *testing.T) map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.bodies) == 0 {
		t.Fatalf("nothing sent to %s", b.path)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(b.bodies[len(b.bodies)-1]), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestOpenSendsInitValuesOnlyWhenSet: init_bonus and init_balance are left
// out of the activate call when zero (a card without supply_bonus /
// supply_balance must not be refused with 43011 / 43010), sent when set.
func TestOpenSendsInitValuesOnlyWhenSet(t *testing.T) {
	s := wechattest.NewServer(nil)
	t.Cleanup(s.Close)
	rec := &bodyRecorder{path: "/card/membercard/activate"}
	p := newProviderFor(t, s, &Options{HTTPClient: &http.Client{Transport: rec}})
	ctx := context.Background()
	id := newCardID(t, p)

	if _, err := p.Open(ctx, card.OpenRequest{TemplateID: id, Code: claim(t, s, id, "o1"), ExternalNo: "M1"}); err != nil {
		t.Fatal(err)
	}
	m := rec.last(t)
	if _, ok := m["init_bonus"]; ok {
		t.Errorf("zero points sent as init_bonus: %v", m)
	}
	if _, ok := m["init_balance"]; ok {
		t.Errorf("zero balance sent as init_balance: %v", m)
	}
	if _, err := p.Open(ctx, card.OpenRequest{TemplateID: id, Code: claim(t, s, id, "o2"), ExternalNo: "M2",
		Points: card.WholePoints(5), Balance: card.Fen(300)}); err != nil {
		t.Fatal(err)
	}
	if m := rec.last(t); m["init_bonus"] != float64(5) || m["init_balance"] != float64(300) {
		t.Errorf("non-zero values not sent: %v", m)
	}
}

// TestOpenHolderFromWeChat: Open reports the openid WeChat holds for the
// code, not the informational OpenRequest.Holder; Update does not claim a
// status it was not told.
func TestOpenHolderFromWeChat(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := newCardID(t, p)
	code := claim(t, s, id, "oREAL")
	c, err := p.Open(ctx, card.OpenRequest{TemplateID: id, Code: code, ExternalNo: "M1", Holder: "oSOMEONE_ELSE"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Holder != "oREAL" {
		t.Fatalf("Open Holder = %q, want the code's owner oREAL", c.Holder)
	}
	// Update on a claimed card that was never activated: not "active".
	code2 := claim(t, s, id, "oUSER2")
	u, err := p.Update(ctx, card.UpdateRequest{Ref: card.Ref{Provider: card.WeChat, TemplateID: id, CardNo: code2}, Points: card.Ptr(card.WholePoints(3))})
	if err != nil {
		t.Fatal(err)
	}
	if u.Status == card.StatusActive || u.Holder != "oUSER2" {
		t.Fatalf("Update of a claimed card: status %q holder %q", u.Status, u.Holder)
	}
}
