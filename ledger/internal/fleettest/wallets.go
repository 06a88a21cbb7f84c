// Package fleettest runs the ledger the way a fleet does, for the
// multi-process tests of the stores: the two local wallet fakes (alipaytest,
// wechattest) in the test process behind logging reverse proxies that record
// the order in which each card receives its values, and sync workers in
// child processes (the test binary re-executed, as the standard library's
// tests do) that drive the real adapters against the proxies.
package fleettest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	alipaysdk "github.com/smartwalle/alipay/v3"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/provider"
	"github.com/walletcard/card/wechat"
	"github.com/walletcard/card/wechat/wechattest"
)

// Wallets are the two fakes, each behind a logging proxy, and a Router of
// real adapters pointed at the proxies.
type Wallets struct {
	Alipay *alipaytest.Server
	WeChat *wechattest.Server
	Log    *PushLog
	Router *provider.Router
	// ATemplate and WTemplate are the member-card templates.
	ATemplate, WTemplate string

	alipayProxy, wechatProxy *httptest.Server
	latency                  time.Duration
	users                    sync.Mutex
}

// StartWallets starts the fakes and proxies (stopped when t ends). Each
// proxied call waits latency before it is forwarded.
func StartWallets(t testing.TB, latency time.Duration) *Wallets {
	t.Helper()
	w := &Wallets{Alipay: alipaytest.NewServer(nil), WeChat: wechattest.NewServer(nil), Log: &PushLog{}}
	t.Cleanup(w.Alipay.Close)
	t.Cleanup(w.WeChat.Close)
	w.latency = latency
	w.alipayProxy = w.proxy(t, w.Alipay.URL(), card.Alipay, "parent")
	w.wechatProxy = w.proxy(t, w.WeChat.URL(), card.WeChat, "parent")
	cfg := w.Config("", "")
	router, err := cfg.Router()
	require.NoError(t, err)
	w.Router = router
	ctx := context.Background()

	ap, _ := router.Provider(card.Alipay)
	logo, err := uploadLogo(ctx, ap.(*alipay.Provider))
	require.NoError(t, err)
	tm := card.TemplateManager(router)
	at, err := tm.CreateTemplate(ctx, card.TemplateSpec{Provider: card.Alipay, Title: "Gold", BrandName: "Fleet Coffee", LogoURL: logo, Points: true, Balance: true, Stock: 100000})
	require.NoError(t, err)
	wt, err := tm.CreateTemplate(ctx, card.TemplateSpec{Provider: card.WeChat, Title: "Gold", BrandName: "Fleet Coffee", LogoURL: "https://mmbiz.qpic.cn/mmbiz/fleet-logo.png", Points: true, Balance: true, Stock: 100000})
	require.NoError(t, err)
	w.ATemplate, w.WTemplate = at.ID, wt.ID
	w.Log.reset() // only pushes from here on
	return w
}

// Config is the configuration of a worker process using these wallets.
func (w *Wallets) Config(store, dsn string) Config {
	return Config{
		Store: store, DSN: dsn,
		AlipayURL: w.alipayProxy.URL + "/gateway.do", AlipayAppID: w.Alipay.AppID(),
		AlipayPrivateKey: w.Alipay.AppPrivateKey(), AlipayPublicKey: w.Alipay.AlipayPublicKey(),
		WeChatURL: w.wechatProxy.URL, WeChatAppID: w.WeChat.AppID(), WeChatSecret: w.WeChat.AppSecret(),
	}
}

// WorkerConfig is Config for a worker named name, with proxies of its own so
// that the log tells which worker made each push (Push.Via).
func (w *Wallets) WorkerConfig(t testing.TB, name, store, dsn string) Config {
	c := w.Config(store, dsn)
	c.Owner = name
	c.AlipayURL = w.proxy(t, w.Alipay.URL(), card.Alipay, name).URL + "/gateway.do"
	c.WeChatURL = w.proxy(t, w.WeChat.URL(), card.WeChat, name).URL
	return c
}

// Open creates a member and opens a card for it in each wallet through l.
func (w *Wallets) Open(ctx context.Context, l *ledger.Ledger, memberID string, n int) ([]card.Ref, error) {
	if _, err := l.CreateMember(ctx, memberID, ""); err != nil {
		return nil, err
	}
	w.users.Lock()
	user := w.Alipay.NewUser()
	w.users.Unlock()
	tok := w.Alipay.IssueToken(user, "auth_ecard")
	_, ac, err := l.Open(ctx, ledger.OpenRequest{MemberID: memberID, Fields: ledger.ShowPoints | ledger.ShowBalance, Card: card.OpenRequest{
		Provider: card.Alipay, TemplateID: w.ATemplate, ExternalNo: memberID, Holder: user, AuthToken: tok, IdempotencyKey: fmt.Sprintf("open-%d", n)}})
	if err != nil {
		return nil, fmt.Errorf("open alipay: %w", err)
	}
	code, err := w.WeChat.Claim(w.WTemplate, fmt.Sprintf("oFleetUser%06d", n), "fleet")
	if err != nil {
		return nil, err
	}
	_, wc, err := l.Open(ctx, ledger.OpenRequest{MemberID: memberID, Fields: ledger.ShowPoints | ledger.ShowBalance, Card: card.OpenRequest{
		Provider: card.WeChat, TemplateID: w.WTemplate, ExternalNo: memberID, Code: code}})
	if err != nil {
		return nil, fmt.Errorf("open wechat: %w", err)
	}
	return []card.Ref{ac.Ref, wc.Ref}, nil
}

// Points returns the points a card holds on its fake.
func (w *Wallets) Points(ref card.Ref) (card.Points, error) {
	switch ref.Provider {
	case card.Alipay:
		c, ok := w.Alipay.Card(ref.CardNo)
		if !ok {
			return 0, fmt.Errorf("no alipay card %s", ref.CardNo)
		}
		if c.Point == "" {
			return 0, nil
		}
		return card.ParsePoints(c.Point)
	case card.WeChat:
		m, ok := w.WeChat.Member(ref.TemplateID, ref.CardNo)
		if !ok {
			return 0, fmt.Errorf("no wechat code %s", ref.CardNo)
		}
		return card.WholePoints(m.Bonus), nil
	}
	return 0, fmt.Errorf("unknown provider %q", ref.Provider)
}

// uploadLogo uploads a PNG and returns Alipay's image id.
func uploadLogo(ctx context.Context, p *alipay.Provider) (string, error) {
	img := image.NewRGBA(image.Rect(0, 0, 300, 300))
	draw.Draw(img, img.Bounds(), &image.Uniform{C: color.RGBA{R: 0x37, G: 0x70, B: 0xb3, A: 0xff}}, image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	res, err := p.ImageUpload(ctx, alipay.ImageUploadRequest{ImageType: "png", ImageName: "logo.png", Content: buf.Bytes()})
	if err != nil {
		return "", err
	}
	return res.ImageID, nil
}

// Config is what a worker process needs; it travels as JSON in an
// environment variable. The Alipay keys are alipaytest's public test keys.
type Config struct {
	Store, DSN                                                string
	AlipayURL, AlipayAppID, AlipayPrivateKey, AlipayPublicKey string
	WeChatURL, WeChatAppID, WeChatSecret                      string
	Owner                                                     string
	Concurrency                                               int
	Lease, CallTimeout, PollInterval, RetryBase               time.Duration
}

// Router builds the real adapters pointed at the proxies.
func (c Config) Router() (*provider.Router, error) {
	client, err := alipaysdk.New(c.AlipayAppID, c.AlipayPrivateKey, false,
		alipaysdk.WithSandboxGateway(c.AlipayURL), alipaysdk.WithTimeLocation(card.Beijing()))
	if err != nil {
		return nil, err
	}
	if err := client.LoadAliPayPublicKey(c.AlipayPublicKey); err != nil {
		return nil, err
	}
	ap, err := alipay.New(client, &alipay.Options{Retry: card.RetryPolicy{Attempts: 1}})
	if err != nil {
		return nil, err
	}
	wp, err := wechat.NewFromCredentials(c.WeChatAppID, c.WeChatSecret, &wechat.Options{BaseURL: c.WeChatURL, Retry: card.RetryPolicy{Attempts: 1}})
	if err != nil {
		return nil, err
	}
	return provider.NewRouter(ap, wp)
}

// Options are the ledger options of a worker with this configuration.
func (c Config) Options() *ledger.Options {
	return &ledger.Options{Owner: c.Owner, Concurrency: c.Concurrency, Lease: c.Lease, CallTimeout: c.CallTimeout, PollInterval: c.PollInterval, RetryBase: c.RetryBase, RetryMax: 20 * c.RetryBase}
}

// Push is one update call a proxy saw.
type Push struct {
	// Provider and CardNo name the card (Alipay target_card_no, WeChat code).
	Provider, CardNo string
	// Via names the proxy, that is the worker, that made the call.
	Via string
	// Points is the value sent.
	Points card.Points
	// Sent is when the proxy received the call; Answered when the wallet answered (or the call ended).
	Sent, Answered time.Time
	// OK is true when the wallet answered success: it holds Points now.
	OK bool
	// Outcome describes a failure ("wallet error …", "no answer: …").
	Outcome string
}

// PushLog records the pushes the proxies see, counts those in flight,
// and can hold a worker's pushes (see Hold).
type PushLog struct {
	mu       sync.Mutex
	pushes   []Push
	inFlight map[string]int           // by Via: sent, not yet answered
	held     map[string]int           // by Via: waiting in a hold
	holds    map[string]chan struct{} // by Via: closed on release
}

func (l *PushLog) reset() {
	l.mu.Lock()
	l.pushes = nil
	l.mu.Unlock()
}

// begin counts a push through via in flight and, while via is held, waits
// until the hold is released or ctx (the push's request) ends.
func (l *PushLog) begin(ctx context.Context, via string) {
	l.mu.Lock()
	if l.inFlight == nil {
		l.inFlight = map[string]int{}
	}
	l.inFlight[via]++
	hold := l.holds[via]
	if hold == nil {
		l.mu.Unlock()
		return
	}
	if l.held == nil {
		l.held = map[string]int{}
	}
	l.held[via]++
	l.mu.Unlock()
	select {
	case <-hold:
	case <-ctx.Done():
	}
	l.mu.Lock()
	l.held[via]--
	l.mu.Unlock()
}

// add records an answered push (one that begin counted in flight).
func (l *PushLog) add(p Push) {
	l.mu.Lock()
	l.pushes = append(l.pushes, p)
	l.inFlight[p.Via]--
	l.mu.Unlock()
}

// Hold makes the pushes through via's proxy that arrive from now on wait
// there, before they are forwarded to the wallet, until their request
// ends (the worker gave up on it, or died) or release is called. A test
// kills a worker while Held reports one of its pushes waiting, to be sure
// the worker dies in the middle of a push.
func (l *PushLog) Hold(via string) (release func()) {
	c := make(chan struct{})
	l.mu.Lock()
	if l.holds == nil {
		l.holds = map[string]chan struct{}{}
	}
	l.holds[via] = c
	l.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			if l.holds[via] == c {
				delete(l.holds, via)
			}
			l.mu.Unlock()
			close(c)
		})
	}
}

// Held returns the number of pushes through via waiting in a hold.
func (l *PushLog) Held(via string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.held[via]
}

// InFlight returns the number of pushes through via sent and not yet answered.
func (l *PushLog) InFlight(via string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.inFlight[via]
}

// Pushes returns the pushes in the order they were answered.
func (l *PushLog) Pushes() []Push {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := append([]Push(nil), l.pushes...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Answered.Before(out[j].Answered) })
	return out
}

// Count returns the number of pushes seen.
func (l *PushLog) Count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pushes)
}

// CheckOrder checks the wallet-side order: a card never receives a value
// lower than one it already holds (in these tests points only grow, so a
// lower value is an older version), and no two calls for one card overlap
// (the wallet never gets two writers for one card at once).
func CheckOrder(pushes []Push) error {
	byCard := map[string][]Push{}
	for _, p := range pushes {
		k := p.Provider + "/" + p.CardNo
		byCard[k] = append(byCard[k], p)
	}
	var errs []string
	for k, ps := range byCard {
		var held card.Points
		have := false
		bySent := append([]Push(nil), ps...)
		sort.SliceStable(bySent, func(i, j int) bool { return bySent[i].Sent.Before(bySent[j].Sent) })
		for i := 1; i < len(bySent); i++ {
			if bySent[i].Sent.Before(bySent[i-1].Answered) {
				errs = append(errs, fmt.Sprintf("%s: a call at %s overlapped the call of %s answered at %s",
					k, bySent[i].Sent.Format("15:04:05.000"), bySent[i-1].Sent.Format("15:04:05.000"), bySent[i-1].Answered.Format("15:04:05.000")))
			}
		}
		for _, p := range ps { // answer order
			if !p.OK {
				continue
			}
			if have && p.Points < held {
				errs = append(errs, fmt.Sprintf("%s: received %s after %s (an older value after a newer one)", k, p.Points, held))
			}
			held, have = p.Points, true
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("%d order violations:\n%s", len(errs), strings.Join(errs, "\n"))
	}
	return nil
}

// proxy starts a logging reverse proxy in front of target.
func (w *Wallets) proxy(t testing.TB, target, wallet, via string) *httptest.Server {
	u, err := url.Parse(target)
	require.NoError(t, err)
	u.Path = ""
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &logTransport{wallet: wallet, via: via, log: w.Log, latency: w.latency, next: http.DefaultTransport}
	rp.ErrorLog = log.New(io.Discard, "", 0)
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv
}

type logTransport struct {
	wallet  string
	via     string
	log     *PushLog
	latency time.Duration
	next    http.RoundTripper
}

func (lt *logTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		body = b
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	push, isPush := lt.parse(r, body)
	if isPush {
		push.Sent = time.Now()
		lt.log.begin(r.Context(), lt.via)
	}
	if lt.latency > 0 {
		select {
		case <-time.After(lt.latency):
		case <-r.Context().Done():
		}
	}
	resp, err := lt.next.RoundTrip(r)
	if !isPush {
		return resp, err
	}
	if err != nil {
		push.Answered, push.Outcome = time.Now(), "no answer: "+err.Error()
		lt.log.add(push)
		return nil, err
	}
	rb, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(rb))
	push.Answered = time.Now()
	if rerr != nil {
		push.Outcome = "no answer: " + rerr.Error()
	} else {
		push.OK, push.Outcome = lt.success(rb)
	}
	lt.log.add(push)
	return resp, rerr
}

// parse recognises an update call and what it sends.
func (lt *logTransport) parse(r *http.Request, body []byte) (Push, bool) {
	p := Push{Provider: lt.wallet, Via: lt.via}
	switch lt.wallet {
	case card.Alipay:
		form, err := url.ParseQuery(string(body))
		if err != nil || form.Get("method") != "alipay.marketing.card.update" {
			return p, false
		}
		var biz struct {
			TargetCardNo string `json:"target_card_no"`
			CardInfo     struct {
				Point string `json:"point"`
			} `json:"card_info"`
		}
		if json.Unmarshal([]byte(form.Get("biz_content")), &biz) != nil || biz.CardInfo.Point == "" {
			return p, false
		}
		pts, err := card.ParsePoints(biz.CardInfo.Point)
		if err != nil {
			return p, false
		}
		p.CardNo, p.Points = biz.TargetCardNo, pts
		return p, true
	case card.WeChat:
		if r.URL.Path != "/card/membercard/updateuser" {
			return p, false
		}
		var u struct {
			Code  string `json:"code"`
			Bonus *int64 `json:"bonus"`
		}
		if json.Unmarshal(body, &u) != nil || u.Bonus == nil {
			return p, false
		}
		p.CardNo, p.Points = u.Code, card.WholePoints(*u.Bonus)
		return p, true
	}
	return p, false
}

// success reports whether a wallet answer says the update was applied.
func (lt *logTransport) success(body []byte) (bool, string) {
	switch lt.wallet {
	case card.Alipay:
		var a struct {
			R struct {
				Code    string `json:"code"`
				SubCode string `json:"sub_code"`
			} `json:"alipay_marketing_card_update_response"`
		}
		if json.Unmarshal(body, &a) != nil {
			return false, "unreadable answer"
		}
		if a.R.Code == "10000" {
			return true, "ok"
		}
		return false, "wallet error " + a.R.Code + " " + a.R.SubCode
	default:
		var a struct {
			ErrCode int `json:"errcode"`
		}
		if json.Unmarshal(body, &a) != nil {
			return false, "unreadable answer"
		}
		if a.ErrCode == 0 {
			return true, "ok"
		}
		return false, fmt.Sprintf("wallet error %d", a.ErrCode)
	}
}
