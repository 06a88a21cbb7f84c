package alipay_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	alipaysdk "github.com/smartwalle/alipay/v3"
	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
)

// recorder is a transport that keeps the biz_content of every request.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	biz  map[string][]map[string]any
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	if v, err := url.ParseQuery(string(body)); err == nil && v.Get("method") != "" {
		var m map[string]any
		_ = json.Unmarshal([]byte(v.Get("biz_content")), &m)
		r.mu.Lock()
		r.biz[v.Get("method")] = append(r.biz[v.Get("method")], m)
		r.mu.Unlock()
	}
	return r.base.RoundTrip(req)
}

// sent returns the biz_content of every request of method.
func (r *recorder) sent(method string) []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.biz[method]...)
}

// recordedSetup starts a gateway (opts may be nil), a provider on it whose
// requests are recorded, and a template.
func recordedSetup(t *testing.T, opts *alipaytest.Options) (*alipaytest.Server, *alipay.Provider, *recorder, string) {
	t.Helper()
	s := alipaytest.NewServer(opts)
	t.Cleanup(s.Close)
	rec := &recorder{base: s.HTTPClient().Transport, biz: map[string][]map[string]any{}}
	c, err := s.NewClient(alipaysdk.WithHTTPClient(&http.Client{Transport: rec, Timeout: 10 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	p, err := alipay.New(c, &alipay.Options{Retry: fastRetry()})
	if err != nil {
		t.Fatal(err)
	}
	return s, p, rec, newTemplate(t, p)
}

// serials returns the out_serial_no of each recorded request.
func serials(bizes []map[string]any) []any {
	var out []any
	for _, b := range bizes {
		out = append(out, b["out_serial_no"])
	}
	return out
}

// TestOpenAnswerLost: the gateway opens the card but the answer is lost;
// the retry carries the same out_serial_no and no second card is opened.
func TestOpenAnswerLost(t *testing.T) {
	for _, forget := range []bool{false, true} {
		s, p, rec, tpl := recordedSetup(t, &alipaytest.Options{ForgetSerials: forget})
		uid, tok := member(s)
		s.LoseAnswerNext(alipay.MethodCardOpen, 1)
		c, err := p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "E1", Holder: uid, AuthToken: tok})
		if err != nil {
			t.Fatalf("forget=%v: %v", forget, err)
		}
		sent := serials(rec.sent(alipay.MethodCardOpen))
		if len(sent) != 2 || sent[0] != sent[1] || sent[0] == nil {
			t.Fatalf("forget=%v: out_serial_no per attempt %v", forget, sent)
		}
		if s.CardCount() != 1 {
			t.Fatalf("forget=%v: %d cards", forget, s.CardCount())
		}
		if st, ok := s.Card(c.Ref.CardNo); !ok || st.ExternalCardNo != "E1" {
			t.Fatalf("forget=%v: returned card %s is not the opened one", forget, c.Ref.CardNo)
		}
	}
}

// TestOpenReconcileNeedsMatchingCard: a CARD_HAS_OPENED on a retry is only
// taken for success when the user's card has the requested external number.
func TestOpenReconcileNeedsMatchingCard(t *testing.T) {
	s, p, _, tpl := recordedSetup(t, &alipaytest.Options{ForgetSerials: true})
	uid, tok := member(s)
	if _, err := p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "OLD", Holder: uid, AuthToken: tok}); err != nil {
		t.Fatal(err)
	}
	// The first attempt is refused (user already has card OLD) but its
	// answer is lost; the retry is refused again.
	s.LoseAnswerNext(alipay.MethodCardOpen, 1)
	_, err := p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "NEW", Holder: uid, AuthToken: tok})
	if !errors.Is(err, card.ErrAlreadyExists) {
		t.Fatalf("err = %v, want AlreadyExists", err)
	}
}

// TestOpenKeyOnError: when every attempt loses its answer, the error
// carries the out_serial_no; opening again with it as IdempotencyKey
// returns the card the lost attempts opened.
func TestOpenKeyOnError(t *testing.T) {
	for _, forget := range []bool{false, true} {
		s, p, rec, tpl := recordedSetup(t, &alipaytest.Options{ForgetSerials: forget})
		uid, tok := member(s)
		s.LoseAnswerNext(alipay.MethodCardOpen, 3)
		req := card.OpenRequest{TemplateID: tpl, ExternalNo: "E1", Holder: uid, AuthToken: tok}
		_, err := p.Open(ctx(t), req)
		var ke *alipay.KeyError
		if !errors.As(err, &ke) || card.KindOf(err) != card.KindUnavailable || card.KindOf(ke) != card.KindUnavailable {
			t.Fatalf("forget=%v: err = %v, want unavailable with a KeyError", forget, err)
		}
		sent := serials(rec.sent(alipay.MethodCardOpen))
		if ke.Param != "out_serial_no" || len(sent) != 3 || ke.Key != sent[0] || ke.Key != sent[2] {
			t.Fatalf("forget=%v: key %+v, sent %v", forget, ke, sent)
		}
		req.IdempotencyKey = ke.Key
		c, err := p.Open(ctx(t), req)
		if err != nil {
			t.Fatalf("forget=%v: %v", forget, err)
		}
		if s.CardCount() != 1 {
			t.Fatalf("forget=%v: %d cards", forget, s.CardCount())
		}
		if _, ok := s.Card(c.Ref.CardNo); !ok {
			t.Fatalf("forget=%v: returned card unknown", forget)
		}
	}
}

// TestUpdateWithMessageNotRetried: card.update has no key; with
// merchant_card_msg_info a repeat would message the user twice.
func TestUpdateWithMessageNotRetried(t *testing.T) {
	s, p, rec, tpl := recordedSetup(t, nil)
	c := openCard(t, s, p, tpl)
	pts := card.WholePoints(100)
	s.LoseAnswerNext(alipay.MethodCardUpdate, 1)
	_, err := p.CardUpdate(ctx(t), alipay.CardUpdateRequest{TargetCardNo: c.Ref.CardNo, CardInfo: alipay.MerchantCard{Point: &pts},
		MerchantCardMsgInfo: &alipay.MerchantCardMsgInfo{ChangedPoint: &pts}})
	if !errors.Is(err, card.ErrOutcomeUnknown) || card.IsRetryable(err) {
		t.Fatalf("err = %v, want an unknown outcome that is not retryable", err)
	}
	if n := len(rec.sent(alipay.MethodCardUpdate)); n != 1 {
		t.Fatalf("%d update requests, want 1", n)
	}
	// Without a message the absolute update is retried.
	s.LoseAnswerNext(alipay.MethodCardUpdate, 1)
	if _, err := p.CardUpdate(ctx(t), alipay.CardUpdateRequest{TargetCardNo: c.Ref.CardNo, CardInfo: alipay.MerchantCard{Point: &pts}}); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.sent(alipay.MethodCardUpdate)); n != 3 {
		t.Fatalf("%d update requests, want 3", n)
	}
}

// TestBenefitDeleteNotRetried: a retried delete would turn the lost
// success into BENEFIT_NOT_EXIST.
func TestBenefitDeleteNotRetried(t *testing.T) {
	s, p, rec, tpl := recordedSetup(t, nil)
	now := time.Now()
	bc, err := p.BenefitCreate(ctx(t), alipay.BenefitCreateRequest{Benefit: alipay.Benefit{TemplateID: tpl, Title: "x",
		BenefitDesc: []string{"d"}, StartDate: now, EndDate: now.Add(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	s.LoseAnswerNext(alipay.MethodBenefitDelete, 1)
	_, err = p.BenefitDelete(ctx(t), alipay.BenefitDeleteRequest{TemplateID: tpl, BenefitID: bc.BenefitID})
	if !errors.Is(err, card.ErrOutcomeUnknown) || card.IsRetryable(err) || errors.Is(err, card.ErrNotFound) {
		t.Fatalf("err = %v, want an unknown outcome that is not retryable", err)
	}
	if n := len(rec.sent(alipay.MethodBenefitDelete)); n != 1 {
		t.Fatalf("%d delete requests, want 1", n)
	}
}

// TestDeleteAnswerLost: the retry of a delete whose answer was lost
// succeeds, whether the gateway replays the serial or answers
// CARD_IS_DELETED_ALREADY; the serial is the same on both attempts.
func TestDeleteAnswerLost(t *testing.T) {
	for _, forget := range []bool{false, true} {
		s, p, rec, tpl := recordedSetup(t, &alipaytest.Options{ForgetSerials: forget})
		c := openCard(t, s, p, tpl)
		s.LoseAnswerNext(alipay.MethodCardDelete, 1)
		if err := p.Delete(ctx(t), card.DeleteRequest{Ref: c.Ref}); err != nil {
			t.Fatalf("forget=%v: %v", forget, err)
		}
		sent := serials(rec.sent(alipay.MethodCardDelete))
		if len(sent) != 2 || sent[0] != sent[1] {
			t.Fatalf("forget=%v: serials %v", forget, sent)
		}
		// A first attempt answered CARD_IS_DELETED_ALREADY is still an error.
		if err := p.Delete(ctx(t), card.DeleteRequest{Ref: c.Ref}); err == nil {
			t.Fatalf("forget=%v: deleting a deleted card succeeded", forget)
		}
	}
}
