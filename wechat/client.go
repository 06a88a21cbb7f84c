package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"

	"github.com/silenceper/wechat/v2/cache"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/internal/retry"
)

// validatable is a typed request: Validate checks every documented limit
// before anything is sent.
type validatable interface{ Validate() error }

// invoke is the body of every typed POST method: it validates req (a failure
// is a KindInvalidArgument *card.Error for op and nothing is sent), POSTs req
// to path through postJSON and decodes the answer into a new Resp. A Resp
// without fields (struct{} or an empty response type) just checks the
// answer's errcode.
func invoke[Resp any](ctx context.Context, p *Provider, op, path string, req validatable) (*Resp, error) {
	if err := req.Validate(); err != nil {
		return nil, p.invalid(op, err)
	}
	var out Resp
	if err := p.postJSON(ctx, op, path, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// invokeGet is invoke for the GET endpoints whose request has no parameters
// besides the access token (getcolors, getapplyprotocol).
func invokeGet[Resp any](ctx context.Context, p *Provider, op, path string, req validatable) (*Resp, error) {
	if err := req.Validate(); err != nil {
		return nil, p.invalid(op, err)
	}
	var out Resp
	if err := p.getJSON(ctx, op, path, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// busySafePaths are the API paths whose calls may be sent again after
// errcode -1 (system busy): WeChat may have carried a call out before
// answering -1, so only reads and writes that are idempotent by construction
// (absolute values, set-to-state operations) are resent. Everything else
// (create, consume, deposit, modifystock, activate, QR code and landing-page
// creation, code/update …) is sent once and its -1 is returned to the caller
// with a message saying the call may have been applied. A request type whose
// safety depends on its fields implements busyRetrier instead.
var busySafePaths = map[string]bool{
	// reads
	"/cgi-bin/ticket/getticket":             true,
	"/card/getcolors":                       true,
	"/card/getapplyprotocol":                true,
	"/card/get":                             true,
	"/card/batchget":                        true,
	"/card/user/getcardlist":                true,
	"/card/mpnews/gethtml":                  true,
	"/card/code/getdepositcount":            true,
	"/card/code/checkcode":                  true,
	"/card/code/get":                        true,
	"/card/code/decrypt":                    true,
	"/card/membercard/userinfo/get":         true,
	"/card/membercard/activatetempinfo/get": true,
	"/card/membercard/activate/geturl":      true,
	"/card/paygiftcard/getbyid":             true,
	"/card/paygiftcard/batchget":            true,
	"/card/submerchant/get":                 true,
	"/card/submerchant/batchget":            true,
	"/datacube/getcardbizuininfo":           true,
	"/datacube/getcardcardinfo":             true,
	"/datacube/getcardmembercardinfo":       true,
	"/datacube/getcardmembercarddetail":     true,
	// writes that set a state: sending them twice leaves the same state
	"/card/update":                          true,
	"/card/paycell/set":                     true,
	"/card/selfconsumecell/set":             true,
	"/card/testwhitelist/set":               true,
	"/card/membercard/activateuserform/set": true,
	"/card/code/mark":                       true,
}

// busyRetrier is implemented by request types whose safety to resend after
// errcode -1 depends on their fields (updateuser with absolute values is
// safe, with add_* deltas it is not).
type busyRetrier interface{ busyRetrySafe() bool }

// retriesBusy reports whether a call of path with request in is resent after errcode -1.
func retriesBusy(path string, in any) bool {
	if r, ok := in.(busyRetrier); ok {
		return r.busyRetrySafe()
	}
	return busySafePaths[path]
}

// postJSON sends in (JSON, HTML not escaped; nil sends {}) to
// BaseURL+path?access_token=TOKEN and decodes the body into out (out may be
// nil). It refreshes the token once on 40001/40014/42001, retries errcode -1
// with backoff honouring ctx when the call is safe to resend (retriesBusy),
// and turns a non-zero errcode into a *card.Error whose Err is the
// *util.CommonError. A success body with no errcode is success. op is the Go
// method name ("CreateCard").
func (p *Provider) postJSON(ctx context.Context, op, path string, in, out any) error {
	body := []byte("{}")
	if in != nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(in); err != nil {
			return &card.Error{Provider: ProviderName, Op: op, Kind: card.KindInvalidArgument, Message: "cannot encode request", Err: err}
		}
		body = bytes.TrimRight(buf.Bytes(), "\n")
	}
	return p.call(ctx, op, http.MethodPost, path, nil, body, out, retriesBusy(path, in))
}

// getJSON is postJSON for GET endpoints: query holds the parameters besides
// access_token. Every GET endpoint is a read, so -1 is always retried.
func (p *Provider) getJSON(ctx context.Context, op, path string, query url.Values, out any) error {
	return p.call(ctx, op, http.MethodGet, path, query, nil, out, true)
}

// invalid wraps a Validate error of a typed request: a *card.Error of kind
// KindInvalidArgument for provider "wechat" and op; nothing was sent.
func (p *Provider) invalid(op string, err error) error {
	var ce *card.Error
	if errors.As(err, &ce) {
		c := *ce
		c.Provider, c.Op, c.Kind = ProviderName, op, card.KindInvalidArgument
		return &c
	}
	return &card.Error{Provider: ProviderName, Op: op, Kind: card.KindInvalidArgument, Message: err.Error(), Err: err}
}

// isBusy reports WeChat's errcode -1 (system busy), the one answer retried with backoff.
func isBusy(err error) bool {
	code, ok := errcodeOf(err)
	return ok && code == -1
}

// maybeAppliedMessage is the card.Error message of an errcode -1 answer to a
// call that is not resent: WeChat may have carried it out.
const maybeAppliedMessage = "system busy; WeChat may have applied the call anyway, so check its effect before sending it again"

// call runs one API call with token refresh and, when retryBusy, busy retries.
func (p *Provider) call(ctx context.Context, op, method, path string, query url.Values, body []byte, out any, retryBusy bool) error {
	refreshed := false
	pol := p.retry
	if !retryBusy {
		pol.Attempts = 1
	}
	err := retry.Do(ctx, pol, isBusy, func(ctx context.Context) error {
		tok, err := p.accessToken(ctx, op)
		if err != nil {
			return err
		}
		for {
			raw, err := p.send(ctx, method, path, query, tok, body)
			if err != nil {
				return wrapCtx(ctx, op, err)
			}
			ce, err := decodeErrcode(op, raw)
			if err != nil {
				return &card.Error{Provider: ProviderName, Op: op, Kind: card.KindUnavailable, Message: "unreadable WeChat answer", Err: err}
			}
			if ce != nil && isTokenErrcode(ce.ErrCode) && !refreshed {
				refreshed = true
				if tok, err = p.refreshToken(ctx, op, tok); err != nil {
					return err
				}
				continue
			}
			if ce != nil {
				e := apiError(op, ce)
				if ce.ErrCode == -1 && !retryBusy {
					e.Message = maybeAppliedMessage
				}
				return e
			}
			if out != nil {
				if err := json.Unmarshal(raw, out); err != nil {
					return &card.Error{Provider: ProviderName, Op: op, Kind: card.KindUnavailable, Message: "unexpected WeChat answer", Err: err}
				}
			}
			return nil
		}
	})
	return wrapCtx(ctx, op, err)
}

// send performs one HTTP request; the body is rebuilt on every attempt.
func (p *Provider) send(ctx context.Context, method, path string, query url.Values, tok string, body []byte) ([]byte, error) {
	u := p.baseURL + path + "?access_token=" + url.QueryEscape(tok)
	if len(query) > 0 {
		q := url.Values{}
		for k, v := range query {
			if k != "access_token" {
				q[k] = v
			}
		}
		u += "&" + q.Encode()
	}
	var rd *bytes.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	var req *http.Request
	var err error
	if rd != nil {
		req, err = http.NewRequestWithContext(ctx, method, u, rd)
	} else {
		req, err = http.NewRequestWithContext(ctx, method, u, nil)
	}
	if err != nil {
		return nil, scrubErr(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	return roundTrip(p.hc, req)
}

// accessToken gets the token from the official account's handle.
func (p *Provider) accessToken(ctx context.Context, op string) (string, error) {
	tok, err := p.oa.GetAccessTokenContext(ctx)
	if err != nil {
		return "", tokenError(ctx, op, err)
	}
	if tok == "" {
		return "", &card.Error{Provider: ProviderName, Op: op, Kind: card.KindUnauthenticated, Message: "the access-token handle returned an empty token"}
	}
	return tok, nil
}

// refreshToken replaces a token WeChat rejected.
//
// With a handle implementing TokenRefresher (such as *AccessTokenHandle) it
// calls RefreshAccessTokenContext. With any other handle (for example
// silenceper's DefaultAccessToken or StableAccessToken) it deletes the cache
// keys silenceper v2.1.6 uses for official-account tokens
// ("gowechat_officialaccount__access_token_<appid>" and
// "gowechat_officialaccount__stable_access_token_<appid>") from the account's
// cache when they hold the rejected token, and asks the handle again; a
// handle caching elsewhere that returns the same token makes the call fail
// with card.ErrUnauthenticated.
func (p *Provider) refreshToken(ctx context.Context, op, rejected string) (string, error) {
	h := p.oa.GetContext().AccessTokenHandle
	if r, ok := h.(TokenRefresher); ok {
		tok, err := r.RefreshAccessTokenContext(ctx, rejected)
		if err != nil {
			return "", tokenError(ctx, op, err)
		}
		return tok, nil
	}
	if c := p.oa.GetContext().Cache; c != nil {
		for _, key := range []string{silenceperTokenKey(p.appID()), silenceperStableTokenKey(p.appID())} {
			if v, ok := cache.GetContext(ctx, c, key).(string); ok && v == rejected {
				_ = cache.DeleteContext(ctx, c, key)
			}
		}
	}
	tok, err := p.accessToken(ctx, op)
	if err != nil {
		return "", err
	}
	if tok == rejected {
		return "", &card.Error{Provider: ProviderName, Op: op, Kind: card.KindUnauthenticated,
			Message: "WeChat rejected the access token and the access-token handle returned it again"}
	}
	return tok, nil
}

// tokenError reports a failure to get an access token as a failure of op.
func tokenError(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil && card.IsContextError(err) {
		return cerr // the caller's context ended: bare, per the contract
	}
	var ce *card.Error
	if errors.As(err, &ce) {
		c := *ce
		c.Provider, c.Op = ProviderName, op
		if c.Message != "" {
			c.Message = "getting the access token: " + c.Message
		} else {
			c.Message = "getting the access token"
		}
		return &c
	}
	if card.IsContextError(err) {
		// ctx is live: a client timeout inside the token handle.
		return wrapCtx(ctx, op, err)
	}
	// A foreign handle (silenceper's) may put the token URL in its error; never echo it.
	return &card.Error{Provider: ProviderName, Op: op, Kind: card.KindUnauthenticated,
		Message: "getting the access token failed", Err: redactErr(err)}
}

// secretParam matches secret-bearing query parameters (and QR or API
// tickets) inside an error text.
var secretParam = regexp.MustCompile(`(?i)\b(secret|appsecret|access_token|ticket)=[^&\s"',]*`)

// redactedError hides secret query parameters in the text of an error
// returned by a foreign access-token handle (silenceper puts the full token
// URL, secret included, in some of its errors).
type redactedError struct{ err error }

func (e redactedError) Error() string {
	return secretParam.ReplaceAllString(e.err.Error(), "${1}=REDACTED")
}
func (e redactedError) Unwrap() error { return e.err }

// redactErr scrubs a *url.Error and hides secrets in err's text.
func redactErr(err error) error { return redactedError{scrubErr(err)} }
