package wechattest

import (
	"mime"
	"net/http"

	"github.com/walletcard/card/internal/hostile"
)

// MaxRecordedAnswers is how many answers per path a Server remembers for
// Answers; older ones are forgotten.
const MaxRecordedAnswers = 32

// maxRecordedRequest bounds Answer.Request.
const maxRecordedRequest = 64 << 10

// Answer is one genuine HTTP answer of the server, recorded for Answers:
// Op is the API path it was given to ("/card/code/get"), Request the
// request it answered (the JSON body of a POST, at most 64 KiB, "" for a
// multipart upload; or the query of a GET without access_token and
// secret), Body its exact bytes. Serve one elsewhere with ReplayNext.
type Answer = hostile.Recorded

// Hostile is an answer a malicious or broken server (or an on-path
// attacker) gives in place of the real one; HostileNext serves it. Build one
// with RawBody, OversizedBody, EndlessBody, ErrorStatus or Redirect.
type Hostile = hostile.Answer

// requestText is Answer.Request for r with body.
func requestText(r *http.Request, body []byte) string {
	if r.Method != http.MethodPost {
		q := r.URL.Query()
		q.Del("access_token")
		q.Del("secret")
		return q.Encode()
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		return ""
	}
	if len(body) > maxRecordedRequest {
		body = body[:maxRecordedRequest]
	}
	return string(body)
}

// record remembers a genuine answer.
func (s *Server) record(a answerRecord, body []byte) {
	s.meta.Lock()
	defer s.meta.Unlock()
	s.answers.Record(a.path, a.request, jsonCT[0], body)
}

// Answers returns the genuine answers the server gave to requests for op (an API path),
// oldest first (at most MaxRecordedAnswers per path): successes and
// errcodes, exactly as written — not the ones HostileNext or ReplayNext
// served or LoseAnswerNext lost. op "" returns the answers to every path
// in the order they were given. Serve one with ReplayNext to check that a
// client refuses an answer that does not belong to its request.
func (s *Server) Answers(op string) []Answer {
	s.meta.Lock()
	defer s.meta.Unlock()
	return s.answers.Answers(op)
}

// RawBody is an HTTP 200 answer whose body is exactly body (JSON
// Content-Type): a forged, truncated or otherwise hand-made answer.
func RawBody(body []byte) Hostile { return hostile.RawBody(body) }

// OversizedBody is an HTTP 200 answer of exactly n bytes (Content-Length
// n), streamed without being held in memory: a success-looking
// {"errcode":0,"errmsg":"ok","padding":"AAAA…"} padded to n bytes (cut
// short when n is smaller than that frame). Use it to check that a client
// bounds what it reads.
func OversizedBody(n int64) Hostile { return hostile.OversizedBody(n) }

// EndlessBody is an HTTP 200 answer that never ends: the same
// success-looking object as OversizedBody with padding streamed (chunked,
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
// proxy rewriting the host would do: a client that follows it may carry the
// access token (in the query), the app secret (token endpoints) and the
// body to another host. Redirect panics on another status.
func Redirect(status int, location string) Hostile { return hostile.Redirect(status, location) }

// HostileNext makes the server answer the next request to op, an API path (e.g.
// "/card/membercard/userinfo/get", "/cgi-bin/token"; "" = whichever comes
// next) with h instead of its own answer. The request never reaches the
// server's logic: it is counted by CallCount but not checked, not applied and
// not recorded, as when an on-path attacker or a broken proxy answers in
// WeChat's place. A later call for the same op replaces a pending one;
// the zero Hostile removes it.
func (s *Server) HostileNext(op string, h Hostile) {
	s.meta.Lock()
	defer s.meta.Unlock()
	s.hostile.Set(op, h)
}

// ReplayNext makes the server answer the next request to op (an API path; "" =
// whichever comes next) with a, byte for byte — typically a genuine answer
// from Answers, given to another request or another path — instead of
// handling it (see HostileNext). A client must check that the identifiers
// an answer echoes (card_id, code, openid …) are the ones it asked for.
func (s *Server) ReplayNext(op string, a Answer) { s.HostileNext(op, hostile.Replay(a)) }

// takeHostileLocked consumes the pending hostile answer for path. Callers
// hold s.meta.
func (s *Server) takeHostileLocked(path string) (Hostile, bool) { return s.hostile.Take(path) }

// serveHostile writes h as the answer to r.
func (s *Server) serveHostile(w http.ResponseWriter, r *http.Request, h Hostile) {
	hostile.Serve(w, r, h, hostile.Frame{ContentType: jsonCT[0], Prefix: `{"errcode":0,"errmsg":"ok","padding":"`, Suffix: `"}`}, s.done)
}
