package alipaytest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// MaxRecordedAnswers is how many answers per method a Server remembers for
// Answers; older ones are forgotten.
const MaxRecordedAnswers = 32

// Answer is one HTTP answer of the gateway: a genuine answer it recorded
// (Answers) or an answer to serve in place of the next one (ReplayNext).
type Answer struct {
	// Op is the method the answer was given to
	// ("alipay.marketing.card.query"; "" for a request naming none).
	Op string
	// Request is the biz_content (decrypted) of the request it answered, ""
	// when the request had none or failed the gateway's own checks. It
	// helps a test pick the answer to one particular request.
	Request string
	// Status is the HTTP status; 0 means 200.
	Status int
	// Header holds the answer's headers; nil means a JSON Content-Type.
	Header http.Header
	// Body is the answer's exact bytes, signature and all.
	Body []byte

	seq int64
}

// record remembers a genuine answer. Callers do not hold s.mu.
func (s *Server) record(method, biz string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := Answer{Op: method, Request: biz, Status: http.StatusOK,
		Header: http.Header{"Content-Type": {jsonContentType}}, Body: slices.Clone(body), seq: s.nextSeq()}
	l := append(s.answers[method], a)
	if len(l) > MaxRecordedAnswers {
		l = slices.Delete(l, 0, len(l)-MaxRecordedAnswers)
	}
	s.answers[method] = l
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

// Hostile is an answer a malicious or broken gateway (or an on-path
// attacker) gives in place of the real one; HostileNext serves it. Build
// one with RawBody, OversizedBody, EndlessBody, ErrorStatus or Redirect.
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
// n), streamed without being held in memory: a success-looking node
// {"<method>_response":{"code":"10000","msg":"Success","padding":"AAAA…"}}
// padded to n bytes (cut short when n is smaller than that frame). It is not
// signed. Use it to check that a client bounds what it reads.
func OversizedBody(n int64) Hostile {
	if n < 0 {
		panic("alipaytest: OversizedBody: negative size")
	}
	return Hostile{kind: hostileOversized, status: http.StatusOK, size: n}
}

// EndlessBody is an HTTP 200 answer that never ends: the same
// success-looking node as OversizedBody with padding streamed (chunked,
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
		panic("alipaytest: ErrorStatus: status must be a non-2xx HTTP status, got " + strconv.Itoa(status))
	}
	if n < 0 {
		panic("alipaytest: ErrorStatus: negative size")
	}
	return Hostile{kind: hostileStatus, status: status, size: n}
}

// Redirect is a redirect (301, 302, 303, 307 or 308) to location, for
// example the URL of a test server that records what a client sends it.
// When location has no query, the request's own query is appended, as a
// proxy rewriting the host would do:
// a client that follows it may carry the request, its body and its
// credentials to another host. Redirect panics on another status.
func Redirect(status int, location string) Hostile {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		panic("alipaytest: Redirect: status must be 301, 302, 303, 307 or 308, got " + strconv.Itoa(status))
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

// HostileNext makes the server answer the next request to op, a method
// name (e.g. "alipay.marketing.card.query"; "" = whichever comes next), with h
// instead of its own answer. The request never reaches the gateway: it is
// counted by Calls but not checked, not applied and not recorded, as when
// an on-path attacker or a broken proxy answers in the gateway's place. A
// later call for the same op replaces a pending one; the zero Hostile
// removes it.
func (s *Server) HostileNext(op string, h Hostile) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h.kind == 0 {
		delete(s.hostile, op)
		return
	}
	s.hostile[op] = h
}

// ReplayNext makes the server answer the next request to op (a method name; "" =
// whichever comes next) with a, byte for byte — typically a genuine signed
// answer from Answers, given to another request or even another method —
// instead of running it (see HostileNext). A signature over the answer is
// valid, but it does not bind the answer to the request: a client must
// check that the answer's node is the called method's and that the
// identifiers it echoes are the ones it asked for.
func (s *Server) ReplayNext(op string, a Answer) {
	h := Hostile{kind: hostileRaw, status: a.Status, header: a.Header.Clone(), body: slices.Clone(a.Body)}
	if h.status == 0 {
		h.status = http.StatusOK
	}
	s.HostileNext(op, h)
}

// takeHostile consumes the pending hostile answer for method. Callers hold
// s.mu.
func (s *Server) takeHostile(method string) (Hostile, bool) {
	for _, k := range []string{method, ""} {
		if h, ok := s.hostile[k]; ok {
			delete(s.hostile, k)
			return h, true
		}
	}
	return Hostile{}, false
}

const jsonContentType = "application/json;charset=utf-8"

// serveHostile writes h as the answer to a request for method.
func (s *Server) serveHostile(w http.ResponseWriter, r *http.Request, method string, h Hostile) {
	s.streams.Add(1) // tests check that every answer ends
	defer s.streams.Add(-1)
	hdr := w.Header()
	switch h.kind {
	case hostileRaw:
		for k, v := range h.header {
			hdr[k] = slices.Clone(v)
		}
		if hdr.Get("Content-Type") == "" {
			hdr.Set("Content-Type", jsonContentType)
		}
		w.WriteHeader(h.status)
		_, _ = w.Write(h.body)
	case hostileOversized, hostileEndless:
		hdr.Set("Content-Type", jsonContentType)
		prefix := `{"` + nodeName(method) + `":{"code":"10000","msg":"Success","padding":"`
		streamBody(r.Context(), s.done, w, h.status, prefix, `"}}`, h.size, h.kind == hostileEndless)
	case hostileStatus:
		hdr.Set("Content-Type", "text/html;charset=utf-8")
		streamBody(r.Context(), s.done, w, h.status, "<html><body>", "</body></html>", h.size, false)
	case hostileRedirect:
		loc := h.location
		if !strings.Contains(loc, "?") && r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery // as a proxy rewriting the host would
		}
		hdr.Set("Location", loc)
		hdr.Set("Content-Type", "text/html;charset=utf-8")
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
