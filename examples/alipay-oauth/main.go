// Command alipay-oauth shows the Alipay web flow that gives a merchant the
// member's auth_token (OAuth scope auth_ecard) and opens a member card with it:
//
//	merchant page → Alipay authorization page (scope auth_ecard)
//	→ redirect back with auth_code → alipay.system.oauth.token
//	→ alipay.marketing.card.open with the member's token
//
// Run it with no configuration and it is self-contained: it starts the local
// Alipay gateway (alipaytest), serves the merchant site on 127.0.0.1, plays
// the member's browser with net/http (following the redirects), prints what
// happened and exits 0:
//
//	go run ./examples/alipay-oauth
//
// Set these to use a real Alipay app instead. The program then serves /login
// (which sends the member to Alipay's authorization page) and the callback,
// and opens a card for each member who comes back, until interrupted:
//
//	ALIPAY_APP_ID        the app id
//	ALIPAY_PRIVATE_KEY   the app's RSA private key (PEM or bare base64)
//	ALIPAY_PUBLIC_KEY    Alipay's public key for the app
//	ALIPAY_PRODUCTION    "1" to use Alipay's production gateway (default: the sandbox,
//	                     as every example program)
//	ALIPAY_TEMPLATE_ID   the card template to open (optional; without it the
//	                     callback only redeems the code)
//	ALIPAY_LISTEN        listen address, default 127.0.0.1:8080
//	ALIPAY_REDIRECT_URI  the redirect URI registered with the app, default
//	                     http://<ALIPAY_LISTEN>/alipay/callback
//
// Tokens are never printed.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
)

func main() {
	log.SetFlags(0)
	if os.Getenv("ALIPAY_APP_ID") != "" {
		if err := runReal(); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := runLocal(); err != nil {
		log.Fatal(err)
	}
}

// merchant is the merchant's web site: a login link and the OAuth callback.
//
// CSRF: /login puts a fresh random state in an HttpOnly, SameSite=Lax cookie
// (Lax, because Alipay's redirect back is a top-level cross-site GET that
// Strict would strip) that expires after stateTTL, and sends the same state
// to Alipay. The callback accepts only the state of the browser's own
// cookie, passing it to CheckCallback as the expected state, and clears the
// cookie, so a state is used once. Nothing is kept on the server.
type merchant struct {
	p          *alipay.Provider
	templateID string
	redirect   string
	secure     bool // set the cookie's Secure flag (https sites)
}

// stateCookie is the cookie that binds the OAuth state to the browser.
const stateCookie = "alipay_oauth_state"

// stateTTL is how long a member has to authorize.
const stateTTL = 10 * time.Minute

func newState() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (m *merchant) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, `<a href="/login">领取会员卡 (open your member card with Alipay)</a>`)
	})
	mux.HandleFunc("/login", m.login)
	mux.HandleFunc("/alipay/callback", m.callback)
	return mux
}

// login sends the member to Alipay's authorization page; auth_ecard is
// always in the scope.
func (m *merchant) login(w http.ResponseWriter, r *http.Request) {
	state := newState()
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: state, Path: "/", MaxAge: int(stateTTL / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: m.secure})
	u, err := m.p.AuthorizeURL(alipay.AuthorizeRequest{RedirectURI: m.redirect, State: state, Scopes: []string{alipay.ScopeUser}})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, u, http.StatusFound)
}

// callback redeems the auth_code and opens the member's card.
func (m *merchant) callback(w http.ResponseWriter, r *http.Request) {
	cb, err := alipay.ParseActivationCallback(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ck, err := r.Cookie(stateCookie)
	if err != nil || ck.Value == "" {
		http.Error(w, "no login in progress in this browser (state cookie missing or expired)", http.StatusBadRequest)
		return
	}
	// One use: the cookie goes whatever happens next.
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: m.secure})
	if err := m.p.CheckCallback(cb, ck.Value); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	tok, err := m.p.ExchangeCode(ctx, cb.AuthCode)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	// Apps with openid enabled may get only an open_id; either identifies
	// the holder on card.open.
	holder := tok.UserID
	if holder == "" {
		holder = tok.OpenID
	}
	fmt.Fprintf(w, "member %s authorized scopes %s\n", holder, strings.Join(cb.Scopes, ","))
	if info, err := m.p.UserInfoShare(ctx, tok.AccessToken); err == nil && info.NickName != "" {
		fmt.Fprintf(w, "nickname %s\n", info.NickName)
	}
	if m.templateID == "" {
		fmt.Fprintln(w, "no ALIPAY_TEMPLATE_ID: not opening a card")
		return
	}
	c, err := m.p.Open(ctx, card.OpenRequest{
		TemplateID: m.templateID,
		ExternalNo: "WEB" + holder[max(0, len(holder)-8):],
		Holder:     holder,
		AuthToken:  tok.AccessToken,
		Points:     card.WholePoints(100),
	})
	switch {
	case errors.Is(err, card.ErrAlreadyExists):
		fmt.Fprintln(w, "the member already holds a card of this template")
	case err != nil:
		http.Error(w, err.Error(), http.StatusBadGateway)
	default:
		fmt.Fprintf(w, "opened card %s (points %v, opened %s Beijing time)\n", c.Ref.CardNo, c.Points, c.OpenedAt.In(card.Beijing()).Format(time.DateTime))
	}
}

// runLocal runs the whole flow against alipaytest and exits.
func runLocal() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	gw := alipaytest.NewServer(nil)
	defer gw.Close()
	fmt.Println("local Alipay gateway:", gw.URL())
	client, err := gw.NewClient()
	if err != nil {
		return err
	}
	p, err := alipay.New(client, &alipay.Options{AuthorizeURL: gw.AuthorizeURL()})
	if err != nil {
		return err
	}
	tpl, err := p.CreateTemplate(ctx, card.TemplateSpec{Title: "示例会员卡", BrandName: "walletcard", Points: true})
	if err != nil {
		return err
	}
	fmt.Println("template:", tpl.ID)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	m := &merchant{p: p, templateID: tpl.ID, redirect: base + "/alipay/callback"}
	srv := &http.Server{Handler: m.routes(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	fmt.Println("merchant site:", base)

	// The member's browser: /login → Alipay's page → back to the callback.
	var hops []string
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		u := *req.URL
		if q := u.Query(); q.Has("auth_code") {
			q.Set("auth_code", "REDACTED")
			u.RawQuery = q.Encode()
		}
		hops = append(hops, u.Scheme+"://"+u.Host+u.Path+"?"+u.RawQuery)
		return nil
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/login", nil)
	if err != nil {
		return err
	}
	resp, err := browser.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	fmt.Println("browser: GET", base+"/login")
	for _, h := range hops {
		fmt.Println("browser: redirected to", h)
	}
	fmt.Printf("merchant answered %s:\n%s", resp.Status, body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("flow failed: %s", resp.Status)
	}
	fmt.Println("cards on the gateway:", gw.CardCount())
	return nil
}

// runReal serves the callback for a real Alipay app.
func runReal() error {
	for _, k := range []string{"ALIPAY_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY"} {
		if os.Getenv(k) == "" {
			return errors.New(k + " is not set")
		}
	}
	listen := os.Getenv("ALIPAY_LISTEN")
	if listen == "" {
		listen = "127.0.0.1:8080"
	}
	redirect := os.Getenv("ALIPAY_REDIRECT_URI")
	if redirect == "" {
		redirect = "http://" + listen + "/alipay/callback"
	}
	p, err := alipay.NewFromKeys(os.Getenv("ALIPAY_APP_ID"), os.Getenv("ALIPAY_PRIVATE_KEY"), os.Getenv("ALIPAY_PUBLIC_KEY"),
		&alipay.Options{Sandbox: os.Getenv("ALIPAY_PRODUCTION") != "1"})
	if err != nil {
		return err
	}
	m := &merchant{p: p, templateID: os.Getenv("ALIPAY_TEMPLATE_ID"), redirect: redirect,
		secure: strings.HasPrefix(redirect, "https://")}
	// The state is bound to the browser that visits /login, so the flow
	// starts there (not from a pre-built authorization URL).
	fmt.Println("Members start at http://" + listen + "/login (the site behind " + redirect + ")")
	fmt.Println("serving the callback on", redirect)
	srv := &http.Server{Addr: listen, Handler: m.routes(), ReadHeaderTimeout: 5 * time.Second}
	return srv.ListenAndServe()
}
