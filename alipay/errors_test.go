package alipay_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	alipaysdk "github.com/smartwalle/alipay/v3"
	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
	"github.com/walletcard/card/internal/retry"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		code, sub string
		want      card.Kind
	}{
		{"40004", "CARD_NOT_EXIT", card.KindNotFound},
		{"40004", "TEMPLATE_NOT_EXIT", card.KindNotFound},
		{"40004", "CARD_TEMPLATE_NOT_EXIST", card.KindNotFound},
		{"40004", "BENEFIT_NOT_EXIST", card.KindNotFound},
		{"40004", "CARD_IS_DELETED_ALREADY", card.KindNotFound},
		{"40004", "CARD_HAS_OPENED", card.KindAlreadyExists},
		{"40004", "USER_AUTH_FAIL", card.KindUnauthenticated},
		{"40004", "SYSTEM_ERROR", card.KindUnavailable},
		{"40004", "INVALID_PARAMETER", card.KindInvalidArgument},
		{"40004", "OPEN_CARD_NEED_OPENFORM", card.KindConflict},
		{"40004", "SOMETHING_NEW", card.KindUnknown},
		{"20000", "isp.unknow-error", card.KindUnavailable},
		{"20000", "", card.KindUnavailable},
		{"20001", "aop.invalid-auth-token", card.KindUnauthenticated},
		{"20001", "aop.auth-token-time-out", card.KindUnauthenticated},
		{"20001", "aop.invalid-app-auth-token-no-api", card.KindPermissionDenied},
		{"40001", "isv.missing-signature", card.KindInvalidArgument},
		{"40002", "isv.invalid-signature", card.KindUnauthenticated},
		{"40002", "isv.code-invalid", card.KindUnauthenticated},
		{"40002", "isv.invalid-parameter", card.KindInvalidArgument},
		{"40005", "", card.KindRateLimited},
		{"40006", "isv.insufficient-isv-permissions", card.KindPermissionDenied},
		{"40006", "", card.KindPermissionDenied},
		{"99999", "", card.KindUnknown},
	} {
		if got := alipay.Classify(tc.code, tc.sub); got != tc.want {
			t.Errorf("Classify(%s, %s) = %v, want %v", tc.code, tc.sub, got, tc.want)
		}
	}
}

// TestGatewayFailures drives signed failures through the adapter: each
// becomes a *card.Error of the right kind with the vendor error reachable,
// and only unavailable ones are retried.
func TestGatewayFailures(t *testing.T) {
	for _, tc := range []struct {
		code, sub string
		want      error
		calls     int
	}{
		{"40005", "", card.ErrRateLimited, 1},
		{"40006", "isv.insufficient-isv-permissions", card.ErrPermissionDenied, 1},
		{"40004", "CARD_NOT_EXIT", card.ErrNotFound, 1},
		{"20000", "isp.unknow-error", card.ErrUnavailable, 3},
		{"40004", "SYSTEM_ERROR", card.ErrUnavailable, 3},
	} {
		t.Run(tc.code+tc.sub, func(t *testing.T) {
			s := newServer(t)
			p := newProvider(t, s, nil)
			s.FailNextCode(alipay.MethodCardQuery, tc.code, tc.sub, "失败", 5)
			_, err := p.Get(ctx(t), card.Ref{Provider: "alipay", TemplateID: "t", CardNo: "c1"})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var ce *card.Error
			if !errors.As(err, &ce) || ce.Provider != "alipay" || ce.Op == "" {
				t.Errorf("card error %+v", ce)
			}
			if ae := sdkError(t, err); string(ae.Code) != tc.code || ae.SubCode != tc.sub || ae.SubMsg != "失败" {
				t.Errorf("vendor error %+v", ae)
			}
			if n := s.CallCount(alipay.MethodCardQuery); n != tc.calls {
				t.Errorf("%d calls, want %d", n, tc.calls)
			}
		})
	}
}

// TestRetriedOpenCreatesOneCard: open fails once with 20000, the retry reuses
// the out_serial_no, and exactly one card exists.
func TestRetriedOpenCreatesOneCard(t *testing.T) {
	s, p, tpl := setup(t)
	uid, tok := member(s)
	s.FailNextCode(alipay.MethodCardOpen, "20000", "isp.unknow-error", "服务暂不可用", 1)
	before := s.CardCount()
	c, err := p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "R1", Holder: uid, AuthToken: tok})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.CallCount(alipay.MethodCardOpen); n != 2 {
		t.Errorf("%d open calls, want 2", n)
	}
	if n := s.CardCount() - before; n != 1 {
		t.Errorf("%d cards created, want 1", n)
	}
	// A lost answer: the card was created but the client saw garbage. Opening
	// again with the same key returns the same card, not a second one.
	uid2, tok2 := member(s)
	req := card.OpenRequest{TemplateID: tpl, ExternalNo: "R2", Holder: uid2, AuthToken: tok2, IdempotencyKey: "open-r2"}
	s.TamperNext(alipay.MethodCardOpen, alipaytest.TamperAlterBody)
	if _, err := p.Open(ctx(t), req); err == nil {
		t.Fatal("tampered answer accepted")
	}
	again, err := p.Open(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if n := s.CardCount() - before; n != 2 || again.Ref.CardNo == c.Ref.CardNo {
		t.Errorf("%d cards after replay, want 2", n)
	}
}

// TestRetryHonoursContext: a canceled context stops the backoff.
func TestRetryHonoursContext(t *testing.T) {
	s := newServer(t)
	p := newProvider(t, s, func(o *alipay.Options) { o.Retry = retry.Policy{Attempts: 5, Base: time.Hour} })
	s.FailNextCode(alipay.MethodCardQuery, "20000", "isp.unknow-error", "x", 5)
	c, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := p.Get(c, card.Ref{Provider: "alipay", TemplateID: "t", CardNo: "c1"})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
	if s.CallCount(alipay.MethodCardQuery) != 1 {
		t.Errorf("calls = %d", s.CallCount(alipay.MethodCardQuery))
	}
}

func TestTransportErrorIsUnavailable(t *testing.T) {
	s := alipaytest.NewServer(nil)
	p := newProvider(t, s, func(o *alipay.Options) { o.Retry = retry.Policy{Attempts: 2, Base: time.Millisecond} })
	s.Close()
	_, err := p.Get(ctx(t), card.Ref{Provider: "alipay", TemplateID: "t", CardNo: "c1"})
	if !errors.Is(err, card.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
}

func TestNonAlipayBodyIsUnavailable(t *testing.T) {
	s := newServer(t)
	// A proxy answering an HTML 502 page instead of the gateway.
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
	}))
	defer html.Close()
	p, err := alipay.NewFromKeys(s.AppID(), s.AppPrivateKey(), s.AlipayPublicKey(), &alipay.Options{BaseURL: html.URL, Retry: retry.Policy{Attempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Get(ctx(t), card.Ref{Provider: "alipay", TemplateID: "t", CardNo: "c1"})
	if !errors.Is(err, card.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
}

// TestTamperedResponses: a response whose signature is missing, wrong,
// made with another key, or whose body was altered is never accepted.
func TestTamperedResponses(t *testing.T) {
	for _, mode := range []alipaytest.Tamper{alipaytest.TamperMissingSign, alipaytest.TamperBadSign, alipaytest.TamperOtherKey, alipaytest.TamperAlterBody} {
		t.Run(mode.String(), func(t *testing.T) {
			s := newServer(t)
			p := newProvider(t, s, nil)
			c := openCard(t, s, p, newTemplate(t, p))
			s.TamperNext(alipay.MethodCardQuery, mode)
			got, err := p.Get(ctx(t), c.Ref)
			if err == nil || got != nil {
				t.Fatalf("tampered response accepted: %+v", got)
			}
			var ce *card.Error
			if !errors.As(err, &ce) || ce.Kind == card.KindUnavailable || ce.Provider != "alipay" {
				t.Errorf("err = %v (kind %v)", err, ce.Kind)
			}
			if n := s.CallCount(alipay.MethodCardQuery); n != 1 {
				t.Errorf("%d calls: a tampered answer must not be retried", n)
			}
			// The same call succeeds once the tampering stops.
			if _, err := p.Get(ctx(t), c.Ref); err != nil {
				t.Fatal(err)
			}
			// A tampered success of open is rejected too.
			uid, tok := member(s)
			s.TamperNext(alipay.MethodCardOpen, mode)
			if _, err := p.Open(ctx(t), card.OpenRequest{TemplateID: c.Ref.TemplateID, ExternalNo: "T", Holder: uid, AuthToken: tok}); err == nil {
				t.Fatal("tampered open accepted")
			}
		})
	}
	t.Run("TamperUnsignedError", func(t *testing.T) {
		s := newServer(t)
		p := newProvider(t, s, nil)
		c := openCard(t, s, p, newTemplate(t, p))
		s.TamperNext(alipay.MethodCardQuery, alipaytest.TamperUnsignedError)
		_, err := p.Get(ctx(t), c.Ref)
		if !errors.Is(err, card.ErrInvalidArgument) {
			t.Fatalf("err = %v, want the gateway rejection (40002) as invalid argument", err)
		}
		if ae := sdkError(t, err); ae.Code != "40002" {
			t.Errorf("vendor error %+v", ae)
		}
	})
}

// TestBeijingTime: with the host in another zone, timestamp, valid_date and
// occur_time are still Beijing time.
// It sets time.Local, so it must not run in parallel with other tests.
func TestBeijingTime(t *testing.T) {
	old := time.Local
	time.Local = time.FixedZone("PST", -8*3600)
	defer func() { time.Local = old }()
	// Closed (with its connections) before time.Local is restored.
	s := alipaytest.NewServer(nil)
	defer s.Close()

	fixed := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC) // 13:06:07 in Beijing
	// A plain smartwalle client stamps time.Local, 16 h off Beijing; the
	// gateway would reject it (isv.invalid-timestamp) if New did not fix it.
	p, err := alipay.NewFromKeys(s.AppID(), s.AppPrivateKey(), s.AlipayPublicKey(),
		&alipay.Options{BaseURL: s.URL(), Clock: func() time.Time { return fixed }, HTTPClient: s.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	tpl := newTemplate(t, p)
	uid, tok := member(s)
	valid := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "BJ", Holder: uid, AuthToken: tok, ValidUntil: valid})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := s.Card(c.Ref.CardNo)
	// open_date is not sent (a repeat must send the same biz_content): the
	// gateway records its own time, which Open reports.
	if !st.ValidDate.Equal(valid) || time.Since(st.OpenDate) > time.Minute || time.Since(st.OpenDate) < -time.Minute {
		t.Errorf("gateway open_date %v valid_date %v, want now and %v", st.OpenDate, st.ValidDate, valid)
	}
	if !c.OpenedAt.Equal(st.OpenDate) {
		t.Errorf("OpenedAt %v, gateway %v", c.OpenedAt, st.OpenDate)
	}

	// An existing client built without WithTimeLocation stamps time.Local;
	// New switches it to Beijing time, so the gateway accepts its timestamp.
	raw, err := alipaysdk.New(s.AppID(), s.AppPrivateKey(), false, alipaysdk.WithSandboxGateway(s.URL()), alipaysdk.WithHTTPClient(s.HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.LoadAliPayPublicKey(s.AlipayPublicKey()); err != nil {
		t.Fatal(err)
	}
	p2, err := alipay.New(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p2.Get(ctx(t), c.Ref); err != nil {
		t.Fatalf("existing client: %v", err)
	}
	if _, err := p.MessageNotify(ctx(t), alipay.MessageNotifyRequest{TargetCardNo: c.Ref.CardNo}); err != nil {
		t.Fatal(err)
	}
	if msgs := s.Messages(c.Ref.CardNo); len(msgs) != 1 || !msgs[0].OccurTime.Equal(fixed) {
		t.Errorf("occur_time %+v", msgs)
	}
}

func TestNewFromKeysErrors(t *testing.T) {
	s := newServer(t)
	for name, f := range map[string]func() error{
		"appID": func() error {
			_, err := alipay.NewFromKeys("", s.AppPrivateKey(), s.AlipayPublicKey(), nil)
			return err
		},
		"privateKey": func() error {
			_, err := alipay.NewFromKeys(s.AppID(), "not a key", s.AlipayPublicKey(), nil)
			return err
		},
		"alipayPublicKey": func() error {
			_, err := alipay.NewFromKeys(s.AppID(), s.AppPrivateKey(), "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", nil)
			return err
		},
		"client": func() error { _, err := alipay.New(nil, nil); return err },
		"Options.AppAuthToken": func() error {
			_, err := alipay.New(mustClient(t, s), &alipay.Options{AppAuthToken: strings.Repeat("T", 41)})
			return err
		},
		"Options.ClaimCallbackURL": func() error {
			_, err := alipay.New(mustClient(t, s), &alipay.Options{ClaimCallbackURL: "https://m.example/cb?x=1"})
			return err
		},
	} {
		err := f()
		var ce *card.Error
		if !errors.As(err, &ce) || ce.Kind != card.KindInvalidArgument || ce.Field != name {
			t.Errorf("%s: %v", name, err)
		}
		if strings.Contains(fmt.Sprintf("%+v", err), "PRIVATE KEY") || strings.Contains(fmt.Sprintf("%+v", err), "TTTT") {
			t.Errorf("%s: error shows key material", name)
		}
	}
}

// TestRetriedDeleteReusesSerial: a delete that fails with 20000 is retried
// with the same out_serial_no and succeeds once.
func TestRetriedDeleteReusesSerial(t *testing.T) {
	s, p, tpl := setup(t)
	c := openCard(t, s, p, tpl)
	s.FailNextCode(alipay.MethodCardDelete, "20000", "isp.unknow-error", "服务暂不可用", 1)
	if err := p.Delete(ctx(t), card.DeleteRequest{Ref: c.Ref}); err != nil {
		t.Fatal(err)
	}
	if n := s.CallCount(alipay.MethodCardDelete); n != 2 {
		t.Errorf("%d delete calls, want 2", n)
	}
	// The answer to the applied delete is lost; repeating with the same key
	// replays it instead of failing with CARD_IS_DELETED_ALREADY.
	c2 := openCard(t, s, p, c.Ref.TemplateID)
	s.TamperNext(alipay.MethodCardDelete, alipaytest.TamperBadSign)
	req := card.DeleteRequest{Ref: c2.Ref, IdempotencyKey: "del-2"}
	if err := p.Delete(ctx(t), req); err == nil {
		t.Fatal("tampered answer accepted")
	}
	if err := p.Delete(ctx(t), req); err != nil {
		t.Fatalf("repeat with the same key: %v", err)
	}
	if st, _ := s.Card(c2.Ref.CardNo); !st.Deleted || st.DeleteReason != "CANCEL" {
		t.Errorf("card %+v", st)
	}
	// A new key on a deleted card is not found.
	if err := p.Delete(ctx(t), card.DeleteRequest{Ref: c2.Ref}); !errors.Is(err, card.ErrNotFound) {
		t.Errorf("delete again: %v", err)
	}
}
