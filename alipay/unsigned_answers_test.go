package alipay_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
	"github.com/walletcard/card/internal/retry"
)

// unsignedBody is an unsigned error answer to method: under error_response
// or under the method's node, with no sign.
func unsignedBody(method, code, sub string, underNode bool) []byte {
	node := map[string]string{"code": code, "msg": "forged", "sub_code": sub, "sub_msg": "forged"}
	name := "error_response"
	if underNode {
		name = strings.ReplaceAll(method, ".", "_") + "_response"
	}
	b, _ := json.Marshal(map[string]any{name: node})
	return b
}

// TestUnsignedAnswersNeverDecideOutcomes serves unsigned error answers, in
// both shapes, with business sub_codes (CARD_NOT_EXIT, CARD_HAS_OPENED,
// CARD_IS_DELETED_ALREADY …) to every neutral operation: none is
// classified NotFound, AlreadyExists or Conflict, none is a success, each
// is unauthenticated, unavailable or invalid argument, and a mutation's
// outcome is unknown.
func TestUnsignedAnswersNeverDecideOutcomes(t *testing.T) {
	s := newServer(t)
	p := newProvider(t, s, func(o *alipay.Options) { o.Retry = retry.Policy{Attempts: 1} })
	tpl := newTemplate(t, p)
	c := openCard(t, s, p, tpl)
	type op struct {
		method   string
		mutation bool
		call     func(key string) error
	}
	ops := []op{
		{alipay.MethodCardQuery, false, func(string) error { _, err := p.Get(ctx(t), c.Ref); return err }},
		{alipay.MethodCardOpen, true, func(key string) error {
			uid, tok := member(s)
			_, err := p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "U" + uid[10:], Holder: uid, AuthToken: tok, IdempotencyKey: key})
			return err
		}},
		{alipay.MethodCardUpdate, true, func(string) error {
			_, err := p.Update(ctx(t), card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.WholePoints(7))})
			return err
		}},
		{alipay.MethodCardDelete, true, func(key string) error {
			return p.Delete(ctx(t), card.DeleteRequest{Ref: c.Ref, IdempotencyKey: key})
		}},
		{alipay.MethodTemplateQuery, false, func(string) error { _, err := p.GetTemplate(ctx(t), "", tpl); return err }},
		{alipay.MethodActivateURLApply, false, func(string) error {
			_, err := p.ClaimLink(ctx(t), card.ClaimLinkRequest{TemplateID: tpl})
			return err
		}},
		{alipay.MethodTemplateCreate, true, func(key string) error {
			_, err := p.CreateTemplate(ctx(t), card.TemplateSpec{Title: "U", BrandName: "B", IdempotencyKey: key})
			return err
		}},
	}
	codes := [][2]string{
		{"20000", "CARD_NOT_EXIT"}, {"40004", "CARD_NOT_EXIT"}, {"40004", "CARD_HAS_OPENED"}, {"40004", "CARD_IS_DELETED_ALREADY"},
		{"40004", "TEMPLATE_NOT_EXIT"}, {"40004", "OPEN_CARD_NEED_OPENFORM"}, {"40003", "TEMPLATE_OVER_LIMIT"},
		{"40002", "isv.invalid-signature"}, {"20001", "aop.invalid-auth-token"}, {"40005", "aop.call-limited"},
		{"40006", "isv.insufficient-isv-permissions"}, {"40001", "isv.missing-method"}, {"40004", "INVALID_PARAMETER"},
	}
	tried, business := 0, 0
	for _, o := range ops {
		for _, cs := range codes {
			for _, underNode := range []bool{false, true} {
				tried++
				s.HostileNext(o.method, alipaytest.RawBody(unsignedBody(o.method, cs[0], cs[1], underNode)))
				// A caller's own key: a repeat, where CARD_IS_DELETED_ALREADY
				// or CARD_HAS_OPENED would count as done if they were believed.
				err := o.call(fmt.Sprintf("unsigned%d", tried))
				require.Error(t, err, "%s %v node=%v accepted", o.method, cs, underNode)
				kind := card.KindOf(err)
				switch kind {
				case card.KindNotFound, card.KindAlreadyExists, card.KindConflict:
					business++
				}
				assert.Contains(t, []card.Kind{card.KindUnauthenticated, card.KindUnavailable, card.KindInvalidArgument}, kind,
					"%s %v node=%v: %v", o.method, cs, underNode, err)
				assert.Equal(t, alipay.CodeUnsignedResponse, codeOfErr(err), "%s %v", o.method, cs)
				if o.mutation {
					assert.ErrorIs(t, err, card.ErrOutcomeUnknown, "%s %v", o.method, cs)
				}
			}
		}
	}
	t.Logf("%d unsigned error answers: %d classified NotFound, AlreadyExists or Conflict", tried, business)
	assert.Zero(t, business)
	got, err := p.Get(ctx(t), c.Ref)
	require.NoError(t, err, "the card is live")
	assert.Equal(t, c.Ref, got.Ref)
}

// TestGatewayErrorShapes: the gateway's own errors (here a revoked app key,
// isv.invalid-signature) are unauthenticated in every shape the real
// gateway and public fixtures show: signed under the method's node,
// unsigned under error_response, unsigned under the method's node.
func TestGatewayErrorShapes(t *testing.T) {
	for _, shape := range []alipaytest.GatewayErrorShape{alipaytest.GatewayErrorsAsAlipay, alipaytest.GatewayErrorsUnsigned, alipaytest.GatewayErrorsUnsignedNode} {
		t.Run(shape.String(), func(t *testing.T) {
			s := alipaytest.NewServer(&alipaytest.Options{GatewayErrors: shape})
			t.Cleanup(s.Close)
			p := newProvider(t, s, nil)
			tpl := newTemplate(t, p)
			c := openCard(t, s, p, tpl)
			s.RevokeCredentials()
			_, err := p.Get(ctx(t), c.Ref)
			require.ErrorIs(t, err, card.ErrUnauthenticated)
			assert.Equal(t, "40002", string(sdkError(t, err).Code))
			err = p.Delete(ctx(t), card.DeleteRequest{Ref: c.Ref})
			require.ErrorIs(t, err, card.ErrUnauthenticated)
			// Signed, the refusal is the gateway's word: nothing was applied.
			// Unsigned, anyone may have written it in the gateway's place.
			assert.Equal(t, shape != alipaytest.GatewayErrorsAsAlipay, errorIsUnknown(err))
			s.RestoreCredentials()
			_, err = p.Get(ctx(t), c.Ref)
			require.NoError(t, err)
		})
	}
}

func errorIsUnknown(err error) bool {
	var ce *card.Error
	return errorsAs(err, &ce) && ce.OutcomeUnknown
}
