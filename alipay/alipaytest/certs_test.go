package alipaytest

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"strings"
	"testing"

	alipay "github.com/smartwalle/alipay/v3"
	card "github.com/walletcard/card"
)

func newCertEnv(t *testing.T) *env {
	t.Helper()
	srv := NewServer(&Options{CertMode: true})
	t.Cleanup(srv.Close)
	c, err := srv.NewCertClient()
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, srv: srv, c: c}
}

func TestCertMode(t *testing.T) {
	e := newCertEnv(t)
	// The whole flow works in certificate mode.
	tpl := e.template(nil)
	_, no := e.open(tpl, map[string]any{"point": "1.25"})
	tok, err := e.c.SystemOauthToken(t.Context(), alipay.SystemOauthToken{GrantType: "authorization_code", Code: e.srv.Authorize(e.srv.NewUser(), ScopeAuthUser)})
	if err != nil || !tok.IsSuccess() {
		t.Fatalf("%+v %v", tok, err)
	}

	// smartwalle sends the serials it computes itself; the ECDSA root of the
	// bundle is left out of alipay_root_cert_sn.
	p := alipay.NewPayload(MethodCardQuery)
	p.AddBizField("target_card_no_type", "BIZ_CARD")
	p.AddBizField("target_card_no", no)
	v, err := e.c.URLValues(p)
	if err != nil {
		t.Fatal(err)
	}
	cs := e.srv.certificates()
	if v.Get("app_cert_sn") != cs.appSN || v.Get("alipay_root_cert_sn") != cs.rootSN || strings.Contains(cs.rootSN, "_") {
		t.Fatalf("sent %s / %s, server has %s / %s", v.Get("app_cert_sn"), v.Get("alipay_root_cert_sn"), cs.appSN, cs.rootSN)
	}
	if n := strings.Count(e.srv.AlipayRootCert(), "BEGIN CERTIFICATE"); n != 2 {
		t.Fatalf("root bundle has %d certificates", n)
	}
	// The raw answer: node, then alipay_cert_sn, then sign — in that order.
	resp, err := e.srv.HTTPClient().PostForm(e.srv.URL(), v)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	s := string(body)
	iNode, iSN, iSign := strings.Index(s, `"alipay_marketing_card_query_response"`), strings.Index(s, `"alipay_cert_sn":"`+cs.alipaySN+`"`), strings.Index(s, `"sign":"`)
	if iNode != 1 || iSN < iNode || iSign < iSN {
		t.Fatalf("body order: %s", s)
	}
	// alipay_cert_sn is the serial of the gateway certificate.
	blk, _ := pem.Decode([]byte(e.srv.AlipayCertPublicKey()))
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil || certSN(cert) != cs.alipaySN || !cert.PublicKey.(*rsa.PublicKey).Equal(&e.srv.aliPriv.PublicKey) {
		t.Fatal("gateway certificate does not match the response-signing key")
	}

	// Tampered answers are still rejected in certificate mode.
	e.srv.TamperNext(MethodCardQuery, TamperOtherKey)
	if _, err := e.try(MethodCardQuery, map[string]any{"target_card_no_type": "BIZ_CARD", "target_card_no": no}, nil); !errors.Is(err, rsa.ErrVerification) {
		t.Fatalf("got %v", err)
	}
}

func TestCertModeMismatches(t *testing.T) {
	// smartwalle shows the sub_code of a refusal it can read: an unsigned
	// one (GatewayErrorsUnsigned). A signed one names a certificate
	// (alipay_cert_sn) or uses a key this mismatched client does not have.
	srv := NewServer(&Options{CertMode: true, GatewayErrors: GatewayErrorsUnsigned})
	t.Cleanup(srv.Close)
	p := alipay.NewPayload(MethodTemplateBatchQuery)
	var r result

	// A public-key-mode client sends no serials.
	plain, _ := srv.NewClient()
	gatewayErr(t, plain.Request(context.Background(), p, &r), "40002", "isv.invalid-parameter")

	// The same refusal from a gateway answering as Alipay does is signed in
	// certificate mode: the public-key client cannot find its key.
	e := newCertEnv(t)
	plain, _ = e.srv.NewClient()
	if err := plain.Request(context.Background(), p, &r); err == nil || !strings.Contains(err.Error(), "public key not found") {
		t.Fatalf("got %v", err)
	}

	// Another server's app certificate has another serial.
	other := NewServer(&Options{CertMode: true})
	defer other.Close()
	oc, _ := other.NewCertClient(alipay.WithSandboxGateway(srv.URL()))
	gatewayErr(t, oc.Request(context.Background(), p, &r), "40002", "isv.invalid-parameter")

	// A certificate client against a public-key-mode server.
	pk := NewServer(&Options{GatewayErrors: GatewayErrorsUnsigned})
	defer pk.Close()
	cc, _ := pk.NewCertClient()
	gatewayErr(t, cc.Request(context.Background(), p, &r), "40002", "isv.missing-signature-config")

	// A public-key server never sends alipay_cert_sn.
	v := (&env{t: t, srv: pk}).baseValues(MethodTemplateBatchQuery, "")
	sign(appKey(t), v)
	m := (&env{t: t, srv: pk}).post(v)
	if _, ok := m["alipay_cert_sn"]; ok {
		t.Fatal("alipay_cert_sn in public-key mode")
	}
}

func TestCertDownload(t *testing.T) {
	srv := NewServer(&Options{CertMode: true})
	defer srv.Close()
	// A client that has the app and root certificates but not the gateway's:
	// smartwalle (production=true only) downloads it by alipay_cert_sn.
	c, err := alipay.New(srv.AppID(), srv.AppPrivateKey(), true, alipay.WithProductionGateway(srv.URL()),
		alipay.WithTimeLocation(card.Beijing()), alipay.WithHTTPClient(srv.HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.LoadAppCertPublicKey(srv.AppCertPublicKey()); err != nil {
		t.Fatal(err)
	}
	if err := c.LoadAliPayRootCert(srv.AlipayRootCert()); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, c: c}
	e.ok(MethodTemplateBatchQuery, nil, nil)
	e.ok(MethodTemplateBatchQuery, nil, nil)
	if n := srv.CallCount(MethodCertDownload); n != 1 {
		t.Fatalf("downloads = %d, want 1 (then cached)", n)
	}
	e.fails(MethodCertDownload, map[string]any{"alipay_cert_sn": "00"}, nil, "40004", "INVALID_PARAMETER")
}
