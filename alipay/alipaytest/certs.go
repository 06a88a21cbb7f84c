package alipaytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"strings"
	"time"

	alipay "github.com/smartwalle/alipay/v3"
	card "github.com/walletcard/card"
)

// certSet is the certificate-mode material: a test root CA bundle (an RSA
// root plus an ECDSA one, as Alipay's bundle mixes algorithms), the app's
// public-key certificate and the gateway's.
type certSet struct {
	rootBundlePEM string
	appCertPEM    string
	alipayCertPEM string
	rootSN        string // alipay_root_cert_sn: SNs of the RSA roots joined with "_"
	appSN         string
	alipaySN      string
}

// MethodCertDownload is the method smartwalle calls (production=true only) to
// fetch the gateway certificate named by an unknown alipay_cert_sn.
const MethodCertDownload = "alipay.open.app.alipaycert.download"

// certSN is Alipay's certificate serial: lower-case hex MD5 of the issuer DN
// string followed by the decimal serial number.
func certSN(c *x509.Certificate) string {
	sum := md5.Sum([]byte(c.Issuer.String() + c.SerialNumber.String()))
	return hex.EncodeToString(sum[:])
}

func pemCert(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// buildCerts issues the certificates, valid from now for ten years.
func buildCerts(now time.Time, rootKey *rsa.PrivateKey, appPub, alipayPub *rsa.PublicKey) (*certSet, error) {
	// Random serials make every server's certificate serials (SNs) unique.
	mk := func(cn string, isCA bool) *x509.Certificate {
		serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
		if err != nil {
			panic("alipaytest: random serial: " + err.Error())
		}
		return &x509.Certificate{
			SerialNumber:          serial,
			Subject:               pkix.Name{CommonName: cn, Organization: []string{"alipaytest (TEST ONLY)"}, Country: []string{"CN"}},
			NotBefore:             now.Add(-time.Hour),
			NotAfter:              now.AddDate(10, 0, 0),
			IsCA:                  isCA,
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
			SignatureAlgorithm:    x509.SHA256WithRSA,
		}
	}
	rootTmpl := mk("alipaytest Root CA R1", true)
	rootDER, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)
	if err != nil {
		return nil, err
	}
	root, err := x509.ParseCertificate(rootDER)
	if err != nil {
		return nil, err
	}
	issue := func(cn string, pub *rsa.PublicKey) (*x509.Certificate, string, error) {
		tmpl := mk(cn, false)
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		der, err := x509.CreateCertificate(rand.Reader, tmpl, root, pub, rootKey)
		if err != nil {
			return nil, "", err
		}
		c, err := x509.ParseCertificate(der)
		return c, pemCert(der), err
	}
	appCert, appPEM, err := issue("alipaytest app", appPub)
	if err != nil {
		return nil, err
	}
	aliCert, aliPEM, err := issue("alipaytest gateway", alipayPub)
	if err != nil {
		return nil, err
	}
	// A second, ECDSA root in the bundle: smartwalle (like Alipay's SDKs)
	// leaves non-RSA roots out of alipay_root_cert_sn.
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	ecTmpl := mk("alipaytest Root CA E1", true)
	ecTmpl.SignatureAlgorithm = x509.ECDSAWithSHA256
	ecDER, err := x509.CreateCertificate(rand.Reader, ecTmpl, ecTmpl, &ecKey.PublicKey, ecKey)
	if err != nil {
		return nil, err
	}
	return &certSet{
		rootBundlePEM: pemCert(rootDER) + pemCert(ecDER),
		appCertPEM:    appPEM,
		alipayCertPEM: aliPEM,
		rootSN:        certSN(root),
		appSN:         certSN(appCert),
		alipaySN:      certSN(aliCert),
	}, nil
}

// certificates returns the server's certificates, issuing them on first use.
func (s *Server) certificates() *certSet {
	s.certOnce.Do(func() {
		cs, err := buildCerts(s.clock(), mustParsePrivate(rootPrivateKeyPEM), s.appPub, &s.aliPriv.PublicKey)
		if err != nil {
			panic("alipaytest: issuing test certificates: " + err.Error())
		}
		s.certs = cs
	})
	return s.certs
}

// AppCertPublicKey returns the app's public-key certificate (PEM), issued by
// the server's test root CA, for smartwalle's LoadAppCertPublicKey. Its serial
// is the app_cert_sn a certificate-mode server requires.
func (s *Server) AppCertPublicKey() string { return s.certificates().appCertPEM }

// AlipayRootCert returns the test root CA bundle (PEM; one RSA and one ECDSA
// root) for smartwalle's LoadAliPayRootCert.
func (s *Server) AlipayRootCert() string { return s.certificates().rootBundlePEM }

// AlipayCertPublicKey returns the gateway's public-key certificate (PEM) for
// smartwalle's LoadAlipayCertPublicKey. Its serial is the alipay_cert_sn of
// certificate-mode responses.
func (s *Server) AlipayCertPublicKey() string { return s.certificates().alipayCertPEM }

// NewCertClient returns a smartwalle client in certificate mode wired to this
// server: like NewClient, but it loads AppCertPublicKey, AlipayRootCert and
// AlipayCertPublicKey instead of the bare Alipay public key, so it sends
// app_cert_sn and alipay_root_cert_sn and verifies responses by
// alipay_cert_sn. Use it with a server started with Options.CertMode.
func (s *Server) NewCertClient(opts ...alipay.OptionFunc) (*alipay.Client, error) {
	c, err := s.newBareClient(opts)
	if err != nil {
		return nil, err
	}
	if err := c.LoadAppCertPublicKey(s.AppCertPublicKey()); err != nil {
		return nil, err
	}
	if err := c.LoadAliPayRootCert(s.AlipayRootCert()); err != nil {
		return nil, err
	}
	if err := c.LoadAlipayCertPublicKey(s.AlipayCertPublicKey()); err != nil {
		return nil, err
	}
	return c, nil
}

// foreignCert is the attacker's certificate of TamperForeignCert.
type foreignCert struct{ pem, sn string }

// foreignCertificate returns the self-signed certificate of the unrelated
// key (the one TamperOtherKey signs with), issuing it on first use.
func (s *Server) foreignCertificate() *foreignCert {
	s.forOnce.Do(func() {
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(666),
			Subject:               pkix.Name{CommonName: "alipaytest foreign gateway (NOT issued by the test root)"},
			NotBefore:             s.clock().Add(-time.Hour),
			NotAfter:              s.clock().AddDate(10, 0, 0),
			IsCA:                  true,
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
			SignatureAlgorithm:    x509.SHA256WithRSA,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &s.otherPriv.PublicKey, s.otherPriv)
		if err != nil {
			panic("alipaytest: issuing the foreign certificate: " + err.Error())
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			panic("alipaytest: parsing the foreign certificate: " + err.Error())
		}
		s.foreign = &foreignCert{pem: pemCert(der), sn: certSN(c)}
	})
	return s.foreign
}

// newBareClient builds a smartwalle client for this server without response
// verification keys.
func (s *Server) newBareClient(opts []alipay.OptionFunc) (*alipay.Client, error) {
	all := []alipay.OptionFunc{
		alipay.WithSandboxGateway(s.URL()),
		alipay.WithTimeLocation(card.Beijing()),
		alipay.WithHTTPClient(s.ts.Client()),
	}
	all = append(all, opts...)
	c, err := alipay.New(s.appID, s.appPrivPEM, false, all...)
	if err != nil {
		return nil, err
	}
	if s.aesB64 != "" {
		if err := c.SetEncryptKey(s.aesB64); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// checkCertParams enforces the signing mode on app_cert_sn and
// alipay_root_cert_sn.
func (s *Server) checkCertParams(appSN, rootSN string) *apiError {
	if !s.certMode {
		if appSN != "" || rootSN != "" {
			return gatewayError("40002", "isv.missing-signature-config", "应用未配置公钥证书: this gateway runs in public-key mode (Options.CertMode is off)")
		}
		return nil
	}
	cs := s.certificates()
	if appSN == "" || rootSN == "" {
		return gatewayError("40002", "isv.invalid-parameter", "参数无效: 证书模式应用必须传入 app_cert_sn 与 alipay_root_cert_sn")
	}
	if appSN != cs.appSN {
		return gatewayError("40002", "isv.invalid-parameter", "参数无效: app_cert_sn 与应用公钥证书不匹配")
	}
	found := false
	for _, sn := range strings.Split(rootSN, "_") {
		found = found || sn == cs.rootSN
	}
	if !found {
		return gatewayError("40002", "isv.invalid-parameter", "参数无效: alipay_root_cert_sn 与支付宝根证书不匹配")
	}
	return nil
}

// certDownload implements alipay.open.app.alipaycert.download.
func (s *Server) certDownload(req *request) (node, *apiError) {
	var b struct {
		AlipayCertSN str `json:"alipay_cert_sn"`
	}
	if e := decodeBiz(req, &b); e != nil {
		return nil, e
	}
	var c checker
	c.req("alipay_cert_sn", b.AlipayCertSN, 64)
	if c.err != nil {
		return nil, c.err
	}
	if f := s.foreignCertificate(); string(b.AlipayCertSN) == f.sn {
		return append(success(), field{"alipay_cert_content", base64.StdEncoding.EncodeToString([]byte(f.pem))}), nil
	}
	cs := s.certificates()
	if string(b.AlipayCertSN) != cs.alipaySN {
		return nil, invalidParam("参数无效: 支付宝公钥证书序列号 %s 不存在", b.AlipayCertSN)
	}
	return append(success(), field{"alipay_cert_content", base64.StdEncoding.EncodeToString([]byte(cs.alipayCertPEM))}), nil
}
