package alipay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	alipaysdk "github.com/smartwalle/alipay/v3"
	card "github.com/walletcard/card"
	"github.com/walletcard/card/internal/retry"
)

// Name is the provider name, the value of card.Ref.Provider for Alipay cards.
const Name = card.Alipay

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

	// Clock returns the current time for occur_time and open_date. Default time.Now.
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
	// Gateway overrides the gateway URL (for example an alipaytest server's
	// URL). Empty means Alipay's production or sandbox gateway.
	Gateway string
	// HTTPClient is the HTTP client smartwalle uses. Default http.DefaultClient.
	HTTPClient *http.Client
}

// Provider is the Alipay member-card provider. It implements card.MemberCard
// and card.TemplateManager, and has a typed method for every method of the
// alipay.marketing.card family. It is safe for concurrent use.
type Provider struct {
	client       *alipaysdk.Client
	appID        string
	policy       retry.Policy
	clock        func() time.Time
	appAuthToken string
	authorizeURL string
	callbackURL  string
	followAppID  string
}

var (
	_ card.MemberCard      = (*Provider)(nil)
	_ card.TemplateManager = (*Provider)(nil)
)

// New returns a Provider that calls Alipay through an existing smartwalle
// client, which must already have the Alipay public key (or certificates)
// loaded so that responses are verified. New sets the client's time location
// to Beijing time (card.Beijing()), as Alipay requires for the timestamp
// parameter. opts may be nil.
func New(client *alipaysdk.Client, opts *Options) (*Provider, error) {
	if client == nil {
		return nil, card.Wrap(Name, "New", card.KindInvalidArgument, card.InvalidArgument("client", "is nil"))
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	alipaysdk.WithTimeLocation(card.Beijing())(client)
	p := &Provider{
		client:       client,
		policy:       o.Retry,
		clock:        o.Clock,
		appAuthToken: o.AppAuthToken,
		authorizeURL: o.AuthorizeURL,
		callbackURL:  o.ClaimCallbackURL,
		followAppID:  o.FollowAppID,
	}
	if p.policy == (retry.Policy{}) {
		p.policy = retry.Default()
	}
	if p.clock == nil {
		p.clock = time.Now
	}
	if p.authorizeURL == "" {
		p.authorizeURL = ProductionAuthorizeURL
		if !client.Production() {
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
	ck.optional("Options.AppAuthToken", p.appAuthToken, maxAuthTokenLen)
	if err := ck.err(); err != nil {
		return nil, card.Wrap(Name, "New", card.KindInvalidArgument, err)
	}
	if p.callbackURL != "" {
		if err := checkCallbackURL("Options.ClaimCallbackURL", p.callbackURL); err != nil {
			return nil, card.Wrap(Name, "New", card.KindInvalidArgument, err)
		}
	}
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
		return nil, card.Wrap(Name, op, card.KindInvalidArgument, err)
	}
	if alipayPublicKey == "" {
		return nil, card.Wrap(Name, op, card.KindInvalidArgument, card.InvalidArgument("alipayPublicKey", "is required"))
	}
	if err := c.LoadAliPayPublicKey(alipayPublicKey); err != nil {
		return nil, card.Wrap(Name, op, card.KindInvalidArgument, card.InvalidArgument("alipayPublicKey", "cannot be parsed as an RSA public key"))
	}
	return New(c, opts)
}

// NewFromCerts builds a smartwalle client in certificate mode (公钥证书模式):
// the app's private key, the app's public-key certificate (appCertPublicKey…crt),
// Alipay's root certificate bundle (alipayRootCert.crt) and Alipay's public-key
// certificate (alipayCertPublicKey_RSA2.crt), all as PEM text, loaded with
// smartwalle's LoadAppCertPublicKey, LoadAliPayRootCert and
// LoadAlipayCertPublicKey. opts may be nil.
func NewFromCerts(appID, privateKey, appCert, alipayRootCert, alipayCert string, opts *Options) (*Provider, error) {
	const op = "NewFromCerts"
	c, err := newClient(appID, privateKey, opts)
	if err != nil {
		return nil, card.Wrap(Name, op, card.KindInvalidArgument, err)
	}
	if err := c.LoadAppCertPublicKey(appCert); err != nil {
		return nil, card.Wrap(Name, op, card.KindInvalidArgument, card.InvalidArgument("appCert", "cannot be parsed as a certificate"))
	}
	if alipayRootCert == "" {
		return nil, card.Wrap(Name, op, card.KindInvalidArgument, card.InvalidArgument("alipayRootCert", "is required"))
	}
	if err := c.LoadAliPayRootCert(alipayRootCert); err != nil {
		return nil, card.Wrap(Name, op, card.KindInvalidArgument, card.InvalidArgument("alipayRootCert", "cannot be parsed"))
	}
	if err := c.LoadAlipayCertPublicKey(alipayCert); err != nil {
		return nil, card.Wrap(Name, op, card.KindInvalidArgument, card.InvalidArgument("alipayCert", "cannot be parsed as a certificate"))
	}
	return New(c, opts)
}

func newClient(appID, privateKey string, opts *Options) (*alipaysdk.Client, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if appID == "" {
		return nil, card.InvalidArgument("appID", "is required")
	}
	if len(appID) > 32 {
		return nil, card.InvalidArgument("appID", "is %d bytes, the limit is 32", len(appID))
	}
	if privateKey == "" {
		return nil, card.InvalidArgument("privateKey", "is required")
	}
	sdkOpts := []alipaysdk.OptionFunc{alipaysdk.WithTimeLocation(card.Beijing())}
	if o.HTTPClient != nil {
		sdkOpts = append(sdkOpts, alipaysdk.WithHTTPClient(o.HTTPClient))
	}
	if o.Gateway != "" {
		if o.Sandbox {
			sdkOpts = append(sdkOpts, alipaysdk.WithSandboxGateway(o.Gateway))
		} else {
			sdkOpts = append(sdkOpts, alipaysdk.WithProductionGateway(o.Gateway))
		}
	}
	c, err := alipaysdk.New(appID, privateKey, !o.Sandbox, sdkOpts...)
	if err != nil {
		// The SDK's message never contains the key, but say nothing of it anyway.
		return nil, card.InvalidArgument("privateKey", "cannot be parsed as an RSA private key (PKCS#1 or PKCS#8)")
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
	// file is a multipart file part (image upload).
	file *filePart
	// secrets are values (tokens, codes) to scrub from anything the gateway
	// echoes; authToken and the app auth token are added by do.
	secrets []string
	// retry allows retrying unavailable errors (the call is keyed or idempotent).
	retry bool
	// noCode marks methods whose success node has no code (oauth.token).
	noCode bool
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
			return nil, card.InvalidArgument("", "cannot encode the request: %v", err)
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
		return nil, card.Wrap(Name, c.method, card.KindInvalidArgument, err)
	}
	var out Resp
	if err := p.do(ctx, c, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// do sends c (with retries) and decodes the verified node into out.
func (p *Provider) do(ctx context.Context, c call, out any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	build, err := c.builder(p.appAuthToken)
	if err != nil {
		return card.Wrap(Name, c.method, card.KindInvalidArgument, err)
	}
	c.secrets = p.allSecrets(c)
	var raw json.RawMessage
	attempt := func(ctx context.Context) error {
		raw = raw[:0]
		if err := p.client.Request(ctx, build(), &raw); err != nil {
			return p.requestError(c, err)
		}
		return decodeResponse(c, raw, out)
	}
	policy := p.policy
	if !c.retry {
		policy = retry.Policy{Attempts: 1}
	}
	if err := retry.Do(ctx, policy, isUnavailable, attempt); err != nil {
		return card.Wrap(Name, c.method, card.KindUnknown, err)
	}
	return nil
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
func (p *Provider) requestError(c call, err error) error {
	if card.IsContextError(err) {
		return err
	}
	var ae *alipaysdk.Error
	if errors.As(err, &ae) {
		// smartwalle returns *Error for error_response and for a method node
		// that came without a signature. Only gateway-level codes may come
		// unsigned; a success or business result without a signature is forged
		// or broken, and never accepted.
		switch ae.Code {
		case alipaysdk.CodeUnknowError, alipaysdk.CodeInvalidAuthToken, alipaysdk.CodeMissingParam,
			alipaysdk.CodeInvalidParam, alipaysdk.CodeInsufficientConditions, alipaysdk.CodeCallLimited,
			alipaysdk.CodePermissionDenied:
			return gatewayError(c, string(ae.Code), ae.Msg, ae.SubCode, ae.SubMsg)
		}
		return &card.Error{Kind: card.KindUnknown, Code: "UNSIGNED_RESPONSE",
			Message: "the gateway's response carried no signature and was rejected; the outcome is unknown"}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// Transport failure. url.Error names only the gateway URL (parameters
		// travel in the POST body), but keep just the cause.
		return &card.Error{Kind: card.KindUnavailable, Message: "cannot reach the Alipay gateway", Err: redactErr(ue.Err, c.secrets)}
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
