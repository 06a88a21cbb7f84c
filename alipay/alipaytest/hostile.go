package alipaytest

import (
	"net/http"

	"github.com/walletcard/card/internal/hostile"
)

// MaxRecordedAnswers is how many answers per method a Server remembers for
// Answers; older ones are forgotten.
const MaxRecordedAnswers = 32

// Answer is one genuine HTTP answer of the gateway, recorded for Answers:
// Op is the method it was given to ("alipay.marketing.card.query"; "" for
// a request naming none), Request the (decrypted) biz_content of the
// request it answered ("" when the request had none or failed the
// gateway's own checks), Body its exact bytes, signature and all. Serve
// one elsewhere with ReplayNext.
type Answer = hostile.Recorded

// Hostile is an answer a malicious or broken gateway (or an on-path
// attacker) gives in place of the real one; HostileNext serves it. Build
// one with RawBody, OversizedBody, EndlessBody, ErrorStatus or Redirect.
type Hostile = hostile.Answer

// record remembers a genuine answer. Callers do not hold s.mu.
func (s *Server) record(method, biz string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers.Record(method, biz, jsonContentType, body)
}

// Answers returns the genuine answers the gateway gave to op (a method name), oldest
// first (at most MaxRecordedAnswers per method): successes and failures,
// signed and unsigned, exactly as written — not the ones TamperNext
// corrupted, HostileNext or ReplayNext served, or LoseAnswerNext lost.
// op "" returns the answers to every method in the order they were
// given. Serve one with ReplayNext to check that a client refuses an
// answer bound to another request.
func (s *Server) Answers(op string) []Answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.answers.Answers(op)
}

// RawBody is an HTTP 200 answer whose body is exactly body (JSON
// Content-Type): a forged, truncated or otherwise hand-made answer.
func RawBody(body []byte) Hostile { return hostile.RawBody(body) }

// OversizedBody is an HTTP 200 answer of exactly n bytes (Content-Length
// n), streamed without being held in memory: a success-looking node
// {"<method>_response":{"code":"10000","msg":"Success","padding":"AAAA…"}}
// padded to n bytes (cut short when n is smaller than that frame). It is not
// signed. Use it to check that a client bounds what it reads.
func OversizedBody(n int64) Hostile { return hostile.OversizedBody(n) }

// EndlessBody is an HTTP 200 answer that never ends: the same
// success-looking node as OversizedBody with padding streamed (chunked,
// flushed) until the client goes away or the server is closed.
func EndlessBody() Hostile { return hostile.EndlessBody() }

// ErrorStatus is an answer with the non-2xx HTTP status and an HTML body of
// n bytes (Content-Length n), streamed: a proxy error page, or a hostile
// one, that a client should judge by its status before reading it.
// ErrorStatus panics if status is not a valid non-2xx status (100–599).
func ErrorStatus(status int, n int64) Hostile { return hostile.ErrorStatus(status, n) }

// Redirect is a redirect (301, 302, 303, 307 or 308) to location, for
// example the URL of a test server that records what a client sends it.
// When location has no query, the request's own query is appended, as a
// proxy rewriting the host would do: a client that follows it may carry
// the request, its body and its credentials to another host. Redirect
// panics on another status.
func Redirect(status int, location string) Hostile { return hostile.Redirect(status, location) }

// HostileNext makes the server answer the next request to op, a method
// name (e.g. "alipay.marketing.card.query"; "" = whichever comes next), with h
// instead of its own answer. The request never reaches the gateway: it is
// counted by CallCount but not checked, not applied and not recorded, as when
// an on-path attacker or a broken proxy answers in the gateway's place. A
// later call for the same op replaces a pending one; the zero Hostile
// removes it.
func (s *Server) HostileNext(op string, h Hostile) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hostile.Set(op, h)
}

// ReplayNext makes the server answer the next request to op (a method name; "" =
// whichever comes next) with a, byte for byte — typically a genuine signed
// answer from Answers, given to another request or even another method —
// instead of running it (see HostileNext). A signature over the answer is
// valid, but it does not bind the answer to the request: a client must
// check that the answer's node is the called method's and that the
// identifiers it echoes are the ones it asked for.
func (s *Server) ReplayNext(op string, a Answer) { s.HostileNext(op, hostile.Replay(a)) }

// takeHostile consumes the pending hostile answer for method. Callers hold
// s.mu.
func (s *Server) takeHostile(method string) (Hostile, bool) { return s.hostile.Take(method) }

const jsonContentType = "application/json;charset=utf-8"

// serveHostile writes h as the answer to a request for method.
func (s *Server) serveHostile(w http.ResponseWriter, r *http.Request, method string, h Hostile) {
	hostile.Serve(w, r, h, hostile.Frame{ContentType: jsonContentType,
		Prefix: `{"` + nodeName(method) + `":{"code":"10000","msg":"Success","padding":"`, Suffix: `"}}`}, s.done)
}
