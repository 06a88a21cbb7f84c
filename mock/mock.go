// Package mock is an in-memory card.MemberCard for merchants' tests and
// local development. It is not for production.
//
// A mock keeps all state on the instance (no package globals), is safe for
// concurrent use, and behaves like the wallets: a deleted card cannot be read
// or updated (ErrNotFound), opening again with the same idempotency key returns
// the same card, a consumed code cannot be consumed again (ErrConflict), and a
// template's stock runs out.
//
// # Flavours
//
// NewAlipay and NewWeChat imitate one wallet exactly as its provider in this
// module behaves: the same rules (driver.Rules, taken from the same table
// the alipay and wechat providers use, so every limit, claim-link lifetime
// and error field is the same), the same answer to a repeated Open, and the
// same optional interfaces — *WeChat is a card.Consumer and a
// card.TemplateManager, *Alipay only a card.TemplateManager, as the
// providers are. The Alipay flavour needs OpenRequest.AuthToken and Holder;
// the WeChat flavour needs a code from Claim (what a user claiming the card
// does), whole points, and a template with a logo. New is a wallet-neutral
// flavour with only the rules of package card, for code that does not care
// which wallet it runs on. A merchant's test swaps a mock in for a provider
// in one line:
//
//	svc := &Loyalty{Cards: mock.NewWeChat(nil)} // instead of wechat.NewFromCredentials(…)
//
// Every call runs through the same pipeline as the real providers
// (package driver): validation once, idempotency keys, error building,
// logging and hooks (Options.Logger, Options.Hook). Unlike the providers,
// a mock does not retry unless Options.Retry says so, so a fault injected
// for one call fails that call.
//
// # Testing failure paths: the fault vocabulary
//
// The same four methods, with the same meaning, exist on the mock and on
// both local fakes (alipaytest.Server, wechattest.Server):
//
//	FailNext(op, kind, n)   the next n calls of op fail before changing anything
//	LoseAnswerNext(op, n)   the next n calls of op are applied, then the answer is lost
//	                        (the error matches card.ErrOutcomeUnknown)
//	SetLatency(op, d)       every later call of op takes d longer (honours ctx)
//	ExpireCredentials()     the credentials in use expire (Alipay flavour: every
//	                        auth token seen so far is refused as Unauthenticated)
//	RevokeCredentials()     every call fails as Unauthenticated until RestoreCredentials
//
// Calls returns the call log (filtered by operation if you pass some);
// Reached counts calls that got past validation. The magic inputs
// HolderRateLimited, HolderUnavailable, HolderPermissionDenied and
// AuthTokenInvalid fail Open with the matching kind every time.
//
// # As
//
// As fills a *mock.Provider, *mock.Alipay or *mock.WeChat target (whichever
// the mock is), so the mock behind a provider.Router can be reached.
package mock

import (
	"context"
	"log/slog"
	"slices"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
	"github.com/walletcard/card/internal/walletrules"
)

// Magic inputs that make Open fail with a fixed kind, every time.
const (
	// HolderRateLimited as OpenRequest.Holder fails Open with ErrRateLimited.
	HolderRateLimited = "mock-rate-limited"
	// HolderUnavailable as OpenRequest.Holder fails Open with ErrUnavailable.
	HolderUnavailable = "mock-unavailable"
	// HolderPermissionDenied as OpenRequest.Holder fails Open with ErrPermissionDenied.
	HolderPermissionDenied = "mock-permission-denied"
	// AuthTokenInvalid as OpenRequest.AuthToken fails Open with ErrUnauthenticated.
	AuthTokenInvalid = "mock-invalid-token"
)

// OpClaim is the mock-only operation of Claim, in the call log and for
// fault injection; the neutral operations are card.OpOpen, card.OpGet ….
const OpClaim card.Op = "Claim"

// Options configures a mock. The zero value (or nil) is ready to use.
type Options struct {
	// Name is the provider name of New's wallet-neutral mock (default
	// card.Mock). NewAlipay and NewWeChat are always named card.Alipay and
	// card.WeChat.
	Name string
	// Clock returns the current time (default time.Now). Times are reported in Beijing time.
	Clock func() time.Time
	// ManualReview leaves new templates pending until Approve; by default they are approved.
	ManualReview bool
	// OnEvent, if set, receives the events a wallet would push (claimed,
	// opened, deleted, consumed, template approved/rejected). It is called
	// synchronously, outside the mock's lock.
	OnEvent func(card.Event)
	// CallLogLimit caps the call log (default 10000; older entries are dropped).
	CallLogLimit int
	// Retry is the pipeline's retry policy. The zero value means no retries
	// (unlike the providers), so that a fault injected for one call fails it.
	Retry card.RetryPolicy
	// Logger and Hook observe every call, as the providers' options of the
	// same names do.
	Logger *slog.Logger
	Hook   card.Hook
}

// Call is one entry of the call log.
type Call struct {
	Op card.Op
	// Ref is the card concerned (TemplateID only for Open before it
	// succeeded, ClaimLink and templates).
	Ref card.Ref
	// Reached is false when the call was refused before reaching the wallet
	// (validation, canceled context); such calls would send nothing.
	Reached bool
	// Err is the error returned, if any. After LoseAnswerNext the change was
	// applied although Err is set.
	Err error
	// At is when the call was made (by Options.Clock).
	At time.Time
}

// wallet is what every flavour shares: the pipeline and the in-memory
// wallet behind it (the driver, in wallet.go).
type wallet struct {
	pipe *driver.Pipeline
	st   *state
}

// Provider is the wallet-neutral mock (New): only the rules of package
// card apply. It is a card.MemberCard, card.TemplateManager and
// card.Consumer.
type Provider struct{ *wallet }

// Alipay imitates the Alipay provider (NewAlipay): a card.MemberCard and
// card.TemplateManager, not a card.Consumer.
type Alipay struct{ *wallet }

// WeChat imitates the WeChat provider (NewWeChat): a card.MemberCard,
// card.TemplateManager and card.Consumer; cards are opened on codes
// claimed with Claim.
type WeChat struct{ *wallet }

var (
	_ card.MemberCard      = (*Provider)(nil)
	_ card.TemplateManager = (*Provider)(nil)
	_ card.Consumer        = (*Provider)(nil)
	_ card.MemberCard      = (*Alipay)(nil)
	_ card.TemplateManager = (*Alipay)(nil)
	_ card.MemberCard      = (*WeChat)(nil)
	_ card.TemplateManager = (*WeChat)(nil)
	_ card.Consumer        = (*WeChat)(nil)
)

// New returns an empty wallet-neutral mock. opts may be nil.
func New(opts *Options) *Provider {
	p := &Provider{}
	p.wallet = newWallet(opts, flavourNeutral, neutralRules(), p)
	return p
}

// NewAlipay returns an empty mock with the Alipay provider's rules and
// behaviour. opts may be nil.
func NewAlipay(opts *Options) *Alipay {
	a := &Alipay{}
	a.wallet = newWallet(opts, flavourAlipay, walletrules.Alipay(), a)
	return a
}

// NewWeChat returns an empty mock with the WeChat provider's rules and
// behaviour. opts may be nil.
func NewWeChat(opts *Options) *WeChat {
	w := &WeChat{}
	w.wallet = newWallet(opts, flavourWeChat, walletrules.WeChat(), w)
	return w
}

// neutralRules are the rules of New: none beyond package card but a
// validity date in the future; Alipay's behaviour where wallets differ, and
// every capability.
func neutralRules() driver.Rules {
	return driver.Rules{
		Open: func(req card.OpenRequest, now time.Time) error {
			if !req.ValidUntil.IsZero() && !req.ValidUntil.After(now) {
				return driver.InvalidArgument("ValidUntil", "must be in the future")
			}
			return nil
		},
		FractionalPoints: true, LevelOnGet: true, ReopenNeedsKey: true, KeyedDelete: true, Consume: true, Templates: true,
	}
}

func newWallet(opts *Options, fl flavour, rules driver.Rules, self any) *wallet {
	var o Options
	if opts != nil {
		o = *opts
	}
	st := newState(o, fl, rules, self)
	retry := o.Retry
	if retry == (card.RetryPolicy{}) {
		retry = card.RetryPolicy{Attempts: 1}
	}
	w := &wallet{st: st}
	w.pipe = driver.NewPipeline(st.name, st, &driver.Options{
		Rules: rules, Retry: retry, Logger: o.Logger, Clock: st.clock,
		Hook: func(ctx context.Context, info card.CallInfo) {
			st.logCall(info.Op, info.Ref, info.Attempts > 0, info.Err)
			if o.Hook != nil {
				o.Hook(ctx, info)
			}
		},
	})
	return w
}

// Name returns the provider name.
func (w *wallet) Name() string { return w.st.name }

// As fills a **Provider, **Alipay or **WeChat target with this mock when
// it is of that flavour.
func (w *wallet) As(target any) bool { return w.pipe.As(target) }

// Open opens a card. See card.MemberCard.
func (w *wallet) Open(ctx context.Context, req card.OpenRequest) (*card.Card, error) {
	return w.pipe.Open(ctx, req)
}

// Get returns a card. See card.MemberCard.
func (w *wallet) Get(ctx context.Context, ref card.Ref) (*card.Card, error) {
	return w.pipe.Get(ctx, ref)
}

// Update sets level, points and balance. See card.MemberCard.
func (w *wallet) Update(ctx context.Context, req card.UpdateRequest) (*card.Card, error) {
	return w.pipe.Update(ctx, req)
}

// Delete deletes a card. See card.MemberCard.
func (w *wallet) Delete(ctx context.Context, req card.DeleteRequest) error {
	return w.pipe.Delete(ctx, req)
}

// ClaimLink returns a link to claim a card of the template. The URL has the
// scheme "mock:" and carries the template id and channel; pass them to
// Claim to simulate a user following it.
func (w *wallet) ClaimLink(ctx context.Context, req card.ClaimLinkRequest) (*card.ClaimLink, error) {
	return w.pipe.ClaimLink(ctx, req)
}

// CreateTemplate creates a template; it is approved at once unless
// Options.ManualReview is set. Stock 0 means unlimited.
func (w *wallet) CreateTemplate(ctx context.Context, spec card.TemplateSpec) (*card.Template, error) {
	return w.pipe.CreateTemplate(ctx, spec)
}

// GetTemplate returns a template; an unknown id is ErrNotFound.
func (w *wallet) GetTemplate(ctx context.Context, provider, id string) (*card.Template, error) {
	return w.pipe.GetTemplate(ctx, provider, id)
}

// Consume redeems the card's code once; a second time is ErrConflict.
func (p *Provider) Consume(ctx context.Context, req card.ConsumeRequest) error {
	return p.pipe.Consume(ctx, req)
}

// Consume redeems the card's code once; a second time is ErrConflict.
func (w *WeChat) Consume(ctx context.Context, req card.ConsumeRequest) error {
	return w.pipe.Consume(ctx, req)
}

// Claim simulates a user claiming a card of the template (WeChat
// user_get_card): it takes one from the stock and returns the code the user
// now holds, which OpenRequest.Code activates. Out of stock is ErrConflict.
func (w *WeChat) Claim(ctx context.Context, templateID, holder, channel string) (string, error) {
	return w.st.claim(ctx, templateID, holder, channel)
}

// Claim simulates a user claiming a card of the template: it takes one
// from the stock and returns a code (the neutral flavour opens cards
// without one). Out of stock is ErrConflict.
func (p *Provider) Claim(ctx context.Context, templateID, holder, channel string) (string, error) {
	return p.st.claim(ctx, templateID, holder, channel)
}

// FailNext makes the next n calls of op that reach the mock fail with a
// *card.Error of the given kind, changing nothing.
func (w *wallet) FailNext(op card.Op, kind card.Kind, n int) {
	w.st.mu.Lock()
	defer w.st.mu.Unlock()
	for i := 0; i < n; i++ {
		w.st.faults[op] = append(w.st.faults[op], kind)
	}
}

// LoseAnswerNext makes the next n successful calls of op apply their change
// and then fail as if the wallet's answer was lost: the error matches
// card.ErrOutcomeUnknown, with kind card.KindUnavailable where repeating the
// call is safe (Open and Delete with their key, absolute updates, reads)
// and card.KindUnknown for Consume. Use it to test that your retries reuse
// the IdempotencyKey (a retried Open must return the same card) and that an
// unknown outcome is resolved by reading or repeating, never by applying a
// change twice.
func (w *wallet) LoseAnswerNext(op card.Op, n int) {
	w.st.mu.Lock()
	defer w.st.mu.Unlock()
	w.st.lost[op] += n
}

// SetLatency delays every later call of op by d (0 removes the delay). The
// delay honours the call's context: a canceled call returns context.Canceled
// and changes nothing.
func (w *wallet) SetLatency(op card.Op, d time.Duration) {
	w.st.mu.Lock()
	defer w.st.mu.Unlock()
	if d <= 0 {
		delete(w.st.latency, op)
		return
	}
	w.st.latency[op] = d
}

// ExpireCredentials expires the credentials in use: every auth token an
// Open has carried so far is refused from now on as ErrUnauthenticated
// (the user must authorize again), as the Alipay gateway refuses an expired
// auth_token. The WeChat flavour's access token is refreshed by the
// provider, so nothing changes there.
func (w *wallet) ExpireCredentials() {
	w.st.mu.Lock()
	defer w.st.mu.Unlock()
	for t := range w.st.tokens {
		w.st.tokens[t] = false
	}
}

// RevokeCredentials makes every later call fail as ErrUnauthenticated, as a
// wallet does when the app's credentials are revoked, until
// RestoreCredentials.
func (w *wallet) RevokeCredentials() {
	w.st.mu.Lock()
	defer w.st.mu.Unlock()
	w.st.revoked = true
}

// RestoreCredentials undoes RevokeCredentials.
func (w *wallet) RestoreCredentials() {
	w.st.mu.Lock()
	defer w.st.mu.Unlock()
	w.st.revoked = false
}

// Calls returns a copy of the call log, oldest first: all calls, or only
// those of the given operations.
func (w *wallet) Calls(ops ...card.Op) []Call {
	w.st.mu.Lock()
	defer w.st.mu.Unlock()
	if len(ops) == 0 {
		return slices.Clone(w.st.calls)
	}
	var out []Call
	for _, c := range w.st.calls {
		if slices.Contains(ops, c.Op) {
			out = append(out, c)
		}
	}
	return out
}

// CallCount returns how many calls of op are in the log ("" counts all).
func (w *wallet) CallCount(op card.Op) int {
	w.st.mu.Lock()
	defer w.st.mu.Unlock()
	n := 0
	for _, c := range w.st.calls {
		if op == "" || c.Op == op {
			n++
		}
	}
	return n
}

// Reached returns how many calls have passed validation and reached the
// mock's state, over the mock's life (not capped like the log).
func (w *wallet) Reached() int {
	w.st.mu.Lock()
	defer w.st.mu.Unlock()
	return w.st.reached
}

// Approve approves a pending template (as wallet review would) and emits
// EventTemplateApproved.
func (w *wallet) Approve(templateID string) error {
	return w.st.setReview(templateID, card.TemplateApproved)
}

// Reject rejects a template and emits EventTemplateRejected.
func (w *wallet) Reject(templateID string) error {
	return w.st.setReview(templateID, card.TemplateRejected)
}

// Rules returns the rules the mock applies (those of its wallet).
func (w *wallet) Rules() driver.Rules { return w.pipe.Rules() }

// logCall appends to the call log.
func (s *state) logCall(op card.Op, ref card.Ref, reached bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logLocked(op, ref, reached, err)
}

func (s *state) logLocked(op card.Op, ref card.Ref, reached bool, err error) {
	if reached {
		s.reached++
	}
	if len(s.calls) >= s.logLimit {
		n := copy(s.calls, s.calls[len(s.calls)-s.logLimit/2:])
		clear(s.calls[n:])
		s.calls = s.calls[:n]
	}
	s.calls = append(s.calls, Call{Op: op, Ref: ref, Reached: reached, Err: err, At: s.clock()})
}
