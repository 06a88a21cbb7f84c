package alipay_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	alipaysdk "github.com/smartwalle/alipay/v3"
	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
)

// timeoutSetup is recordedSetup with an http.Client timeout of d and the
// given retry policy.
func timeoutSetup(t *testing.T, opts *alipaytest.Options, d time.Duration, policy card.RetryPolicy) (*alipaytest.Server, *alipay.Provider, *recorder, string) {
	t.Helper()
	s := alipaytest.NewServer(opts)
	t.Cleanup(s.Close)
	rec := &recorder{base: s.HTTPClient().Transport, biz: map[string][]map[string]any{}}
	c, err := s.NewClient(alipaysdk.WithHTTPClient(&http.Client{Transport: rec, Timeout: d}))
	if err != nil {
		t.Fatal(err)
	}
	p, err := alipay.New(c, &alipay.Options{Retry: policy})
	if err != nil {
		t.Fatal(err)
	}
	return s, p, rec, newTemplate(t, p)
}

// TestClientTimeoutOpenApplied: the http.Client times out while the gateway
// (RunAfterClientGone) still applies the open. With a live caller ctx the
// error is an unavailable *card.Error, retried with the same out_serial_no,
// carrying the KeyError; opening again with that key returns the card the
// timed-out attempt opened, under both emulator choices.
func TestClientTimeoutOpenApplied(t *testing.T) {
	for _, forget := range []bool{false, true} {
		t.Run(fmt.Sprint("ForgetSerials=", forget), func(t *testing.T) {
			s, p, rec, tpl := timeoutSetup(t, &alipaytest.Options{RunAfterClientGone: true, ForgetSerials: forget},
				150*time.Millisecond, card.RetryPolicy{Attempts: 2, Base: time.Millisecond, Max: time.Millisecond})
			uid, tok := member(s)
			req := card.OpenRequest{TemplateID: tpl, ExternalNo: "T1", Holder: uid, AuthToken: tok}
			s.SetLatency(alipay.MethodCardOpen, 400*time.Millisecond)
			_, err := p.Open(context.Background(), req)
			var ce *card.Error
			if err == context.DeadlineExceeded || err == context.Canceled || !errors.As(err, &ce) {
				t.Fatalf("err = %#v, want a *card.Error", err)
			}
			if ce.Kind != card.KindUnavailable || ce.Provider != alipay.Name || !card.IsRetryable(err) {
				t.Fatalf("err = %v (kind %v), want retryable unavailable from alipay", err, ce.Kind)
			}
			var ke *alipay.KeyError
			if !errors.As(err, &ke) || ke.Param != "out_serial_no" || card.KindOf(ke) != card.KindUnavailable {
				t.Fatalf("no KeyError (with the kind) in %v", err)
			}
			sent := serials(rec.sent(alipay.MethodCardOpen))
			if len(sent) != 2 || sent[0] != ke.Key || sent[1] != ke.Key {
				t.Fatalf("out_serial_no per attempt %v, key %s", sent, ke.Key)
			}
			// The gateway kept going: wait for both delayed attempts to run.
			deadline := time.Now().Add(5 * time.Second)
			for s.CardCount() != 1 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(500 * time.Millisecond)
			if s.CardCount() != 1 {
				t.Fatalf("%d cards on the gateway, want the 1 the timed-out attempt opened", s.CardCount())
			}
			s.SetLatency(alipay.MethodCardOpen, 0)
			req.IdempotencyKey = ke.Key
			c, err := p.Open(context.Background(), req)
			if err != nil {
				t.Fatalf("reopen with the key: %v", err)
			}
			if st, ok := s.Card(c.Ref.CardNo); !ok || st.ExternalCardNo != "T1" || s.CardCount() != 1 {
				t.Fatalf("reopen returned %v; %d cards", c.Ref, s.CardCount())
			}
			// Every request carried the same business fields.
			all := rec.sent(alipay.MethodCardOpen)
			if !reflect.DeepEqual(all[0], all[len(all)-1]) {
				t.Errorf("biz_content changed between repeats:\n%v\n%v", all[0], all[len(all)-1])
			}
		})
	}
}

// TestClientTimeoutDeleteKeyed: a delete whose client times out is
// unavailable with its out_serial_no.
func TestClientTimeoutDeleteKeyed(t *testing.T) {
	s, p, _, tpl := timeoutSetup(t, nil, 150*time.Millisecond, card.RetryPolicy{Attempts: 1})
	c := openCard(t, s, p, tpl)
	s.SetLatency(alipay.MethodCardDelete, 400*time.Millisecond)
	err := p.Delete(context.Background(), card.DeleteRequest{Ref: c.Ref, IdempotencyKey: "del-1"})
	var ke *alipay.KeyError
	if card.KindOf(err) != card.KindUnavailable || !errors.As(err, &ke) || ke.Key != "del-1" || err == context.DeadlineExceeded {
		t.Fatalf("err = %v, want unavailable with out_serial_no del-1", err)
	}
}

// TestCallerContextEndIsBare: when the caller's ctx ends, the bare context
// error comes back, whether it ends during a request or during backoff.
func TestCallerContextEndIsBare(t *testing.T) {
	s, p, _, tpl := timeoutSetup(t, nil, 30*time.Second, card.RetryPolicy{Attempts: 3, Base: time.Second, Max: time.Second})
	uid, tok := member(s)
	req := card.OpenRequest{TemplateID: tpl, ExternalNo: "C1", Holder: uid, AuthToken: tok}
	s.SetLatency(alipay.MethodCardOpen, time.Second)
	c, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	_, err := p.Open(c, req)
	cancel()
	if err != context.DeadlineExceeded {
		t.Fatalf("during the request: err = %#v, want bare context.DeadlineExceeded", err)
	}
	s.SetLatency(alipay.MethodCardOpen, 0)
	s.LoseAnswerNext(alipay.MethodCardOpen, 1)
	c, cancel = context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = p.Open(c, req)
	if err != context.Canceled {
		t.Fatalf("during backoff: err = %#v, want bare context.Canceled", err)
	}
}

// TestOpenCallerKeyReconcilesOnFirstAttempt: the caller's repeat of a lost
// open (key from the KeyError) succeeds under both emulator choices: a
// CARD_HAS_OPENED on its first attempt is reconciled, and the repeat sends
// the same biz_content (no open_date).
func TestOpenCallerKeyReconcilesOnFirstAttempt(t *testing.T) {
	for _, forget := range []bool{false, true} {
		s, p, rec, tpl := recordedSetup(t, &alipaytest.Options{ForgetSerials: forget})
		uid, tok := member(s)
		req := card.OpenRequest{TemplateID: tpl, ExternalNo: "E1", Holder: uid, AuthToken: tok, Points: card.WholePoints(3)}
		s.LoseAnswerNext(alipay.MethodCardOpen, 3)
		_, err := p.Open(ctx(t), req)
		var ke *alipay.KeyError
		if !errors.As(err, &ke) {
			t.Fatalf("forget=%v: err = %v", forget, err)
		}
		req.IdempotencyKey = ke.Key
		c, err := p.Open(ctx(t), req)
		if err != nil || c == nil || s.CardCount() != 1 {
			t.Fatalf("forget=%v: reopen = %v, %v; %d cards", forget, c, err, s.CardCount())
		}
		if st, ok := s.Card(c.Ref.CardNo); !ok || st.ExternalCardNo != "E1" {
			t.Fatalf("forget=%v: card %v", forget, c.Ref)
		}
		sent := rec.sent(alipay.MethodCardOpen)
		if len(sent) != 4 || !reflect.DeepEqual(sent[0], sent[3]) {
			t.Fatalf("forget=%v: biz_content of the first and the repeated call differ: %v", forget, sent)
		}
		if _, ok := sent[0]["card_ext_info"].(map[string]any)["open_date"]; ok {
			t.Errorf("open_date sent: %v", sent[0])
		}
	}
}

// TestOpenCallerKeyRefusedWithoutMatch: a caller key does not turn a real
// CARD_HAS_OPENED (the user holds another external number) into success.
func TestOpenCallerKeyRefusedWithoutMatch(t *testing.T) {
	s, p, _, tpl := recordedSetup(t, nil)
	uid, tok := member(s)
	if _, err := p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "OLD", Holder: uid, AuthToken: tok}); err != nil {
		t.Fatal(err)
	}
	_, err := p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "NEW", Holder: uid, AuthToken: tok, IdempotencyKey: "mine-1"})
	if !errors.Is(err, card.ErrAlreadyExists) {
		t.Fatalf("err = %v, want AlreadyExists", err)
	}
}

// TestReconcileLongExternalNo: Open accepts the longest external number a
// lost open can be reconciled by (32, what card.query by EXTERNAL_CARD
// takes) and refuses a longer one before sending; a failed reconciliation
// is joined to the CARD_HAS_OPENED error.
func TestReconcileLongExternalNo(t *testing.T) {
	s, p, rec, tpl := recordedSetup(t, &alipaytest.Options{ForgetSerials: true})
	ext := strings.Repeat("E", 32)
	uid, tok := member(s)
	s.LoseAnswerNext(alipay.MethodCardOpen, 1)
	c, err := p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: ext, Holder: uid, AuthToken: tok})
	if err != nil || c.ExternalNo != ext || s.CardCount() != 1 {
		t.Fatalf("open = %v, %v; %d cards", c, err, s.CardCount())
	}
	sent := len(rec.sent(alipay.MethodCardOpen))
	uid3, tok3 := member(s)
	_, err = p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: ext + "E", Holder: uid3, AuthToken: tok3})
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Field != "ExternalNo" || len(rec.sent(alipay.MethodCardOpen)) != sent {
		t.Fatalf("33-character external number: %v (sent %d more)", err, len(rec.sent(alipay.MethodCardOpen))-sent)
	}
	if _, err := p.CardQuery(ctx(t), alipay.CardQueryRequest{TargetCardNo: strings.Repeat("E", 65), TargetCardNoType: alipay.CardNoExternal}); !errors.Is(err, card.ErrInvalidArgument) {
		t.Errorf("65-byte external number: %v", err)
	}
	if _, err := p.CardQuery(ctx(t), alipay.CardQueryRequest{TargetCardNo: strings.Repeat("1", 33)}); !errors.Is(err, card.ErrInvalidArgument) {
		t.Errorf("33-byte biz card number: %v", err)
	}

	uid2, tok2 := member(s)
	s.LoseAnswerNext(alipay.MethodCardOpen, 1)
	s.FailNextCode(alipay.MethodCardQuery, "40004", "INVALID_PARAMETER", "查询失败", 1)
	_, err = p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: ext, Holder: uid2, AuthToken: tok2})
	var ke *alipay.KeyError
	if !errors.Is(err, card.ErrAlreadyExists) || !errors.Is(err, card.ErrInvalidArgument) || !errors.As(err, &ke) ||
		!strings.Contains(err.Error(), "reconciling") {
		t.Fatalf("err = %v, want CARD_HAS_OPENED joined with the failed query, with the key", err)
	}
}

// TestActivationCallbackShapes: the web callback documented as auth_code
// and request_id only is accepted (the merchant supplies the template id),
// as is the fuller shape; template_id without request_id names request_id.
func TestActivationCallbackShapes(t *testing.T) {
	for _, minimal := range []bool{false, true} {
		s := alipaytest.NewServer(&alipaytest.Options{MinimalCallback: minimal})
		t.Cleanup(s.Close)
		p := newProvider(t, s, nil)
		tpl, err := p.CreateTemplate(ctx(t), card.TemplateSpec{Title: "T", BrandName: "B"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.ClaimLink(ctx(t), card.ClaimLinkRequest{Provider: alipay.Name, TemplateID: tpl.ID}); err != nil {
			t.Fatal(err)
		}
		q, err := s.SubmitActivationForm(tpl.ID, s.NewUser(), map[string]string{alipay.FormFieldMobile: "13800000000"})
		if err != nil {
			t.Fatal(err)
		}
		if minimal && len(q) != 2 {
			t.Fatalf("minimal callback %v", q)
		}
		cb, err := alipay.ParseActivationCallback(q)
		if err != nil {
			t.Fatalf("minimal=%v: %v", minimal, err)
		}
		templateID := cb.TemplateID
		if templateID == "" {
			templateID = tpl.ID // the merchant's own
		}
		tok, err := p.ExchangeCode(ctx(t), cb.AuthCode)
		if err != nil {
			t.Fatal(err)
		}
		form, err := p.ActivateFormQuery(ctx(t), alipay.ActivateFormQueryRequest{AuthToken: tok.AccessToken, TemplateID: templateID, RequestID: cb.RequestID})
		if err != nil {
			t.Fatalf("minimal=%v: %v", minimal, err)
		}
		if m, _ := form.Get(alipay.FormFieldMobile); m != "13800000000" {
			t.Errorf("mobile %q", m)
		}
	}
	_, err := alipay.ParseActivationCallback(map[string][]string{"auth_code": {"c"}, "template_id": {"t"}})
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Field != "request_id" {
		t.Fatalf("template_id alone: %v", err)
	}
	_, err = alipay.ParseActivationCallback(map[string][]string{"request_id": {"r"}})
	if !errors.As(err, &ce) || ce.Field != "auth_code" {
		t.Fatalf("no auth_code: %v", err)
	}
}

// TestCreateTemplateFormFails: formtemplate.set failing after template.create
// returns the template with an error naming it (not InvalidArgument); a
// transient failure is retried; CreateTemplate again with the same key
// finishes the job on the same template.
func TestCreateTemplateFormFails(t *testing.T) {
	s := newServer(t)
	p := newProvider(t, s, nil)
	spec := card.TemplateSpec{Title: "T", BrandName: "B", IdempotencyKey: "tpl-k1"}
	s.FailNextCode(alipay.MethodFormTemplateSet, "40004", "INVALID_PARAMETER", "x", 1)
	tpl, err := p.CreateTemplate(ctx(t), spec)
	var ce *card.Error
	if tpl == nil || tpl.ID == "" || !errors.As(err, &ce) || ce.Code != alipay.CodeFormNotSet ||
		ce.Kind == card.KindInvalidArgument || !strings.Contains(ce.Message, tpl.ID) {
		t.Fatalf("CreateTemplate = %+v, %v", tpl, err)
	}
	again, err := p.CreateTemplate(ctx(t), spec)
	if err != nil || again.ID != tpl.ID {
		t.Fatalf("again = %+v, %v; first %s", again, err, tpl.ID)
	}
	if res, err := p.TemplateBatchQuery(ctx(t), alipay.TemplateBatchQueryRequest{}); err != nil || len(res.Templates) != 1 {
		t.Fatalf("templates: %+v %v", res, err)
	}
	s.FailNextCode(alipay.MethodFormTemplateSet, "20000", "isp.unknow-error", "busy", 2)
	if _, err := p.CreateTemplate(ctx(t), card.TemplateSpec{Title: "U", BrandName: "B"}); err != nil {
		t.Fatalf("transient form failure not retried: %v", err)
	}
	// Three wire tries per attempt, three pipeline attempts (each repeats
	// template.create with the same request_id, answered with the same
	// template): nine failures make it fail, with one template made.
	s.FailNextCode(alipay.MethodFormTemplateSet, "20000", "isp.unknow-error", "busy", 9)
	tpl, err = p.CreateTemplate(ctx(t), card.TemplateSpec{Title: "V", BrandName: "B"})
	if tpl == nil || card.KindOf(err) != card.KindUnavailable || !card.IsRetryable(err) {
		t.Fatalf("transient failure after retries: %+v %v", tpl, err)
	}
	if res, err := p.TemplateBatchQuery(ctx(t), alipay.TemplateBatchQueryRequest{}); err != nil || len(res.Templates) != 3 {
		t.Fatalf("templates: %+v %v, want 3 (T, U, V once each)", res, err)
	}
}

// TestReusedKeyDifferentRequest: the fake replays a reused key only for the
// same business fields (reference §4.3 emulator choice).
func TestReusedKeyDifferentRequest(t *testing.T) {
	s, p, tpl := setup(t)
	uid, tok := member(s)
	a, err := p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "E1", Holder: uid, AuthToken: tok, Points: card.WholePoints(5), IdempotencyKey: "key1"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "E1", Holder: uid, AuthToken: tok, Points: card.WholePoints(5), IdempotencyKey: "key1"})
	if err != nil || b.Ref != a.Ref {
		t.Fatalf("same request replayed: %v %v", b, err)
	}
	_, err = p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "E2", Holder: uid, AuthToken: tok, Points: card.WholePoints(99), IdempotencyKey: "key1"})
	if !errors.Is(err, card.ErrInvalidArgument) || codeOfErr(err) != "INVALID_PARAMETER" {
		t.Fatalf("different request, same key: %v", err)
	}
	if _, err := p.CreateTemplate(ctx(t), card.TemplateSpec{Title: "Gold", BrandName: "B", IdempotencyKey: "tk"}); err != nil {
		t.Fatal(err)
	}
	g, err := p.CreateTemplate(ctx(t), card.TemplateSpec{Title: "Gold", BrandName: "B", IdempotencyKey: "tk"})
	if err != nil || g.Title != "Gold" {
		t.Fatalf("same template request: %+v %v", g, err)
	}
	_, err = p.CreateTemplate(ctx(t), card.TemplateSpec{Title: "Silver", BrandName: "B", IdempotencyKey: "tk"})
	if codeOfErr(err) != "INVALID_PARAMETER" {
		t.Fatalf("different template, same request_id: %v", err)
	}
	// The title comes from what Alipay stored, not from the spec.
	if _, err := p.TemplateModify(ctx(t), alipay.TemplateModifyRequest{TemplateID: g.ID, TemplateConfig: alipay.TemplateConfig{
		TemplateStyleInfo: alipay.TemplateStyleInfo{CardShowName: "Platinum", BrandName: "B"}}}); err != nil {
		t.Fatal(err)
	}
	g, err = p.CreateTemplate(ctx(t), card.TemplateSpec{Title: "Gold", BrandName: "B", IdempotencyKey: "tk"})
	if err != nil || g.Title != "Platinum" {
		t.Fatalf("replayed template: %+v %v, want the stored title Platinum", g, err)
	}
}

func codeOfErr(err error) string {
	var ce *card.Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	return ""
}

// TestDeleteRepeatAfterSignedAnswer: CARD_IS_DELETED_ALREADY on a retry is
// success only when an earlier attempt's outcome was unknown; after a
// signed 20000 it is NotFound, as without the fault.
func TestDeleteRepeatAfterSignedAnswer(t *testing.T) {
	s, p, _, tpl := recordedSetup(t, &alipaytest.Options{ForgetSerials: true})
	c := openCard(t, s, p, tpl)
	del := card.DeleteRequest{Ref: c.Ref, Reason: card.ReasonUserUnbound}
	if err := p.Delete(ctx(t), del); err != nil {
		t.Fatal(err)
	}
	if err := p.Delete(ctx(t), del); !errors.Is(err, card.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	s.FailNextCode(alipay.MethodCardDelete, "20000", "isp.unknow-error", "busy", 1)
	if err := p.Delete(ctx(t), del); !errors.Is(err, card.ErrNotFound) {
		t.Fatalf("delete after a signed 20000: %v, want NotFound", err)
	}
	c2 := openCard(t, s, p, tpl)
	s.LoseAnswerNext(alipay.MethodCardDelete, 1)
	if err := p.Delete(ctx(t), card.DeleteRequest{Ref: c2.Ref}); err != nil {
		t.Fatalf("delete whose first answer was lost: %v", err)
	}
}

// TestGeneratedKeysOnErrors: the generated request_id of template.create
// and template.modify and notify_no of message.notify are on the error.
func TestGeneratedKeysOnErrors(t *testing.T) {
	s, p, rec, tpl := recordedSetup(t, nil)
	c := openCard(t, s, p, tpl)
	check := func(name, param string, err error) {
		t.Helper()
		var ke *alipay.KeyError
		sent := rec.sent(name)
		if !errors.As(err, &ke) || ke.Param != param || ke.Key == "" || len(sent) == 0 || sent[len(sent)-1][param] != ke.Key {
			t.Fatalf("%s: err %v, want a KeyError %s matching the request", name, err, param)
		}
		if card.KindOf(ke) != card.KindUnavailable {
			t.Errorf("%s: KeyError kind %v", name, card.KindOf(ke))
		}
	}
	s.FailNextCode(alipay.MethodTemplateCreate, "20000", "isp.unknow-error", "busy", 3)
	_, err := p.TemplateCreate(ctx(t), alipay.TemplateCreateRequest{TemplateConfig: alipay.TemplateConfig{BizNoSuffixLen: 20,
		TemplateStyleInfo: alipay.TemplateStyleInfo{CardShowName: "x", BrandName: "b"}}})
	check(alipay.MethodTemplateCreate, "request_id", err)
	s.FailNextCode(alipay.MethodTemplateModify, "20000", "isp.unknow-error", "busy", 3)
	_, err = p.TemplateModify(ctx(t), alipay.TemplateModifyRequest{TemplateID: tpl, TemplateConfig: alipay.TemplateConfig{
		TemplateStyleInfo: alipay.TemplateStyleInfo{CardShowName: "y", BrandName: "b"}}})
	check(alipay.MethodTemplateModify, "request_id", err)
	s.FailNextCode(alipay.MethodMessageNotify, "20000", "isp.unknow-error", "busy", 3)
	_, err = p.MessageNotify(ctx(t), alipay.MessageNotifyRequest{TargetCardNo: c.Ref.CardNo})
	check(alipay.MethodMessageNotify, "notify_no", err)
}

// TestKeyErrorCarriesWholeError: KeyError.Err is the whole *card.Error, and
// the error's text shows the message and the key once each.
func TestKeyErrorCarriesWholeError(t *testing.T) {
	s, p, tpl := setup(t)
	uid, tok := member(s)
	s.LoseAnswerNext(alipay.MethodCardOpen, 3)
	_, err := p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "E1", Holder: uid, AuthToken: tok, IdempotencyKey: "k-1"})
	var ke *alipay.KeyError
	if !errors.As(err, &ke) {
		t.Fatal(err)
	}
	inner, ok := ke.Err.(*card.Error)
	if !ok || inner.Kind != card.KindUnavailable || card.KindOf(ke) != card.KindUnavailable || !card.IsRetryable(ke) {
		t.Fatalf("KeyError.Err = %#v", ke.Err)
	}
	msg := err.Error()
	if strings.Count(msg, "k-1") != 1 || strings.Count(msg, "cannot reach the Alipay gateway") != 1 {
		t.Errorf("text %q", msg)
	}
}

// TestOptionsRedactAppAuthToken: printing Options never shows AppAuthToken.
func TestOptionsRedactAppAuthToken(t *testing.T) {
	const secret = "202611BB_secret_app_auth_token"
	o := alipay.Options{AppAuthToken: secret, FollowAppID: "2021"}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "%v %+v %#v %s", o, o, o, o)
	fmt.Fprintf(&buf, "%v %+v %#v", &o, &o, &o)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("cfg", "opts", o)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("cfg", "opts", o)
	if strings.Contains(buf.String(), secret) || !strings.Contains(buf.String(), "2021") {
		t.Fatalf("printed: %s", buf.String())
	}
}
