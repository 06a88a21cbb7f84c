package wechat

import (
	"context"
	"errors"
	"strings"
	"testing"

	card "github.com/walletcard/card"
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
			before := s.Calls("")
			_, err := p.Open(ctx, tc.req)
			var ce *card.Error
			if !errors.Is(err, card.ErrInvalidArgument) || !errors.As(err, &ce) || ce.Field != tc.field || ce.Op != "Open" {
				t.Fatalf("err = %v (field %q), want InvalidArgument naming %s", err, fieldOf(err), tc.field)
			}
			if n := s.Calls("") - before; n != 0 {
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
		before := s.Calls("")
		_, err := p.ClaimLink(ctx, tc.req)
		if !errors.Is(err, card.ErrInvalidArgument) || fieldOf(err) != tc.field {
			t.Errorf("err = %v (field %q), want InvalidArgument naming %s", err, fieldOf(err), tc.field)
		}
		if n := s.Calls("") - before; n != 0 {
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
	before := s.Calls("")
	err := p.UnavailableCode(ctx, UnavailableCodeRequest{Code: code, CardID: id, Reason: strings.Repeat("r", MaxUnavailableReasonBytes+1)})
	if !errors.Is(err, card.ErrInvalidArgument) || fieldOf(err) != "Reason" || s.Calls("") != before {
		t.Fatalf("over the limit: %v, %d calls", err, s.Calls("")-before)
	}
	// 126 bytes of ASCII plus one 2-byte character: 128 bytes, 127 characters.
	if err := p.UnavailableCode(ctx, UnavailableCodeRequest{Code: code, CardID: id, Reason: strings.Repeat("r", MaxUnavailableReasonBytes-2) + "é"}); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
}
