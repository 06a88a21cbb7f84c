package alipaytest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	alipay "github.com/smartwalle/alipay/v3"
	card "github.com/walletcard/card"
	"github.com/walletcard/card/internal/hostile"
)

// DefaultAppID is the application id a Server uses when Options.AppID is empty.
const DefaultAppID = "2021000000000001"

// DemoUserID is the Alipay user that the authorization page
// (AuthorizeURL) logs in when the request names no user_id. It exists on every
// Server.
const DemoUserID = "2088000000000001"

// Token and code lifetimes. The token lifetimes are the expires_in and
// re_expires_in of a captured real oauth.token answer; Alipay documents
// auth_code as single-use and valid at most 24 hours.
const (
	// AccessTokenTTL is the lifetime of an access_token (expires_in = 1209600 s).
	AccessTokenTTL = 14 * 24 * time.Hour
	// RefreshTokenTTL is the lifetime of a refresh_token (re_expires_in = 15552000 s).
	RefreshTokenTTL = 180 * 24 * time.Hour
	// AuthCodeTTL is how long an unused auth_code can be redeemed.
	AuthCodeTTL = 24 * time.Hour
	// TimestampWindow is the accepted distance between a request's timestamp
	// and the server clock (or the host wall clock, see Options.Clock).
	TimestampWindow = 10 * time.Minute
)

// Options configures a Server. The zero value (or a nil *Options) gives the
// defaults.
type Options struct {
	// AppID is the only application id the gateway knows. Default DefaultAppID.
	AppID string
	// Clock is the server's notion of "now": token and auth-code expiry,
	// open_date defaults, template and form timestamps. Default time.Now.
	// Every time the server renders is in Beijing time (UTC+8).
	//
	// A request's timestamp parameter is accepted when it is within
	// TimestampWindow of Clock() or of the host wall clock, because clients
	// such as smartwalle stamp requests with time.Now whatever Clock says.
	// Clock must be safe for concurrent use and must not call the Server.
	Clock func() time.Time
	// FreshKeys makes NewServer generate new RSA-2048 key pairs instead of
	// using the package's fixed, public, test-only keys. Generation costs
	// tens of milliseconds per server.
	FreshKeys bool
	// CertMode runs the gateway in public-key-certificate mode: every request
	// must carry the app_cert_sn of AppCertPublicKey and an
	// alipay_root_cert_sn that includes the root of AlipayRootCert, and every
	// signed response carries "alipay_cert_sn" (the serial of
	// AlipayCertPublicKey) between the node and "sign". Use NewCertClient.
	// Without it (public-key mode) requests carrying certificate serials are
	// refused and responses never carry alipay_cert_sn.
	CertMode bool
	// AESKey, a base64 AES key (16, 24 or 32 bytes), enables interface
	// content encryption (接口内容加密): requests with encrypt_type=AES carry
	// an AES-CBC (zero IV, PKCS#7) encrypted biz_content, and their answers
	// come back encrypted. It is smartwalle's Client.SetEncryptKey value;
	// NewClient and NewCertClient set it. Without it encrypted requests are
	// refused. NewServer panics on a key that is not valid base64 AES.
	AESKey string
	// ForgetSerials makes the gateway ignore a repeated out_serial_no of
	// card.open and card.delete: the repeat is processed as a new request
	// (so a second open of the same user and template fails with
	// CARD_HAS_OPENED, a second delete with CARD_IS_DELETED_ALREADY).
	// Alipay documents neither this nor the default, which replays the first
	// answer to the same serial; both are emulator choices, so test clients
	// against both.
	ForgetSerials bool
	// RunAfterClientGone makes a request whose client gives up (its request
	// context ends, e.g. an http.Client timeout) while SetLatency delays it
	// still run once the delay is over, as the real gateway keeps going: the
	// method is applied and its answer is written to nobody. Without it the
	// request is dropped unapplied.
	RunAfterClientGone bool
	// MinimalCallback makes the activation form's callback (the web
	// redirect of the apply_card_url page and SubmitActivationForm's query)
	// carry only the parameters the reference confirms for the web form:
	// auth_code and request_id. Without it the query also has app_id,
	// template_id, scope and, with out_string, out_string and state (as
	// some integrations report). Test callbacks against both.
	MinimalCallback bool
	// GatewayErrors chooses the body shape of the errors the gateway itself
	// answers before a request reaches its method (missing or invalid
	// common parameters, bad request signature, stale timestamp, unknown
	// app id, RevokeCredentials). The zero value, GatewayErrorsAsAlipay,
	// answers them as the real gateway does (see GatewayErrorShape); the
	// other shapes appear in public fixtures too, so test clients against
	// each of them.
	GatewayErrors GatewayErrorShape
}

// Server is a loopback HTTP server that behaves like Alipay's OpenAPI v2
// gateway (https://openapi.alipay.com/gateway.do) for the merchant member-card
// family, OAuth and image upload. It verifies every request's RSA2 signature,
// keeps real state and signs every response. All methods are safe for
// concurrent use.
type Server struct {
	ts       *httptest.Server
	appID    string
	clock    func() time.Time
	certMode bool
	forget   bool
	runGone  bool
	minimal  bool
	gwErrors GatewayErrorShape
	revoked  atomic.Bool   // RevokeCredentials
	done     chan struct{} // closed by Close: ends latency waits and endless answers
	doneOnce sync.Once
	certOnce sync.Once
	certs    *certSet
	forOnce  sync.Once
	foreign  *foreignCert
	aesKey   []byte
	aesB64   string

	appPrivPEM string
	appPubPEM  string
	aliPubPEM  string
	appPub     *rsa.PublicKey
	aliPriv    *rsa.PrivateKey
	otherPriv  *rsa.PrivateKey

	mu         sync.Mutex
	calls      map[string]int
	callsTotal int
	tampers    map[string]Tamper
	fails      map[string]*failRule
	drops      hostile.Counts
	latency    map[string]time.Duration
	hostile    hostile.Queue    // pending hostile answers per method
	answers    hostile.Recorder // recorded answers per method, oldest first
	seq        int64
	st         state
}

// NewServer starts a gateway on 127.0.0.1 and returns it. opts may be nil.
// Close it when done.
func NewServer(opts *Options) *Server {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.AppID == "" {
		o.AppID = DefaultAppID
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	s := &Server{
		appID:    o.AppID,
		clock:    o.Clock,
		certMode: o.CertMode,
		forget:   o.ForgetSerials,
		runGone:  o.RunAfterClientGone,
		minimal:  o.MinimalCallback,
		gwErrors: o.GatewayErrors,
		done:     make(chan struct{}),
		calls:    make(map[string]int),
		tampers:  make(map[string]Tamper),
		fails:    make(map[string]*failRule),
		drops:    make(hostile.Counts),
		latency:  make(map[string]time.Duration),
		hostile:  hostile.Queue{},
		answers:  hostile.Recorder{Max: MaxRecordedAnswers},
		st:       newState(),
	}
	if o.FreshKeys {
		app := mustGenerate()
		ali := mustGenerate()
		s.appPrivPEM = encodePrivate(app)
		s.appPubPEM = encodePublic(&app.PublicKey)
		s.aliPubPEM = encodePublic(&ali.PublicKey)
		s.appPub = &app.PublicKey
		s.aliPriv = ali
	} else {
		s.appPrivPEM = appPrivateKeyPEM
		s.appPubPEM = appPublicKeyPEM
		s.aliPubPEM = alipayPublicKeyPEM
		s.appPub = &mustParsePrivate(appPrivateKeyPEM).PublicKey
		s.aliPriv = mustParsePrivate(alipayPrivateKeyPEM)
	}
	s.otherPriv = mustParsePrivate(otherPrivateKeyPEM)
	if o.AESKey != "" {
		k, err := base64.StdEncoding.DecodeString(o.AESKey)
		if err != nil || (len(k) != 16 && len(k) != 24 && len(k) != 32) {
			panic("alipaytest: Options.AESKey must be a base64 AES-128/192/256 key")
		}
		s.aesKey, s.aesB64 = k, o.AESKey
	}
	s.register(DemoUserID)

	mux := http.NewServeMux()
	mux.HandleFunc("/gateway.do", s.handleGateway)
	mux.HandleFunc("/oauth2/publicAppAuthorize.htm", s.handleAuthorizePage)
	mux.HandleFunc("/images/", s.handleImage)
	mux.HandleFunc("/activecard.htm", s.handleActivatePage)
	s.ts = httptest.NewServer(mux)
	return s
}

// Close shuts the server down and blocks until all outstanding requests on it
// have completed. Requests waiting in SetLatency and endless answers
// (EndlessBody) end at once. Close may be called more than once.
func (s *Server) Close() {
	s.doneOnce.Do(func() { close(s.done) })
	s.ts.Close()
}

// URL returns the gateway URL, e.g. "http://127.0.0.1:41234/gateway.do". Pass
// it to smartwalle with alipay.WithSandboxGateway and production=false (with
// production=true, use alipay.WithProductionGateway; see NewClient for why
// production=false is safer).
func (s *Server) URL() string { return s.ts.URL + "/gateway.do" }

// AppID returns the application id the server accepts.
func (s *Server) AppID() string { return s.appID }

// AppPrivateKey returns the application's private key as a PKCS#1 PEM block,
// the form smartwalle's alipay.New accepts. Test-only: see Options.FreshKeys.
func (s *Server) AppPrivateKey() string { return s.appPrivPEM }

// AppPublicKey returns the application's public key (PKIX PEM); the server
// verifies request signatures with it.
func (s *Server) AppPublicKey() string { return s.appPubPEM }

// AlipayPublicKey returns the public half of the key the server signs
// responses with (PKIX PEM), the form Client.LoadAliPayPublicKey accepts.
func (s *Server) AlipayPublicKey() string { return s.aliPubPEM }

// HTTPClient returns an *http.Client for talking to the server. Its idle
// connections are closed by Close.
func (s *Server) HTTPClient() *http.Client { return s.ts.Client() }

// NewClient returns a smartwalle client wired to this server: the app id and
// private key, production=false with the gateway set to URL() (so that an
// answer naming an unknown alipay_cert_sn is refused instead of its
// certificate being downloaded and trusted unchecked), requests stamped
// in Beijing time, the server's response-signing key loaded, and an HTTP
// client whose connections Close releases. opts are applied after those, so
// they may override any of them.
//
// For a server in certificate mode (Options.CertMode) use NewCertClient.
func (s *Server) NewClient(opts ...alipay.OptionFunc) (*alipay.Client, error) {
	c, err := s.newBareClient(opts)
	if err != nil {
		return nil, err
	}
	if err := c.LoadAliPayPublicKey(s.aliPubPEM); err != nil {
		return nil, err
	}
	return c, nil
}

// Tamper selects a fault that TamperNext injects into a response.
type Tamper int

const (
	// TamperNone injects nothing; TamperNext(method, TamperNone) cancels a
	// pending tamper.
	TamperNone Tamper = iota
	// TamperMissingSign sends the response without its "sign" member.
	TamperMissingSign
	// TamperBadSign sends a "sign" that is valid base64 of random bytes.
	TamperBadSign
	// TamperOtherKey signs the response with an unrelated RSA key.
	TamperOtherKey
	// TamperAlterBody changes the response node after it was signed.
	TamperAlterBody
	// TamperUnsignedError answers an unsigned
	// {"error_response":{"code":"40002",…}} instead of running the method:
	// a forged error (the shape some gateway rejections take, see
	// GatewayErrorShape) that anyone on the path can write; state is
	// untouched.
	TamperUnsignedError
	// TamperForeignCert is an attacker's answer: the node is signed with an
	// unrelated key, the answer names that key's certificate in
	// "alipay_cert_sn" (in either signing mode), and a download of that
	// serial (alipay.open.app.alipaycert.download) serves the attacker's
	// self-signed certificate, which no root of AlipayRootCert issued. A
	// client that downloads and trusts it accepts the forgery. The method
	// runs normally.
	TamperForeignCert
)

// String returns the constant's name.
func (t Tamper) String() string {
	switch t {
	case TamperNone:
		return "TamperNone"
	case TamperMissingSign:
		return "TamperMissingSign"
	case TamperBadSign:
		return "TamperBadSign"
	case TamperOtherKey:
		return "TamperOtherKey"
	case TamperAlterBody:
		return "TamperAlterBody"
	case TamperUnsignedError:
		return "TamperUnsignedError"
	case TamperForeignCert:
		return "TamperForeignCert"
	}
	return fmt.Sprintf("Tamper(%d)", int(t))
}

// TamperNext makes the next response to method (e.g.
// "alipay.marketing.card.open"; "" = whichever method comes next) carry the
// given fault. Only requests that pass the gateway's own checks (common
// parameters and request signature) consume it. Except for
// TamperUnsignedError the method runs normally, so state changes even though
// the client will reject the answer — like a response corrupted in transit.
// When a FailNext or FailNextCode rule applies to the same call, its
// failure answer is the one tampered with.
func (s *Server) TamperNext(method string, mode Tamper) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if mode == TamperNone {
		delete(s.tampers, method)
		return
	}
	s.tampers[method] = mode
}

// CallCount returns how many gateway requests for op (their "method"
// parameter) the server received, including rejected ones. op "" counts
// every gateway request, including those without a method.
func (s *Server) CallCount(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if op == "" {
		return s.callsTotal
	}
	return s.calls[op]
}

// now returns the server clock in Beijing time.
func (s *Server) now() time.Time { return s.clock().In(card.Beijing()) }

// nextSeq returns a per-server increasing number. Callers hold s.mu.
func (s *Server) nextSeq() int64 {
	s.seq++
	return s.seq
}

// signBytes signs data with SHA256withRSA and returns standard base64.
func signBytes(key *rsa.PrivateKey, data []byte) string {
	sum := sha256.Sum256(data)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		// Only possible with a broken key, which NewServer never builds.
		panic("alipaytest: signing failed: " + err.Error())
	}
	return base64.StdEncoding.EncodeToString(sig)
}

func mustGenerate() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("alipaytest: generating RSA key: " + err.Error())
	}
	return k
}

func mustParsePrivate(p string) *rsa.PrivateKey {
	b, _ := pem.Decode([]byte(p))
	if b == nil {
		panic("alipaytest: bad built-in key")
	}
	k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
	if err != nil {
		panic("alipaytest: bad built-in key: " + err.Error())
	}
	return k
}

func encodePrivate(k *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

func encodePublic(k *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		panic("alipaytest: marshal public key: " + err.Error())
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// nodeName returns the response member for method: dots become underscores,
// plus "_response".
func nodeName(method string) string { return strings.ReplaceAll(method, ".", "_") + "_response" }
