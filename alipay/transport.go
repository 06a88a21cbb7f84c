package alipay

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	card "github.com/walletcard/card"
)

// DefaultMaxAnswerBytes is the largest gateway answer a Provider reads when
// Options.MaxAnswerBytes is zero: 4 MiB, some hundred times the largest
// answer of the methods this package calls (a template.batchquery page of
// 20 templates or a template.query with every optional part is a few
// kilobytes).
const DefaultMaxAnswerBytes = 4 << 20

// guardedTransport bounds every answer a Provider's HTTP client receives:
// the status is judged before the body is read (2xx answers are read,
// redirects are left to the client's CheckRedirect, anything else is refused
// unread) and the body is read through a limit of max bytes. Guarding a
// guarded client again (New called twice on one smartwalle client) wraps
// base, not the guard.
type guardedTransport struct {
	base http.RoundTripper // the transport of the client that was guarded
	max  int64
}

// RoundTrip sends req through the base transport and applies the limits.
func (t *guardedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
	case isRedirect(resp.StatusCode) && resp.Header.Get("Location") != "":
		// CheckRedirect decides; the body is bounded like any other.
	default:
		_ = resp.Body.Close()
		return nil, &answerError{status: resp.StatusCode}
	}
	if resp.ContentLength > t.max {
		_ = resp.Body.Close()
		return nil, &answerError{tooLarge: true, max: t.max}
	}
	resp.Body = &boundedBody{rc: resp.Body, left: t.max, max: t.max}
	return resp, nil
}

// CloseIdleConnections closes the idle connections of the base transport,
// so that http.Client.CloseIdleConnections reaches it through the guard.
func (t *guardedTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// boundedBody reads at most max bytes of an answer; one byte more is an
// *answerError, so an answer over the limit is never decoded.
type boundedBody struct {
	rc   io.ReadCloser
	left int64 // bytes still allowed
	max  int64
	err  error
}

// Read reads from the answer. Reading past the limit returns an
// *answerError and closes the connection's body, which ends an endless
// answer at once.
func (b *boundedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		b.err = &answerError{tooLarge: true, max: b.max}
		_ = b.rc.Close()
		return 0, b.err
	}
	b.left -= int64(n)
	return n, err
}

// Close closes the answer.
func (b *boundedBody) Close() error { return b.rc.Close() }

// answerError is an answer refused before it was decoded: a non-2xx status
// (read no further than its header), a body over Options.MaxAnswerBytes, or
// a redirect that was not followed.
type answerError struct {
	status   int
	tooLarge bool
	max      int64
	redirect string // the host of a refused redirect
}

func (e *answerError) Error() string {
	switch {
	case e.tooLarge:
		return "the answer exceeds " + strconv.FormatInt(e.max, 10) + " bytes (Options.MaxAnswerBytes); nothing of it was decoded"
	case e.redirect != "":
		return "the gateway answered with a redirect to " + e.redirect + "; it was not followed, nothing was sent there"
	}
	return "the gateway answered HTTP " + strconv.Itoa(e.status) + " " + http.StatusText(e.status) + "; the body was not read"
}

// cardError is the *card.Error of a refused answer: unavailable (the
// gateway's answer could not be had; outcome unknown for calls that change
// something, see outcome).
func (e *answerError) cardError() *card.Error {
	code := "BAD_HTTP_STATUS"
	switch {
	case e.tooLarge:
		code = "ANSWER_TOO_LARGE"
	case e.redirect != "":
		code = "REDIRECT_REFUSED"
	}
	return &card.Error{Kind: card.KindUnavailable, Code: code, Message: e.Error()}
}

// asAnswerError finds an *answerError in err.
func asAnswerError(err error) (*answerError, bool) {
	var ae *answerError
	ok := errors.As(err, &ae)
	return ae, ok
}

// guardClient returns a copy of hc whose transport bounds every answer to
// max bytes and judges its status before reading it, and whose redirect
// policy follows no redirect: the refusal happens before anything is sent,
// so the form body (biz_content, auth_token, app_auth_token, the
// signature) never reaches another host. (A same-host redirect could not be
// followed either: the certificate-download guard of every call, see
// guardDownloads, lets no second request start once an answer has begun.)
// hc itself is never changed. A client guardClient returned is guarded again
// around the transport it guards (its CheckRedirect is replaced anyway).
func guardClient(hc *http.Client, max int64) *http.Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	c := *hc
	base := c.Transport
	if g, ok := guarded(hc); ok {
		base = g.base
	}
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = &guardedTransport{base: base, max: max}
	c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		return &answerError{redirect: req.URL.Host}
	}
	return &c
}

// guarded returns the guard of hc, if guardClient made it.
func guarded(hc *http.Client) (*guardedTransport, bool) {
	if hc == nil {
		return nil, false
	}
	g, ok := hc.Transport.(*guardedTransport)
	return g, ok
}
