// Package hostile is what both local fakes (alipaytest, wechattest) use to
// play a hostile gateway in clients' trust-boundary tests: the answers a
// malicious or broken server, or an on-path attacker, gives in place of the
// real one (Answer), a record of the genuine answers to replay elsewhere
// (Recorder), the pending hostile answers per operation (Queue), counted
// per-operation rules such as lost answers (Counts), and
// Serve, which writes one without ever holding an oversized body in memory.
// Each fake exports these under its own package with its wallet's
// success-looking frame (Frame).
package hostile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// kind is what an Answer does.
type kind int

const (
	kindRaw kind = iota + 1
	kindOversized
	kindEndless
	kindStatus
	kindRedirect
)

// Answer is an answer a malicious or broken server (or an on-path
// attacker) gives in place of the real one. Build one with RawBody,
// OversizedBody, EndlessBody, ErrorStatus or Redirect; the zero Answer is
// none.
type Answer struct {
	kind     kind
	status   int
	header   http.Header
	body     []byte
	size     int64
	location string
}

// IsZero reports whether a is the zero Answer (no answer).
func (a Answer) IsZero() bool { return a.kind == 0 }

// RawBody is an HTTP 200 answer whose body is exactly body (JSON
// Content-Type): a forged, truncated or otherwise hand-made answer.
func RawBody(body []byte) Answer {
	return Answer{kind: kindRaw, status: http.StatusOK, body: slices.Clone(body)}
}

// Replay is an answer serving a recorded one byte for byte.
func Replay(r Recorded) Answer {
	a := Answer{kind: kindRaw, status: r.Status, header: r.Header.Clone(), body: slices.Clone(r.Body)}
	if a.status == 0 {
		a.status = http.StatusOK
	}
	return a
}

// OversizedBody is an HTTP 200 answer of exactly n bytes (Content-Length
// n), streamed without being held in memory: the wallet's success-looking
// frame padded to n bytes (cut short when n is smaller than the frame).
func OversizedBody(n int64) Answer {
	if n < 0 {
		panic("hostile: OversizedBody: negative size")
	}
	return Answer{kind: kindOversized, status: http.StatusOK, size: n}
}

// EndlessBody is an HTTP 200 answer that never ends: the success-looking
// frame with padding streamed (chunked, flushed) until the client goes away
// or the server is closed.
func EndlessBody() Answer { return Answer{kind: kindEndless, status: http.StatusOK} }

// ErrorStatus is an answer with the non-2xx HTTP status and an HTML body of
// n bytes (Content-Length n), streamed: a proxy error page, or a hostile
// one, that a client should judge by its status before reading it. It
// panics if status is not a valid non-2xx status (100–599).
func ErrorStatus(status int, n int64) Answer {
	if status < 100 || status > 599 || (status >= 200 && status <= 299) {
		panic("hostile: ErrorStatus: status must be a non-2xx HTTP status, got " + strconv.Itoa(status))
	}
	if n < 0 {
		panic("hostile: ErrorStatus: negative size")
	}
	return Answer{kind: kindStatus, status: status, size: n}
}

// Redirect is a redirect (301, 302, 303, 307 or 308) to location. When
// location has no query, the request's own query is appended, as a proxy
// rewriting the host would do, so a client that follows it carries its
// query (an access token), its body and its credentials to another host.
// It panics on another status.
func Redirect(status int, location string) Answer {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		panic("hostile: Redirect: status must be 301, 302, 303, 307 or 308, got " + strconv.Itoa(status))
	}
	return Answer{kind: kindRedirect, status: status, location: location}
}

// String describes the answer.
func (a Answer) String() string {
	switch a.kind {
	case kindRaw:
		return fmt.Sprintf("RawBody(HTTP %d, %d bytes)", a.status, len(a.body))
	case kindOversized:
		return fmt.Sprintf("OversizedBody(%d)", a.size)
	case kindEndless:
		return "EndlessBody()"
	case kindStatus:
		return fmt.Sprintf("ErrorStatus(%d, %d)", a.status, a.size)
	case kindRedirect:
		return fmt.Sprintf("Redirect(%d, %q)", a.status, a.location)
	}
	return "Hostile{}"
}

// Queue holds the pending hostile answer of each operation ("" stands for
// whichever comes next). It is not safe for concurrent use: a fake guards
// it with its own lock.
type Queue map[string]Answer

// Set makes a the answer to the next request of op; the zero Answer
// removes a pending one.
func (q Queue) Set(op string, a Answer) {
	if a.IsZero() {
		delete(q, op)
		return
	}
	q[op] = a
}

// Take uses up the pending answer for op (or for "").
func (q Queue) Take(op string) (Answer, bool) {
	for _, k := range [2]string{op, ""} {
		if a, ok := q[k]; ok {
			delete(q, k)
			return a, true
		}
	}
	return Answer{}, false
}

// Counts holds counted rules per operation ("" stands for any operation),
// such as the fakes' LoseAnswerNext: the next n requests of op are treated
// specially. It is not safe for concurrent use: a fake guards it with its
// own lock.
type Counts map[string]int

// Set makes the next n requests of op match; n ≤ 0 removes the rule.
func (c Counts) Set(op string, n int) {
	if n <= 0 {
		delete(c, op)
		return
	}
	c[op] = n
}

// Take uses up one request of the rule for op (or, when op has none, of
// the rule for "") and reports whether there was one.
func (c Counts) Take(op string) bool {
	for _, k := range [2]string{op, ""} {
		if n, ok := c[k]; ok {
			if n <= 1 {
				delete(c, k)
			} else {
				c[k] = n - 1
			}
			return true
		}
	}
	return false
}

// Frame is a wallet's success-looking answer that OversizedBody and
// EndlessBody pad: ContentType, and the body's Prefix and Suffix around
// the padding.
type Frame struct {
	ContentType    string
	Prefix, Suffix string
}

// Serve writes a as the answer to r. done ends an endless answer when the
// server closes.
func Serve(w http.ResponseWriter, r *http.Request, a Answer, frame Frame, done <-chan struct{}) {
	hdr := w.Header()
	switch a.kind {
	case kindRaw:
		for k, v := range a.header {
			hdr[k] = slices.Clone(v)
		}
		if hdr.Get("Content-Type") == "" {
			hdr.Set("Content-Type", frame.ContentType)
		}
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	case kindOversized, kindEndless:
		hdr.Set("Content-Type", frame.ContentType)
		stream(r.Context(), done, w, a.status, frame.Prefix, frame.Suffix, a.size, a.kind == kindEndless)
	case kindStatus:
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		stream(r.Context(), done, w, a.status, "<html><body>", "</body></html>", a.size, false)
	case kindRedirect:
		loc := a.location
		if !strings.Contains(loc, "?") && r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery // as a proxy rewriting the host would
		}
		hdr.Set("Location", loc)
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(a.status)
		_, _ = fmt.Fprintf(w, "<a href=%q>moved</a>\n", loc)
	}
}

// streamChunk is the size of each padding write of stream.
const streamChunk = 32 << 10

// stream writes status and a body of prefix, padding 'A's and suffix: n
// bytes in all (with Content-Length; a frame longer than n is cut), or,
// when endless, padding until ctx or done ends or a write fails. Nothing of
// size n is ever held in memory.
func stream(ctx context.Context, done <-chan struct{}, w http.ResponseWriter, status int, prefix, suffix string, n int64, endless bool) {
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

// Recorded is one genuine HTTP answer a fake gave: to replay it elsewhere
// (Replay) in a client's trust test.
type Recorded struct {
	// Op is the operation the answer was given to: the Alipay method
	// ("alipay.marketing.card.query"; "" for a request naming none) or the
	// WeChat API path ("/card/code/get").
	Op string
	// Request is the request it answered, as the fake recorded it (the
	// biz_content, the JSON body, or the query without secrets): it helps
	// a test pick the answer to one particular request.
	Request string
	// Status is the HTTP status; 0 means 200.
	Status int
	// Header holds the answer's headers; nil means a JSON Content-Type.
	Header http.Header
	// Body is the answer's exact bytes (signature and all).
	Body []byte

	seq int64
}

// Recorder keeps the last Max genuine answers of each operation. It is not
// safe for concurrent use: a fake guards it with its own lock.
type Recorder struct {
	Max int
	seq int64
	ops map[string][]Recorded
}

// Record remembers a genuine answer (body is copied).
func (rec *Recorder) Record(op, request, contentType string, body []byte) {
	if rec.ops == nil {
		rec.ops = map[string][]Recorded{}
	}
	rec.seq++
	a := Recorded{Op: op, Request: request, Status: http.StatusOK,
		Header: http.Header{"Content-Type": {contentType}}, Body: slices.Clone(body), seq: rec.seq}
	l := append(rec.ops[op], a)
	if rec.Max > 0 && len(l) > rec.Max {
		l = slices.Delete(l, 0, len(l)-rec.Max)
	}
	rec.ops[op] = l
}

// Answers returns copies of the answers recorded for op, oldest first; op
// "" returns every operation's, in the order they were given.
func (rec *Recorder) Answers(op string) []Recorded {
	var out []Recorded
	if op != "" {
		out = slices.Clone(rec.ops[op])
	} else {
		for _, l := range rec.ops {
			out = append(out, l...)
		}
		slices.SortFunc(out, func(a, b Recorded) int { return int(a.seq - b.seq) })
	}
	for i := range out {
		out[i].Header = out[i].Header.Clone()
		out[i].Body = slices.Clone(out[i].Body)
	}
	return out
}

// String describes the answer by its operation, status and size; never
// its body or request, which may carry tokens.
func (r Recorded) String() string {
	return fmt.Sprintf("Answer{Op:%s Status:%d Body:%d bytes}", r.Op, r.Status, len(r.Body))
}

// GoString is String, for %#v.
func (r Recorded) GoString() string { return r.String() }

// LogValue is String, for log/slog.
func (r Recorded) LogValue() slog.Value { return slog.StringValue(r.String()) }

// MarshalJSON encodes String as a JSON string.
func (r Recorded) MarshalJSON() ([]byte, error) { return json.Marshal(r.String()) }
