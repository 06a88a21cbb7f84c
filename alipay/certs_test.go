package alipay_test

import (
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
	"github.com/walletcard/card/internal/retry"
)

// certKit is a root CA, an app certificate and an "Alipay" certificate.
type certKit struct {
	appKeyPEM, appCert, rootCert, aliCert string
	aliKey                                *rsa.PrivateKey
	aliSN                                 string
}

func newCertKit(t *testing.T) *certKit {
	t.Helper()
	gen := func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	rootKey, appKey, aliKey := gen(), gen(), gen()
	root := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test Root CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, SignatureAlgorithm: x509.SHA256WithRSA}
	rootDER, err := x509.CreateCertificate(rand.Reader, root, root, &rootKey.PublicKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	rootParsed, _ := x509.ParseCertificate(rootDER)
	leaf := func(serial int64, cn string, pub *rsa.PublicKey) (string, *x509.Certificate) {
		tpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tpl, rootParsed, pub, rootKey)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), c
	}
	appCert, _ := leaf(2, "app", &appKey.PublicKey)
	aliCert, aliParsed := leaf(3, "alipay", &aliKey.PublicKey)
	sum := md5.Sum([]byte(aliParsed.Issuer.String() + aliParsed.SerialNumber.String()))
	return &certKit{
		appKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(appKey)})),
		appCert:   appCert,
		rootCert:  string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rootDER})),
		aliCert:   aliCert,
		aliKey:    aliKey,
		aliSN:     hex.EncodeToString(sum[:]),
	}
}

// TestNewFromCerts: certificate mode sends app_cert_sn / alipay_root_cert_sn
// and verifies answers signed with the key of the Alipay certificate named by
// alipay_cert_sn; a different SN is rejected.
func TestNewFromCerts(t *testing.T) {
	kit := newCertKit(t)
	var gotAppSN, gotRootSN string
	snInBody := kit.aliSN
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		gotAppSN, gotRootSN = r.Form.Get("app_cert_sn"), r.Form.Get("alipay_root_cert_sn")
		node := []byte(`{"code":"10000","msg":"Success","template_id":"20990101000000000000000000000001","card_type":"OUT_MEMBER_CARD","template_style_info":{"card_show_name":"证书卡"}}`)
		sum := sha256.Sum256(node)
		sig, _ := rsa.SignPKCS1v15(rand.Reader, kit.aliKey, crypto.SHA256, sum[:])
		body := `{"alipay_marketing_card_template_query_response":` + string(node) + `,"alipay_cert_sn":"` + snInBody + `","sign":"` + base64.StdEncoding.EncodeToString(sig) + `"}`
		_, _ = w.Write([]byte(body))
	}))
	defer gw.Close()
	p, err := alipay.NewFromCerts("2021000000000009", kit.appKeyPEM, kit.appCert, kit.rootCert, kit.aliCert,
		&alipay.Options{BaseURL: gw.URL, Retry: retry.Policy{Attempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := p.GetTemplate(ctx(t), "", "20990101000000000000000000000001")
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Title != "证书卡" || len(gotAppSN) != 32 || len(gotRootSN) != 32 {
		t.Errorf("template %+v, app_cert_sn %q, alipay_root_cert_sn %q", tpl, gotAppSN, gotRootSN)
	}
	// An answer naming a certificate the client does not hold is rejected
	// (production mode would try to download it; the sandbox refuses).
	snInBody = "00000000000000000000000000000000"
	if _, err := p.GetTemplate(ctx(t), "", "20990101000000000000000000000001"); err == nil {
		t.Error("answer signed under an unknown certificate accepted")
	}

	// Bad inputs name the argument.
	for field, f := range map[string]func() error{
		"appCert": func() error {
			_, err := alipay.NewFromCerts("1", kit.appKeyPEM, "junk", kit.rootCert, kit.aliCert, nil)
			return err
		},
		"alipayRootCert": func() error {
			_, err := alipay.NewFromCerts("1", kit.appKeyPEM, kit.appCert, "", kit.aliCert, nil)
			return err
		},
		"alipayCert": func() error {
			_, err := alipay.NewFromCerts("1", kit.appKeyPEM, kit.appCert, kit.rootCert, "junk", nil)
			return err
		},
	} {
		var ce *card.Error
		if err := f(); !errors.As(err, &ce) || ce.Field != field || ce.Kind != card.KindInvalidArgument {
			t.Errorf("%s: %v", field, err)
		}
	}
}

// TestCertModeAgainstPublicKeyGateway documents the fake's refusal of
// certificate mode (isv.missing-signature-config → unauthenticated).
func TestCertModeAgainstPublicKeyGateway(t *testing.T) {
	// The gateway's refusal comes unsigned here: a signed one (the default
	// GatewayErrorsAsAlipay shape) carries a signature this cert-mode
	// client cannot verify, so its outcome is unknown instead.
	s := alipaytest.NewServer(&alipaytest.Options{GatewayErrors: alipaytest.GatewayErrorsUnsigned})
	t.Cleanup(s.Close)
	kit := newCertKit(t)
	p, err := alipay.NewFromCerts(s.AppID(), s.AppPrivateKey(), kit.appCert, kit.rootCert, kit.aliCert,
		&alipay.Options{BaseURL: s.URL(), HTTPClient: s.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.GetTemplate(ctx(t), "", "x")
	if !errors.Is(err, card.ErrUnauthenticated) {
		t.Fatalf("err = %v", err)
	}
}
