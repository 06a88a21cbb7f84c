package alipaytest

import (
	"context"
	"testing"
	"time"

	alipay "github.com/smartwalle/alipay/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	card "github.com/walletcard/card"
)

// TestFailNextKindAnswers: each kind is answered with Alipay's code and
// sub_code for the method, signed, and the call is not applied.
func TestFailNextKindAnswers(t *testing.T) {
	e := newEnv(t, nil)
	tpl := e.template(nil)
	_, no := e.open(tpl, nil)
	query := map[string]any{"target_card_no": no, "target_card_no_type": "BIZ_CARD"}
	update := map[string]any{"target_card_no": no, "target_card_no_type": "BIZ_CARD", "occur_time": "2026-01-01 00:00:00",
		"card_info": map[string]any{"point": "99"}}

	cases := []struct {
		method        string
		biz           map[string]any
		kind          card.Kind
		code, subCode string
	}{
		{MethodCardQuery, query, card.KindUnavailable, "20000", "isp.unknow-error"},
		{MethodCardQuery, query, card.KindRateLimited, "40005", "aop.call-limited"},
		{MethodCardQuery, query, card.KindPermissionDenied, "40006", "isv.insufficient-isv-permissions"},
		{MethodCardQuery, query, card.KindNotFound, "40004", "CARD_NOT_EXIT"},
		{MethodCardQuery, query, card.KindInvalidArgument, "40004", "INVALID_PARAMETER"},
		{MethodCardUpdate, update, card.KindNotFound, "40004", "CARD_NOT_EXIT"},
		{MethodCardUpdate, update, card.KindUnavailable, "20000", "isp.unknow-error"},
		{MethodTemplateQuery, map[string]any{"template_id": tpl}, card.KindNotFound, "40004", "TEMPLATE_NOT_EXIT"},
		{MethodTemplateBatchQuery, nil, card.KindInvalidArgument, "40004", "INVALID_PARAMETER"},
		{MethodUserInfoShare, nil, card.KindInvalidArgument, "40002", "isv.invalid-parameter"},
		{MethodBenefitQuery, map[string]any{"template_id": tpl, "benefit_id": "b"}, card.KindNotFound, "40004", "BENEFIT_NOT_EXIST"},
	}
	for _, c := range cases {
		t.Run(c.method+"/"+c.kind.String(), func(t *testing.T) {
			e.srv.FailNext(c.method, c.kind, 1)
			r := e.call(c.method, c.biz, nil) // verified by smartwalle: signed
			assert.Equal(t, c.code, string(r.Code))
			assert.Equal(t, c.subCode, r.SubCode)
		})
	}
	got, ok := e.srv.Card(no)
	require.True(t, ok)
	assert.Empty(t, got.Point, "a failed update must not be applied")
	e.ok(MethodCardQuery, query, nil) // every rule was used up
}

// TestFailNextOpenKinds: the open-only answers, and the user's token
// failure.
func TestFailNextOpenKinds(t *testing.T) {
	e := newEnv(t, nil)
	tpl := e.template(nil)
	uid := e.srv.NewUser()
	tok := e.srv.IssueToken(uid, ScopeAuthECard)
	open := map[string]any{"out_serial_no": "s1", "card_template_id": tpl,
		"card_user_info": map[string]string{"user_uni_id": uid, "user_uni_id_type": "UID"},
		"card_ext_info":  map[string]any{"external_card_no": "E1"}}
	for kind, want := range map[card.Kind][2]string{
		card.KindAlreadyExists:   {"40004", "CARD_HAS_OPENED"},
		card.KindConflict:        {"40004", "OPEN_CARD_NEED_OPENFORM"},
		card.KindNotFound:        {"40004", "TEMPLATE_NOT_EXIT"},
		card.KindUnauthenticated: {"20001", "aop.invalid-auth-token"},
	} {
		e.srv.FailNext(MethodCardOpen, kind, 1)
		e.fails(MethodCardOpen, open, map[string]string{"auth_token": tok}, want[0], want[1])
	}
	assert.Zero(t, e.srv.CardCount(), "no failed open may create a card")
	e.ok(MethodCardOpen, open, map[string]string{"auth_token": tok})
	assert.Equal(t, 1, e.srv.CardCount())

	// oauth.token refuses the code the way it refuses bad codes: unsigned.
	e.srv.FailNext(MethodOAuthToken, card.KindUnauthenticated, 1)
	_, err := e.c.SystemOauthToken(context.Background(), alipay.SystemOauthToken{GrantType: "authorization_code", Code: e.srv.Authorize(uid, ScopeAuthBase)})
	gatewayErr(t, err, "40002", "isv.code-invalid")
}

// TestFailNextAnyMethod: a "" rule fails every method that has an answer
// for the kind and skips (without using up) the others.
func TestFailNextAnyMethod(t *testing.T) {
	e := newEnv(t, nil)
	tpl := e.template(nil)
	_, no := e.open(tpl, nil)
	e.srv.FailNext("", card.KindNotFound, 1)
	e.ok(MethodTemplateBatchQuery, nil, nil) // no not-found answer: skipped
	e.fails(MethodCardQuery, map[string]any{"target_card_no": no, "target_card_no_type": "BIZ_CARD"}, nil, "40004", "CARD_NOT_EXIT")
	e.ok(MethodCardQuery, map[string]any{"target_card_no": no, "target_card_no_type": "BIZ_CARD"}, nil)

	e.srv.FailNext("", card.KindUnavailable, 2)
	e.fails(MethodTemplateBatchQuery, nil, nil, "20000", "isp.unknow-error")
	e.srv.FailNext("", card.KindUnavailable, 0) // removed
	e.ok(MethodTemplateBatchQuery, nil, nil)
}

// TestFailNextRefusesKindsWithoutAnswer: naming a kind the method cannot
// answer, or one no method can, is a test bug and panics.
func TestFailNextRefusesKindsWithoutAnswer(t *testing.T) {
	s := NewServer(nil)
	defer s.Close()
	assert.Panics(t, func() { s.FailNext(MethodCardQuery, card.KindAlreadyExists, 1) })
	assert.Panics(t, func() { s.FailNext("", card.KindUnsupported, 1) })
	assert.NotPanics(t, func() { s.FailNext(MethodCardQuery, card.KindAlreadyExists, 0) }, "removing never panics")
}

// TestFailNextCode: an exact answer, for any method, state untouched.
func TestFailNextCode(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.FailNextCode(MethodTemplateCreate, "40004", "TEMPLATE_OVER_LIMIT", "模板数超限", 1)
	e.fails(MethodTemplateCreate, map[string]any{"request_id": "r1", "card_type": "OUT_MEMBER_CARD", "biz_no_suffix_len": "10",
		"template_style_info": map[string]string{"card_show_name": "x"}}, nil, "40004", "TEMPLATE_OVER_LIMIT")
	var total int
	e.ok(MethodTemplateBatchQuery, nil, nil).obj(t, "template_total", &total)
	assert.Zero(t, total)
}

// TestLoseAnswerNext: the method runs (the card exists) but the client gets
// no answer; the rule is consumed.
func TestLoseAnswerNext(t *testing.T) {
	e := newEnv(t, nil)
	tpl := e.template(nil)
	uid := e.srv.NewUser()
	tok := e.srv.IssueToken(uid, ScopeAuthECard)
	biz := map[string]any{
		"out_serial_no":    "serial-1",
		"card_template_id": tpl,
		"card_user_info":   map[string]string{"user_uni_id": uid, "user_uni_id_type": "UID"},
		"card_ext_info":    map[string]any{"external_card_no": "E1"},
	}
	e.srv.LoseAnswerNext(MethodCardOpen, 1)
	_, err := e.try(MethodCardOpen, biz, map[string]string{"auth_token": tok})
	require.Error(t, err, "answer not lost")
	require.Equal(t, 1, e.srv.CardCount(), "the call whose answer was lost must be applied")
	// Same serial: the default gateway replays the first answer.
	e.ok(MethodCardOpen, biz, map[string]string{"auth_token": tok})
	assert.Equal(t, 1, e.srv.CardCount(), "cards after the replay")
	assert.Len(t, e.srv.Answers(MethodCardOpen), 1, "a lost answer is not recorded")
}

// TestExpireCredentials: issued user tokens expire; the refresh token
// still works and new tokens are valid.
func TestExpireCredentials(t *testing.T) {
	e := newEnv(t, nil)
	uid := e.srv.NewUser()
	code := e.srv.Authorize(uid, ScopeAuthUser)
	tok, err := e.c.SystemOauthToken(context.Background(), alipay.SystemOauthToken{GrantType: "authorization_code", Code: code})
	require.NoError(t, err)
	e.ok(MethodUserInfoShare, nil, map[string]string{"auth_token": tok.AccessToken})

	e.srv.ExpireCredentials()
	e.fails(MethodUserInfoShare, nil, map[string]string{"auth_token": tok.AccessToken}, "20001", "aop.auth-token-time-out")
	_, live := e.srv.TokenScopes(tok.AccessToken)
	assert.False(t, live)

	renewed, err := e.c.SystemOauthToken(context.Background(), alipay.SystemOauthToken{GrantType: "refresh_token", RefreshToken: tok.RefreshToken})
	require.NoError(t, err)
	require.NotEmpty(t, renewed.AccessToken)
	e.ok(MethodUserInfoShare, nil, map[string]string{"auth_token": renewed.AccessToken})
	e.ok(MethodUserInfoShare, nil, map[string]string{"auth_token": e.srv.IssueToken(uid, ScopeAuthUser)})
}

// TestRevokeAndRestoreCredentials: while revoked, well-signed requests are
// refused like a bad signature (signed, under the method node) and nothing
// runs; after RestoreCredentials they work again.
func TestRevokeAndRestoreCredentials(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.RevokeCredentials()
	p := alipay.NewPayload(MethodTemplateCreate)
	p.AddBizField("request_id", "r1")
	p.AddBizField("card_type", "OUT_MEMBER_CARD")
	p.AddBizField("biz_no_suffix_len", "10")
	p.AddBizField("template_style_info", map[string]string{"card_show_name": "x"})
	var r result
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	signedRefusal(t, e.c.Request(ctx, p, &r), &r, "40002", "isv.invalid-signature")

	// The unsigned shapes too.
	u := newEnv(t, &Options{GatewayErrors: GatewayErrorsUnsigned})
	u.srv.RevokeCredentials()
	_, err := u.try(MethodTemplateBatchQuery, nil, nil)
	gatewayErr(t, err, "40002", "isv.invalid-signature")

	e.srv.RestoreCredentials()
	var total int
	e.ok(MethodTemplateBatchQuery, nil, nil).obj(t, "template_total", &total)
	assert.Zero(t, total, "the refused create must not have run")
	e.template(nil)
}
