package alipay_test

import (
	"errors"
	"strings"
	"testing"

	alipaysdk "github.com/smartwalle/alipay/v3"
	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
)

// checkForeignCertRejected runs the attack of alipaytest.TamperForeignCert
// against p (which must hold a card ref on s): the forged answer is
// rejected as UNKNOWN_SIGNING_CERT, and afterwards the provider still
// accepts genuine answers and still refuses the attacker's key, with or
// without alipay_cert_sn (the client was not poisoned).
func checkForeignCertRejected(t *testing.T, s *alipaytest.Server, p *alipay.Provider, ref card.Ref) {
	t.Helper()
	s.TamperNext(alipay.MethodCardQuery, alipaytest.TamperForeignCert)
	c, err := p.Get(ctx(t), ref)
	if err == nil {
		t.Fatalf("forged answer accepted: %+v", c)
	}
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Code != "UNKNOWN_SIGNING_CERT" || ce.Kind != card.KindUnknown {
		t.Fatalf("forged answer: %v, want UNKNOWN_SIGNING_CERT", err)
	}
	if _, err := p.Get(ctx(t), ref); err != nil {
		t.Fatalf("genuine answer after the attack: %v", err)
	}
	s.TamperNext(alipay.MethodCardQuery, alipaytest.TamperForeignCert)
	if _, err := p.Get(ctx(t), ref); err == nil {
		t.Fatal("second forged answer accepted")
	}
	s.TamperNext(alipay.MethodCardQuery, alipaytest.TamperOtherKey)
	if _, err := p.Get(ctx(t), ref); err == nil {
		t.Fatal("answer signed with the attacker's key and no alipay_cert_sn accepted: the client was poisoned")
	}
}

func TestForeignCertNewFromKeys(t *testing.T) {
	s := newServer(t)
	p, err := alipay.NewFromKeys(s.AppID(), s.AppPrivateKey(), s.AlipayPublicKey(),
		&alipay.Options{BaseURL: s.URL(), HTTPClient: s.HTTPClient(), Retry: fastRetry()})
	if err != nil {
		t.Fatal(err)
	}
	tpl := newTemplate(t, p)
	c := openCard(t, s, p, tpl)
	checkForeignCertRejected(t, s, p, c.Ref)
	if n := s.CallCount(alipaytest.MethodCertDownload); n != 0 {
		t.Errorf("%d certificate downloads", n)
	}
}

func TestForeignCertNewFromCerts(t *testing.T) {
	s := alipaytest.NewServer(&alipaytest.Options{CertMode: true})
	t.Cleanup(s.Close)
	p, err := alipay.NewFromCerts(s.AppID(), s.AppPrivateKey(), s.AppCertPublicKey(), s.AlipayRootCert(), s.AlipayCertPublicKey(),
		&alipay.Options{BaseURL: s.URL(), HTTPClient: s.HTTPClient(), Retry: fastRetry()})
	if err != nil {
		t.Fatal(err)
	}
	tpl := newTemplate(t, p)
	c := openCard(t, s, p, tpl)
	checkForeignCertRejected(t, s, p, c.Ref)
	if n := s.CallCount(alipaytest.MethodCertDownload); n != 0 {
		t.Errorf("%d certificate downloads", n)
	}
}

// TestForeignCertNewProductionClient: a caller-built production=true client
// would download the attacker's certificate; the Provider's guard stops the
// download before it is sent.
func TestForeignCertNewProductionClient(t *testing.T) {
	for _, certMode := range []bool{false, true} {
		s := alipaytest.NewServer(&alipaytest.Options{CertMode: certMode})
		t.Cleanup(s.Close)
		raw, err := alipaysdk.New(s.AppID(), s.AppPrivateKey(), true, alipaysdk.WithProductionGateway(s.URL()),
			alipaysdk.WithHTTPClient(s.HTTPClient()), alipaysdk.WithTimeLocation(card.Beijing()))
		if err != nil {
			t.Fatal(err)
		}
		if certMode {
			err = raw.LoadAppCertPublicKey(s.AppCertPublicKey())
			if err == nil {
				err = raw.LoadAliPayRootCert(s.AlipayRootCert())
			}
			if err == nil {
				err = raw.LoadAlipayCertPublicKey(s.AlipayCertPublicKey())
			}
		} else {
			err = raw.LoadAliPayPublicKey(s.AlipayPublicKey())
		}
		if err != nil {
			t.Fatal(err)
		}
		p, err := alipay.New(raw, &alipay.Options{Retry: fastRetry(), AllowProductionClient: true})
		if err != nil {
			t.Fatal(err)
		}
		tpl := newTemplate(t, p)
		c := openCard(t, s, p, tpl)
		checkForeignCertRejected(t, s, p, c.Ref)
	}
}

// TestForeignCertAcceptedByUnguardedClient shows the attack is real: the
// same production client used directly (without the Provider) accepts it.
func TestForeignCertAcceptedByUnguardedClient(t *testing.T) {
	s := newServer(t)
	raw, err := alipaysdk.New(s.AppID(), s.AppPrivateKey(), true, alipaysdk.WithProductionGateway(s.URL()),
		alipaysdk.WithHTTPClient(s.HTTPClient()), alipaysdk.WithTimeLocation(card.Beijing()))
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.LoadAliPayPublicKey(s.AlipayPublicKey()); err != nil {
		t.Fatal(err)
	}
	s.TamperNext(alipay.MethodTemplateBatchQuery, alipaytest.TamperForeignCert)
	var out map[string]any
	pl := alipaysdk.NewPayload(alipay.MethodTemplateBatchQuery)
	pl.AddBizField("page_no", 1)
	pl.AddBizField("page_size", 10)
	if err := raw.Request(ctx(t), pl, &out); err != nil {
		t.Fatalf("unguarded production client refused the forgery (the fake's attack no longer works): %v", err)
	}
	if s.CallCount(alipaytest.MethodCertDownload) != 1 {
		t.Fatal("no certificate download")
	}
}

// TestDefaultAuthorizeURLFollowsSandbox: NewFromKeys builds every client with
// production=false, so the default authorization page follows
// Options.Sandbox, not the client.
func TestDefaultAuthorizeURLFollowsSandbox(t *testing.T) {
	s := newServer(t)
	for _, sandbox := range []bool{false, true} {
		p, err := alipay.NewFromKeys(s.AppID(), s.AppPrivateKey(), s.AlipayPublicKey(), &alipay.Options{Sandbox: sandbox, BaseURL: s.URL()})
		if err != nil {
			t.Fatal(err)
		}
		u, err := p.AuthorizeURL(alipay.AuthorizeRequest{RedirectURI: "https://example.com/cb"})
		if err != nil {
			t.Fatal(err)
		}
		want := alipay.ProductionAuthorizeURL
		if sandbox {
			want = alipay.SandboxAuthorizeURL
		}
		if !strings.HasPrefix(u, want+"?") {
			t.Errorf("sandbox=%v: %s", sandbox, u)
		}
	}
	// New: the client's gateway decides.
	for gw, want := range map[string]string{alipay.SandboxGateway: alipay.SandboxAuthorizeURL, alipay.ProductionGateway: alipay.ProductionAuthorizeURL} {
		raw, err := alipaysdk.New(s.AppID(), s.AppPrivateKey(), false, alipaysdk.WithSandboxGateway(gw))
		if err != nil {
			t.Fatal(err)
		}
		p, err := alipay.New(raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := p.AuthorizeURL(alipay.AuthorizeRequest{RedirectURI: "https://example.com/cb"})
		if !strings.HasPrefix(u, want+"?") {
			t.Errorf("gateway %s: %s", gw, u)
		}
	}
}

// TestNewRefusesProductionClient: a production=true client shared with other
// code is poisoned by one forged answer to that code (it downloads and then
// trusts the forger's certificate), after which the Provider would accept
// forgeries; New refuses it unless AllowProductionClient is set, and tells
// how to build a safe client.
func TestNewRefusesProductionClient(t *testing.T) {
	s := newServer(t)
	raw, err := alipaysdk.New(s.AppID(), s.AppPrivateKey(), true, alipaysdk.WithProductionGateway(s.URL()),
		alipaysdk.WithHTTPClient(s.HTTPClient()), alipaysdk.WithTimeLocation(card.Beijing()))
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.LoadAliPayPublicKey(s.AlipayPublicKey()); err != nil {
		t.Fatal(err)
	}
	for _, o := range []*alipay.Options{nil, {}} {
		p, err := alipay.New(raw, o)
		var ce *card.Error
		if p != nil || !errors.As(err, &ce) || ce.Kind != card.KindInvalidArgument || ce.Field != "client" ||
			!strings.Contains(ce.Message, "WithSandboxGateway(alipay.ProductionGateway)") || !strings.Contains(ce.Message, "AllowProductionClient") {
			t.Fatalf("New(production client, %v) = %v, %v", o, p, err)
		}
	}
	if s.CallCount("") != 0 {
		t.Errorf("New sent %d requests", s.CallCount(""))
	}
	if _, err := alipay.New(raw, &alipay.Options{AllowProductionClient: true}); err != nil {
		t.Fatalf("opt-in: %v", err)
	}
	// The recommended client: production=false on the real gateway URL.
	safe, err := alipaysdk.New(s.AppID(), s.AppPrivateKey(), false, alipaysdk.WithSandboxGateway(alipay.ProductionGateway))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alipay.New(safe, nil); err != nil {
		t.Fatalf("production=false client: %v", err)
	}
}
