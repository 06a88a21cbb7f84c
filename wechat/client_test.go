package wechat

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/credential"
	wxsdk "github.com/silenceper/wechat/v2/officialaccount"
	wxconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/util"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
	"github.com/walletcard/card/internal/retry"
	"github.com/walletcard/card/wechat/wechattest"
)

const colorsPath = "/card/getcolors"

func getColors(ctx context.Context, p *Provider) error {
	var out map[string]any
	return p.postJSON(ctx, "GetColors", colorsPath, nil, &out)
}

func TestTokenRefreshedOnceOnTokenErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		breakIt func(*wechattest.Server)
	}{
		{"expired 42001", (*wechattest.Server).ExpireCredentials},
		{"revoked 40001", func(s *wechattest.Server) { s.RevokeCredentials(); s.RestoreCredentials() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, s := newTestProvider(t, nil)
			ctx := context.Background()
			if err := getColors(ctx, p); err != nil {
				t.Fatal(err)
			}
			if n := s.TokenFetches(); n != 1 {
				t.Fatalf("token fetches = %d, want 1", n)
			}
			tc.breakIt(s)
			if err := getColors(ctx, p); err != nil {
				t.Fatalf("call after token broke: %v", err)
			}
			if n := s.TokenFetches(); n != 2 {
				t.Fatalf("token fetches = %d, want 2 (one refresh)", n)
			}
			if n := s.CallCount(colorsPath); n != 3 {
				t.Fatalf("calls = %d, want 3 (ok, rejected, retried)", n)
			}
		})
	}
}

func TestTokenErrorRetriedOnlyOnce(t *testing.T) {
	p, s := newTestProvider(t, nil)
	s.FailNextCode(colorsPath, 40001, 2)
	err := getColors(context.Background(), p)
	if !errors.Is(err, card.ErrUnauthenticated) {
		t.Fatalf("err = %v, want unauthenticated after one refresh", err)
	}
	if n := s.CallCount(colorsPath); n != 2 {
		t.Fatalf("calls = %d, want 2", n)
	}
}

func TestBusyRetriedWithBackoff(t *testing.T) {
	p, s := newTestProvider(t, nil)
	s.FailNextCode(colorsPath, -1, 2)
	if err := getColors(context.Background(), p); err != nil {
		t.Fatalf("after two busy answers: %v", err)
	}
	if n := s.CallCount(colorsPath); n != 3 {
		t.Fatalf("calls = %d, want 3", n)
	}
	s.FailNextCode(colorsPath, -1, 5)
	err := getColors(context.Background(), p)
	var ce *util.CommonError
	if !errors.Is(err, card.ErrUnavailable) || !errors.As(err, &ce) || ce.ErrCode != -1 {
		t.Fatalf("err = %v, want unavailable wrapping errcode -1", err)
	}
	if n := s.CallCount(colorsPath); n != 6 {
		t.Fatalf("calls = %d, want 6 (3 attempts)", n)
	}
}

func TestBusyBackoffHonoursContext(t *testing.T) {
	_, s := newTestProvider(t, nil)
	p := newProviderFor(t, s, &Options{Retry: retry.Policy{Attempts: 3, Base: time.Hour}})
	s.FailNextCode(colorsPath, -1, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := getColors(ctx, p)
	if err != context.DeadlineExceeded {
		t.Fatalf("err = %#v, want context.DeadlineExceeded itself", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestErrcodeKinds(t *testing.T) {
	p, s := newTestProvider(t, nil)
	for code, want := range map[int]card.Kind{
		40056: card.KindNotFound, 40073: card.KindNotFound, 40127: card.KindNotFound,
		40099: card.KindConflict, 40079: card.KindConflict, 40078: card.KindConflict,
		48001: card.KindPermissionDenied, 45030: card.KindPermissionDenied,
		41011: card.KindInvalidArgument, 45021: card.KindInvalidArgument, 40109: card.KindInvalidArgument,
		45009: card.KindRateLimited, 45011: card.KindRateLimited,
		47001: card.KindInvalidArgument, 40097: card.KindInvalidArgument,
		43001: card.KindInvalidArgument, 43002: card.KindInvalidArgument,
		41001: card.KindUnauthenticated, 40164: card.KindPermissionDenied,
		99999: card.KindUnknown,
	} {
		s.FailNextCode(colorsPath, code, 1)
		err := getColors(context.Background(), p)
		var e *card.Error
		var ce *util.CommonError
		if !errors.As(err, &e) || !errors.As(err, &ce) {
			t.Fatalf("errcode %d: err = %T %v, want *card.Error wrapping *util.CommonError", code, err, err)
		}
		if e.Kind != want || e.Provider != "wechat" || e.Op != "GetColors" || e.Code != itoa(code) || ce.ErrCode != int64(code) {
			t.Errorf("errcode %d: got %+v, want kind %v", code, e, want)
		}
		if !errors.Is(err, want.Err()) {
			t.Errorf("errcode %d: errors.Is(%v) false", code, want)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func fmtInt(n int) string { return strconv.Itoa(n) }

// staticToken is a foreign access-token handle: it does not implement TokenRefresher.
type staticToken struct {
	c     cache.Cache
	key   string
	fetch func() string
}

func (h *staticToken) GetAccessToken() (string, error) {
	return h.GetAccessTokenContext(context.Background())
}
func (h *staticToken) GetAccessTokenContext(context.Context) (string, error) {
	if v, ok := h.c.Get(h.key).(string); ok && v != "" {
		return v, nil
	}
	t := h.fetch()
	_ = h.c.Set(h.key, t, time.Hour)
	return t, nil
}

var _ credential.AccessTokenContextHandle = (*staticToken)(nil)

// rawServer is an httptest server answering every path with body, counting calls.
func rawProvider(t *testing.T, h http.HandlerFunc) (*Provider, cache.Cache) {
	t.Helper()
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	c := NewMemoryCache()
	oa := wxsdk.NewOfficialAccount(&wxconfig.Config{AppID: "wxapp", AppSecret: "s3cr3t-value", Cache: c})
	var n atomic.Int64
	oa.SetAccessTokenHandle(&staticToken{c: c, key: silenceperTokenKey("wxapp"), fetch: func() string {
		return "TOKEN" + fmtInt(int(n.Add(1)))
	}})
	p, err := New(oa, &Options{BaseURL: hs.URL, Retry: retry.Policy{Attempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return p, c
}

func TestForeignHandleInvalidationDeletesSilenceperKey(t *testing.T) {
	var tokens []string
	p, c := rawProvider(t, func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("access_token")
		tokens = append(tokens, tok)
		if tok == "TOKEN1" {
			_, _ = w.Write([]byte(`{"errcode":42001,"errmsg":"access_token expired hint: [x]"}`))
			return
		}
		_, _ = w.Write([]byte(`{"url":"ok"}`)) // success without errcode
	})
	var out struct{ URL string }
	if err := p.postJSON(context.Background(), "Op", "/x", map[string]int{"a": 1}, &out); err != nil {
		t.Fatal(err)
	}
	if out.URL != "ok" || strings.Join(tokens, ",") != "TOKEN1,TOKEN2" {
		t.Fatalf("out=%+v tokens=%v", out, tokens)
	}
	if v := c.Get(silenceperTokenKey("wxapp")); v != "TOKEN2" {
		t.Fatalf("cache holds %v, want TOKEN2", v)
	}
}

func TestErrcodeAsStringAndHTMLNotEscaped(t *testing.T) {
	var body string
	p, _ := rawProvider(t, func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 512)
		n, _ := r.Body.Read(b)
		body = string(b[:n])
		_, _ = w.Write([]byte(`{"errcode":"40056","errmsg":"invalid serial code"}`))
	})
	err := p.postJSON(context.Background(), "GetCode", "/card/code/get", map[string]string{"u": "a<b>&c"}, nil)
	if !errors.Is(err, card.ErrNotFound) {
		t.Fatalf("err = %v, want not found", err)
	}
	if body != `{"u":"a<b>&c"}` {
		t.Fatalf("body = %s, want HTML unescaped", body)
	}
}

func TestNoSecretsInErrors(t *testing.T) {
	// Token fetch with the wrong secret: the error must not contain it.
	s := wechattest.NewServer(nil)
	defer s.Close()
	h := NewAccessTokenHandle(s.AppID(), "wrong-secret-XYZ", nil, &TokenOptions{BaseURL: s.URL()})
	_, err := h.GetAccessTokenContext(context.Background())
	if err == nil || strings.Contains(err.Error(), "wrong-secret-XYZ") {
		t.Fatalf("err = %v", err)
	}
	if !errors.Is(err, card.ErrUnauthenticated) {
		t.Fatalf("err = %v, want unauthenticated", err)
	}
	// Transport failure: the URL in the error must not carry the token or secret.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	h = NewAccessTokenHandle("wxapp", "secret-ABC", nil, &TokenOptions{BaseURL: dead.URL})
	_, err = h.GetAccessTokenContext(context.Background())
	if err == nil || strings.Contains(err.Error(), "secret-ABC") || !errors.Is(err, card.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	p, _ := rawProvider(t, nil)
	p.baseURL = dead.URL
	err = p.postJSON(context.Background(), "Op", "/x", nil, nil)
	if err == nil || strings.Contains(err.Error(), "TOKEN1") || !strings.Contains(err.Error(), "REDACTED") {
		t.Fatalf("err = %v", err)
	}
	// A foreign handle's error text with the secret in it is redacted.
	err = tokenError(context.Background(), "Op", errors.New("http get error : uri=https://h/cgi-bin/token?appid=a&secret=TOPSECRET , statusCode=500"))
	if strings.Contains(err.Error(), "TOPSECRET") {
		t.Fatalf("err = %v", err)
	}
}

func TestCouponRefused(t *testing.T) {
	refused := apiError("CreateCard", util.NewCommonError("CreateCard", 48001, "api unauthorized"))
	err := couponRefused("GROUPON", refused)
	if !errors.Is(err, card.ErrPermissionDenied) || !strings.Contains(err.Error(), "April 2021") || !strings.Contains(err.Error(), "微信支付商家券") {
		t.Fatalf("err = %v", err)
	}
	var ce *util.CommonError
	if !errors.As(err, &ce) || ce.ErrCode != 48001 {
		t.Fatalf("vendor error lost: %v", err)
	}
	if got := couponRefused("MEMBER_CARD", refused); got != error(refused) {
		t.Fatalf("member card error changed: %v", got)
	}
	transport := driver.Wrap("wechat", "CreateCard", card.KindUnavailable, errors.New("dial"))
	if got := couponRefused("CASH", transport); got != transport {
		t.Fatalf("transport error changed: %v", got)
	}
	for _, code := range []int64{40071, 45030} {
		if err := couponRefused("CASH", apiError("CreateCard", util.NewCommonError("CreateCard", code, "x"))); !strings.Contains(err.Error(), "April 2021") {
			t.Errorf("refusal %d: no migration text: %v", code, err)
		}
	}
	// Errors that say nothing about the card type keep their own message.
	for _, code := range []int64{45009, -1, 40076, 45021} {
		orig := apiError("CreateCard", util.NewCommonError("CreateCard", code, "x"))
		if got := couponRefused("GIFT", orig); got != error(orig) || strings.Contains(got.Error(), "April 2021") {
			t.Errorf("errcode %d on a coupon create blamed on April 2021: %v", code, got)
		}
	}
}

// TestCouponCreateRateLimited: end to end, a legacy coupon create that hits
// the daily quota is ErrRateLimited with WeChat's own explanation.
func TestCouponCreateRateLimited(t *testing.T) {
	p, s := newTestProvider(t, &wechattest.Options{AllowLegacyCoupons: true})
	s.FailNextCode("/card/create", 45009, 1)
	_, err := p.CreateCard(context.Background(), CreateCardRequest{Card: CardDefinition{CardType: CardTypeGift, Gift: &GiftData{Gift: "x", BaseInfo: &BaseInfo{
		LogoURL: "https://mmbiz.qpic.cn/b.png", CodeType: CodeTypeQRCode, BrandName: "b", Title: "t", Color: "Color010", Notice: "n", Description: "d",
		SKU: &SKU{Quantity: 1}, DateInfo: &DateInfo{Type: DateTypeFixTerm, FixedTerm: 3}}}}})
	if !errors.Is(err, card.ErrRateLimited) || strings.Contains(err.Error(), "April 2021") {
		t.Fatalf("err = %v, want ErrRateLimited without the migration text", err)
	}
}

func TestNewAndAs(t *testing.T) {
	if _, err := New(nil, nil); !errors.Is(err, card.ErrInvalidArgument) {
		t.Fatalf("New(nil) = %v", err)
	}
	p, _ := newTestProvider(t, nil)
	var oa *wxsdk.OfficialAccount
	if !p.As(&oa) || oa == nil || oa != p.oa {
		t.Fatal("As(&oa) failed")
	}
	if p.As(nil) {
		t.Fatal("As(nil) = true")
	}
	var s string
	if p.As(&s) {
		t.Fatal("As(&string) = true")
	}
	if p.Name() != "wechat" {
		t.Fatal(p.Name())
	}
	if _, err := New(oa, &Options{LevelField: 4}); !errors.Is(err, card.ErrInvalidArgument) {
		t.Fatalf("LevelField 4: %v", err)
	}
}
