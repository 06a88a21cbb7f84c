package alipay

import (
	"net/url"
	"strings"
	"unicode/utf8"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
)

// ScopeECard is the OAuth scope that lets a token open member cards.
const ScopeECard = "auth_ecard"

// Other OAuth scopes that may be asked for together with auth_ecard.
const (
	ScopeBase = "auth_base" // the user id only
	ScopeUser = "auth_user" // user info (alipay.user.info.share)
)

// AuthorizeRequest describes the user authorization page.
type AuthorizeRequest struct {
	// RedirectURI is where Alipay sends the user back with auth_code. Required.
	RedirectURI string
	// State is echoed back to RedirectURI; use it against CSRF (≤ 100). Optional.
	State string
	// Scopes are asked for in addition to auth_ecard, which is always included.
	Scopes []string
}

// Validate checks the request.
func (r AuthorizeRequest) Validate() error {
	ck := checker{}
	ck.required("RedirectURI", r.RedirectURI, 1024)
	if !ck.Failed() {
		u, err := url.Parse(r.RedirectURI)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			ck.fail("RedirectURI", "must be an absolute http or https URL")
		}
	}
	ck.optional("State", r.State, 100)
	for _, s := range r.Scopes {
		if s == "" || strings.ContainsAny(s, ", &=?#") || len(s) > 64 {
			ck.fail("Scopes", "each scope must be a plain name such as auth_user")
			break
		}
	}
	return ck.err()
}

// AuthorizeURL returns the URL of Alipay's user authorization page
// (publicAppAuthorize.htm, or Options.AuthorizeURL) for this app. The scope
// always includes auth_ecard, which card.open needs, followed by any
// requested extra scopes. After consent Alipay redirects the user to
// RedirectURI?auth_code=…&state=…; pass the code to ExchangeCode.
func (p *Provider) AuthorizeURL(req AuthorizeRequest) (string, error) {
	const op = "AuthorizeURL"
	if err := req.Validate(); err != nil {
		return "", driver.Wrap(Name, op, card.KindInvalidArgument, err)
	}
	scopes := []string{ScopeECard}
	for _, s := range req.Scopes {
		dup := false
		for _, have := range scopes {
			dup = dup || have == s
		}
		if !dup {
			scopes = append(scopes, s)
		}
	}
	u, err := url.Parse(p.authorizeURL)
	if err != nil || u.Host == "" {
		return "", driver.Wrap(Name, op, card.KindInvalidArgument, driver.InvalidArgument("Options.AuthorizeURL", "is not an absolute URL"))
	}
	q := u.Query()
	q.Set("app_id", p.appID)
	q.Set("scope", strings.Join(scopes, ","))
	q.Set("redirect_uri", req.RedirectURI)
	if req.State != "" {
		q.Set("state", req.State)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// ActivationCallback is what Alipay appends to the activateurl.apply callback
// (and to an OAuth redirect) when it sends the user back. It is not signed:
// treat it as a claim until ExchangeCode and ActivateFormQuery confirm it.
type ActivationCallback struct {
	// AppID is the app the user authorized.
	AppID string
	// AuthCode is the single-use code for ExchangeCode. Never log it.
	AuthCode string
	// TemplateID is the template of the form, when Alipay sends it (the web
	// activation form documents only auth_code and request_id: then it is
	// empty and the merchant supplies the template id it built the link for).
	TemplateID string
	// RequestID identifies the submitted form for ActivateFormQuery
	// (activation callbacks only).
	RequestID string
	// Scopes are the granted scopes.
	Scopes []string
	// State is the state given to AuthorizeURL, if any.
	State string
	// OutString is activateurl.apply's out_string, if any.
	OutString string
	// Source is Alipay's source marker, if any.
	Source string
}

// HasScope reports whether s was granted.
func (c *ActivationCallback) HasScope(s string) bool {
	for _, x := range c.Scopes {
		if x == s {
			return true
		}
	}
	return false
}

// String describes the callback without its auth code.
func (c ActivationCallback) String() string {
	return "alipay.ActivationCallback{AppID:" + c.AppID + " TemplateID:" + c.TemplateID +
		" RequestID:" + c.RequestID + " Scopes:" + strings.Join(c.Scopes, ",") + "}"
}

// GoString is String, so %#v does not print the auth code either.
func (c ActivationCallback) GoString() string { return c.String() }

// ParseActivationCallback parses the query of the activation-form callback
// (template_id, request_id, auth_code, app_id, scope, state, out_string) or of
// an OAuth redirect (auth_code, app_id, scope, state). It is untrusted input:
// every value must be valid UTF-8 without control characters and within its
// length limit, auth_code is required, and template_id needs request_id.
// request_id without template_id is accepted: the web activation form's
// callback is documented as auth_code and request_id only, and the merchant
// supplies the template id (the one it built the ClaimLink for) to
// ActivateFormQuery. Errors are card.ErrInvalidArgument whose Field names
// the missing or bad wire parameter.
func ParseActivationCallback(q url.Values) (*ActivationCallback, error) {
	const op = "ParseActivationCallback"
	ck := checker{}
	get := func(name string, max int, required bool) string {
		vs := q[name]
		if len(vs) > 1 {
			ck.fail(name, "is repeated")
			return ""
		}
		v := ""
		if len(vs) == 1 {
			v = vs[0]
		}
		if required && v == "" {
			ck.fail(name, "is required")
			return ""
		}
		if len(v) > max {
			ck.fail(name, "is %d bytes, the limit is %d", len(v), max)
			return ""
		}
		if !utf8.ValidString(v) || strings.IndexFunc(v, isControl) >= 0 {
			ck.fail(name, "holds invalid characters")
			return ""
		}
		return v
	}
	cb := &ActivationCallback{
		AuthCode:   get("auth_code", 128, true),
		AppID:      get("app_id", 32, false),
		TemplateID: get("template_id", 64, false),
		RequestID:  get("request_id", 128, false),
		State:      get("state", 256, false),
		OutString:  get("out_string", 256, false),
		Source:     get("source", 64, false),
	}
	scope := get("scope", 512, false)
	// The web form's callback is documented with auth_code and request_id
	// only (the merchant knows the template); template_id alone means
	// request_id is missing.
	if !ck.Failed() && cb.TemplateID != "" && cb.RequestID == "" {
		ck.fail("request_id", "is required with template_id (the activation form's submission id)")
	}
	for _, s := range strings.Split(scope, ",") {
		if s = strings.TrimSpace(s); s != "" {
			cb.Scopes = append(cb.Scopes, s)
		}
	}
	if err := ck.err(); err != nil {
		return nil, driver.Wrap(Name, op, card.KindInvalidArgument, err)
	}
	return cb, nil
}

// ParseActivationCallbackURL is ParseActivationCallback for a full URL or a
// raw query string.
func ParseActivationCallbackURL(raw string) (*ActivationCallback, error) {
	const op = "ParseActivationCallback"
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[i+1:]
	}
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	if len(raw) > 8192 {
		return nil, driver.Wrap(Name, op, card.KindInvalidArgument, driver.InvalidArgument("query", "is %d bytes, the limit is 8192", len(raw)))
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, driver.Wrap(Name, op, card.KindInvalidArgument, driver.InvalidArgument("query", "is not a valid query string"))
	}
	return ParseActivationCallback(q)
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// CheckCallback checks that a parsed callback is for this provider's app and,
// when want is not empty, that its state matches (constant-time compare is
// not needed: state is not a secret, it only binds the redirect to a session).
func (p *Provider) CheckCallback(cb *ActivationCallback, wantState string) error {
	const op = "CheckCallback"
	switch {
	case cb == nil:
		return driver.Wrap(Name, op, card.KindInvalidArgument, driver.InvalidArgument("callback", "is nil"))
	case cb.AppID != "" && p.appID != "" && cb.AppID != p.appID:
		return driver.Wrap(Name, op, card.KindInvalidArgument, driver.InvalidArgument("app_id", "is not this provider's app"))
	case wantState != "" && cb.State != wantState:
		return driver.Wrap(Name, op, card.KindInvalidArgument, driver.InvalidArgument("state", "does not match the state of this session"))
	}
	return nil
}
