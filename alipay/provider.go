package alipay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	alipaysdk "github.com/smartwalle/alipay/v3"
	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
	"github.com/walletcard/card/internal/retry"
	"github.com/walletcard/card/internal/walletrules"
)

// Name is the provider name, the value of card.Ref.Provider for Alipay cards.
const Name = card.Alipay

// Alipay's gateways, used by NewFromKeys and NewFromCerts when
// Options.BaseURL is empty.
const (
	// ProductionGateway is Alipay's OpenAPI gateway.
	ProductionGateway = "https://openapi.alipay.com/gateway.do"
	// SandboxGateway is the sandbox's OpenAPI gateway.
	SandboxGateway = "https://openapi-sandbox.dl.alipaydev.com/gateway.do"
)

// Default authorization pages (用户信息授权) for AuthorizeURL.
const (
	// ProductionAuthorizeURL is Alipay's user authorization page.
	ProductionAuthorizeURL = "https://openauth.alipay.com/oauth2/publicAppAuthorize.htm"
	// SandboxAuthorizeURL is the sandbox's user authorization page.
	SandboxAuthorizeURL = "https://openauth.alipaydev.com/oauth2/publicAppAuthorize.htm"
)

// Options configures a Provider. The zero value (or nil) is usable.
type Options struct {
	// Retry is the policy for unavailable errors (20000, SYSTEM_ERROR,
	// transport failures). The zero value means card.DefaultRetryPolicy(); set
	// Attempts to 1 to disable retries.
	Retry card.RetryPolicy

	// Logger receives one record per neutral call (Open, Get, Update …):
	// Debug on success, Warn on failure, Error when the outcome is unknown.
	// nil (the default) logs nothing. Records never hold a secret.
	Logger *slog.Logger

	// Hook, if set, is called after every neutral call with its
	// card.CallInfo (provider, op, duration, attempts, kind, outcome known),
	// for metrics and tracing.
	Hook card.Hook

	// Clock returns the current time for occur_time (card.update,
	// message.notify). Default time.Now. Open sends no open_date.
	Clock func() time.Time

	// AppAuthToken is sent as app_auth_token on every call, for an ISV acting
	// for a merchant (≤ 40). Never logged.
	AppAuthToken string

	// AuthorizeURL is the base of the user authorization page used by
	// AuthorizeURL. Default ProductionAuthorizeURL, or SandboxAuthorizeURL for
	// a sandbox client. Point it at alipaytest's Server.AuthorizeURL in tests.
	AuthorizeURL string

	// ClaimCallbackURL is the callback given to activateurl.apply by
	// ClaimLink: where the user lands after submitting the activation form.
	// It must carry no query string. Optional.
	ClaimCallbackURL string

	// FollowAppID is the life-account app id offered to the user by ClaimLink
	// (activateurl.apply follow_app_id). Optional.
	FollowAppID string

	// The following apply only to NewFromKeys and NewFromCerts.

	// Sandbox selects Alipay's sandbox instead of production.
	Sandbox bool
	// BaseURL overrides the gateway URL (for example an alipaytest server's
	// URL()). Empty means Alipay's production or sandbox gateway.
	BaseURL string
	// HTTPClient is the HTTP client smartwalle uses. Default: a client with
	// a 30-second overall timeout (DefaultHTTPTimeout), so that a gateway
	// that never answers cannot hold a call forever when ctx has no deadline,
	// The client given is never changed: the Provider uses a copy whose
	// transport wraps the client's (bounded answers, see MaxAnswerBytes) and
	// which follows no redirect — the gateway never redirects, and a
	// redirect is refused (card.ErrUnavailable, Code REDIRECT_REFUSED)
	// before anything is sent, so the form body (biz_content, auth_token,
	// app_auth_token) never leaves the gateway's host.
	HTTPClient *http.Client

	// MaxAnswerBytes is the largest gateway answer read, in bytes; 0 means
	// DefaultMaxAnswerBytes (4 MiB). An answer's HTTP status is judged
	// before its body is read: a non-2xx answer is refused unread, and a
	// body over the limit is refused as soon as the limit is passed (an
	// endless answer costs at most the limit in memory). Both are
	// card.ErrUnavailable errors (Code BAD_HTTP_STATUS or ANSWER_TOO_LARGE),
	// with nothing decoded; for a call that changes something the outcome is
	// unknown (card.ErrOutcomeUnknown). Negative is refused. It applies to
	// every constructor: the limit sits in the transport of the client's
	// HTTP client (see New).
	MaxAnswerBytes int64

	// AllowProductionClient lets New accept a smartwalle client built with
	// production=true. Such a client downloads and trusts, unchecked, any
	// certificate an answer names, and keeps it as its default verifier:
	// once ANY code using the client (a trade call, or through As) has been
	// answered by an attacker, every later answer signed with the
	// attacker's key verifies, for the Provider too. The Provider's own
	// calls are guarded (see New), other users of the client are not. Leave
	// it false and build the client with production=false and
	// alipaysdk.WithSandboxGateway(alipay.ProductionGateway) instead.
	AllowProductionClient bool
}

// String formats the options for logs with AppAuthToken redacted; %v, %+v
// and %s use it.
func (o Options) String() string {
	type plain Options
	if o.AppAuthToken != "" {
		o.AppAuthToken = redacted
	}
	return fmt.Sprintf("%+v", plain(o))
}

// GoString is String for %#v.
func (o Options) GoString() string { return "alipay.Options" + o.String() }

// LogValue formats the options for log/slog with AppAuthToken redacted.
func (o Options) LogValue() slog.Value { return slog.StringValue(o.String()) }

// redacted stands in for a secret in printed values.
const redacted = "[redacted]"

// Provider is the Alipay member-card provider. It implements card.MemberCard
// and card.TemplateManager, and has a typed method for every method of the
// alipay.marketing.card family. It is safe for concurrent use.
type Provider struct {
	pipe         *driver.Pipeline
	client       *alipaysdk.Client
	appID        string
	policy       retry.Policy
	clock        func() time.Time
	appAuthToken string
	authorizeURL string
	callbackURL  string
	followAppID  string
	updates      *cardLocks // serializes Update per card (read-back binding)
}

var (
	_ card.MemberCard      = (*Provider)(nil)
	_ card.TemplateManager = (*Provider)(nil)
)

// DefaultHTTPTimeout is the overall timeout of the HTTP client NewFromKeys
// and NewFromCerts use when Options.HTTPClient is nil.
const DefaultHTTPTimeout = 30 * time.Second

// New returns a Provider that calls Alipay through an existing smartwalle
// client, which must already have the Alipay public key (or certificates)
// loaded so that responses are verified. opts may be nil. The default
// Options.AuthorizeURL is SandboxAuthorizeURL when the client's gateway is on
// alipaydev.com, else ProductionAuthorizeURL.
//
// Time zone: Alipay requires the timestamp parameter in Beijing time. When
// the client does not already stamp requests in UTC+8 (build it with
// alipaysdk.WithTimeLocation(card.Beijing()) to avoid this), New sets its
// time location, which writes to the client: call New before the client is
// in use by other goroutines.
//
// HTTP: New replaces the client's HTTP client (its exported Client field)
// by a guarded copy — the *http.Client itself is never changed: answers are
// bounded (Options.MaxAnswerBytes) and judged by their status before they
// are read, and no redirect is followed (REDIRECT_REFUSED), so a request
// never goes to another host. This writes to the smartwalle client (once:
// a client already guarded with the same limit is left alone), and
// protects every user of it.
//
// Security: a smartwalle client built with production=true downloads and
// trusts, without checking it against any root, whatever certificate the
// gateway's answer names in an unknown alipay_cert_sn — an answer signed by
// any key is then accepted, and the downloaded key becomes the client's
// default verifier. NewFromKeys and NewFromCerts never build such a client
// (they use production=false with the real gateway URL, so an unknown
// certificate serial is refused as UNKNOWN_SIGNING_CERT). Prefer
//
//	alipaysdk.New(appID, key, false, alipaysdk.WithSandboxGateway(alipay.ProductionGateway))
//
// for a client of your own. New refuses a production=true client (its
// Production method reports true) unless Options.AllowProductionClient is
// set: the Provider cannot guard other code that shares the client, and one
// forged answer to that code makes the client trust the forger's key for
// every later call. With AllowProductionClient the Provider guards each of
// its own calls: a second HTTP request made while a call is being
// verified (smartwalle's certificate download) is aborted before it is sent
// (the request context is cancelled and its connection closed, through an
// httptrace hook) and the answer is rejected as UNKNOWN_SIGNING_CERT. The
// guard relies on the client's transport honouring httptrace and the
// request context, as net/http's does.
func New(client *alipaysdk.Client, opts *Options) (*Provider, error) {
	if client == nil {
		return nil, driver.Wrap(Name, "New", card.KindInvalidArgument, driver.InvalidArgument("client", "is nil"))
	}
	if client.Production() && (opts == nil || !opts.AllowProductionClient) {
		return nil, driver.Wrap(Name, "New", card.KindInvalidArgument, driver.InvalidArgument("client",
			"is a production=true smartwalle client, which trusts any certificate an answer names; build it with "+
				"alipaysdk.New(appID, key, false, alipaysdk.WithSandboxGateway(alipay.ProductionGateway)) "+
				"(or use NewFromKeys / NewFromCerts), or set Options.AllowProductionClient to accept the risk"))
	}
	return newProvider(client, opts, nil)
}

// newProvider is New. sandbox chooses the default authorization page; nil
// means: the sandbox's when the client's gateway is on alipaydev.com.
func newProvider(client *alipaysdk.Client, opts *Options, sandbox *bool) (*Provider, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	max := o.MaxAnswerBytes
	switch {
	case max < 0:
		return nil, driver.Wrap(Name, "New", card.KindInvalidArgument, driver.InvalidArgument("Options.MaxAnswerBytes", "must not be negative"))
	case max == 0:
		max = DefaultMaxAnswerBytes
	}
	// A client already guarded with this limit is not written to again, so
	// that a second Provider may be built on a client in use.
	if g, ok := guarded(client.Client); !ok || g.max != max {
		client.Client = guardClient(client.Client, max)
	}
	probe := probeClient(client)
	if !probe.beijing {
		alipaysdk.WithTimeLocation(card.Beijing())(client)
	}
	if sandbox == nil {
		sandbox = &probe.sandbox
	}
	p := &Provider{
		client:       client,
		policy:       o.Retry,
		clock:        o.Clock,
		appAuthToken: o.AppAuthToken,
		authorizeURL: o.AuthorizeURL,
		callbackURL:  o.ClaimCallbackURL,
		followAppID:  o.FollowAppID,
		updates:      new(cardLocks),
	}
	if p.policy == (retry.Policy{}) {
		p.policy = retry.Default()
	}
	if p.clock == nil {
		p.clock = time.Now
	}
	if p.authorizeURL == "" {
		p.authorizeURL = ProductionAuthorizeURL
		if *sandbox {
			p.authorizeURL = SandboxAuthorizeURL
		}
	}
	// smartwalle keeps the app id unexported; its authorize-URL builder is
	// the one place that exposes it without signing anything.
	if u, err := client.PublicAppAuthorize(nil, "", ""); err == nil {
		p.appID = u.Query().Get("app_id")
	}
	// app_auth_token is documented as at most 40 characters; the message
	// never quotes it.
	ck := checker{}
	ck.optional("Options.AppAuthToken", p.appAuthToken, walletrules.AlipayMaxAuthTokenRunes)
	if err := ck.err(); err != nil {
		return nil, driver.Wrap(Name, "New", card.KindInvalidArgument, err)
	}
	if p.callbackURL != "" {
		if err := checkCallbackURL("Options.ClaimCallbackURL", p.callbackURL); err != nil {
			return nil, driver.Wrap(Name, "New", card.KindInvalidArgument, err)
		}
	}
	p.pipe = driver.NewPipeline(Name, cardDriver{p}, &driver.Options{
		Rules: walletrules.Alipay(), Retry: p.policy, Logger: o.Logger, Hook: o.Hook, Clock: p.clock,
	})
	return p, nil
}

// NewFromKeys builds a smartwalle client in public-key mode from the app id,
// the app's RSA private key (PKCS#1 or PKCS#8, PEM or bare base64) and
// Alipay's public key, and returns a Provider on it. opts may be nil;
// Options.Sandbox, Gateway and HTTPClient choose where it connects.
func NewFromKeys(appID, privateKey, alipayPublicKey string, opts *Options) (*Provider, error) {
	const op = "NewFromKeys"
	c, err := newClient(appID, privateKey, opts)
	if err != nil {
		return nil, driver.Wrap(Name, op, card.KindInvalidArgument, err)
	}
	if alipayPublicKey == "" {
		return nil, driver.Wrap(Name, op, card.KindInvalidArgument, driver.InvalidArgument("alipayPublicKey", "is required"))
	}
	if err := c.LoadAliPayPublicKey(alipayPublicKey); err != nil {
		return nil, driver.Wrap(Name, op, card.KindInvalidArgument, driver.InvalidArgument("alipayPublicKey", "cannot be parsed as an RSA public key"))
	}
	sandbox := opts != nil && opts.Sandbox
	return newProvider(c, opts, &sandbox)
}

// NewFromCerts builds a smartwalle client in certificate mode (公钥证书模式):
// the app's private key, the app's public-key certificate (appCertPublicKey…crt),
// Alipay's root certificate bundle (alipayRootCert.crt) and Alipay's public-key
// certificate (alipayCertPublicKey_RSA2.crt), all as PEM text, loaded with
// smartwalle's LoadAppCertPublicKey, LoadAliPayRootCert and
// LoadAlipayCertPublicKey. opts may be nil.
//
// Only alipayCert verifies answers: an answer naming any other
// alipay_cert_sn is rejected as UNKNOWN_SIGNING_CERT (nothing is downloaded;
// see New). When Alipay rotates its certificate, download the new
// alipayCertPublicKey_RSA2.crt from the open platform and build the
// Provider again.
func NewFromCerts(appID, privateKey, appCert, alipayRootCert, alipayCert string, opts *Options) (*Provider, error) {
	const op = "NewFromCerts"
	c, err := newClient(appID, privateKey, opts)
	if err != nil {
		return nil, driver.Wrap(Name, op, card.KindInvalidArgument, err)
	}
	if err := c.LoadAppCertPublicKey(appCert); err != nil {
		return nil, driver.Wrap(Name, op, card.KindInvalidArgument, driver.InvalidArgument("appCert", "cannot be parsed as a certificate"))
	}
	if alipayRootCert == "" {
		return nil, driver.Wrap(Name, op, card.KindInvalidArgument, driver.InvalidArgument("alipayRootCert", "is required"))
	}
	if err := c.LoadAliPayRootCert(alipayRootCert); err != nil {
		return nil, driver.Wrap(Name, op, card.KindInvalidArgument, driver.InvalidArgument("alipayRootCert", "cannot be parsed"))
	}
	if err := c.LoadAlipayCertPublicKey(alipayCert); err != nil {
		return nil, driver.Wrap(Name, op, card.KindInvalidArgument, driver.InvalidArgument("alipayCert", "cannot be parsed as a certificate"))
	}
	sandbox := opts != nil && opts.Sandbox
	return newProvider(c, opts, &sandbox)
}

// clientProbe is what probeClient learns of a smartwalle client.
type clientProbe struct {
	beijing bool // the timestamp parameter is in UTC+8
	sandbox bool // the gateway is Alipay's sandbox (alipaydev.com)
}

// probeClient builds (and signs) a throw-away request URL with client and
// reads the gateway and the timestamp back; nothing is sent.
func probeClient(client *alipaysdk.Client) clientProbe {
	before := time.Now()
	u, err := client.BuildURL(alipaysdk.NewPayload("alipay.walletcard.probe"))
	after := time.Now()
	if err != nil {
		return clientProbe{}
	}
	ts, err := time.ParseInLocation("2006-01-02 15:04:05", u.Query().Get("timestamp"), card.Beijing())
	return clientProbe{
		beijing: err == nil && !ts.Before(before.Add(-2*time.Second)) && !ts.After(after.Add(2*time.Second)),
		sandbox: strings.HasSuffix(u.Hostname(), "alipaydev.com"),
	}
}

func newClient(appID, privateKey string, opts *Options) (*alipaysdk.Client, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if appID == "" {
		return nil, driver.InvalidArgument("appID", "is required")
	}
	if len(appID) > 32 {
		return nil, driver.InvalidArgument("appID", "is %d bytes, the limit is 32", len(appID))
	}
	if privateKey == "" {
		return nil, driver.InvalidArgument("privateKey", "is required")
	}
	gateway := o.BaseURL
	if gateway == "" {
		gateway = ProductionGateway
		if o.Sandbox {
			gateway = SandboxGateway
		}
	}
	// newProvider guards the client: bounded answers, no redirect.
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	// Always production=false, whatever the gateway: in production mode
	// smartwalle downloads and trusts, unchecked, any certificate an answer
	// names (see New). The gateway URL alone decides where calls go.
	sdkOpts := []alipaysdk.OptionFunc{
		alipaysdk.WithTimeLocation(card.Beijing()),
		alipaysdk.WithHTTPClient(hc),
		alipaysdk.WithSandboxGateway(gateway),
	}
	c, err := alipaysdk.New(appID, privateKey, false, sdkOpts...)
	if err != nil {
		// The SDK's message never contains the key, but say nothing of it anyway.
		return nil, driver.InvalidArgument("privateKey", "cannot be parsed as an RSA private key (PKCS#1 or PKCS#8)")
	}
	return c, nil
}

// Name returns "alipay".
func (p *Provider) Name() string { return Name }

// AppID returns the Alipay app id the provider signs requests for.
func (p *Provider) AppID() string { return p.appID }

// As fills target when it is a **alipaysdk.Client (the native smartwalle
// client) or a **Provider, and reports whether it did. As(nil) is false.
func (p *Provider) As(target any) bool {
	switch t := target.(type) {
	case **alipaysdk.Client:
		if t == nil {
			return false
		}
		*t = p.client
		return true
	case **Provider:
		if t == nil {
			return false
		}
		*t = p
		return true
	}
	return false
}

// call describes one gateway call.
type call struct {
	method string // Alipay method name, also the Op of errors
	// biz is the biz_content object (a value with JSON tags); nil sends none.
	biz any
	// params are further top-level parameters as name, value pairs; empty
	// values are not sent.
	params []string
	// authToken is the user's auth_token parameter. A call that carries one
	// explains, on an authentication failure, where a valid token comes from.
	authToken string
	// scope is the OAuth scope the auth_token needs (for the error hint);
	// empty means auth_ecard.
	scope string
	// file is a multipart file part (image upload).
	file *filePart
	// secrets are values (tokens, codes) to scrub from anything the gateway
	// echoes; authToken and the app auth token are added by do.
	secrets []string
	// retry allows retrying unavailable errors: the call is keyed, or
	// sending it twice has no observable effect.
	retry bool
	// keyParam and key are the call's idempotency key (e.g. out_serial_no),
	// put on every error the call returns (KeyError) so that the caller can
	// retry with the same key.
	keyParam, key string
	// doneIfRepeated are sub_codes that, on a retry after an attempt whose
	// outcome was unknown (outcomeUnknown: transport failure, lost answer),
	// mean that attempt applied the call: the call then succeeds with an
	// empty response. After a signed answer (e.g. 20000) they are errors.
	doneIfRepeated []string
	// lost, when set, receives whether some attempt's outcome was unknown
	// (outcomeUnknown).
	lost *bool
	// noCode marks methods whose success node has no code (oauth.token).
	noCode bool
	// read marks calls that change nothing (queries): their failures never
	// leave an outcome unknown.
	read bool
	// once sends the call one time: the neutral pipeline, not the wire
	// layer, retries neutral calls.
	once bool
	// bind checks that a success answer belongs to this request (see
	// CodeForgedAnswer); nil when the answer echoes nothing to compare.
	bind binder
}

// filePart is a file sent as a multipart part.
type filePart struct {
	param, filename string
	content         []byte
}

// tokenCall reports whether c carries the user's auth_token.
func (c call) tokenCall() bool { return c.authToken != "" }

// builder encodes c.biz once and returns a function that makes a fresh
// payload for each attempt.
func (c call) builder(appAuthToken string) (func() *alipaysdk.Payload, error) {
	var fields map[string]json.RawMessage
	if c.biz != nil {
		b, err := json.Marshal(c.biz)
		if err == nil {
			err = json.Unmarshal(b, &fields)
		}
		if err != nil {
			return nil, driver.InvalidArgument("", "cannot encode the request: %v", err)
		}
	}
	return func() *alipaysdk.Payload {
		pl := alipaysdk.NewPayload(c.method)
		pl.Encrypt = false
		for i := 0; i+1 < len(c.params); i += 2 {
			if c.params[i+1] != "" {
				pl.AddParam(c.params[i], c.params[i+1])
			}
		}
		if c.authToken != "" {
			pl.AddParam("auth_token", c.authToken)
		}
		if appAuthToken != "" {
			pl.AddParam("app_auth_token", appAuthToken)
		}
		for k, f := range fields {
			pl.AddBizField(k, f)
		}
		if f := c.file; f != nil {
			pl.AddObject(f.param, f.filename, bytes.NewReader(f.content))
		}
		return pl
	}, nil
}

// validatable is a request with documented rules.
type validatable interface{ Validate() error }

// invoke is every typed method: it validates req (nothing is sent when that
// fails), sends c with retries and decodes the verified response node into a
// Resp. Methods cannot have type parameters, hence a function.
func invoke[Resp any](ctx context.Context, p *Provider, req validatable, c call) (*Resp, error) {
	if err := req.Validate(); err != nil {
		return nil, driver.Wrap(Name, c.method, card.KindInvalidArgument, err)
	}
	return send[Resp](ctx, p, c)
}

// send is invoke without the validation: the neutral driver's requests
// were checked by the pipeline.
func send[Resp any](ctx context.Context, p *Provider, c call) (*Resp, error) {
	var out Resp
	if err := p.do(ctx, c, &out); err != nil {
		if codeOf(err) == CodePartialResponse {
			return &out, err
		}
		return nil, err
	}
	return &out, nil
}

// do sends c (with retries) and decodes the verified node into out.
//
// Context errors follow card.WrapContext: when ctx itself has ended, the
// bare ctx.Err() is returned (no key, no provider); a client timeout while
// ctx is live is an unavailable *card.Error, retried like any other and
// carrying the call's key.
func (p *Provider) do(ctx context.Context, c call, out any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	build, err := c.builder(p.appAuthToken)
	if err != nil {
		return driver.Wrap(Name, c.method, card.KindInvalidArgument, err)
	}
	c.secrets = p.allSecrets(c)
	var raw json.RawMessage
	n := 0
	lost := false // an earlier attempt's outcome is unknown
	attempt := func(actx context.Context) error {
		n++
		lostBefore := lost
		raw = raw[:0]
		gctx, blocked, done := guardDownloads(actx)
		err := p.client.Request(gctx, build(), &raw)
		done()
		if blocked() {
			return errForeignCert(c)
		}
		if err != nil {
			err = p.requestError(ctx, c, err)
			lost = lost || outcomeUnknown(err)
			return err
		}
		err = decodeResponse(c, raw, out)
		if lostBefore && err != nil && slices.Contains(c.doneIfRepeated, codeOf(err)) {
			return nil
		}
		lost = lost || outcomeUnknown(err)
		return err
	}
	policy := p.policy
	if !c.retry || c.once {
		policy = retry.Policy{Attempts: 1}
	}
	err = retry.Do(ctx, policy, isUnavailable, attempt)
	if c.lost != nil {
		*c.lost = lost
	}
	if err != nil {
		return withKey(outcome(wrapErr(ctx, c.method, err), c, lost), c)
	}
	return nil
}

// outcome marks the error of a call that changes something and whose
// attempt(s) may have been carried out (an answer was lost): the outcome is
// unknown (card.ErrOutcomeUnknown), and a call that is not safe to repeat
// as it was is not reported as retryable.
func outcome(err error, c call, lost bool) error {
	ce, ok := err.(*card.Error)
	if !ok || !lost || c.read {
		return err
	}
	cp := *ce
	cp.OutcomeUnknown = true
	if !c.retry && cp.Kind == card.KindUnavailable {
		cp.Kind = card.KindUnknown
		cp.Message += "; the call may have been applied and is not safe to send again as it was: check its effect first"
	}
	return &cp
}

// outcomeUnknown reports whether err leaves open whether the gateway applied
// the call: an unavailable error that is not the gateway's own signed answer
// (a transport failure, a lost, refused or unreadable answer), an unsigned
// answer of any kind (anyone on the path can write one in place of the
// gateway's) and a signed answer that is not the answer to this request
// (CodeForgedAnswer). A signed 20000 is an answer: the call was not applied.
func outcomeUnknown(err error) bool {
	if err == nil {
		return false
	}
	var ce *card.Error
	if errors.As(err, &ce) && (ce.Code == CodeForgedAnswer || isUnsigned(ce)) {
		return true
	}
	var ae *alipaysdk.Error
	return isUnavailable(err) && !errors.As(err, &ae)
}

// wrapErr finishes an error of a call made with ctx by card.WrapContext: the
// bare ctx.Err() when ctx has ended and err is a context error; otherwise a
// *card.Error with provider and op set, even when a client timeout
// (context.DeadlineExceeded while ctx is live) is in its chain.
func wrapErr(ctx context.Context, op string, err error) error {
	return driver.WrapContext(ctx, Name, op, card.KindUnknown, err)
}

// KeyError is inside (errors.As) every *card.Error returned by a call sent
// with an idempotency key — out_serial_no of card.open and card.delete,
// request_id of template.create and template.modify, notify_no of
// message.notify, generated or the caller's — so that a caller whose call
// failed, perhaps after Alipay applied it, can send it again with the same
// key:
//
//	var ke *alipay.KeyError
//	if errors.As(err, &ke) { req.IdempotencyKey = ke.Key }
//
// A call whose context (ctx) ended returns the bare ctx.Err() instead, which
// carries no key: set your own key (OpenRequest.IdempotencyKey …) when you
// may need to repeat a canceled call. A client timeout while ctx is live is
// an unavailable *card.Error and does carry the KeyError.
//
// Alipay does not document what a repeated out_serial_no does; see Open.
type KeyError struct {
	// Param is the wire name of the key, e.g. "out_serial_no".
	Param string
	// Key is the value the call was sent with.
	Key string
	// Err is the failure: the whole *card.Error (kind, code, message and
	// cause), so card.KindOf(keyErr) is the call's kind.
	Err error

	// nested: e is the cause of a copy of Err (withKey), whose text already
	// shows Err's provider, op, kind and message; Error adds only Err's cause.
	nested bool
}

// Error describes the failure and the key.
func (e *KeyError) Error() string {
	suffix := e.Param + " " + e.Key
	if e.Err == nil {
		return suffix
	}
	if ce, ok := e.Err.(*card.Error); ok && e.nested {
		if ce.Err == nil {
			return "(" + suffix + ")"
		}
		return ce.Err.Error() + " (" + suffix + ")"
	}
	return e.Err.Error() + " (" + suffix + ")"
}

// Unwrap returns Err.
func (e *KeyError) Unwrap() error { return e.Err }

// codeOf returns the Code of the *card.Error in err, or "".
func codeOf(err error) string {
	var ce *card.Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	return ""
}

// withKey puts c's idempotency key on err (a *card.Error from Wrap; context
// errors stay bare).
func withKey(err error, c call) error {
	ce, ok := err.(*card.Error)
	if !ok || c.key == "" {
		return err
	}
	inner := *ce
	cp := *ce
	// KeyError.Err is the whole error; nested keeps the text as
	// "provider op: kind: message: cause (param key)", each part once.
	cp.Err = &KeyError{Param: c.keyParam, Key: c.key, Err: &inner, nested: true}
	return &cp
}

// guardDownloads returns a context for one smartwalle Request that lets no
// HTTP request start once the answer to the call has begun to arrive: the
// only such request smartwalle makes is the unchecked certificate download
// of a production client (see New). A blocked request has its context
// cancelled and its connection closed before anything is written. blocked
// reports whether that happened; done releases the context.
func guardDownloads(ctx context.Context) (gctx context.Context, blocked func() bool, done func()) {
	gctx, cancel := context.WithCancel(ctx)
	var answered, stopped atomic.Bool
	trace := &httptrace.ClientTrace{
		GotFirstResponseByte: func() { answered.Store(true) },
		GetConn: func(string) {
			if answered.Load() {
				stopped.Store(true)
				cancel()
			}
		},
		GotConn: func(info httptrace.GotConnInfo) {
			if stopped.Load() && info.Conn != nil {
				_ = info.Conn.Close()
			}
		},
	}
	return httptrace.WithClientTrace(gctx, trace), stopped.Load, cancel
}

// errForeignCert is the error of an answer whose certificate serial the
// client does not hold.
func errForeignCert(c call) error {
	return &card.Error{Kind: card.KindUnknown, Code: "UNKNOWN_SIGNING_CERT",
		Message: "the answer to " + c.method + " names a certificate (alipay_cert_sn) the client does not hold; it was not downloaded and the answer was rejected, the outcome is unknown"}
}

func isUnavailable(err error) bool { return card.KindOf(err) == card.KindUnavailable }

// allSecrets returns c.secrets plus the user's and the provider's tokens.
func (p *Provider) allSecrets(c call) []string {
	s := append([]string(nil), c.secrets...)
	for _, t := range [...]string{c.authToken, p.appAuthToken} {
		if t != "" {
			s = append(s, t)
		}
	}
	return s
}

// requestError turns an error from smartwalle's Request into a *card.Error.
//
// A context error is returned bare only when ctx (the caller's) has ended; a
// client timeout while ctx is live is a transport failure (unavailable).
func (p *Provider) requestError(ctx context.Context, c call, err error) error {
	if cerr := ctx.Err(); cerr != nil && driver.IsContextError(err) {
		return cerr
	}
	if ae, ok := asAnswerError(err); ok {
		// A non-2xx status, an answer over Options.MaxAnswerBytes or a
		// refused redirect: nothing was decoded.
		return ae.cardError()
	}
	var ae *alipaysdk.Error
	if errors.As(err, &ae) {
		// smartwalle returns *Error for error_response and for a method node
		// that came without a signature: anyone on the path can write one,
		// so it never decides a business outcome (unsignedError).
		return unsignedError(c, ae)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// Transport failure. url.Error names only the gateway URL (parameters
		// travel in the POST body), but keep just the cause.
		return &card.Error{Kind: card.KindUnavailable, Message: "cannot reach the Alipay gateway", Err: redactErr(ue.Err, c.secrets)}
	}
	if driver.IsContextError(err) {
		// A timeout of the client's own making while ctx is live.
		return &card.Error{Kind: card.KindUnavailable, Message: "the Alipay gateway did not answer in time", Err: err}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) || errors.Is(err, alipaysdk.ErrBadResponse) {
		return &card.Error{Kind: card.KindUnavailable, Message: "the gateway's response is not an Alipay response", Err: err}
	}
	if errors.Is(err, alipaysdk.ErrAliPublicKeyNotFound) {
		return &card.Error{Kind: card.KindUnknown, Code: "UNKNOWN_SIGNING_CERT",
			Message: "the response is signed with a certificate whose Alipay public key is not loaded; response rejected", Err: err}
	}
	if isSignatureError(err) {
		return &card.Error{Kind: card.KindUnknown, Code: "INVALID_SIGNATURE",
			Message: "the response signature does not verify with Alipay's public key; response rejected, the outcome is unknown", Err: err}
	}
	return &card.Error{Kind: card.KindUnknown, Message: "request failed", Err: redactErr(err, c.secrets)}
}
