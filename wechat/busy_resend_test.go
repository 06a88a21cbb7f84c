package wechat

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/silenceper/wechat/v2/util"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
)

// TestBusyNotResentForNonIdempotentCalls: a call WeChat carried out but
// answered -1 (wechattest.ApplyThenFail) is sent again only when sending it
// twice cannot change the result; a delta or a creation is sent once and the
// caller is told it may have been applied.
func TestBusyNotResentForNonIdempotentCalls(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := newCardID(t, p)
	code := claim(t, s, id, "oUSER1")
	if err := p.ActivateMemberCard(ctx, ActivateMemberCardRequest{MembershipNumber: "M1", Code: code, CardID: id, InitBonus: card.Ptr(int64(100))}); err != nil {
		t.Fatal(err)
	}
	const upd = "/card/membercard/updateuser"

	// add_bonus: applied once, not resent, error says so.
	s.ApplyThenFailNext(upd, -1, 1)
	before := s.CallCount(upd)
	_, err := p.UpdateMemberUser(ctx, UpdateMemberUserRequest{Code: code, CardID: id, AddBonus: card.Ptr(int64(10))})
	var ce *card.Error
	if !errors.Is(err, card.ErrOutcomeUnknown) || card.IsRetryable(err) || !errors.As(err, &ce) || !strings.Contains(ce.Message, "may have applied") {
		t.Fatalf("add_bonus answered -1: err = %v, want an unknown outcome, not retryable, saying it may have been applied", err)
	}
	if n := s.CallCount(upd) - before; n != 1 {
		t.Fatalf("add_bonus POSTed %d times, want 1", n)
	}
	if m := member(t, s, id, code); m.Bonus != 110 {
		t.Fatalf("bonus %d, want 110 (the delta applied exactly once)", m.Bonus)
	}

	// Absolute bonus: resent, succeeds, same final state.
	s.ApplyThenFailNext(upd, -1, 1)
	before = s.CallCount(upd)
	if _, err := p.UpdateMemberUser(ctx, UpdateMemberUserRequest{Code: code, CardID: id, Bonus: card.Ptr(int64(200))}); err != nil {
		t.Fatalf("absolute bonus after -1: %v", err)
	}
	if n := s.CallCount(upd) - before; n != 2 || member(t, s, id, code).Bonus != 200 {
		t.Fatalf("absolute bonus: %d POSTs, bonus %d; want 2, 200", s.CallCount(upd)-before, member(t, s, id, code).Bonus)
	}

	// Absolute bonus with add_bonus (absolute wins): resent, succeeds, same final state.
	s.ApplyThenFailNext(upd, -1, 1)
	before = s.CallCount(upd)
	if _, err := p.UpdateMemberUser(ctx, UpdateMemberUserRequest{Code: code, CardID: id, Bonus: card.Ptr(int64(210)), AddBonus: card.Ptr(int64(10))}); err != nil {
		t.Fatalf("bonus+add_bonus after -1: %v", err)
	}
	if n := s.CallCount(upd) - before; n != 2 || member(t, s, id, code).Bonus != 210 {
		t.Fatalf("bonus+add_bonus: %d POSTs, bonus %d; want 2, 210", s.CallCount(upd)-before, member(t, s, id, code).Bonus)
	}

	// The neutral Update sends absolute values: resent.
	s.ApplyThenFailNext(upd, -1, 1)
	if c, err := p.Update(ctx, card.UpdateRequest{Ref: card.Ref{Provider: card.WeChat, TemplateID: id, CardNo: code}, Points: card.Ptr(card.WholePoints(7))}); err != nil || c.Points != card.WholePoints(7) {
		t.Fatalf("neutral Update after -1: %v %+v", err, c)
	}

	// card/create: sent once.
	s.ApplyThenFailNext("/card/create", -1, 1)
	before = s.CallCount("/card/create")
	if _, err := p.CreateTemplate(ctx, testSpec); !errors.Is(err, card.ErrOutcomeUnknown) || card.IsRetryable(err) {
		t.Fatalf("create answered -1: %v", err)
	}
	if n := s.CallCount("/card/create") - before; n != 1 {
		t.Fatalf("card/create POSTed %d times, want 1", n)
	}

	// A read is resent.
	s.FailNextCode("/card/get", -1, 1)
	if _, err := p.GetCard(ctx, GetCardRequest{CardID: id}); err != nil {
		t.Fatalf("card/get after -1: %v", err)
	}
}

// TestRetriesBusyTable pins which calls are resent after -1.
func TestRetriesBusyTable(t *testing.T) {
	for _, tc := range []struct {
		path string
		req  any
		want bool
	}{
		{"/card/code/consume", ConsumeCodeRequest{}, false},
		{"/card/create", CreateCardRequest{}, false},
		{"/card/qrcode/create", CreateQRCodeRequest{}, false},
		{"/card/landingpage/create", CreateLandingPageRequest{}, false},
		{"/card/modifystock", ModifyStockRequest{}, false},
		{"/card/code/deposit", nil, false},
		{"/card/membercard/activate", ActivateMemberCardRequest{}, false},
		{"/card/membercard/updateuser", UpdateMemberUserRequest{Bonus: card.Ptr(int64(1))}, true},
		{"/card/membercard/updateuser", UpdateMemberUserRequest{AddBalance: card.Ptr(int64(1))}, false},
		{"/card/membercard/updateuser", &UpdateMemberUserRequest{AddBonus: card.Ptr(int64(1))}, false},
		{"/card/generalcard/updateuser", GeneralCardUpdateUserRequest{Bonus: card.Ptr(int64(1))}, true},
		{"/card/generalcard/updateuser", GeneralCardUpdateUserRequest{AddBonus: card.Ptr(int64(1))}, false},
		// a delta beside the absolute value of the same quantity: absolute wins, safe
		{"/card/membercard/updateuser", UpdateMemberUserRequest{Bonus: card.Ptr(int64(110)), AddBonus: card.Ptr(int64(10))}, true},
		{"/card/membercard/updateuser", UpdateMemberUserRequest{Balance: card.Ptr(int64(1)), AddBalance: card.Ptr(int64(1)), Bonus: card.Ptr(int64(1)), AddBonus: card.Ptr(int64(1))}, true},
		{"/card/membercard/updateuser", UpdateMemberUserRequest{Bonus: card.Ptr(int64(1)), AddBalance: card.Ptr(int64(1))}, false},
		{"/card/membercard/updateuser", UpdateMemberUserRequest{Balance: card.Ptr(int64(1)), AddBonus: card.Ptr(int64(1))}, false},
		{"/card/generalcard/updateuser", GeneralCardUpdateUserRequest{Bonus: card.Ptr(int64(1)), AddBonus: card.Ptr(int64(1))}, true},
		{"/card/generalcard/updateuser", GeneralCardUpdateUserRequest{Balance: card.Ptr(card.Money(1)), AddBalance: card.Ptr(card.Money(1))}, true},
		{"/card/generalcard/updateuser", GeneralCardUpdateUserRequest{Bonus: card.Ptr(int64(1)), AddBalance: card.Ptr(card.Money(1))}, false},
		{"/card/code/get", GetCodeRequest{}, true},
		{"/card/code/checkcode", nil, true},
		{"/card/update", UpdateCardRequest{}, true},
	} {
		if got := repeatSafe(tc.path, tc.req); got != tc.want {
			t.Errorf("repeatSafe(%s, %T %+v) = %v, want %v", tc.path, tc.req, tc.req, got, tc.want)
		}
	}
}

// TestGetEndpointsAreReads: the GET endpoints (getJSON's getcolors and
// getapplyprotocol, the api_ticket fetch) are reads by their path: a failure
// of one never leaves an outcome unknown.
func TestGetEndpointsAreReads(t *testing.T) {
	for _, path := range []string{"/card/getcolors", "/card/getapplyprotocol", "/cgi-bin/ticket/getticket"} {
		assert.True(t, wireCall{path: path}.read(), path)
	}
	assert.False(t, wireCall{path: "/card/code/consume"}.read())
}

// TestConsumeAppliedThenBusy: WeChat consumed the code but answered -1.
// Consume never reports a success it cannot prove was its own, nor a
// conflict for a redemption it may have made: the outcome is unknown.
func TestConsumeAppliedThenBusy(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := newCardID(t, p)
	ref := func(code string) card.Ref { return card.Ref{Provider: card.WeChat, TemplateID: id, CardNo: code} }

	code := claim(t, s, id, "oUSER1")
	s.ApplyThenFailNext("/card/code/consume", -1, 1)
	err := p.Consume(ctx, card.ConsumeRequest{Ref: ref(code)})
	if !errors.Is(err, card.ErrOutcomeUnknown) || card.IsRetryable(err) || errors.Is(err, card.ErrConflict) {
		t.Fatalf("consume applied then -1: %v, want an unknown outcome (not success, not conflict)", err)
	}
	if m := member(t, s, id, code); m.Status != "CONSUMED" || s.CallCount("/card/code/consume") != 1 {
		t.Fatalf("status %s after %d consume POSTs, want CONSUMED after 1", m.Status, s.CallCount("/card/code/consume"))
	}
	// A second Consume of the same code is a conflict (no -1 before the 40099).
	getBefore := s.CallCount("/card/code/get")
	if err := p.Consume(ctx, card.ConsumeRequest{Ref: ref(code)}); !errors.Is(err, card.ErrConflict) {
		t.Fatalf("second consume: %v, want ErrConflict", err)
	}
	if s.CallCount("/card/code/get") != getBefore {
		t.Fatal("a plain 40099 read the code back")
	}

	// The typed method follows the same rule.
	code2 := claim(t, s, id, "oUSER2")
	s.ApplyThenFailNext("/card/code/consume", -1, 1)
	if _, err := p.ConsumeCode(ctx, ConsumeCodeRequest{Code: code2, CardID: id}); !errors.Is(err, card.ErrOutcomeUnknown) {
		t.Fatalf("ConsumeCode applied then -1: %v, want an unknown outcome", err)
	}

	// -1 without the consume applied: code/get shows it unconsumed, the repeat consumes.
	code3 := claim(t, s, id, "oUSER3")
	s.FailNextCode("/card/code/consume", -1, 1)
	if err := p.Consume(ctx, card.ConsumeRequest{Ref: ref(code3)}); err != nil || member(t, s, id, code3).Status != "CONSUMED" {
		t.Fatalf("consume after an unapplied -1: %v", err)
	}

	// -1 on every attempt, never applied: ErrUnavailable with errcode -1, retryable.
	code4 := claim(t, s, id, "oUSER4")
	s.FailNextCode("/card/code/consume", -1, 5)
	err = p.Consume(ctx, card.ConsumeRequest{Ref: ref(code4)})
	var ce *util.CommonError
	if !errors.Is(err, card.ErrUnavailable) || !errors.As(err, &ce) || ce.ErrCode != -1 || errors.Is(err, card.ErrOutcomeUnknown) {
		t.Fatalf("consume always busy: %v", err)
	}
	s.FailNextCode("/card/code/consume", 0, 0)
}

// TestDeleteAppliedThenBusy: code/unavailable applied but answered -1; the
// repeat's 40127 is recognised through code/get and Delete succeeds.
func TestDeleteAppliedThenBusy(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := newCardID(t, p)
	code := claim(t, s, id, "oUSER1")
	s.ApplyThenFailNext("/card/code/unavailable", -1, 1)
	if err := p.Delete(ctx, card.DeleteRequest{Ref: card.Ref{Provider: card.WeChat, TemplateID: id, CardNo: code}}); err != nil {
		t.Fatalf("delete applied then -1: %v", err)
	}
	if m := member(t, s, id, code); m.Status != "UNAVAILABLE" {
		t.Fatalf("status %s", m.Status)
	}
	// Without a -1 first, deleting again is an error.
	if err := p.UnavailableCode(ctx, UnavailableCodeRequest{Code: code, CardID: id}); err == nil {
		t.Fatal("second unavailable succeeded")
	}

	// The typed method follows the same rule: it resends after the -1, and
	// the repeat's 40127 is recognised through code/get.
	code2 := claim(t, s, id, "oUSER2")
	s.ApplyThenFailNext("/card/code/unavailable", -1, 1)
	sent, read := s.CallCount("/card/code/unavailable"), s.CallCount("/card/code/get")
	require.NoError(t, p.UnavailableCode(ctx, UnavailableCodeRequest{Code: code2, CardID: id}), "UnavailableCode applied then -1")
	assert.Equal(t, "UNAVAILABLE", member(t, s, id, code2).Status)
	assert.Equal(t, 2, s.CallCount("/card/code/unavailable")-sent, "code/unavailable POSTs: the -1, then the repeat answering 40127")
	assert.Equal(t, 1, s.CallCount("/card/code/get")-read, "code/get reads after the repeat's 40127")

	// A 40127 after a -1 for a code that is not UNAVAILABLE (here: deleted
	// by its user) stays an error.
	code3 := claim(t, s, id, "oUSER3")
	require.NoError(t, s.DeleteByUser(id, code3))
	s.FailNextCode("/card/code/unavailable", -1, 1)
	err := p.UnavailableCode(ctx, UnavailableCodeRequest{Code: code3, CardID: id})
	require.Error(t, err, "a code its user deleted was reported made unavailable")
	c, ok := errcodeOf(err)
	assert.True(t, ok && c == 40127, "errcode %d (%v), want 40127", c, ok)
}

// TestOpenAppliedThenBusy: activate carried out but answered -1: Open reads
// userinfo/get, sees the code active with its number, and returns the card
// without a second activate; a -1 that was not applied is sent again.
func TestOpenAppliedThenBusy(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := newCardID(t, p)
	const act = "/card/membercard/activate"

	code := claim(t, s, id, "oUSER1")
	s.ApplyThenFailNext(act, -1, 1)
	c, err := p.Open(ctx, card.OpenRequest{TemplateID: id, Code: code, ExternalNo: "M1", Points: card.WholePoints(5)})
	if err != nil || c.ExternalNo != "M1" || c.Points != card.WholePoints(5) || c.Status != card.StatusActive {
		t.Fatalf("Open applied then -1: %+v, %v", c, err)
	}
	if n := s.CallCount(act); n != 1 {
		t.Fatalf("activate sent %d times, want 1", n)
	}

	code2 := claim(t, s, id, "oUSER2")
	s.FailNextCode(act, -1, 1)
	if _, err := p.Open(ctx, card.OpenRequest{TemplateID: id, Code: code2, ExternalNo: "M2"}); err != nil {
		t.Fatalf("Open after an unapplied -1: %v", err)
	}
	if n := s.CallCount(act); n != 3 || !member(t, s, id, code2).Activated {
		t.Fatalf("activate sent %d times in all, want 3", n)
	}
}
