package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"

	"github.com/silenceper/wechat/v2/cache"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
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
	if err := p.getJSON(ctx, op, path, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// readPaths are the API paths whose calls change nothing: they are resent
// after errcode -1 (system busy), and a failure never leaves an outcome
// unknown.
var readPaths = map[string]bool{
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
}

// setPaths are writes that set a state: sending them twice leaves the same
// state, so they are resent after errcode -1 too.
var setPaths = map[string]bool{
	"/card/update":                          true,
	"/card/paycell/set":                     true,
	"/card/selfconsumecell/set":             true,
	"/card/testwhitelist/set":               true,
	"/card/membercard/activateuserform/set": true,
	"/card/code/mark":                       true,
}

// Every other path (create, consume, deposit, modifystock, activate, QR
// code and landing-page creation, code/update …) is sent once: WeChat may
// have carried a call out before answering -1 or losing the answer, so
// such a failure is reported as card.ErrOutcomeUnknown of kind
// card.KindUnknown (not retryable), saying the call may have been applied.
// A request type whose safety depends on its fields implements busyRetrier.

// busyRetrier is implemented by request types whose safety to resend after
// errcode -1 depends on their fields (updateuser with absolute values is
// safe, with add_* deltas it is not).
type busyRetrier interface{ busyRetrySafe() bool }

// repeatSafe reports whether a call of path with request in may be sent
// again after errcode -1 or a lost answer.
func repeatSafe(path string, in any) bool {
	if r, ok := in.(busyRetrier); ok {
		return r.busyRetrySafe()
	}
	return readPaths[path] || setPaths[path]
}

// postJSON sends in (JSON, HTML not escaped; nil sends {}) to
// BaseURL+path?access_token=TOKEN and decodes the body into out (out may be
// nil). It refreshes the token once on 40001/40014/42001, retries errcode -1
// with backoff honouring ctx when the call is safe to resend (retriesBusy),
// and turns a non-zero errcode into a *card.Error whose Err is the
// *util.CommonError. A success body with no errcode is success. op is the Go
// method name ("CreateCard").
func (p *Provider) postJSON(ctx context.Context, op, path string, in, out any) error {
	body, err := encodeJSON(op, in)
	if err != nil {
		return err
	}
	return p.call(ctx, wireCall{op: op, method: http.MethodPost, path: path, body: body, safe: repeatSafe(path, in), in: in}, out)
}

// postOnce is postJSON for the neutral driver: one attempt (the pipeline
// retries), and no validation of in (the pipeline checked the neutral
// request it was built from).
func (p *Provider) postOnce(ctx context.Context, op, path string, in, out any) error {
	body, err := encodeJSON(op, in)
	if err != nil {
		return err
	}
	return p.call(ctx, wireCall{op: op, method: http.MethodPost, path: path, body: body, safe: repeatSafe(path, in), once: true, in: in}, out)
}

// encodeJSON is the body of a POST: in as JSON with HTML not escaped and
// without the encoder's trailing newline, {} for nil. A value that cannot
// be encoded is a KindInvalidArgument *card.Error for op.
func encodeJSON(op string, in any) ([]byte, error) {
	if in == nil {
		return []byte("{}"), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(in); err != nil {
		return nil, &card.Error{Provider: Name, Op: op, Kind: card.KindInvalidArgument, Message: "cannot encode request", Err: err}
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// getJSON is postJSON for GET endpoints without parameters besides
// access_token (their paths are in readPaths). Every GET endpoint is a
// read, so -1 is always retried.
func (p *Provider) getJSON(ctx context.Context, op, path string, out any) error {
	return p.call(ctx, wireCall{op: op, method: http.MethodGet, path: path, safe: true}, out)
}

// invalid wraps a Validate error of a typed request: a *card.Error of kind
// KindInvalidArgument for provider "wechat" and op; nothing was sent.
func (p *Provider) invalid(op string, err error) error {
	var ce *card.Error
	if errors.As(err, &ce) {
		c := *ce
		c.Provider, c.Op, c.Kind = Name, op, card.KindInvalidArgument
		return &c
	}
	return &card.Error{Provider: Name, Op: op, Kind: card.KindInvalidArgument, Message: err.Error(), Err: err}
}

// isBusy reports WeChat's errcode -1 (system busy), the one answer retried with backoff.
func isBusy(err error) bool {
	code, ok := errcodeOf(err)
	return ok && code == -1
}

// maybeAppliedMessage is the card.Error message of a call that is not
// resent after errcode -1 or a lost answer: WeChat may have carried it out.
const maybeAppliedMessage = "WeChat may have applied the call anyway (outcome unknown), so check its effect before sending it again"

// wireCall describes one API call.
type wireCall struct {
	op, method, path string
	query            url.Values
	body             []byte
	// safe: the call may be sent again after -1 or a lost answer.
	safe bool
	// once: one attempt, whatever safe says (the neutral pipeline retries).
	once bool
	// in is the request; when it is an answerBinder, the decoded answer
	// must echo what it asked for.
	in any
	// contentType is the body's (default JSON); limit bounds the answer
	// (default Options.MaxAnswerBytes).
	contentType string
	limit       int64
}

// read reports whether the call changes nothing (its path is in readPaths):
// a failure of a read never leaves an outcome unknown.
func (w wireCall) read() bool { return readPaths[w.path] }

// answerBinder is implemented by requests whose answer echoes what they
// asked for (a card_id, the values written): bindAnswer returns why the
// decoded answer out cannot be the answer to this request, or nil. WeChat
// signs nothing, so these echoes are all that ties an answer to its
// request beyond TLS.
type answerBinder interface{ bindAnswer(out any) string }

// CodeForgedAnswer is the Code of the error returned when an answer is not
// the answer to the request that was sent. WeChat signs no answer, so
// beyond TLS an answer is tied to its request only by what it echoes: the
// card_id of card/get, code/get and code/consume (when both the request and
// the answer name one), and the result_bonus and result_balance of a
// membercard/updateuser that set absolute values. An answer echoing
// anything else is refused. For a read the error is of kind
// card.KindUnavailable (asking again gets the genuine answer); for a write
// it also matches card.ErrOutcomeUnknown — the request may have been
// applied while its answer was replaced — and is card.KindUnknown (not
// retryable) when the write is not safe to send again. The value is that
// of alipay.CodeForgedAnswer.
const CodeForgedAnswer = "FORGED_ANSWER"

// forgedAnswer is the error of an answer that does not match its request.
func forgedAnswer(op, why string, read, safe bool) error {
	return unknownOutcome(&card.Error{Provider: Name, Op: op, Kind: card.KindUnavailable, Code: CodeForgedAnswer,
		Message: "the answer is not the answer to this request (" + why + "); it was refused"}, read, safe)
}

// call runs one API call (exchange) and decodes its answer into out (out
// may be nil), checking that the answer echoes its request (answerBinder).
func (p *Provider) call(ctx context.Context, w wireCall, out any) error {
	raw, err := p.exchange(ctx, w)
	if err != nil || out == nil {
		return err
	}
	read := w.read()
	if err := json.Unmarshal(raw, out); err != nil {
		return unknownOutcome(&card.Error{Provider: Name, Op: w.op, Kind: card.KindUnavailable, Message: "unexpected WeChat answer", Err: err}, read, w.safe)
	}
	if b, ok := w.in.(answerBinder); ok {
		if why := b.bindAnswer(out); why != "" {
			return forgedAnswer(w.op, why, read, w.safe)
		}
	}
	return nil
}

// exchange sends one API call and returns the body of its success answer.
// It refreshes the access token once on 40001/40014/42001 and, for a safe
// call, resends after errcode -1 (Options.Retry). A failure after which
// WeChat may have applied a write (errcode -1, a transport failure or an
// unreadable answer) is marked OutcomeUnknown, and is of kind
// KindUnavailable (retryable) only when the call is safe to send again.
func (p *Provider) exchange(ctx context.Context, w wireCall) ([]byte, error) {
	op := w.op
	read := w.read()
	refreshed := false
	pol := p.retry
	if !w.safe || w.once {
		pol.Attempts = 1
	}
	var out []byte
	err := retry.Do(ctx, pol, isBusy, func(ctx context.Context) error {
		tok, err := p.accessToken(ctx, op)
		if err != nil {
			return err
		}
		for {
			raw, err := p.send(ctx, w, tok)
			if err != nil {
				return unknownOutcome(wrapCtx(ctx, op, err), read, w.safe)
			}
			ce, err := decodeErrcode(op, raw)
			if err != nil {
				return unknownOutcome(&card.Error{Provider: Name, Op: op, Kind: card.KindUnavailable, Message: "unreadable WeChat answer", Err: err}, read, w.safe)
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
				if ce.ErrCode == -1 {
					return unknownOutcome(e, read, w.safe)
				}
				return e
			}
			out = raw
			return nil
		}
	})
	return out, wrapCtx(ctx, op, err)
}

// unknownOutcome marks err, a failure after which WeChat may have applied
// a write, as card.ErrOutcomeUnknown; a write that is not safe to send
// again becomes KindUnknown (not retryable). Reads and ended contexts are
// left alone.
func unknownOutcome(err error, read, safe bool) error {
	ce, ok := err.(*card.Error)
	if !ok || read {
		return err
	}
	c := *ce
	c.OutcomeUnknown = true
	if !safe && c.Kind == card.KindUnavailable {
		c.Kind = card.KindUnknown
		c.Message += "; " + maybeAppliedMessage
	}
	return &c
}

// send performs one HTTP request with the token; the body is rebuilt on
// every attempt, and the answer is read up to w.limit (Options.MaxAnswerBytes
// when zero).
func (p *Provider) send(ctx context.Context, w wireCall, tok string) ([]byte, error) {
	u := p.baseURL + w.path + "?access_token=" + url.QueryEscape(tok)
	if len(w.query) > 0 {
		q := url.Values{}
		for k, v := range w.query {
			if k != "access_token" {
				q[k] = v
			}
		}
		u += "&" + q.Encode()
	}
	var body io.Reader
	if w.body != nil {
		body = bytes.NewReader(w.body)
	}
	req, err := http.NewRequestWithContext(ctx, w.method, u, body)
	if err != nil {
		return nil, scrubErr(err)
	}
	if w.body != nil {
		ct := w.contentType
		if ct == "" {
			ct = "application/json; charset=utf-8"
		}
		req.Header.Set("Content-Type", ct)
	}
	limit := w.limit
	if limit <= 0 {
		limit = p.maxAnswer
	}
	return roundTripLimit(p.hc, req, limit)
}

// accessToken gets the token from the official account's handle.
func (p *Provider) accessToken(ctx context.Context, op string) (string, error) {
	tok, err := p.oa.GetAccessTokenContext(ctx)
	if err != nil {
		return "", tokenError(ctx, op, err)
	}
	if tok == "" {
		return "", &card.Error{Provider: Name, Op: op, Kind: card.KindUnauthenticated, Message: "the access-token handle returned an empty token"}
	}
	return tok, nil
}

// refreshToken replaces a token WeChat rejected.
//
// With a handle implementing TokenRefresher (such as *AccessTokenHandle) it
// calls RefreshAccessTokenContext. With any other handle (for example
// silenceper's DefaultAccessToken or StableAccessToken) it deletes the cache
// keys silenceper (v2.1.6 through v2.1.10) uses for official-account tokens
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
		return "", &card.Error{Provider: Name, Op: op, Kind: card.KindUnauthenticated,
			Message: "WeChat rejected the access token and the access-token handle returned it again"}
	}
	return tok, nil
}

// tokenError reports a failure to get an access token as a failure of op.
func tokenError(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil && driver.IsContextError(err) {
		return cerr // the caller's context ended: bare, per the contract
	}
	var ce *card.Error
	if errors.As(err, &ce) {
		c := *ce
		c.Provider, c.Op = Name, op
		if c.Message != "" {
			c.Message = "getting the access token: " + c.Message
		} else {
			c.Message = "getting the access token"
		}
		return &c
	}
	if driver.IsContextError(err) {
		// ctx is live: a client timeout inside the token handle.
		return wrapCtx(ctx, op, err)
	}
	// A foreign handle (silenceper's) may put the token URL in its error; never echo it.
	return &card.Error{Provider: Name, Op: op, Kind: card.KindUnauthenticated,
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
