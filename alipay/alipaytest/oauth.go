package alipaytest

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/walletcard/card/driver"
)

// Scopes a user can grant (Alipay's list). auth_ecard is the member-card
// scope card.open needs; auth_user is what alipay.user.info.share needs.
const (
	ScopeAuthBase  = "auth_base"
	ScopeAuthUser  = "auth_user"
	ScopeAuthECard = "auth_ecard"
)

// knownScope reports whether sc is one of Alipay's OAuth scopes.
func knownScope(sc string) bool {
	switch sc {
	case ScopeAuthBase, ScopeAuthUser, ScopeAuthECard, "auth_invoice_info", "auth_puc_charge":
		return true
	}
	return false
}

type user struct {
	id     string
	openID string // minted at registration; see Server.OpenID
}

type authCode struct {
	code    string
	userID  string
	scopes  []string
	expires time.Time
}

type token struct {
	access    string
	refresh   string
	userID    string
	scopes    []string
	start     time.Time
	expires   time.Time
	reExpires time.Time
	refreshed bool // the refresh token was used
	expired   bool // ExpireCredentials
}

func (t *token) has(scope string) bool {
	for _, s := range t.scopes {
		if s == scope {
			return true
		}
	}
	return false
}

// validUserID reports whether id looks like an Alipay UID: 16 digits
// starting with 2088.
func validUserID(id string) bool {
	if len(id) != 16 || !strings.HasPrefix(id, "2088") {
		return false
	}
	for _, c := range []byte(id) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// AddUser registers an Alipay user. userID must be 16 digits starting with
// "2088"; anything else panics, since it is a mistake in the test.
func (s *Server) AddUser(userID string) {
	if !validUserID(userID) {
		panic(fmt.Sprintf("alipaytest: AddUser(%q): an Alipay user id is 16 digits starting with 2088", userID))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.register(userID)
}

// register returns the user with id, registering it (and minting its
// open_id) when it is new. Callers hold s.mu.
func (s *Server) register(id string) *user {
	u := s.st.users[id]
	if u == nil {
		u = &user{id: id, openID: "074a" + randomID(44)}
		s.st.users[id] = u
		s.st.openIDs[u.openID] = id
	}
	return u
}

// OpenID returns the open_id of a registered user (every user gets one when
// registered by AddUser, NewUser, Authorize or IssueToken) and whether the
// user is known. The gateway behaves like an app with openid enabled:
// oauth.token and user.info.share return open_id next to user_id, and
// card.open and card.query accept card_user_info.open_id in place of
// user_uni_id.
func (s *Server) OpenID(userID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.st.users[userID]; u != nil {
		return u.openID, true
	}
	return "", false
}

// NewUser registers a new user with a unique 2088… id (and its open_id, see
// OpenID) and returns the id.
func (s *Server) NewUser() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		id := fmt.Sprintf("2088%012d", 500000000000+s.nextSeq())
		if s.st.users[id] == nil {
			s.register(id)
			return id
		}
	}
}

// Authorize simulates userID approving the app's OAuth request for scopes
// (none = auth_base) and returns the one-time auth_code the merchant's
// redirect_uri would receive. An unknown user is registered first; an
// invalid id panics as in AddUser.
func (s *Server) Authorize(userID string, scopes ...string) string {
	if !validUserID(userID) {
		panic(fmt.Sprintf("alipaytest: Authorize(%q): an Alipay user id is 16 digits starting with 2088", userID))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueCode(userID, scopes)
}

// issueCode creates an auth_code. Callers hold s.mu.
func (s *Server) issueCode(userID string, scopes []string) string {
	s.register(userID)
	if len(scopes) == 0 {
		scopes = []string{ScopeAuthBase}
	}
	c := &authCode{code: randomID(32), userID: userID, scopes: append([]string(nil), scopes...), expires: s.now().Add(AuthCodeTTL)}
	s.st.codes[c.code] = c
	return c.code
}

// IssueToken returns a fresh access_token (the auth_token of card.open,
// activateform.query and user.info.share) for userID with scopes, as if the
// user had authorized and the code had been redeemed. An unknown user is
// registered first; an invalid id panics as in AddUser.
func (s *Server) IssueToken(userID string, scopes ...string) string {
	if !validUserID(userID) {
		panic(fmt.Sprintf("alipaytest: IssueToken(%q): an Alipay user id is 16 digits starting with 2088", userID))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.register(userID)
	if len(scopes) == 0 {
		scopes = []string{ScopeAuthBase}
	}
	return s.newToken(userID, scopes).access
}

// newToken creates an access/refresh token pair. Callers hold s.mu.
func (s *Server) newToken(userID string, scopes []string) *token {
	now := s.now()
	t := &token{
		access:    "authusrB" + randomID(32),
		refresh:   "authusrR" + randomID(32),
		userID:    userID,
		scopes:    append([]string(nil), scopes...),
		start:     now,
		expires:   now.Add(AccessTokenTTL),
		reExpires: now.Add(RefreshTokenTTL),
	}
	s.st.tokens[t.access] = t
	s.st.refresh[t.refresh] = t
	return t
}

// checkToken resolves the auth_token parameter and requires scope. Callers
// hold s.mu.
func (s *Server) checkToken(req *request, scope string) (*token, *apiError) {
	v := req.param("auth_token")
	t := s.st.tokens[v]
	if v == "" || t == nil {
		return nil, tokenError("aop.invalid-auth-token", "无效的访问令牌")
	}
	if t.expired || !req.now.Before(t.expires) {
		return nil, tokenError("aop.auth-token-time-out", "访问令牌已过期")
	}
	if scope != "" && !t.has(scope) {
		return nil, tokenError("aop.invalid-auth-token", "无效的访问令牌: the user did not grant scope "+scope)
	}
	return t, nil
}

// AuthorizeURL returns the address of the server's user-authorization page,
// the local stand-in for https://openauth.alipay.com/oauth2/publicAppAuthorize.htm.
// A GET with app_id, scope (comma-separated), redirect_uri, optional state and
// optional user_id (default DemoUserID) answers 302 to
// redirect_uri?app_id&source=alipay_wallet&scope&auth_code&state.
func (s *Server) AuthorizeURL() string { return s.ts.URL + "/oauth2/publicAppAuthorize.htm" }

func (s *Server) handleAuthorizePage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	if q.Get("app_id") != s.appID {
		http.Error(w, "invalid app_id", http.StatusBadRequest)
		return
	}
	var scopes []string
	for _, sc := range strings.Split(q.Get("scope"), ",") {
		sc = strings.TrimSpace(sc)
		if sc == "" {
			continue
		}
		if !knownScope(sc) {
			http.Error(w, "invalid scope "+strconv.Quote(sc), http.StatusBadRequest)
			return
		}
		scopes = append(scopes, sc)
	}
	if len(scopes) == 0 {
		http.Error(w, "missing scope", http.StatusBadRequest)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || (redirect.Scheme != "http" && redirect.Scheme != "https") || redirect.Host == "" {
		http.Error(w, "invalid redirect_uri", http.StatusBadRequest)
		return
	}
	uid := q.Get("user_id")
	if uid == "" {
		uid = DemoUserID
	}
	if !validUserID(uid) {
		http.Error(w, "invalid user_id", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	code := s.issueCode(uid, scopes)
	s.mu.Unlock()
	out := redirect.Query()
	out.Set("app_id", s.appID)
	out.Set("source", "alipay_wallet")
	out.Set("scope", strings.Join(scopes, ","))
	out.Set("auth_code", code)
	if st := q.Get("state"); st != "" {
		out.Set("state", st)
	}
	redirect.RawQuery = out.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// oauthToken implements alipay.system.oauth.token. Its success node has no
// code/msg and numeric expires_in/re_expires_in; failures are unsigned
// error_response bodies, as the real gateway sends.
func (s *Server) oauthToken(req *request) (node, *apiError) {
	var t *token
	switch req.param("grant_type") {
	case "authorization_code":
		code := req.param("code")
		c := s.st.codes[code]
		if code == "" || c == nil {
			return nil, gatewayError("40002", "isv.code-invalid", "授权码code无效")
		}
		delete(s.st.codes, code) // one-time, even when expired
		if !req.now.Before(c.expires) {
			return nil, gatewayError("40002", "isv.code-invalid", "授权码code无效")
		}
		t = s.newToken(c.userID, c.scopes)
	case "refresh_token":
		rt := req.param("refresh_token")
		old := s.st.refresh[rt]
		if rt == "" || old == nil {
			return nil, gatewayError("40002", "isv.refresh-token-invalid", "刷新令牌refresh_token无效")
		}
		if old.refreshed {
			return nil, gatewayError("40002", "isv.refreshed-token-invalid", "刷新令牌已使用过")
		}
		if !req.now.Before(old.reExpires) {
			return nil, gatewayError("40002", "isv.refresh-token-time-out", "刷新令牌refresh_token过期")
		}
		old.refreshed = true
		t = s.newToken(old.userID, old.scopes)
	default:
		return nil, gatewayError("40002", "isv.grant-type-invalid", "grant_type参数不正确")
	}
	return node{
		{"access_token", t.access},
		{"auth_start", driver.FormatWalletTime(t.start)},
		{"expires_in", int64(AccessTokenTTL / time.Second)},
		{"open_id", s.register(t.userID).openID},
		{"re_expires_in", int64(RefreshTokenTTL / time.Second)},
		{"refresh_token", t.refresh},
		{"user_id", t.userID},
	}, nil
}

// userInfoShare implements alipay.user.info.share (needs scope auth_user).
func (s *Server) userInfoShare(req *request) (node, *apiError) {
	t, e := s.checkToken(req, ScopeAuthUser)
	if e != nil {
		return nil, e
	}
	return append(success(),
		field{"nick_name", "用户" + t.userID[len(t.userID)-4:]},
		field{"open_id", s.register(t.userID).openID},
		field{"user_id", t.userID},
	), nil
}

// TokenScopes returns the scopes of a live access token and whether it is
// live (known and not expired).
func (s *Server) TokenScopes(accessToken string) ([]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.st.tokens[accessToken]
	if t == nil || t.expired || !s.now().Before(t.expires) {
		return nil, false
	}
	out := append([]string(nil), t.scopes...)
	sort.Strings(out)
	return out, true
}

// IssueAppAuthToken returns a new app_auth_token, the token an ISV sends
// (common parameter app_auth_token) to act for a merchant. Until the first
// call the server does not check app_auth_token at all (so tests that do not
// model ISV authorization can send any value); from then on a request whose
// app_auth_token was not issued here is answered 20001
// aop.invalid-app-auth-token. Requests may always omit it.
func (s *Server) IssueAppAuthToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := "202611BB" + randomID(32)
	s.st.appAuthTokens[t] = true
	return t
}
