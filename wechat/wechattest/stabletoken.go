package wechattest

// POST /cgi-bin/stable_token (getStableAccessToken), modelled on WeChat's
// documentation of the endpoint:
//
//   - Normal mode (force_refresh false or absent): every caller gets the same
//     token for its lifetime; expires_in is the time it has left. Within its
//     last StableTokenRenewal (5 minutes) a call gets the next token, and the
//     old one stays valid until it expires, so both work during the handover.
//     A stable token that was revoked or forcibly expired (ResetTokens,
//     ExpireCredentials) is replaced by the next normal-mode call.
//   - Force-refresh mode (force_refresh true): a new token is issued; the one
//     it replaces stays valid for five more minutes, and the token an earlier
//     force refresh replaced dies at once (two force refreshes 30 s apart
//     invalidate a leaked token immediately, as WeChat documents). A force
//     refresh less than ForceRefreshSpacing (30 s) after the previous one does
//     not rotate: it answers the current token. At most ForceRefreshPerDay (20)
//     force_refresh calls are accepted per Beijing day; further ones answer
//     45009 (reach max api daily quota limit).
//   - Stable tokens and /cgi-bin/token tokens are separate: fetching one kind
//     never ends a token of the other kind.

import (
	"strings"
	"time"
)

// stableState is the server's stable_token state (guarded by Server.meta).
type stableState struct {
	current  string // token value (key of Server.tokens)
	replaced string // the token the last force refresh replaced, alive ≤ 5 min
	last     time.Time
	day      string // Beijing date of forceUsed
	used     int
	fetches  int // accepted stable_token requests
	forces   int // force_refresh requests that rotated the token
	rejected int // API calls refused for an expired, revoked or unknown token
}

// stableGrace is how long a token replaced by a force refresh stays valid.
const stableGrace = 5 * time.Minute

// applyStableDefaults fills the stable_token options.
func applyStableDefaults(o *Options) {
	if o.StableTokenRenewal <= 0 {
		o.StableTokenRenewal = 5 * time.Minute
		if d := o.TokenTTL / 10; d < o.StableTokenRenewal {
			o.StableTokenRenewal = d
		}
	}
	if o.ForceRefreshPerDay <= 0 {
		o.ForceRefreshPerDay = 20
	}
	if o.ForceRefreshSpacing <= 0 {
		o.ForceRefreshSpacing = 30 * time.Second
	}
}

func hStableToken(s *Server, rq *request) (any, *apiError) {
	var in struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh *bool  `json:"force_refresh"`
	}
	if err := decode(rq.body, &in); err != nil {
		return nil, err
	}
	s.meta.Lock()
	defer s.meta.Unlock()
	switch {
	case in.GrantType != "client_credential":
		return nil, errc(40002)
	case in.AppID == "":
		return nil, errm(41002, "appid missing")
	case in.Secret == "":
		return nil, errm(41004, "appsecret missing")
	case in.AppID != s.opts.AppID:
		return nil, errc(40013)
	case in.Secret != s.opts.AppSecret:
		return nil, errc(40125)
	}
	now := s.now()
	st := &s.stable
	cur := s.tokens[st.current]
	if in.ForceRefresh != nil && *in.ForceRefresh {
		day := now.In(beijing).Format(time.DateOnly)
		if st.day != day {
			st.day, st.used = day, 0
		}
		if st.used >= s.opts.ForceRefreshPerDay {
			return nil, errc(45009)
		}
		st.used++
		st.fetches++
		if !st.last.IsZero() && now.Sub(st.last) < s.opts.ForceRefreshSpacing && stableValid(cur, now) {
			return stableAnswer(st.current, cur, now), nil // too soon: WeChat does not refresh
		}
		st.last = now
		st.forces++
		if old := s.tokens[st.replaced]; old != nil {
			old.state = 2 // a second force refresh kills the token the first one replaced
		}
		st.replaced = ""
		if stableValid(cur, now) {
			if cut := now.Add(stableGrace); cur.expires.After(cut) {
				cur.expires = cut
			}
			st.replaced = st.current
		}
		return s.issueStableLocked(now), nil
	}
	st.fetches++
	if stableValid(cur, now) && now.Before(cur.expires.Add(-s.opts.StableTokenRenewal)) {
		return stableAnswer(st.current, cur, now), nil
	}
	// Renewal (the old token lives on until its own expiry) or replacement.
	return s.issueStableLocked(now), nil
}

// stableValid reports whether stable_token still serves t at now (a token
// RejectStableToken marked is served although API calls refuse it).
func stableValid(t *token, now time.Time) bool {
	return t != nil && (t.state == 0 || t.state == 3) && now.Before(t.expires)
}

// RejectStableToken makes API calls refuse the current stable token with
// 40001 while stable_token in normal mode keeps handing it out, until a
// force_refresh replaces it: the case where only force_refresh helps. It
// returns the token ("" if there is none).
func (s *Server) RejectStableToken() string {
	s.meta.Lock()
	defer s.meta.Unlock()
	t := s.tokens[s.stable.current]
	if !stableValid(t, s.now()) {
		return ""
	}
	t.state = 3
	return s.stable.current
}

// issueStableLocked makes a new current stable token.
func (s *Server) issueStableLocked(now time.Time) any {
	s.forgetDeadTokensLocked(now)
	tok := "S" + strings.ToUpper(randomHex(8)) + "_" + randomTicket("")
	t := &token{expires: now.Add(s.opts.TokenTTL), stable: true}
	s.tokens[tok] = t
	s.stable.current = tok
	return stableAnswer(tok, t, now)
}

// forgetDeadTokensLocked drops tokens that died more than an hour ago.
func (s *Server) forgetDeadTokensLocked(now time.Time) {
	for k, t := range s.tokens {
		if !now.Before(t.expires) && now.Sub(t.expires) > time.Hour {
			delete(s.tokens, k)
		}
	}
}

func stableAnswer(value string, t *token, now time.Time) any {
	left := int64(t.expires.Sub(now) / time.Second)
	return struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}{value, left}
}

// StableTokenFetches reports how many /cgi-bin/stable_token requests were
// answered with a token (normal and force-refresh mode), and how many of
// them were force refreshes that rotated the token.
func (s *Server) StableTokenFetches() (all, forced int) {
	s.meta.Lock()
	defer s.meta.Unlock()
	return s.stable.fetches, s.stable.forces
}

// ForceRefreshesToday reports how many force_refresh calls the current
// Beijing day's quota (Options.ForceRefreshPerDay) has used.
func (s *Server) ForceRefreshesToday() int {
	s.meta.Lock()
	defer s.meta.Unlock()
	if s.stable.day != s.now().In(beijing).Format(time.DateOnly) {
		return 0
	}
	return s.stable.used
}

// StableToken returns the current stable access token ("" if none was
// issued or it is no longer valid), without counting a fetch.
func (s *Server) StableToken() string {
	s.meta.Lock()
	defer s.meta.Unlock()
	if stableValid(s.tokens[s.stable.current], s.now()) {
		return s.stable.current
	}
	return ""
}

// TokenRejections reports how many API calls were refused because their
// access token was expired (42001), revoked or unknown (40001). Calls
// refused by FailNext are not counted.
func (s *Server) TokenRejections() int {
	s.meta.Lock()
	defer s.meta.Unlock()
	return s.stable.rejected
}
