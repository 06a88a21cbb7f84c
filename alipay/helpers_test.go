package alipay_test

import (
	"context"
	"testing"
	"time"

	alipaysdk "github.com/smartwalle/alipay/v3"
	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
	"github.com/walletcard/card/internal/retry"
)

// fastRetry retries quickly so tests do not sleep.
func fastRetry() retry.Policy {
	return retry.Policy{Attempts: 3, Base: time.Millisecond, Max: 5 * time.Millisecond}
}

// newServer starts an alipaytest gateway closed at the end of the test.
func newServer(t testing.TB) *alipaytest.Server {
	t.Helper()
	s := alipaytest.NewServer(nil)
	t.Cleanup(s.Close)
	return s
}

// newProvider returns a provider on s with fast retries and the fake's
// authorization page. mod may adjust the options.
func newProvider(t testing.TB, s *alipaytest.Server, mod func(*alipay.Options)) *alipay.Provider {
	t.Helper()
	client, err := s.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	o := &alipay.Options{Retry: fastRetry(), AuthorizeURL: s.AuthorizeURL()}
	if mod != nil {
		mod(o)
	}
	p, err := alipay.New(client, o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// setup starts a gateway, a provider on it (newProvider) and a template
// (newTemplate): the start of most tests.
func setup(t testing.TB) (*alipaytest.Server, *alipay.Provider, string) {
	t.Helper()
	s := newServer(t)
	p := newProvider(t, s, nil)
	return s, p, newTemplate(t, p)
}

// newTemplate creates a template with levels, points and balance.
func newTemplate(t testing.TB, p *alipay.Provider) string {
	t.Helper()
	tpl, err := p.CreateTemplate(ctx(t), card.TemplateSpec{
		Title: "测试会员卡", BrandName: "测试商户", Levels: []string{"VIP1", "VIP2"}, Points: true, Balance: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return tpl.ID
}

// member returns a new user with an auth_ecard token.
func member(s *alipaytest.Server) (userID, token string) {
	userID = s.NewUser()
	return userID, s.IssueToken(userID, alipay.ScopeECard)
}

// openCard opens a card for a new member through the neutral API.
func openCard(t testing.TB, s *alipaytest.Server, p *alipay.Provider, templateID string) *card.Card {
	t.Helper()
	uid, tok := member(s)
	c, err := p.Open(ctx(t), card.OpenRequest{TemplateID: templateID, ExternalNo: "EXT" + uid[10:], Holder: uid, AuthToken: tok,
		Level: "VIP1", Points: card.WholePoints(10), Balance: card.Yuan(5)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sdkError returns the *alipaysdk.Error inside err, or fails.
func sdkError(t testing.TB, err error) *alipaysdk.Error {
	t.Helper()
	var ae *alipaysdk.Error
	if !errorsAs(err, &ae) {
		t.Fatalf("err %v does not wrap *alipaysdk.Error", err)
	}
	return ae
}

func asSDK(err error) (*alipaysdk.Error, bool) {
	var ae *alipaysdk.Error
	ok := errorsAs(err, &ae)
	return ae, ok
}

func mustClient(t testing.TB, s *alipaytest.Server) *alipaysdk.Client {
	t.Helper()
	c, err := s.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	return c
}
