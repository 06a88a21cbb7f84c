package wechat

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/silenceper/wechat/v2/util"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
)

// HandlerOptions configure the event Handler. Empty fields are taken from the
// official account's config (Token, EncodingAESKey, AppID) when the handler
// is made with Provider.NewHandler.
type HandlerOptions struct {
	// Token is the server-configuration token WeChat signs pushes with. Required.
	Token string
	// EncodingAESKey (43 characters) enables safe mode (加密模式/兼容模式):
	// encrypted pushes are verified with msg_signature and decrypted. With a
	// key set, a POST without encrypt_type=aes is refused with 403: the plain
	// signature covers only the token, timestamp and nonce, never the body,
	// so it cannot vouch for a plaintext message. In compatibility mode
	// (兼容模式) WeChat sends every push encrypted (encrypt_type=aes, the
	// <Encrypt> element beside the plaintext fields), so such pushes are
	// accepted and only the decrypted <Encrypt> content is used; an account
	// still in plaintext mode (明文模式) must leave EncodingAESKey empty.
	EncodingAESKey string
	// AppID is checked against the AppID inside decrypted messages. Required with EncodingAESKey.
	AppID string
	// MaxAge bounds replays. The signature covers the push's timestamp query
	// parameter but never expires, so a captured push could be sent again
	// later; a push whose timestamp is more than MaxAge away from the
	// handler's clock (in either direction) is answered 403 and never reaches
	// the callbacks, like a bad signature. Within the window the handler
	// remembers each accepted (timestamp, nonce) pair until the timestamp
	// leaves the window, and answers a second push with the same pair 403
	// ("replayed push"), so a captured signed query cannot be used twice. A
	// pair whose callback failed (HTTP 500) is forgotten again, so that
	// WeChat's redelivery of it is accepted. The memory holds at most
	// MaxReplayEntries pairs; when it is full the oldest is dropped. WeChat's
	// own retries (three within about 15 seconds) are well inside the window.
	// Zero means DefaultEventMaxAge (5 minutes); a negative value disables
	// both the timestamp check and the replay memory. The GET echostr check
	// is held to the same window and uses up its pair too, so a captured
	// verification URL cannot be used again, for a GET or a POST.
	MaxAge time.Duration
	// Replay, if set, is the replay memory shared by every instance of the
	// merchant's service (wechatredis.Store on Redis), so a push captured at
	// one instance and replayed to another is refused there too. Each handler
	// also remembers pairs in its own bounded memory; when Replay fails (Redis
	// down) that memory alone decides, and OnStoreError is told: replays to
	// the same instance are still refused, replays to another one are not
	// until the store answers again. Provider.NewHandler sets it to
	// Options.Fleet when that is a ClaimStore.
	Replay ClaimStore
	// OnStoreError, if set, is told when Replay fails. It must not block.
	OnStoreError func(error)
	// Clock returns the current time for the MaxAge check. Default time.Now;
	// Provider.NewHandler takes the Provider's Options.Clock.
	Clock func() time.Time
	// Fallback receives every verified push that is not a card event (user
	// messages, subscribe and menu events …). Without it such pushes are
	// answered "success" and dropped.
	//
	// Fallback is called only after the signature, the replay window and, in
	// safe mode, msg_signature have been checked and the message decrypted.
	// It gets a new POST request carrying the original request's context,
	// headers and URL, except that: the body is the plaintext XML message
	// (decrypted in safe mode) with Content-Length and Content-Type
	// (text/xml; charset=utf-8) set to match, and the encrypt_type and
	// msg_signature query parameters are removed (signature, timestamp, nonce
	// and openid stay), so the fallback must not verify or decrypt again.
	// Whatever it writes is WeChat's answer: in safe mode a passive reply must
	// be encrypted by the fallback itself (or answer "success"). A 5xx answer
	// lets WeChat's redelivery of the same push through the replay check.
	Fallback http.Handler
}

// DefaultEventMaxAge is the replay window a Handler uses when HandlerOptions.MaxAge is zero.
const DefaultEventMaxAge = 5 * time.Minute

// MaxReplayEntries bounds the (timestamp, nonce) pairs a Handler remembers
// in its own memory to refuse replays within HandlerOptions.MaxAge (a
// MemoryClaims: a fixed size per pair, about 200 bytes, whatever the hooks
// do). When it is full the oldest pair is dropped.
const MaxReplayEntries = 1 << 16

// CardEventFunc handles a typed card event. A non-nil error answers HTTP 500,
// and WeChat delivers the event again (up to three times), so make it idempotent.
type CardEventFunc func(ctx context.Context, ev *CardEvent) error

// Handler is the http.Handler merchants mount at the URL configured as the
// official account's server address. It answers WeChat's GET echostr check,
// verifies the signature of every push (403 if it does not match; the
// callbacks are not called), refuses with 403 a validly signed push whose
// timestamp is outside the replay window (HandlerOptions.MaxAge) or whose
// (timestamp, nonce) pair was already accepted, refuses with 403 a plaintext
// push when EncodingAESKey is set, decrypts safe-mode pushes, parses card
// events and
// calls, in order, the hook registered for that event with On, the hook
// registered with OnCardEvent, and the neutral hook registered with OnEvent.
// Other messages go to HandlerOptions.Fallback, or are acknowledged and
// ignored without one. Register hooks before serving; Handler is safe for
// concurrent use.
type Handler struct {
	token, aesKey, appID string
	maxAge               time.Duration // ≤ 0: no replay check
	now                  func() time.Time
	fallback             http.Handler
	replay               ClaimStore // shared replay memory, may be nil
	onStoreErr           func(error)

	mu      sync.RWMutex
	hooks   map[EventName]CardEventFunc
	all     CardEventFunc
	neutral card.EventHandler

	seen *MemoryClaims // this handler's own replay memory
}

// String describes the handler without its push token or AES key.
func (h *Handler) String() string {
	if h == nil {
		return "<nil *wechat.Handler>"
	}
	shared := "none"
	if h.replay != nil {
		shared = "set"
	}
	return fmt.Sprintf("wechat.Handler{AppID:%s Token:%s EncodingAESKey:%s MaxAge:%v Replay:%s}",
		h.appID, redactedIf(h.token), redactedIf(h.aesKey), h.maxAge, shared)
}

// GoString is String: %#v never shows the push token or AES key.
func (h *Handler) GoString() string { return h.String() }

// Format prints String for every verb.
func (h *Handler) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, h.String()) }

// LogValue logs the handler without its secrets.
func (h *Handler) LogValue() slog.Value {
	if h == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(slog.String("app_id", h.appID), slog.String("token", redactedIf(h.token)),
		slog.String("encoding_aes_key", redactedIf(h.aesKey)), slog.Duration("max_age", h.maxAge))
}

// MarshalJSON marshals the handler without its secrets.
func (h *Handler) MarshalJSON() ([]byte, error) {
	if h == nil {
		return []byte("null"), nil
	}
	return json.Marshal(struct {
		AppID          string `json:"app_id"`
		Token          string `json:"token"`
		EncodingAESKey string `json:"encoding_aes_key"`
		MaxAge         string `json:"max_age"`
	}{h.appID, redactedIf(h.token), redactedIf(h.aesKey), h.maxAge.String()})
}

// String describes the options without the push token or AES key.
func (o HandlerOptions) String() string {
	return fmt.Sprintf("wechat.HandlerOptions{Token:%s EncodingAESKey:%s AppID:%s MaxAge:%v}",
		redactedIf(o.Token), redactedIf(o.EncodingAESKey), o.AppID, o.MaxAge)
}

// GoString is String.
func (o HandlerOptions) GoString() string { return o.String() }

// Format prints String for every verb.
func (o HandlerOptions) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, o.String()) }

// LogValue logs the options without their secrets.
func (o HandlerOptions) LogValue() slog.Value {
	return slog.GroupValue(slog.String("token", redactedIf(o.Token)), slog.String("encoding_aes_key", redactedIf(o.EncodingAESKey)),
		slog.String("app_id", o.AppID), slog.Duration("max_age", o.MaxAge))
}

// MarshalJSON marshals the options without their secrets (and without the hooks).
func (o HandlerOptions) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Token          string `json:"token"`
		EncodingAESKey string `json:"encoding_aes_key"`
		AppID          string `json:"app_id"`
		MaxAge         string `json:"max_age"`
	}{redactedIf(o.Token), redactedIf(o.EncodingAESKey), o.AppID, o.MaxAge.String()})
}

// NewHandler returns an event handler. An empty Token, or an EncodingAESKey
// that is not 43 characters or comes without AppID, is an invalid-argument
// error naming the field: a handler that verifies nothing is never built.
func NewHandler(opts HandlerOptions) (*Handler, error) {
	const op = "NewHandler"
	if opts.Token == "" {
		return nil, driver.Wrap(Name, op, card.KindInvalidArgument, driver.InvalidArgument("Token",
			"is required: the server-configuration token WeChat signs pushes with (Options.PushToken, or HandlerOptions.Token)"))
	}
	if opts.EncodingAESKey != "" && len(opts.EncodingAESKey) != 43 {
		return nil, driver.Wrap(Name, op, card.KindInvalidArgument, driver.InvalidArgument("EncodingAESKey", "must be 43 characters, got %d", len(opts.EncodingAESKey)))
	}
	if opts.EncodingAESKey != "" && opts.AppID == "" {
		return nil, driver.Wrap(Name, op, card.KindInvalidArgument, driver.InvalidArgument("AppID", "is required in safe mode (with EncodingAESKey)"))
	}
	h := &Handler{token: opts.Token, aesKey: opts.EncodingAESKey, appID: opts.AppID,
		maxAge: opts.MaxAge, now: opts.Clock, fallback: opts.Fallback, replay: opts.Replay,
		onStoreErr: opts.OnStoreError, hooks: map[EventName]CardEventFunc{}}
	if h.maxAge == 0 {
		h.maxAge = DefaultEventMaxAge
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.seen = NewMemoryClaims(MaxReplayEntries, h.now)
	return h, nil
}

// NewHandler returns an event handler for this provider's official account:
// empty options are filled from the account's config (Token, EncodingAESKey,
// AppID; Options.PushToken and Options.PushAESKey for a Provider built by
// NewFromCredentials). A missing push token or a malformed AES key is an
// invalid-argument error naming the field.
func (p *Provider) NewHandler(opts *HandlerOptions) (*Handler, error) {
	var o HandlerOptions
	if opts != nil {
		o = *opts
	}
	cfg := p.oa.GetContext().Config
	if o.Token == "" {
		o.Token = cfg.Token
	}
	if o.EncodingAESKey == "" {
		o.EncodingAESKey = cfg.EncodingAESKey
	}
	if o.AppID == "" {
		o.AppID = cfg.AppID
	}
	if o.Clock == nil {
		o.Clock = p.now
	}
	if o.Replay == nil {
		if cs, ok := p.cardTicket.fleet.(ClaimStore); ok {
			o.Replay = cs
		}
	}
	if o.OnStoreError == nil {
		o.OnStoreError = p.onCacheErr
	}
	return NewHandler(o)
}

// On registers fn for one event (for example EventUserGetCard), replacing any earlier hook.
func (h *Handler) On(name EventName, fn CardEventFunc) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hooks[name] = fn
}

// OnCardEvent registers fn for every card event.
func (h *Handler) OnCardEvent(fn CardEventFunc) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.all = fn
}

// OnEvent registers the provider-neutral callback for every card event (see CardEvent.Neutral).
func (h *Handler) OnEvent(fn card.EventHandler) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.neutral = fn
}

// verify checks a SHA-1 signature over the token and params in constant time.
func (h *Handler) verify(sig string, params ...string) bool {
	if sig == "" {
		return false
	}
	want := util.Signature(append([]string{h.token}, params...)...)
	return subtle.ConstantTimeCompare([]byte(want), []byte(sig)) == 1
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	switch r.Method {
	case http.MethodGet:
		if !h.verify(q.Get("signature"), ts, nonce) {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		// The echostr check is held to the replay window and uses up its
		// pair: its signed query must not authenticate anything later.
		if _, status, err := h.admit(r.Context(), ts, nonce); err != nil {
			http.Error(w, err.Error(), status)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, q.Get("echostr"))
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxEventBytes+1))
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	plain, status, err := h.open(q.Get("encrypt_type"), q.Get("signature"), q.Get("msg_signature"), ts, nonce, body)
	release := func() {}
	if err == nil {
		release, status, err = h.admit(r.Context(), ts, nonce)
	}
	if err != nil {
		http.Error(w, err.Error(), status)
		return
	}
	raw, err := decodeRaw(plain)
	if err != nil {
		http.Error(w, "malformed event", http.StatusBadRequest)
		return
	}
	if clean(raw.MsgType) != "event" || !IsCardEvent(EventName(clean(raw.Event))) {
		if h.fallback == nil {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = io.WriteString(w, "success")
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		h.fallback.ServeHTTP(sw, fallbackRequest(r, plain))
		if sw.status >= 500 {
			release()
		}
		return
	}
	ev, err := raw.typed()
	if err != nil {
		http.Error(w, "malformed event", http.StatusBadRequest)
		return
	}
	if err := h.dispatch(r.Context(), ev); err != nil {
		release()
		http.Error(w, "event not handled", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "success")
}

// fallbackRequest is the request HandlerOptions.Fallback receives: r with
// the plaintext message as its body and without the safe-mode query parameters.
func fallbackRequest(r *http.Request, plain []byte) *http.Request {
	fr := r.Clone(r.Context())
	u := *r.URL
	q := u.Query()
	q.Del("encrypt_type")
	q.Del("msg_signature")
	u.RawQuery = q.Encode()
	fr.URL = &u
	fr.RequestURI = ""
	fr.Method = http.MethodPost
	fr.Body = io.NopCloser(bytes.NewReader(plain))
	fr.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(plain)), nil }
	fr.ContentLength = int64(len(plain))
	fr.Header.Set("Content-Length", strconv.Itoa(len(plain)))
	fr.Header.Set("Content-Type", "text/xml; charset=utf-8")
	return fr
}

// statusWriter records the status a fallback handler answers.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// open verifies the push and returns the plain XML, or an HTTP status and error.
func (h *Handler) open(encType, sig, msgSig, ts, nonce string, body []byte) ([]byte, int, error) {
	if len(body) > maxEventBytes {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("body too large")
	}
	if encType != "aes" {
		if !h.verify(sig, ts, nonce) {
			return nil, http.StatusForbidden, fmt.Errorf("bad signature")
		}
		if h.aesKey != "" {
			// The plain signature does not cover the body: in safe mode only
			// an encrypted push, whose msg_signature covers it, is trusted.
			return nil, http.StatusForbidden, fmt.Errorf("plaintext push refused: safe mode expects encrypt_type=aes")
		}
		return body, 0, nil
	}
	if h.aesKey == "" {
		return nil, http.StatusBadRequest, fmt.Errorf("encrypted push but no EncodingAESKey configured")
	}
	env, err := decodeRaw(body)
	if err != nil || clean(env.Encrypt) == "" {
		// Still answer 403 when the signature is wrong, so probes learn nothing.
		if !h.verify(sig, ts, nonce) {
			return nil, http.StatusForbidden, fmt.Errorf("bad signature")
		}
		return nil, http.StatusBadRequest, fmt.Errorf("malformed encrypted envelope")
	}
	enc := clean(env.Encrypt)
	if !h.verify(msgSig, ts, nonce, enc) {
		return nil, http.StatusForbidden, fmt.Errorf("bad msg_signature")
	}
	_, plain, err := util.DecryptMsg(h.appID, enc, h.aesKey)
	if err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("cannot decrypt push")
	}
	return plain, 0, nil
}

// admit checks a verified push's timestamp against the replay window and
// claims its (timestamp, nonce) pair, in this handler's memory and in the
// shared Replay store; it returns a func that gives the pair up again (the
// push was not handled, so WeChat's redelivery must pass), or an HTTP
// status and error for a stale or replayed push.
func (h *Handler) admit(ctx context.Context, ts, nonce string) (func(), int, error) {
	if h.maxAge <= 0 {
		return func() {}, 0, nil
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	now := h.now()
	if d := now.Sub(time.Unix(sec, 0)); err != nil || d > h.maxAge || d < -h.maxAge {
		return nil, http.StatusForbidden, fmt.Errorf("stale push: timestamp outside the replay window")
	}
	// Remember the pair until its timestamp leaves the window.
	ttl := time.Unix(sec, 0).Add(h.maxAge).Sub(now) + time.Second
	key := replayKey(h.appID, ts, nonce)
	mark := claimMark()
	replayed := fmt.Errorf("replayed push: this timestamp and nonce were already accepted")
	if ok, _, _ := h.seen.Claim(ctx, key, mark, ttl); !ok {
		return nil, http.StatusForbidden, replayed
	}
	release := func() { _ = h.seen.Release(context.WithoutCancel(ctx), key, mark) }
	if h.replay == nil {
		return release, 0, nil
	}
	ok, _, err := h.replay.Claim(ctx, key, mark, ttl)
	switch {
	case err != nil:
		if h.onStoreErr != nil {
			h.onStoreErr(&card.Error{Provider: Name, Op: "Handler", Kind: card.KindUnavailable,
				Message: "the shared replay memory failed; this push was checked against this instance's memory only", Err: err})
		}
		return release, 0, nil
	case !ok:
		return nil, http.StatusForbidden, replayed
	}
	return func() {
		release()
		_ = h.replay.Release(context.WithoutCancel(ctx), key, mark)
	}, 0, nil
}

// replayKey is the claim key of a push's (timestamp, nonce) pair: bounded in
// length whatever the nonce, and separate per official account.
func replayKey(appID, ts, nonce string) string {
	sum := sha256.Sum256([]byte(ts + "\x00" + nonce))
	return "push:" + appID + ":" + hex.EncodeToString(sum[:16])
}

// claimMark is a random claim value, so that a release only undoes its own claim.
func claimMark() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (h *Handler) dispatch(ctx context.Context, ev *CardEvent) error {
	h.mu.RLock()
	hook, all, neutral := h.hooks[ev.Event], h.all, h.neutral
	h.mu.RUnlock()
	if hook != nil {
		if err := hook(ctx, ev); err != nil {
			return err
		}
	}
	if all != nil {
		if err := all(ctx, ev); err != nil {
			return err
		}
	}
	if neutral != nil {
		return neutral(ctx, ev.Neutral())
	}
	return nil
}
