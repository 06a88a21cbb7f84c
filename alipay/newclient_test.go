package alipay_test

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	alipaysdk "github.com/smartwalle/alipay/v3"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
)

// TestNewDoesNotWriteABeijingClient: New on a client that already stamps
// Beijing time does not write to it, so a second Provider may be built on a
// client in use (run with -race).
func TestNewDoesNotWriteABeijingClient(t *testing.T) {
	s := newServer(t)
	c := mustClient(t, s)
	p1, err := alipay.New(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref := card.Ref{Provider: alipay.Name, TemplateID: "t", CardNo: "c"}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 5 {
			_, _ = p1.Get(ctx(t), ref)
		}
	}()
	for range 5 {
		if _, err := alipay.New(c, nil); err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
}

// TestUserInfoShareHintNamesAuthUser: user.info.share needs scope
// auth_user; the rejection says so, not auth_ecard.
func TestUserInfoShareHintNamesAuthUser(t *testing.T) {
	s := newServer(t)
	p := newProvider(t, s, nil)
	uid := s.NewUser()
	_, err := p.UserInfoShare(ctx(t), s.IssueToken(uid, alipay.ScopeECard))
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Kind != card.KindUnauthenticated {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(ce.Message, "scope "+alipay.ScopeUser) || strings.Contains(ce.Message, "scope "+alipay.ScopeECard) {
		t.Errorf("message %q", ce.Message)
	}
}

// TestDefaultHTTPClientHasTimeout: NewFromKeys without Options.HTTPClient
// does not use http.DefaultClient (no timeout).
func TestDefaultHTTPClientHasTimeout(t *testing.T) {
	s := newServer(t)
	p, err := alipay.NewFromKeys(s.AppID(), s.AppPrivateKey(), s.AlipayPublicKey(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var c *alipaysdk.Client
	if !p.As(&c) || c.Client == nil || c.Client == http.DefaultClient || c.Client.Timeout != alipay.DefaultHTTPTimeout {
		t.Fatalf("HTTP client %+v", c.Client)
	}
}
