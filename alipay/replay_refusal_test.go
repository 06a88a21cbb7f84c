package alipay_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
	"github.com/walletcard/card/internal/retry"
)

// nodeOf returns the answer node name of a method.
func nodeOf(method string) string { return strings.ReplaceAll(method, ".", "_") + "_response" }

// renamed returns a's body with its node renamed after method: the node's
// name is not signed, so anyone on the path can do this.
func renamed(a alipaytest.Answer, method string) alipaytest.Answer {
	if a.Op != method {
		a.Body = bytes.Replace(a.Body, []byte(`"`+nodeOf(a.Op)+`"`), []byte(`"`+nodeOf(method)+`"`), 1)
	}
	return a
}

// replayTarget is one call whose answer the matrix forges.
type replayTarget struct {
	name   string
	method string
	// limit marks calls whose answers echo nothing of the request (the
	// protocol limits documented at alipay.CodeForgedAnswer).
	limit bool
	// call makes the call and reports whether it accepted the answer as
	// its own (for neutral mutations: reported success that is not true).
	call func() bool
}

// TestReplayedAnswersRefused records genuine signed success answers of
// every Alipay method, then serves each of them (renamed after the called
// method where it came from another) in place of the answer to every card
// method, called for cards, users and templates none of the recorded
// answers is about. No answer may be accepted except by the calls the
// package documents as protocol limits.
func TestReplayedAnswersRefused(t *testing.T) {
	s := newServer(t)
	p := newProvider(t, s, func(o *alipay.Options) { o.Retry = retry.Policy{Attempts: 1} })
	c := ctx(t)

	// The corpus: two templates, two cards, and a call of every method.
	tplX, tplY := newTemplate(t, p), newTemplate(t, p)
	cardA, cardB := openCard(t, s, p, tplX), openCard(t, s, p, tplY)
	for _, ref := range []card.Ref{cardA.Ref, cardB.Ref} {
		_, err := p.Get(c, ref)
		require.NoError(t, err)
		_, err = p.Update(c, card.UpdateRequest{Ref: ref, Points: card.Ptr(card.WholePoints(42)), Level: card.Ptr("VIP2")})
		require.NoError(t, err)
	}
	_, err := p.ClaimLink(c, card.ClaimLinkRequest{TemplateID: tplX})
	require.NoError(t, err)
	_, err = p.ConsumeSync(c, alipay.ConsumeSyncRequest{TargetCardNo: cardA.Ref.CardNo, TradeType: "TRADE", TradeNo: "T1", TradeTime: time.Now()})
	require.NoError(t, err)
	_, err = p.MessageNotify(c, alipay.MessageNotifyRequest{TargetCardNo: cardA.Ref.CardNo})
	require.NoError(t, err)
	bc, err := p.BenefitCreate(c, alipay.BenefitCreateRequest{Benefit: alipay.Benefit{TemplateID: tplX, Title: "t", BenefitDesc: []string{"d"}}})
	require.NoError(t, err)
	_, err = p.BenefitModify(c, alipay.BenefitModifyRequest{BenefitID: bc.BenefitID, Benefit: alipay.Benefit{Title: "u"}})
	require.NoError(t, err)
	_, err = p.BenefitQuery(c, alipay.BenefitQueryRequest{TemplateID: tplX})
	require.NoError(t, err)
	_, err = p.BenefitDelete(c, alipay.BenefitDeleteRequest{TemplateID: tplX, BenefitID: bc.BenefitID})
	require.NoError(t, err)
	_, err = p.TemplateModify(c, alipay.TemplateModifyRequest{TemplateID: tplY, TemplateConfig: alipay.TemplateConfig{
		TemplateStyleInfo: alipay.TemplateStyleInfo{CardShowName: "Y2", BrandName: "B"}}})
	require.NoError(t, err)
	_, err = p.TemplateBatchQuery(c, alipay.TemplateBatchQueryRequest{})
	require.NoError(t, err)
	q, err := s.SubmitActivationForm(tplX, s.NewUser(), map[string]string{alipay.FormFieldMobile: "13800000000"})
	require.NoError(t, err)
	cb, err := alipay.ParseActivationCallback(q)
	require.NoError(t, err)
	formTok, err := p.ExchangeCode(c, cb.AuthCode)
	require.NoError(t, err)
	_, err = p.ActivateFormQuery(c, alipay.ActivateFormQueryRequest{AuthToken: formTok.AccessToken, TemplateID: tplX, RequestID: cb.RequestID})
	require.NoError(t, err)
	_, err = p.ImageUpload(c, alipay.ImageUploadRequest{ImageType: "png", ImageName: "l.png", Content: append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)})
	require.NoError(t, err)
	require.NoError(t, p.Delete(c, card.DeleteRequest{Ref: openCard(t, s, p, tplX).Ref}))
	var corpus []alipaytest.Answer
	for _, a := range s.Answers("") {
		if bytes.Contains(a.Body, []byte(`"code":"10000"`)) || a.Op == alipay.MethodOAuthToken {
			corpus = append(corpus, a)
		}
	}
	methods := map[string]bool{}
	for _, a := range corpus {
		methods[a.Op] = true
	}
	require.GreaterOrEqual(t, len(methods), 19, "answers of every method: %v", methods)

	// The targets: a template, a card and a user no answer is about.
	tplZ := newTemplate(t, p)
	cardD := openCard(t, s, p, tplZ)
	uidE, tokE := member(s)
	points := int64(100)
	targets := []replayTarget{
		{"Get", alipay.MethodCardQuery, false, func() bool { _, err := p.Get(c, cardD.Ref); return err == nil }},
		{"CardQuery EXTERNAL_CARD", alipay.MethodCardQuery, false, func() bool {
			_, err := p.CardQuery(c, alipay.CardQueryRequest{TargetCardNo: cardD.ExternalNo, TargetCardNoType: alipay.CardNoExternal})
			return err == nil
		}},
		{"Open", alipay.MethodCardOpen, false, func() bool {
			_, err := p.Open(c, card.OpenRequest{TemplateID: tplZ, ExternalNo: "EXTE", Holder: uidE, AuthToken: tokE})
			return err == nil
		}},
		{"Update", alipay.MethodCardUpdate, false, func() bool {
			points++
			got, err := p.Update(c, card.UpdateRequest{Ref: cardD.Ref, Points: card.Ptr(card.WholePoints(points))})
			st, _ := s.Card(cardD.Ref.CardNo)
			return err == nil && (st.Point != fmt.Sprint(points) || got.Points != card.WholePoints(points))
		}},
		{"Delete", alipay.MethodCardDelete, true, func() bool {
			err := p.Delete(c, card.DeleteRequest{Ref: cardD.Ref})
			st, _ := s.Card(cardD.Ref.CardNo)
			return err == nil && !st.Deleted
		}},
		{"ClaimLink", alipay.MethodActivateURLApply, false, func() bool {
			_, err := p.ClaimLink(c, card.ClaimLinkRequest{TemplateID: tplZ})
			return err == nil
		}},
		{"TemplateModify", alipay.MethodTemplateModify, false, func() bool {
			_, err := p.TemplateModify(c, alipay.TemplateModifyRequest{TemplateID: tplZ, TemplateConfig: alipay.TemplateConfig{
				TemplateStyleInfo: alipay.TemplateStyleInfo{CardShowName: "Z", BrandName: "B"}}})
			return err == nil
		}},
		{"ConsumeSync with card_info", alipay.MethodConsumeSync, false, func() bool {
			_, err := p.ConsumeSync(c, alipay.ConsumeSyncRequest{TargetCardNo: cardD.Ref.CardNo, TradeType: "TRADE", TradeNo: "T9",
				TradeTime: time.Now(), CardInfo: &alipay.MerchantCard{ExternalCardNo: cardD.ExternalNo}})
			return err == nil
		}},
		{"BenefitQuery", alipay.MethodBenefitQuery, true, func() bool {
			_, err := p.BenefitQuery(c, alipay.BenefitQueryRequest{TemplateID: tplZ})
			return err == nil
		}},
		// The protocol limits: answers that echo nothing of the request.
		{"CardUpdate", alipay.MethodCardUpdate, true, func() bool {
			_, err := p.CardUpdate(c, alipay.CardUpdateRequest{TargetCardNo: cardD.Ref.CardNo, CardInfo: alipay.MerchantCard{Level: "VIP1"}})
			return err == nil
		}},
		{"CreateTemplate", alipay.MethodTemplateCreate, true, func() bool {
			_, err := p.CreateTemplate(c, card.TemplateSpec{Title: "N", BrandName: "B"})
			return err == nil
		}},
		{"GetTemplate", alipay.MethodTemplateQuery, true, func() bool { _, err := p.GetTemplate(c, "", tplZ); return err == nil }},
		{"TemplateBatchQuery", alipay.MethodTemplateBatchQuery, true, func() bool {
			_, err := p.TemplateBatchQuery(c, alipay.TemplateBatchQueryRequest{})
			return err == nil
		}},
		{"FormTemplateSet", alipay.MethodFormTemplateSet, true, func() bool {
			return p.FormTemplateSet(c, alipay.FormTemplateSetRequest{TemplateID: tplZ, Required: []string{alipay.FormFieldMobile}}) == nil
		}},
		{"ActivateFormQuery", alipay.MethodActivateFormQuery, true, func() bool {
			_, err := p.ActivateFormQuery(c, alipay.ActivateFormQueryRequest{AuthToken: tokE, TemplateID: tplZ, RequestID: "r9"})
			return err == nil
		}},
		{"ConsumeSync BIZ_CARD", alipay.MethodConsumeSync, true, func() bool {
			_, err := p.ConsumeSync(c, alipay.ConsumeSyncRequest{TargetCardNo: cardD.Ref.CardNo, TradeType: "TRADE", TradeNo: "T8", TradeTime: time.Now()})
			return err == nil
		}},
		{"MessageNotify", alipay.MethodMessageNotify, true, func() bool {
			_, err := p.MessageNotify(c, alipay.MessageNotifyRequest{TargetCardNo: cardD.Ref.CardNo})
			return err == nil
		}},
		{"BenefitCreate", alipay.MethodBenefitCreate, true, func() bool {
			_, err := p.BenefitCreate(c, alipay.BenefitCreateRequest{Benefit: alipay.Benefit{TemplateID: tplZ, Title: "t", BenefitDesc: []string{"d"}}})
			return err == nil
		}},
		{"BenefitModify", alipay.MethodBenefitModify, true, func() bool {
			_, err := p.BenefitModify(c, alipay.BenefitModifyRequest{BenefitID: "b9", Benefit: alipay.Benefit{Title: "u"}})
			return err == nil
		}},
		{"BenefitDelete", alipay.MethodBenefitDelete, true, func() bool {
			_, err := p.BenefitDelete(c, alipay.BenefitDeleteRequest{TemplateID: tplZ, BenefitID: "b9"})
			return err == nil
		}},
	}

	tried, accepted, triedLimit, acceptedLimit := 0, 0, 0, 0
	var wrong []string
	perTarget := map[string]int{}
	for _, tg := range targets {
		for _, a := range corpus {
			before := s.CallCount(tg.method)
			s.ReplayNext(tg.method, renamed(a, tg.method))
			ok := tg.call()
			require.Greater(t, s.CallCount(tg.method), before, "%s: the forged answer was not served", tg.name)
			s.HostileNext(tg.method, alipaytest.Hostile{}) // a call that stopped early leaves nothing pending
			if tg.limit {
				triedLimit++
			} else {
				tried++
			}
			if !ok {
				continue
			}
			perTarget[tg.name]++
			if tg.limit {
				acceptedLimit++
				continue
			}
			accepted++
			wrong = append(wrong, tg.name+" accepted the answer to "+a.Op)
		}
	}
	names := make([]string, 0, len(perTarget))
	for n, k := range perTarget {
		names = append(names, fmt.Sprintf("%s %d", n, k))
	}
	sort.Strings(names)
	t.Logf("%d recorded answers of %d methods served to %d calls", len(corpus), len(methods), len(targets))
	t.Logf("bound calls: %d forged answers, %d accepted", tried, accepted)
	t.Logf("protocol limits: %d forged answers, %d accepted (%s)", triedLimit, acceptedLimit, strings.Join(names, ", "))
	assert.Zero(t, accepted, "%v", wrong)

	// The card and the template the forgeries targeted are intact.
	got, err := p.Get(c, cardD.Ref)
	require.NoError(t, err)
	assert.Equal(t, cardD.Ref, got.Ref)
}

// TestForgedAnswerOutcome: a refused answer to a mutation leaves the
// outcome unknown and says so; to a read, it is a plain unknown error.
func TestForgedAnswerOutcome(t *testing.T) {
	s, p, tpl := setup(t)
	a, b := openCard(t, s, p, tpl), openCard(t, s, p, tpl)
	_, err := p.Get(ctx(t), a.Ref)
	require.NoError(t, err)
	answerA := s.Answers(alipay.MethodCardQuery)
	last := answerA[len(answerA)-1]

	s.ReplayNext(alipay.MethodCardQuery, last)
	_, err = p.Get(ctx(t), b.Ref)
	require.Error(t, err)
	assert.Equal(t, alipay.CodeForgedAnswer, codeOfErr(err))
	assert.False(t, errors.Is(err, card.ErrOutcomeUnknown), "a read changes nothing")

	s.ReplayNext(alipay.MethodCardDelete, renamed(last, alipay.MethodCardDelete))
	err = p.Delete(ctx(t), card.DeleteRequest{Ref: b.Ref})
	require.ErrorIs(t, err, card.ErrOutcomeUnknown)
	assert.Equal(t, alipay.CodeForgedAnswer, codeOfErr(err))
	assert.Contains(t, err.Error(), "card_info")
	st, _ := s.Card(b.Ref.CardNo)
	assert.False(t, st.Deleted)

	// A genuine update answer served to Update of another card: the
	// read-back shows the card unchanged, Update sends again and confirms.
	_, err = p.Update(ctx(t), card.UpdateRequest{Ref: a.Ref, Level: card.Ptr("VIP2")})
	require.NoError(t, err)
	upd := s.Answers(alipay.MethodCardUpdate)
	s.ReplayNext(alipay.MethodCardUpdate, upd[len(upd)-1])
	n := s.CallCount(alipay.MethodCardUpdate)
	got, err := p.Update(ctx(t), card.UpdateRequest{Ref: b.Ref, Level: card.Ptr("VIP2")})
	require.NoError(t, err)
	assert.Equal(t, "VIP2", got.Level)
	assert.Equal(t, n+2, s.CallCount(alipay.MethodCardUpdate))
	// Every update answer forged (an on-path attacker answering each
	// card.update itself): unknown, never success.
	forge := &updateForger{base: http.DefaultTransport, body: upd[len(upd)-1].Body}
	pf, err := alipay.NewFromKeys(s.AppID(), s.AppPrivateKey(), s.AlipayPublicKey(),
		&alipay.Options{BaseURL: s.URL(), HTTPClient: &http.Client{Transport: forge}, Retry: retry.Policy{Attempts: 1}})
	require.NoError(t, err)
	_, err = pf.Update(ctx(t), card.UpdateRequest{Ref: b.Ref, Level: card.Ptr("VIP1"), Points: card.Ptr(card.WholePoints(5))})
	require.ErrorIs(t, err, card.ErrOutcomeUnknown)
	assert.Equal(t, alipay.CodeUpdateNotConfirmed, codeOfErr(err))
	assert.Equal(t, int32(3), forge.n.Load(), "card.update sent three times")
	st, _ = s.Card(b.Ref.CardNo)
	assert.Equal(t, "VIP2", st.Level, "nothing reached the gateway")
}

// updateForger answers every card.update itself with body, a genuine
// signed answer to another update.
type updateForger struct {
	base http.RoundTripper
	body []byte
	n    atomic.Int32
}

func (f *updateForger) RoundTrip(r *http.Request) (*http.Response, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	if !strings.Contains(string(b), "method=alipay.marketing.card.update") {
		return f.base.RoundTrip(r)
	}
	f.n.Add(1)
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(f.body)), ContentLength: int64(len(f.body)), Request: r}, nil
}
