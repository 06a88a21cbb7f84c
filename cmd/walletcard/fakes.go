package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay/alipaytest"
	"github.com/walletcard/card/wechat/wechattest"
)

// fakeCreds are the endpoints and generated credentials of a pair of local
// fakes. They are fresh for every fake started, so that no credential of one
// fake works on another.
type fakeCreds struct {
	Alipay struct {
		URL        string `json:"url"`
		AppID      string `json:"app_id"`
		PrivateKey string `json:"private_key"`
		PublicKey  string `json:"alipay_public_key"`
	} `json:"alipay"`
	WeChat struct {
		URL        string `json:"url"`
		QRImageURL string `json:"qr_image_url"`
		AppID      string `json:"app_id"`
		AppSecret  string `json:"app_secret"`
		PushToken  string `json:"push_token"`
		PushAESKey string `json:"push_aes_key"`
	} `json:"wechat"`
}

func (c *fakeCreds) secrets() []string {
	return []string{c.Alipay.PrivateKey, c.WeChat.AppSecret, c.WeChat.PushToken, c.WeChat.PushAESKey}
}

// fakeState is what `walletcard fake serve` writes to its state file (mode
// 0600) for the other commands.
type fakeState struct {
	PID        int       `json:"pid"`
	Started    time.Time `json:"started"`
	AdminURL   string    `json:"admin_url"`
	AdminToken string    `json:"admin_token"`
	fakeCreds
}

// depositStats counts, at the fake, every code that reached
// /card/code/deposit, so that a test can prove no code was sent twice.
type depositStats struct {
	Calls    int `json:"calls"`
	Codes    int `json:"codes"`     // codes received, repeats included
	Distinct int `json:"distinct"`  // distinct codes received
	MaxSends int `json:"max_sends"` // the most times one code was received
}

// fakeControl simulates what users and the wallets' back offices do on the
// fakes, and reads their counters. localFakes does it in process,
// remoteFakes through the admin endpoint of `walletcard fake serve`.
type fakeControl interface {
	Claim(ctx context.Context, cardID, openid, channel string) (string, error)
	NewAlipayUser(ctx context.Context) (userID, authCode string, err error)
	DeleteByUser(ctx context.Context, cardID, code string) error
	Calls(ctx context.Context, wallet, op string) (int, error)
	DepositStats(ctx context.Context) (depositStats, error)
	SetEventURL(ctx context.Context, u string) error
	Fault(ctx context.Context, f faultSpec) error
	Creds() *fakeCreds
	// AccessTokens returns the access tokens the WeChat fake issued, for the
	// test hook that checks no credential is printed.
	AccessTokens(ctx context.Context) []string
}

// faultSpec is a fault to inject at a fake (`walletcard fake fault`), in
// the fakes' one fault vocabulary.
type faultSpec struct {
	Wallet     string        `json:"wallet"`
	Op         string        `json:"op"`
	Kind       string        `json:"kind,omitempty"` // FailNext with this kind
	LoseAnswer bool          `json:"lose_answer,omitempty"`
	Latency    time.Duration `json:"latency,omitempty"`
	N          int           `json:"n"`
}

// kindByName maps "rate_limited", "rate limited" … to a card.Kind.
func kindByName(s string) (card.Kind, bool) {
	s = strings.ReplaceAll(s, "_", " ")
	for k := card.KindUnknown; k <= card.KindUnsupported; k++ {
		if k.String() == s {
			return k, true
		}
	}
	return 0, false
}

// localFakes runs both fakes in this process.
type localFakes struct {
	ali   *alipaytest.Server
	wx    *wechattest.Server
	front *http.Server // counting front of the WeChat fake
	ln    net.Listener
	creds fakeCreds

	mu    sync.Mutex
	sends map[string]int
	calls int
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// startFakes starts both fakes on loopback with fresh credentials.
func startFakes() (*localFakes, error) {
	f := &localFakes{sends: map[string]int{}}
	c := &f.creds
	c.Alipay.AppID = "2021" + strconv.FormatUint(uint64(time.Now().UnixNano()%1e12), 10)
	f.ali = alipaytest.NewServer(&alipaytest.Options{AppID: c.Alipay.AppID, FreshKeys: true})
	c.Alipay.URL, c.Alipay.PrivateKey, c.Alipay.PublicKey = f.ali.URL(), f.ali.AppPrivateKey(), f.ali.AlipayPublicKey()

	c.WeChat.AppID = "wx" + randomHex(8)
	c.WeChat.AppSecret = randomHex(16)
	c.WeChat.PushToken = "pt" + randomHex(12)
	aes := randomHex(22) // 44 hex digits; EncodingAESKey is 43 characters
	c.WeChat.PushAESKey = aes[:43]
	f.wx = wechattest.NewServer(&wechattest.Options{
		AppID: c.WeChat.AppID, AppSecret: c.WeChat.AppSecret,
		PushToken: c.WeChat.PushToken, EncodingAESKey: c.WeChat.PushAESKey,
	})
	c.WeChat.QRImageURL = f.wx.QRImageURL()

	target, err := url.Parse(f.wx.URL())
	if err != nil {
		f.Close()
		return nil, err
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ErrorLog = log.New(io.Discard, "", 0)
	proxy.ErrorHandler = func(http.ResponseWriter, *http.Request, error) {
		// The fake closed the connection with no answer (LoseAnswerNext):
		// do the same to the client instead of answering 502.
		panic(http.ErrAbortHandler)
	}
	f.ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Close()
		return nil, err
	}
	f.front = &http.Server{Handler: f.countDeposits(proxy), ReadHeaderTimeout: 10 * time.Second}
	go f.front.Serve(f.ln) //nolint:errcheck // ends with Close
	c.WeChat.URL = "http://" + f.ln.Addr().String()
	return f, nil
}

// countDeposits counts the codes of every /card/code/deposit request before
// passing it to the WeChat fake.
func (f *localFakes) countDeposits(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/card/code/deposit" {
			body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			if err != nil {
				http.Error(w, "read", http.StatusBadRequest)
				return
			}
			var in struct {
				Code []string `json:"code"`
			}
			if json.Unmarshal(body, &in) == nil {
				f.mu.Lock()
				f.calls++
				for _, c := range in.Code {
					f.sends[c]++
				}
				f.mu.Unlock()
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}
		next.ServeHTTP(w, r)
	})
}

func (f *localFakes) Close() {
	if f.front != nil {
		f.front.Close()
	}
	if f.wx != nil {
		f.wx.Close()
	}
	if f.ali != nil {
		f.ali.Close()
	}
}

func (f *localFakes) Creds() *fakeCreds { return &f.creds }

func (f *localFakes) Claim(_ context.Context, cardID, openid, channel string) (string, error) {
	if openid == "" {
		openid = "o" + randomHex(12)
	}
	return f.wx.Claim(cardID, openid, channel)
}

func (f *localFakes) NewAlipayUser(context.Context) (string, string, error) {
	u := f.ali.NewUser()
	return u, f.ali.Authorize(u, "auth_ecard", "auth_base"), nil
}

func (f *localFakes) DeleteByUser(_ context.Context, cardID, code string) error {
	return f.wx.DeleteByUser(cardID, code)
}

func (f *localFakes) Calls(_ context.Context, wallet, op string) (int, error) {
	switch wallet {
	case card.Alipay:
		return f.ali.CallCount(op), nil
	case card.WeChat:
		return f.wx.CallCount(op), nil
	}
	return 0, invalidArg("wallet", "must be alipay or wechat, got %q", wallet)
}

func (f *localFakes) DepositStats(context.Context) (depositStats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := depositStats{Calls: f.calls, Distinct: len(f.sends)}
	for _, n := range f.sends {
		s.Codes += n
		s.MaxSends = max(s.MaxSends, n)
	}
	return s, nil
}

func (f *localFakes) SetEventURL(_ context.Context, u string) error {
	f.wx.SetEventURL(u)
	return nil
}

func (f *localFakes) Fault(_ context.Context, fs faultSpec) error {
	type faulty interface {
		FailNext(op string, kind card.Kind, n int)
		LoseAnswerNext(op string, n int)
		SetLatency(op string, d time.Duration)
	}
	var srv faulty
	switch fs.Wallet {
	case card.Alipay:
		srv = f.ali
	case card.WeChat:
		srv = f.wx
	default:
		return invalidArg("wallet", "must be alipay or wechat, got %q", fs.Wallet)
	}
	switch {
	case fs.Kind != "":
		k, ok := kindByName(fs.Kind)
		if !ok {
			return invalidArg("kind", "unknown kind %q", fs.Kind)
		}
		srv.FailNext(fs.Op, k, fs.N)
	case fs.LoseAnswer:
		srv.LoseAnswerNext(fs.Op, fs.N)
	default:
		srv.SetLatency(fs.Op, fs.Latency)
	}
	return nil
}

func (f *localFakes) AccessTokens(context.Context) []string {
	if t := f.wx.StableToken(); t != "" {
		return []string{t}
	}
	return nil
}

// adminHandler serves fakeControl over HTTP for `walletcard fake serve`.
// Every request must carry the admin token of the state file.
func (f *localFakes) adminHandler(token string) http.Handler {
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any, err error) {
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			w.WriteHeader(http.StatusUnprocessableEntity)
			json.NewEncoder(w).Encode(map[string]any{"error": err.Error(), "kind": card.KindOf(err).String()}) //nolint:errcheck
			return
		}
		json.NewEncoder(w).Encode(v) //nolint:errcheck
	}
	mux.HandleFunc("GET /ping", func(w http.ResponseWriter, r *http.Request) { reply(w, map[string]int{"pid": os.Getpid()}, nil) })
	mux.HandleFunc("POST /claim", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		code, err := f.Claim(r.Context(), q.Get("card_id"), q.Get("openid"), q.Get("channel"))
		reply(w, map[string]string{"code": code}, err)
	})
	mux.HandleFunc("POST /alipay-user", func(w http.ResponseWriter, r *http.Request) {
		u, code, err := f.NewAlipayUser(r.Context())
		reply(w, map[string]string{"user_id": u, "auth_code": code}, err)
	})
	mux.HandleFunc("POST /delete-by-user", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		reply(w, map[string]string{}, f.DeleteByUser(r.Context(), q.Get("card_id"), q.Get("code")))
	})
	mux.HandleFunc("GET /calls", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		n, err := f.Calls(r.Context(), q.Get("wallet"), q.Get("op"))
		reply(w, map[string]int{"calls": n}, err)
	})
	mux.HandleFunc("GET /deposits", func(w http.ResponseWriter, r *http.Request) {
		s, err := f.DepositStats(r.Context())
		reply(w, s, err)
	})
	mux.HandleFunc("POST /event-url", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]string{}, f.SetEventURL(r.Context(), r.URL.Query().Get("url")))
	})
	mux.HandleFunc("POST /fault", func(w http.ResponseWriter, r *http.Request) {
		var fs faultSpec
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&fs); err != nil {
			reply(w, nil, invalidArg("fault", "%v", err))
			return
		}
		reply(w, map[string]string{}, f.Fault(r.Context(), fs))
	})
	mux.HandleFunc("GET /access-tokens", func(w http.ResponseWriter, r *http.Request) {
		reply(w, f.AccessTokens(r.Context()), nil)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// remoteFakes talks to the admin endpoint of a running `walletcard fake serve`.
type remoteFakes struct {
	st fakeState
	hc *http.Client
}

func (r *remoteFakes) Creds() *fakeCreds { return &r.st.fakeCreds }

func (r *remoteFakes) call(ctx context.Context, method, path string, q url.Values, out any) error {
	return r.callBody(ctx, method, path, q, nil, out)
}

func (r *remoteFakes) callBody(ctx context.Context, method, path string, q url.Values, body []byte, out any) error {
	u := r.st.AdminURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+r.st.AdminToken)
	resp, err := r.hc.Do(req)
	if err != nil {
		return &card.Error{Provider: "fake", Op: path, Kind: card.KindUnavailable, Message: "the fake (walletcard fake serve) does not answer", Err: errors.Unwrap(err)}
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error, Kind string }
		_ = json.Unmarshal(answer, &e)
		kind, _ := kindByName(e.Kind) // KindUnknown when not a kind's name
		return &card.Error{Provider: "fake", Op: path, Kind: kind, Message: e.Error}
	}
	if out != nil {
		return json.Unmarshal(answer, out)
	}
	return nil
}

func (r *remoteFakes) Claim(ctx context.Context, cardID, openid, channel string) (string, error) {
	var out struct{ Code string }
	err := r.call(ctx, http.MethodPost, "/claim", url.Values{"card_id": {cardID}, "openid": {openid}, "channel": {channel}}, &out)
	return out.Code, err
}

func (r *remoteFakes) NewAlipayUser(ctx context.Context) (string, string, error) {
	var out struct {
		UserID   string `json:"user_id"`
		AuthCode string `json:"auth_code"`
	}
	err := r.call(ctx, http.MethodPost, "/alipay-user", nil, &out)
	return out.UserID, out.AuthCode, err
}

func (r *remoteFakes) DeleteByUser(ctx context.Context, cardID, code string) error {
	return r.call(ctx, http.MethodPost, "/delete-by-user", url.Values{"card_id": {cardID}, "code": {code}}, nil)
}

func (r *remoteFakes) Calls(ctx context.Context, wallet, op string) (int, error) {
	var out struct{ Calls int }
	err := r.call(ctx, http.MethodGet, "/calls", url.Values{"wallet": {wallet}, "op": {op}}, &out)
	return out.Calls, err
}

func (r *remoteFakes) DepositStats(ctx context.Context) (depositStats, error) {
	var s depositStats
	err := r.call(ctx, http.MethodGet, "/deposits", nil, &s)
	return s, err
}

func (r *remoteFakes) SetEventURL(ctx context.Context, u string) error {
	return r.call(ctx, http.MethodPost, "/event-url", url.Values{"url": {u}}, nil)
}

func (r *remoteFakes) Fault(ctx context.Context, fs faultSpec) error {
	b, err := json.Marshal(fs)
	if err != nil {
		return err
	}
	return r.callBody(ctx, http.MethodPost, "/fault", nil, b, nil)
}

func (r *remoteFakes) AccessTokens(ctx context.Context) []string {
	var out []string
	_ = r.call(ctx, http.MethodGet, "/access-tokens", nil, &out)
	return out
}

// stateFile is where `walletcard fake serve` announces itself.
func stateFile(dir string) string { return filepath.Join(dir, "fake-state.json") }

// readFakeState reads the state file and checks that its fake answers. It
// returns nil, nil when no fake runs (no file, or a stale one).
func readFakeState(ctx context.Context, dir string) (*remoteFakes, string, error) {
	path := stateFile(dir)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	var st fakeState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Sprintf("ignoring the unreadable fake state file %s", path), nil
	}
	r := &remoteFakes{st: st, hc: &http.Client{Timeout: 30 * time.Second}}
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := r.call(pctx, http.MethodGet, "/ping", nil, nil); err != nil {
		return nil, fmt.Sprintf("the fake of %s (pid %d) does not answer; ignoring it", path, st.PID), nil
	}
	return r, "", nil
}

// writeFakeState writes the state file atomically with mode 0600.
func writeFakeState(dir string, st *fakeState) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := stateFile(dir) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, stateFile(dir))
}
