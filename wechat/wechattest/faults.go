package wechattest

import (
	"fmt"
	"strings"
	"time"

	card "github.com/walletcard/card"
)

// kindErrcode returns the errcode WeChat answers to path for a failure of
// kind, and whether path has one. This is the table of the package doc
// ("Fault injection").
func kindErrcode(path string, kind card.Kind) (int, bool) {
	codeLevel := strings.HasPrefix(path, "/card/code/") || strings.HasPrefix(path, "/card/membercard/") ||
		strings.HasPrefix(path, "/card/generalcard/") || strings.HasSuffix(path, "ticket/updateuser") ||
		path == "/card/boardingpass/checkin"
	switch kind {
	case card.KindUnavailable:
		return -1, true
	case card.KindRateLimited:
		return 45009, true
	case card.KindUnauthenticated:
		return 40001, true
	case card.KindPermissionDenied:
		return 48001, true
	case card.KindInvalidArgument:
		return 40097, true
	case card.KindNotFound:
		switch {
		case codeLevel:
			return 40056, true
		case strings.HasPrefix(path, "/card/"):
			return 40073, true
		}
	case card.KindConflict:
		switch {
		case path == "/card/code/consume":
			return 40099, true
		case codeLevel:
			return 40079, true
		case strings.HasPrefix(path, "/card/"):
			return 40078, true
		}
	}
	return 0, false
}

// FailNext makes the next n requests to op, an API path (for example
// "/card/membercard/activate"; "" = any path), fail before they are applied:
// the server answers WeChat's errcode for kind (see the table in the
// package doc: KindUnavailable → -1, KindRateLimited → 45009,
// KindUnauthenticated → 40001, KindNotFound → 40073 or 40056 …) and no
// state changes.
//
// A kind the named path cannot answer (for example KindNotFound for
// /cgi-bin/token) panics, like a misused httptest helper; with op "" the
// rule applies only to requests to paths that have an answer for kind and
// is not used up by the others. A later call for the same op replaces the
// earlier one; n ≤ 0 removes it.
func (s *Server) FailNext(op string, kind card.Kind, n int) {
	if n > 0 {
		probe := op
		if probe == "" {
			probe = "/card/code/consume" // every kind with an answer has one here
		}
		if _, ok := kindErrcode(probe, kind); !ok {
			panic(fmt.Sprintf("wechattest: FailNext(%q, %v): no answer for this kind", op, kind))
		}
	}
	s.setFault(s.faults, op, &fault{kind: kind, byKind: true, n: n})
}

// FailNextCode is FailNext with an exact errcode: the next n requests to
// op (an API path; "" = any path) answer {"errcode":errcode,"errmsg":…} without
// touching any state. n ≤ 0 removes the rule.
func (s *Server) FailNextCode(op string, errcode int, n int) {
	s.setFault(s.faults, op, &fault{code: errcode, n: n})
}

// ApplyThenFailNext makes the next n requests to op (an API path; "" = any path) that
// the server handles successfully apply their effect (state changes and
// event pushes, as usual) but answer {"errcode":errcode,"errmsg":…} instead
// of the success body, as WeChat does when it answers -1 (system busy) to a
// call it has carried out. Requests that fail (validation, state, FailNext)
// answer their own error and do not use up a rule. Use it to check that a
// client does not blindly resend a call that is not idempotent. A later
// call for the same op replaces the earlier one; n ≤ 0 removes it.
func (s *Server) ApplyThenFailNext(op string, errcode int, n int) {
	s.setFault(s.applied, op, &fault{code: errcode, n: n})
}

func (s *Server) setFault(m map[string]*fault, path string, f *fault) {
	s.meta.Lock()
	defer s.meta.Unlock()
	if f.n <= 0 {
		delete(m, path)
		return
	}
	m[path] = f
}

// LoseAnswerNext makes the next n requests to op (an API path; "" = any path) be
// handled normally — state changes, pushes are sent — and then lose their
// answer: the server closes the connection without writing anything, so the
// client sees a transport error although WeChat carried the call out. A
// request failed by FailNext uses up a rule too (its error answer is what
// gets lost). n ≤ 0 removes the rule.
func (s *Server) LoseAnswerNext(op string, n int) {
	s.meta.Lock()
	defer s.meta.Unlock()
	s.lost.Set(op, n)
}

// SetLatency delays every request to op (an API path; "" = every path) by d before it is
// handled. The delay ends early when the request's context is cancelled (the
// client went away: the request is dropped unhandled) or the server is
// closed; no lock is held while waiting. d <= 0 removes the delay.
func (s *Server) SetLatency(op string, d time.Duration) {
	s.meta.Lock()
	defer s.meta.Unlock()
	if d <= 0 {
		delete(s.latency, op)
		return
	}
	s.latency[op] = d
}

// ExpireCredentials makes every access token issued so far answer 42001
// (access_token expired). Tokens fetched afterwards are valid.
func (s *Server) ExpireCredentials() {
	s.meta.Lock()
	defer s.meta.Unlock()
	for _, t := range s.tokens {
		if t.state == 0 {
			t.state = 1
		}
	}
}

// RevokeCredentials makes the server refuse the app's credentials until
// RestoreCredentials, as after the secret was reset on the MP platform:
// every access token issued so far answers 40001 (invalid credential) —
// also after RestoreCredentials — and /cgi-bin/token and
// /cgi-bin/stable_token answer 40125 (invalid appsecret) whatever secret
// they are sent.
func (s *Server) RevokeCredentials() {
	s.meta.Lock()
	defer s.meta.Unlock()
	s.revoked = true
	for _, t := range s.tokens {
		t.state = 2
	}
}

// RestoreCredentials ends RevokeCredentials: the token endpoints accept the
// app secret again (tokens revoked meanwhile stay invalid).
func (s *Server) RestoreCredentials() {
	s.meta.Lock()
	defer s.meta.Unlock()
	s.revoked = false
}

// ResetTokens resets every access token out of band, as another server of
// the same account (or the console) fetching a new token does: every token
// issued so far answers 40001 from now on, and the next fetch gets a new
// one (the app secret stays valid).
func (s *Server) ResetTokens() {
	s.meta.Lock()
	defer s.meta.Unlock()
	for _, t := range s.tokens {
		t.state = 2
	}
}

func (s *Server) credentialsRevoked() bool {
	s.meta.Lock()
	defer s.meta.Unlock()
	return s.revoked
}
