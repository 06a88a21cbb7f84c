package wechattest

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// MaxRecordedAnswers is how many answers per path a Server remembers for
// Answers; older ones are forgotten.
const MaxRecordedAnswers = 32

// maxRecordedRequest bounds Answer.Request.
const maxRecordedRequest = 64 << 10

// Answer is one HTTP answer of the server: a genuine answer it recorded
// (Answers) or an answer to serve in place of the next one (ReplayNext).
type Answer struct {
	// Op is the API path the answer was given to ("/card/code/get").
	Op string
	// Request is the request it answered: the JSON body of a POST (at most
	// 64 KiB; "" for a multipart upload), or the query of a GET without
	// access_token and secret. It helps a test pick the answer to one
	// particular request.
	Request string
	// Status is the HTTP status; 0 means 200.
	Status int
	// Header holds the answer's headers; nil means a JSON Content-Type.
	Header http.Header
	// Body is the answer's exact bytes.
	Body []byte

	seq int64
}

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
	s.ansSeq++
	rec := Answer{Op: a.path, Request: a.request, Status: http.StatusOK,
		Header: http.Header{"Content-Type": slices.Clone(jsonCT)}, Body: slices.Clone(body), seq: s.ansSeq}
	l := append(s.answers[a.path], rec)
	if len(l) > MaxRecordedAnswers {
		l = slices.Delete(l, 0, len(l)-MaxRecordedAnswers)
	}
	s.answers[a.path] = l
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
	var out []Answer
	if op != "" {
		out = slices.Clone(s.answers[op])
	} else {
		for _, l := range s.answers {
			out = append(out, l...)
		}
		slices.SortFunc(out, func(a, b Answer) int { return int(a.seq - b.seq) })
	}
	for i := range out {
		out[i].Header = out[i].Header.Clone()
		out[i].Body = slices.Clone(out[i].Body)
	}
	return out
}

// hostileKind is what a Hostile answer does.
type hostileKind int

const (
	hostileRaw hostileKind = iota + 1
	hostileOversized
	hostileEndless
	hostileStatus
	hostileRedirect
)

// Hostile is an answer a malicious or broken server (or an on-path
// attacker) gives in place of the real one; HostileNext serves it. Build one
// with RawBody, OversizedBody, EndlessBody, ErrorStatus or Redirect.
type Hostile struct {
	kind     hostileKind
	status   int
	header   http.Header
	body     []byte
	size     int64
	location string
}

// RawBody is an HTTP 200 answer whose body is exactly body (JSON
// Content-Type): a forged, truncated or otherwise hand-made answer.
func RawBody(body []byte) Hostile {
	return Hostile{kind: hostileRaw, status: http.StatusOK, body: slices.Clone(body)}
}

// OversizedBody is an HTTP 200 answer of exactly n bytes (Content-Length
// n), streamed without being held in memory: a success-looking
// {"errcode":0,"errmsg":"ok","padding":"AAAA…"} padded to n bytes (cut
// short when n is smaller than that frame). Use it to check that a client
// bounds what it reads.
func OversizedBody(n int64) Hostile {
	if n < 0 {
		panic("wechattest: OversizedBody: negative size")
	}
	return Hostile{kind: hostileOversized, status: http.StatusOK, size: n}
}

// EndlessBody is an HTTP 200 answer that never ends: the same
// success-looking object as OversizedBody with padding streamed (chunked,
// flushed) until the client goes away or the server is closed.
func EndlessBody() Hostile {
	return Hostile{kind: hostileEndless, status: http.StatusOK}
}

// ErrorStatus is an answer with the non-2xx HTTP status and an HTML body of
// n bytes (Content-Length n), streamed: a proxy error page, or a hostile
// one, that a client should judge by its status before reading it.
// ErrorStatus panics if status is not a valid non-2xx status (100–599).
func ErrorStatus(status int, n int64) Hostile {
	if status < 100 || status > 599 || (status >= 200 && status <= 299) {
		panic("wechattest: ErrorStatus: status must be a non-2xx HTTP status, got " + strconv.Itoa(status))
	}
	if n < 0 {
		panic("wechattest: ErrorStatus: negative size")
	}
	return Hostile{kind: hostileStatus, status: status, size: n}
}

// Redirect is a redirect (301, 302, 303, 307 or 308) to location, for
// example the URL of a test server that records what a client sends it.
// When location has no query, the request's own query is appended, as a
// proxy rewriting the host would do:
// a client that follows it may carry the access token (in the query), the
// app secret (token endpoints) and the body to another host. Redirect
// panics on another status.
func Redirect(status int, location string) Hostile {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		panic("wechattest: Redirect: status must be 301, 302, 303, 307 or 308, got " + strconv.Itoa(status))
	}
	return Hostile{kind: hostileRedirect, status: status, location: location}
}

// String describes the answer.
func (h Hostile) String() string {
	switch h.kind {
	case hostileRaw:
		return fmt.Sprintf("RawBody(HTTP %d, %d bytes)", h.status, len(h.body))
	case hostileOversized:
		return fmt.Sprintf("OversizedBody(%d)", h.size)
	case hostileEndless:
		return "EndlessBody()"
	case hostileStatus:
		return fmt.Sprintf("ErrorStatus(%d, %d)", h.status, h.size)
	case hostileRedirect:
		return fmt.Sprintf("Redirect(%d, %q)", h.status, h.location)
	}
	return "Hostile{}"
}

// HostileNext makes the server answer the next request to op, an API path (e.g.
// "/card/membercard/userinfo/get", "/cgi-bin/token"; "" = whichever comes
// next) with h instead of its own answer. The request never reaches the
// server's logic: it is counted by Calls but not checked, not applied and
// not recorded, as when an on-path attacker or a broken proxy answers in
// WeChat's place. A later call for the same op replaces a pending one;
// the zero Hostile removes it.
func (s *Server) HostileNext(op string, h Hostile) {
	s.meta.Lock()
	defer s.meta.Unlock()
	if h.kind == 0 {
		delete(s.hostile, op)
		return
	}
	s.hostile[op] = h
}

// ReplayNext makes the server answer the next request to op (an API path; "" =
// whichever comes next) with a, byte for byte — typically a genuine answer
// from Answers, given to another request or another path — instead of
// handling it (see HostileNext). A client must check that the identifiers
// an answer echoes (card_id, code, openid …) are the ones it asked for.
func (s *Server) ReplayNext(op string, a Answer) {
	h := Hostile{kind: hostileRaw, status: a.Status, header: a.Header.Clone(), body: slices.Clone(a.Body)}
	if h.status == 0 {
		h.status = http.StatusOK
	}
	s.HostileNext(op, h)
}

// takeHostileLocked consumes the pending hostile answer for path. Callers
// hold s.meta.
func (s *Server) takeHostileLocked(path string) (Hostile, bool) {
	for _, k := range [2]string{path, ""} {
		if h, ok := s.hostile[k]; ok {
			delete(s.hostile, k)
			return h, true
		}
	}
	return Hostile{}, false
}

// serveHostile writes h as the answer to r.
func (s *Server) serveHostile(w http.ResponseWriter, r *http.Request, h Hostile) {
	s.streams.Add(1) // tests check that every answer ends
	defer s.streams.Add(-1)
	hdr := w.Header()
	switch h.kind {
	case hostileRaw:
		for k, v := range h.header {
			hdr[k] = slices.Clone(v)
		}
		if hdr.Get("Content-Type") == "" {
			hdr["Content-Type"] = jsonCT
		}
		w.WriteHeader(h.status)
		_, _ = w.Write(h.body)
	case hostileOversized, hostileEndless:
		hdr["Content-Type"] = jsonCT
		streamBody(r.Context(), s.done, w, h.status, `{"errcode":0,"errmsg":"ok","padding":"`, `"}`, h.size, h.kind == hostileEndless)
	case hostileStatus:
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		streamBody(r.Context(), s.done, w, h.status, "<html><body>", "</body></html>", h.size, false)
	case hostileRedirect:
		loc := h.location
		if !strings.Contains(loc, "?") && r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery // as a proxy rewriting the host would
		}
		hdr.Set("Location", loc)
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(h.status)
		_, _ = fmt.Fprintf(w, "<a href=%q>moved</a>\n", loc)
	}
}

// streamChunk is the size of each padding write of streamBody.
const streamChunk = 32 << 10

// streamBody writes status and a body of prefix, padding 'A's and suffix:
// n bytes in all (with Content-Length; a frame longer than n is cut), or,
// when endless, padding until ctx or done ends or a write fails. Nothing
// of size n is ever held in memory.
func streamBody(ctx context.Context, done <-chan struct{}, w http.ResponseWriter, status int, prefix, suffix string, n int64, endless bool) {
	rc := http.NewResponseController(w)
	frame := int64(len(prefix) + len(suffix))
	if !endless {
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		if n <= frame {
			w.WriteHeader(status)
			_, _ = w.Write([]byte(prefix + suffix)[:n])
			return
		}
	}
	w.WriteHeader(status)
	if _, err := w.Write([]byte(prefix)); err != nil {
		return
	}
	pad := bytes.Repeat([]byte{'A'}, streamChunk)
	left := n - frame
	for endless || left > 0 {
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		default:
		}
		chunk := pad
		if !endless && left < int64(len(chunk)) {
			chunk = chunk[:left]
		}
		if _, err := w.Write(chunk); err != nil {
			return
		}
		left -= int64(len(chunk))
		if endless {
			_ = rc.Flush()
		}
	}
	_, _ = w.Write([]byte(suffix))
}
