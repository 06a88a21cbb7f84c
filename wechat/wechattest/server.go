package wechattest

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/internal/hostile"
)

// Options configures a Server. The zero value (or a nil *Options) is valid.
type Options struct {
	// AppID and AppSecret are the credentials /cgi-bin/token accepts.
	// Defaults: "wx0000000000000001" and "test-secret".
	AppID, AppSecret string
	// TokenTTL is the access_token lifetime (default 7200 s).
	TokenTTL time.Duration
	// TicketTTL is the api_ticket lifetime for both wx_card and jsapi tickets (default 7200 s).
	TicketTTL time.Duration
	// Clock is the server's notion of now (default time.Now). Token and ticket
	// expiry, code validity windows, datacube dates and an event's CreateTime
	// all follow it. The timestamp query parameter a push is signed with does
	// not: it follows PushClock, so that a shifted Clock does not push
	// events a handler's replay window (wechat.HandlerOptions.MaxAge) refuses.
	Clock func() time.Time
	// PushClock is the time the timestamp query parameter of a push is signed
	// with. Default time.Now (the wall clock, as WeChat's servers use), even
	// when Clock is set; set it to test a handler's MaxAge window.
	PushClock func() time.Time
	// ManualReview keeps newly created (and re-reviewed) cards in
	// CARD_STATUS_NOT_VERIFY until Approve or Reject is called. By default cards
	// are approved at once (CARD_STATUS_VERIFY_OK).
	ManualReview bool
	// PushToken is the token event pushes are signed with (default "test-push-token").
	PushToken string
	// EncodingAESKey (43 characters) switches event pushes to safe mode: the
	// XML is AES-encrypted into an <Encrypt> envelope with msg_signature, as
	// WeChat does for accounts in 安全模式.
	EncodingAESKey string
	// AllowLegacyCoupons lets /card/create accept the coupon types (GROUPON,
	// CASH, DISCOUNT, GIFT, GENERAL_COUPON) that WeChat stopped accepting for new
	// cards in April 2021. By default they answer 48001.
	AllowLegacyCoupons bool
	// OriginalID is the account's original id used as ToUserName in pushes
	// (default "gh_000000000001").
	OriginalID string
	// RequireUploadedImages makes /card/create and /card/update refuse a
	// logo_url or member-card background_pic_url that this server's
	// /cgi-bin/media/uploadimg did not issue, with 40141 (invalid image
	// url), as WeChat refuses images from elsewhere (a developer-community
	// report shows 40141 for a background_pic_url from another image API).
	// Off by default, so that tests may use made-up URLs.
	RequireUploadedImages bool
	// StableTokenRenewal is how long before a stable_token expires a
	// normal-mode call gets the next one (the old one stays valid until it
	// expires). Default 5 minutes, as WeChat, or TokenTTL/10 when shorter.
	StableTokenRenewal time.Duration
	// ForceRefreshPerDay is the daily quota of stable_token force_refresh
	// calls (default 20, as WeChat); further calls answer 45009.
	ForceRefreshPerDay int
	// ForceRefreshSpacing is the least time between two force refreshes that
	// both rotate the token (default 30 s, as WeChat); a sooner one answers
	// the current token unchanged.
	ForceRefreshSpacing time.Duration
}

// Server is a stateful, loopback imitation of api.weixin.qq.com for the
// 卡券 (card and coupon) API. It is safe for concurrent use; each Server has
// its own state. Create one with NewServer and Close it when done.
type Server struct {
	opts Options
	hs   *httptest.Server
	mp   *httptest.Server // mp.weixin.qq.com stand-in (showqrcode)
	now  func() time.Time

	meta     sync.Mutex // guards the fields below up to mu
	calls    map[string]int
	total    int
	faults   map[string]*fault // FailNext, FailNextCode: answered before being applied
	applied  map[string]*fault // ApplyThenFailNext: handled, then answered with an errcode
	lost     hostile.Counts    // LoseAnswerNext: handled, then the connection is closed
	latency  map[string]time.Duration
	revoked  bool // RevokeCredentials: the app secret is refused
	hostile  hostile.Queue
	answers  hostile.Recorder // recorded answers per path, oldest first
	tokens   map[string]*token
	tokFetch int
	stable   stableState
	tickets  map[string]*ticket
	tickFet  map[string]int
	hintSeq  uint64
	pushLog  []PushResult

	imgMu  sync.Mutex        // guards images
	images map[string][]byte // uploaded with /cgi-bin/media/uploadimg, by URL

	done  chan struct{} // closed by Close: cuts latency sleeps short and ends endless answers
	once  sync.Once
	mu    sync.Mutex // guards card state (see state.go)
	st    *state
	pushC *http.Client
	pushW pushTracker
}

// pushTracker counts asynchronous pushes in flight. Unlike a
// sync.WaitGroup it may be waited on while pushes are being started, and it
// refuses new pushes once closed.
type pushTracker struct {
	mu     sync.Mutex
	idle   sync.Cond // signalled when n drops to 0; L is &mu
	n      int
	closed bool
}

// start counts one more push; false once the tracker is closed.
func (t *pushTracker) start() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.n++
	return true
}

// done ends one push started with start.
func (t *pushTracker) done() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n--
	if t.n == 0 && t.idle.L != nil {
		t.idle.Broadcast()
	}
}

// wait blocks until no push is in flight.
func (t *pushTracker) wait() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.idle.L == nil {
		t.idle.L = &t.mu
	}
	for t.n > 0 {
		t.idle.Wait()
	}
}

// close refuses every later start; pushes in flight go on.
func (t *pushTracker) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
}

// fault is a FailNext, FailNextCode or ApplyThenFailNext registration: an
// errcode, or (byKind) a card.Kind resolved per path when the call arrives.
type fault struct {
	code   int
	kind   card.Kind
	byKind bool
	n      int
}

type token struct {
	expires time.Time
	state   int  // 0 valid, 1 expired (forced), 2 revoked, 3 rejected but still served by stable_token
	stable  bool // issued by /cgi-bin/stable_token
}

type ticket struct {
	value   string
	expires time.Time
}

// NewServer starts a Server on loopback. A nil opts uses the defaults. It
// panics if EncodingAESKey is set but is not 43 characters, like httptest
// panics on a setup error.
func NewServer(opts *Options) *Server {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.AppID == "" {
		o.AppID = "wx0000000000000001"
	}
	if o.AppSecret == "" {
		o.AppSecret = "test-secret"
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = 7200 * time.Second
	}
	if o.TicketTTL <= 0 {
		o.TicketTTL = 7200 * time.Second
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.PushClock == nil {
		o.PushClock = time.Now
	}
	if o.PushToken == "" {
		o.PushToken = "test-push-token"
	}
	if o.OriginalID == "" {
		o.OriginalID = "gh_000000000001"
	}
	applyStableDefaults(&o)
	if o.EncodingAESKey != "" {
		if len(o.EncodingAESKey) != 43 {
			panic("wechattest: EncodingAESKey must be 43 characters")
		}
		if _, err := base64.StdEncoding.DecodeString(o.EncodingAESKey + "="); err != nil {
			panic("wechattest: EncodingAESKey is not base64")
		}
	}
	s := &Server{
		opts:    o,
		now:     o.Clock,
		calls:   map[string]int{},
		faults:  map[string]*fault{},
		applied: map[string]*fault{},
		lost:    hostile.Counts{},
		latency: map[string]time.Duration{},
		hostile: hostile.Queue{},
		answers: hostile.Recorder{Max: MaxRecordedAnswers},
		images:  map[string][]byte{},
		tokens:  map[string]*token{},
		tickets: map[string]*ticket{},
		tickFet: map[string]int{},
		st:      newState(),
		done:    make(chan struct{}),
		pushC:   &http.Client{Timeout: 10 * time.Second},
	}
	s.hs = httptest.NewServer(http.HandlerFunc(s.serveAPI))
	s.mp = httptest.NewServer(http.HandlerFunc(s.serveMP))
	return s
}

// Close waits for pending event pushes and shuts both listeners down. A
// push an API call starts after Close began is not sent; Pushes lists it
// with ErrServerClosed.
// Requests still sleeping in SetLatency are ended at once. Close may be
// called more than once.
func (s *Server) Close() {
	s.once.Do(func() { close(s.done) })
	s.pushW.close()
	s.pushW.wait()
	s.hs.Close()
	s.mp.Close()
}

// URL is the base URL that replaces https://api.weixin.qq.com (no trailing slash).
func (s *Server) URL() string { return s.hs.URL }

// QRImageURL is the base URL that replaces https://mp.weixin.qq.com. It
// serves GET /cgi-bin/showqrcode?ticket=… as a PNG.
func (s *Server) QRImageURL() string { return s.mp.URL }

// AppID returns the app id /cgi-bin/token accepts.
func (s *Server) AppID() string { return s.opts.AppID }

// AppSecret returns the app secret /cgi-bin/token accepts.
func (s *Server) AppSecret() string { return s.opts.AppSecret }

// HTTPClient returns a client for the server (plain loopback HTTP).
func (s *Server) HTTPClient() *http.Client { return s.hs.Client() }

// TokenFetches reports how many access tokens were requested so far
// (/cgi-bin/token and /cgi-bin/stable_token together; failed and faulted
// requests included).
func (s *Server) TokenFetches() int {
	s.meta.Lock()
	defer s.meta.Unlock()
	return s.tokFetch
}

// TicketFetches reports how many /cgi-bin/ticket/getticket calls asked for
// the ticket type typ ("wx_card" or "jsapi"), failed and faulted ones included.
func (s *Server) TicketFetches(typ string) int {
	s.meta.Lock()
	defer s.meta.Unlock()
	return s.tickFet[typ]
}

// CardTicket returns the current wx_card api_ticket, issuing one if none
// is current (the fetch counter is not changed). Use it to check a cardExt
// signature.
func (s *Server) CardTicket() string {
	s.meta.Lock()
	defer s.meta.Unlock()
	return s.currentTicketLocked("wx_card").value
}

func (s *Server) currentTicketLocked(typ string) *ticket {
	now := s.now()
	t := s.tickets[typ]
	if t == nil || !now.Before(t.expires) {
		t = &ticket{value: randomTicket(typ), expires: now.Add(s.opts.TicketTTL)}
		s.tickets[typ] = t
	}
	return t
}

// CallCount reports how many requests arrived for op, an API path ("" = all
// paths on the API host), including failed and rejected ones.
func (s *Server) CallCount(op string) int {
	s.meta.Lock()
	defer s.meta.Unlock()
	if op == "" {
		return s.total
	}
	return s.calls[op]
}

// apiError is a WeChat business error.
type apiError struct {
	code int
	msg  string
}

func (e *apiError) Error() string { return fmt.Sprintf("wechattest: errcode %d: %s", e.code, e.msg) }

func errc(code int) *apiError { return &apiError{code: code, msg: errmsgFor(code)} }

func errm(code int, format string, args ...any) *apiError {
	return &apiError{code: code, msg: fmt.Sprintf(format, args...)}
}

// request is what a handler sees.
type request struct {
	r     *http.Request
	body  []byte
	query func(string) string
}

type handler func(s *Server, rq *request) (any, *apiError)

type route struct {
	h       handler
	methods int // bit 1 GET, bit 2 POST
	noToken bool
}

const (
	mGET  = 1
	mPOST = 2
)

const maxBody = 4 << 20

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	s.meta.Lock()
	s.total++
	s.calls[path]++
	switch path {
	case "/cgi-bin/token", "/cgi-bin/stable_token":
		s.tokFetch++
	case "/cgi-bin/ticket/getticket":
		s.tickFet[r.URL.Query().Get("type")]++
	}
	d, ok := s.latency[path]
	if !ok {
		d = s.latency[""]
	}
	h, hostile := s.takeHostileLocked(path)
	s.meta.Unlock()
	// Read the body first: only then does net/http watch the connection and
	// cancel r.Context() when the client goes away.
	var body []byte
	if r.Method == http.MethodPost {
		b, err := readBody(w, r)
		if err != nil {
			s.writeErr(w, errm(47001, "data format error: %v", err), answerRecord{})
			return
		}
		body = b
	}
	if hostile {
		s.serveHostile(w, r, h) // the request never reaches the server's state
		return
	}
	if d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		case <-s.done:
			t.Stop()
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
	}
	rt, ok := routes[path]
	if !ok {
		w.Header()["Content-Type"] = jsonCT
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"errcode":40066,"errmsg":"invalid url"}`)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	out, e := s.handle(r, rt, path, body)
	a := answerRecord{path: path, request: requestText(r, body)}
	s.meta.Lock()
	lost := s.lost.Take(path)
	s.meta.Unlock()
	if lost {
		// The call was handled (or failed before being applied); its answer
		// is lost: ErrAbortHandler closes the connection without a response.
		panic(http.ErrAbortHandler)
	}
	if e != nil {
		s.writeErr(w, e, a)
		return
	}
	s.writeJSON(w, out, a)
}

// handle runs one API request for a known route: faults, method and token
// checks, the handler, and ApplyThenFailNext.
func (s *Server) handle(r *http.Request, rt route, path string, body []byte) (any, *apiError) {
	if f, ok := s.takeFault(s.faults, path); ok {
		return nil, &apiError{code: f, msg: errmsgFor(f)}
	}
	switch r.Method {
	case http.MethodGet:
		if rt.methods&mGET == 0 {
			return nil, errc(43002)
		}
	case http.MethodPost:
		if rt.methods&mPOST == 0 {
			return nil, errc(43001)
		}
	}
	q := r.URL.Query()
	if rt.noToken {
		if s.credentialsRevoked() {
			return nil, errm(40125, "invalid appsecret: the app secret was reset (RevokeCredentials)")
		}
	} else if e := s.checkToken(q.Get("access_token")); e != nil {
		return nil, e
	}
	rq := &request{r: r, query: q.Get, body: body}
	out, e := rt.h(s, rq)
	if e == nil {
		if f, ok := s.takeFault(s.applied, path); ok {
			e = &apiError{code: f, msg: errmsgFor(f)}
		}
	}
	return out, e
}

// readBody reads a request body of at most maxBody bytes, sized by
// Content-Length when the client sent one.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if n := r.ContentLength; n >= 0 && n <= maxBody {
		b := make([]byte, n)
		if _, err := io.ReadFull(r.Body, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
}

// takeFault uses up one fault of faults (guarded by s.meta) for path, or
// for "" (any path), and returns its errcode. A "" rule by kind for a kind
// path has no answer for is skipped without being used up.
func (s *Server) takeFault(faults map[string]*fault, path string) (int, bool) {
	s.meta.Lock()
	defer s.meta.Unlock()
	for _, p := range [2]string{path, ""} {
		f := faults[p]
		if f == nil || f.n <= 0 {
			continue
		}
		code := f.code
		if f.byKind {
			c, ok := kindErrcode(path, f.kind)
			if !ok {
				continue
			}
			code = c
		}
		f.n--
		if f.n == 0 {
			delete(faults, p)
		}
		return code, true
	}
	return 0, false
}

func (s *Server) checkToken(tok string) *apiError {
	if tok == "" {
		return errc(41001)
	}
	s.meta.Lock()
	defer s.meta.Unlock()
	t := s.tokens[tok]
	switch {
	case t == nil || t.state == 2 || t.state == 3:
		s.stable.rejected++
		return errc(40001)
	case t.state == 1 || !s.now().Before(t.expires):
		s.stable.rejected++
		return errc(42001)
	}
	return nil
}

// jsonCT is shared by every response header map; net/http never modifies it.
var jsonCT = []string{"application/json; charset=utf-8"}

var okBody = []byte(`{"errcode":0,"errmsg":"ok"}`)

// answerRecord says which request an answer is written for, so that it
// is recorded for Answers; the zero value records nothing.
type answerRecord struct {
	path, request string
}

func (s *Server) writeJSON(w http.ResponseWriter, v any, a answerRecord) {
	b := okBody
	if v != nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			s.writeErr(w, errm(-1, "system error: %v", err), a)
			return
		}
		b = buf.Bytes()
	}
	s.writeBody(w, b, a)
}

func (s *Server) writeErr(w http.ResponseWriter, e *apiError, a answerRecord) {
	s.meta.Lock()
	s.hintSeq++
	n := s.hintSeq
	s.meta.Unlock()
	msg := e.msg
	if e.code != 0 {
		msg = fmt.Sprintf("%s hint: [wt%06x]", msg, n)
	}
	b, _ := json.Marshal(struct {
		Errcode int    `json:"errcode"`
		Errmsg  string `json:"errmsg"`
	}{e.code, msg})
	s.writeBody(w, b, a)
}

// writeBody writes an HTTP 200 JSON answer and records it (see Answers).
func (s *Server) writeBody(w http.ResponseWriter, b []byte, a answerRecord) {
	if a.path != "" {
		s.record(a, b)
	}
	w.Header()["Content-Type"] = jsonCT
	_, _ = w.Write(b)
}

// ok is the plain success envelope embedded in typed responses.
type ok struct {
	Errcode int    `json:"errcode"`
	Errmsg  string `json:"errmsg"`
}

var okv = ok{0, "ok"}

// obj is a response built as a map; errcode 0 and errmsg "ok" are added.
type obj map[string]any

func okObj(kv ...any) obj {
	o := obj{"errcode": 0, "errmsg": "ok"}
	for i := 0; i+1 < len(kv); i += 2 {
		o[kv[i].(string)] = kv[i+1]
	}
	return o
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomTicket(typ string) string {
	b := make([]byte, 48)
	_, _ = rand.Read(b)
	t := base64.RawURLEncoding.EncodeToString(b)
	if typ == "jsapi" {
		return "jsapi_" + t
	}
	return t
}

// ---- tokens and tickets ----

func hToken(s *Server, rq *request) (any, *apiError) {
	grant, appid, secret := rq.query("grant_type"), rq.query("appid"), rq.query("secret")
	s.meta.Lock()
	defer s.meta.Unlock()
	switch {
	case grant != "client_credential":
		return nil, errc(40002)
	case appid != s.opts.AppID:
		return nil, errc(40013)
	case secret != s.opts.AppSecret:
		return nil, errc(40125)
	}
	now := s.now()
	s.forgetDeadTokensLocked(now)
	// A new token ends the older ones five minutes later, as WeChat does;
	// stable_token tokens are a separate kind and are not affected.
	cut := now.Add(5 * time.Minute)
	for _, t := range s.tokens {
		if !t.stable && t.expires.After(cut) {
			t.expires = cut
		}
	}
	tok := strings.ToUpper(randomHex(8)) + "_" + randomTicket("")
	s.tokens[tok] = &token{expires: now.Add(s.opts.TokenTTL)}
	return struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}{tok, int64(s.opts.TokenTTL / time.Second)}, nil
}

func hGetTicket(s *Server, rq *request) (any, *apiError) {
	typ := rq.query("type")
	s.meta.Lock()
	defer s.meta.Unlock()
	if typ != "wx_card" && typ != "jsapi" {
		return nil, errm(40097, "invalid args: type must be wx_card or jsapi")
	}
	t := s.currentTicketLocked(typ)
	return okObj("ticket", t.value, "expires_in", int64(t.expires.Sub(s.now())/time.Second)), nil
}
