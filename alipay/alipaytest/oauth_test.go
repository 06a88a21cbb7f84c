package alipaytest

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	alipay "github.com/smartwalle/alipay/v3"
)

// movable is a settable clock.
type movable struct {
	mu  sync.Mutex
	now time.Time
}

func (m *movable) Now() time.Time { m.mu.Lock(); defer m.mu.Unlock(); return m.now }
func (m *movable) Add(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = m.now.Add(d)
}

func TestOAuthTokenFlow(t *testing.T) {
	clk := &movable{now: time.Now()}
	e := newEnv(t, &Options{Clock: clk.Now})
	ctx := context.Background()
	uid := e.srv.NewUser()
	code := e.srv.Authorize(uid, ScopeAuthUser, ScopeAuthECard)

	// smartwalle's own helper decodes the irregular body (no code/msg,
	// numeric expires_in) and verifies its signature.
	tok, err := e.c.SystemOauthToken(ctx, alipay.SystemOauthToken{GrantType: "authorization_code", Code: code})
	if err != nil {
		t.Fatal(err)
	}
	if !tok.IsSuccess() || tok.UserId != uid || len(tok.AccessToken) != 40 || tok.ExpiresIn != 1209600 || tok.ReExpiresIn != 15552000 || tok.AuthStart == "" {
		t.Fatalf("token = %+v", tok)
	}
	if oid, _ := e.srv.OpenID(uid); tok.OpenId != oid || oid == "" {
		t.Fatalf("open_id %q, want %q", tok.OpenId, oid)
	}
	if tok.Code != "" || tok.Msg != "" {
		t.Fatalf("the oauth.token success node has no code/msg: %+v", tok.Error)
	}
	scopes, ok := e.srv.TokenScopes(tok.AccessToken)
	if !ok || strings.Join(scopes, ",") != "auth_ecard,auth_user" {
		t.Fatalf("scopes %v %v", scopes, ok)
	}

	// Codes are one-time.
	_, err = e.c.SystemOauthToken(ctx, alipay.SystemOauthToken{GrantType: "authorization_code", Code: code})
	gatewayErr(t, err, "40002", "isv.code-invalid")
	_, err = e.c.SystemOauthToken(ctx, alipay.SystemOauthToken{GrantType: "password", Code: code})
	gatewayErr(t, err, "40002", "isv.grant-type-invalid")

	// user.info.share with the token (scope auth_user).
	info, err := e.c.UserInfoShare(ctx, alipay.UserInfoShare{AuthToken: tok.AccessToken})
	if err != nil || !info.IsSuccess() || info.UserId != uid || info.NickName == "" {
		t.Fatalf("user info %+v %v", info, err)
	}

	// Refresh: a new pair; the used refresh token cannot be used again.
	tok2, err := e.c.SystemOauthToken(ctx, alipay.SystemOauthToken{GrantType: "refresh_token", RefreshToken: tok.RefreshToken})
	if err != nil || tok2.AccessToken == tok.AccessToken || tok2.UserId != uid {
		t.Fatalf("refresh: %+v %v", tok2, err)
	}
	_, err = e.c.SystemOauthToken(ctx, alipay.SystemOauthToken{GrantType: "refresh_token", RefreshToken: tok.RefreshToken})
	gatewayErr(t, err, "40002", "isv.refreshed-token-invalid")
	_, err = e.c.SystemOauthToken(ctx, alipay.SystemOauthToken{GrantType: "refresh_token", RefreshToken: "authusrRnope"})
	gatewayErr(t, err, "40002", "isv.refresh-token-invalid")

	// Expiry follows the server clock.
	code2 := e.srv.Authorize(uid, ScopeAuthECard)
	clk.Add(AccessTokenTTL + time.Second)
	r := e.fails(MethodUserInfoShare, nil, map[string]string{"auth_token": tok2.AccessToken}, "20001", "aop.auth-token-time-out")
	if r.Msg != "Insufficient Token Permissions" {
		t.Fatalf("msg %q", r.Msg)
	}
	_, err = e.c.SystemOauthToken(ctx, alipay.SystemOauthToken{GrantType: "authorization_code", Code: code2})
	gatewayErr(t, err, "40002", "isv.code-invalid") // older than AuthCodeTTL
	clk.Add(RefreshTokenTTL)
	_, err = e.c.SystemOauthToken(ctx, alipay.SystemOauthToken{GrantType: "refresh_token", RefreshToken: tok2.RefreshToken})
	gatewayErr(t, err, "40002", "isv.refresh-token-time-out")
}

func TestTokenScopes(t *testing.T) {
	e := newEnv(t, nil)
	tpl := e.template(nil)
	uid := e.srv.NewUser()
	open := func(token string) map[string]any {
		return map[string]any{
			"out_serial_no": randomID(20), "card_template_id": tpl,
			"card_user_info": map[string]string{"user_uni_id": uid, "user_uni_id_type": "UID"},
			"card_ext_info":  map[string]any{"external_card_no": "E"},
		}
	}
	// No token, an unknown token, and a token without auth_ecard.
	e.fails(MethodCardOpen, open(""), nil, "20001", "aop.invalid-auth-token")
	e.fails(MethodCardOpen, open(""), map[string]string{"auth_token": "authusrBdeadbeef"}, "20001", "aop.invalid-auth-token")
	base := e.srv.IssueToken(uid, ScopeAuthBase, ScopeAuthUser)
	e.fails(MethodCardOpen, open(""), map[string]string{"auth_token": base}, "20001", "aop.invalid-auth-token")
	// auth_ecard but of another user.
	other := e.srv.IssueToken(e.srv.NewUser(), ScopeAuthECard)
	e.fails(MethodCardOpen, open(""), map[string]string{"auth_token": other}, "40004", "USER_AUTH_FAIL")
	// user.info.share needs auth_user.
	ecard := e.srv.IssueToken(uid, ScopeAuthECard)
	e.fails(MethodUserInfoShare, nil, map[string]string{"auth_token": ecard}, "20001", "aop.invalid-auth-token")
	e.ok(MethodUserInfoShare, nil, map[string]string{"auth_token": base})
	first := open("")
	e.ok(MethodCardOpen, first, map[string]string{"auth_token": ecard})
	if e.srv.CardCount() != 1 {
		t.Fatal("CardCount")
	}
	// Replaying that serial needs the holder's token too.
	e.fails(MethodCardOpen, first, map[string]string{"auth_token": other}, "40004", "USER_AUTH_FAIL")
	e.ok(MethodCardOpen, first, map[string]string{"auth_token": ecard})
}

func TestAuthorizePage(t *testing.T) {
	e := newEnv(t, nil)
	// smartwalle builds the page URL on Alipay's host; swap in ours.
	u, err := e.c.PublicAppAuthorize([]string{ScopeAuthUser, ScopeAuthECard}, "https://merchant.example/cb", "st8")
	if err != nil {
		t.Fatal(err)
	}
	local, _ := url.Parse(e.srv.AuthorizeURL())
	u.Scheme, u.Host, u.Path = local.Scheme, local.Host, local.Path
	noRedirect := &http.Client{Transport: e.srv.HTTPClient().Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d", resp.StatusCode)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	q := loc.Query()
	if loc.Host != "merchant.example" || q.Get("app_id") != e.srv.AppID() || q.Get("source") != "alipay_wallet" ||
		q.Get("scope") != "auth_user,auth_ecard" || q.Get("state") != "st8" || q.Get("auth_code") == "" {
		t.Fatalf("redirect %s", loc)
	}
	tok, err := e.c.SystemOauthToken(context.Background(), alipay.SystemOauthToken{GrantType: "authorization_code", Code: q.Get("auth_code")})
	if err != nil || tok.UserId != DemoUserID {
		t.Fatalf("%+v %v", tok, err)
	}

	// Another user, and bad requests.
	uq := url.Values{"app_id": {e.srv.AppID()}, "scope": {"auth_base"}, "redirect_uri": {"https://m.example/x?keep=1"}, "user_id": {"2088123412341234"}}
	resp, err = noRedirect.Get(e.srv.AuthorizeURL() + "?" + uq.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ = url.Parse(resp.Header.Get("Location"))
	if loc.Query().Get("keep") != "1" || loc.Query().Get("auth_code") == "" {
		t.Fatalf("redirect %s", loc)
	}
	for _, bad := range []url.Values{
		{"app_id": {"1"}, "scope": {"auth_base"}, "redirect_uri": {"https://m.example/"}},
		{"app_id": {e.srv.AppID()}, "scope": {"auth_everything"}, "redirect_uri": {"https://m.example/"}},
		{"app_id": {e.srv.AppID()}, "scope": {"auth_base"}, "redirect_uri": {"javascript:alert(1)"}},
		{"app_id": {e.srv.AppID()}, "scope": {"auth_base"}, "redirect_uri": {"https://m.example/"}, "user_id": {"1234"}},
	} {
		resp, err := noRedirect.Get(e.srv.AuthorizeURL() + "?" + bad.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%v: status %d", bad, resp.StatusCode)
		}
	}
}

func TestUserIDs(t *testing.T) {
	srv := NewServer(nil)
	defer srv.Close()
	a, b := srv.NewUser(), srv.NewUser()
	if a == b || !validUserID(a) || !validUserID(b) {
		t.Fatalf("%q %q", a, b)
	}
	srv.AddUser("2088000000000042")
	srv.AddUser("2088000000000042") // idempotent
	defer func() {
		if recover() == nil {
			t.Fatal("AddUser accepted an invalid id")
		}
	}()
	srv.AddUser("12345")
}

func TestAppAuthToken(t *testing.T) {
	e := newEnv(t, nil)
	e.ok(MethodTemplateBatchQuery, nil, map[string]string{"app_auth_token": "202611BBnope"}) // not checked yet
	isv := e.srv.IssueAppAuthToken()
	e.fails(MethodTemplateBatchQuery, nil, map[string]string{"app_auth_token": "202611BBnope"}, "20001", "aop.invalid-app-auth-token")
	e.ok(MethodTemplateBatchQuery, nil, map[string]string{"app_auth_token": isv})
	e.ok(MethodTemplateBatchQuery, nil, nil)
	// It is signed like every other common parameter.
	v := e.baseValues(MethodTemplateBatchQuery, "")
	sign(appKey(t), v)
	v.Set("app_auth_token", isv)
	e.wantGatewayError(t, e.post(v), MethodTemplateBatchQuery, shapeSigned, "40002", "isv.invalid-signature")
}
