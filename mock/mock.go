// Package mock is an in-memory card.MemberCard for merchants' tests and local
// development. It is not for production.
//
// A Provider keeps all state on the instance (no package globals), is safe for
// concurrent use, and behaves like the wallets: a deleted card cannot be read
// or updated (ErrNotFound), opening again with the same idempotency key returns
// the same card, a consumed code cannot be consumed again (ErrConflict), and a
// template's stock runs out.
//
// # Wallet flavours
//
// Options.Name selects whose rules the mock applies. card.Alipay requires
// OpenRequest.AuthToken and Holder; card.WeChat requires OpenRequest.Code, a
// code obtained from Claim (as a user claiming the card would), and whole
// points. Any other name (default card.Mock) requires neither.
//
// # Testing failure paths
//
// FailNext makes the next calls of an operation fail with a given kind;
// FailAfterApply applies them first, as when the wallet's answer is lost;
// SetLatency delays an operation (honouring the context); Calls returns the
// log of calls for assertions. The magic inputs HolderRateLimited,
// HolderUnavailable, HolderPermissionDenied and AuthTokenInvalid fail Open
// with the matching kind every time.
//
// # As
//
// As supports **mock.Provider (useful to reach the mock behind a Router).
package mock

import (
	"context"
	"strconv"
	"sync"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/internal/retry"
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

// Op names an operation in the call log and for fault injection.
type Op string

// Operations of the mock.
const (
	OpOpen           Op = "Open"
	OpGet            Op = "Get"
	OpUpdate         Op = "Update"
	OpDelete         Op = "Delete"
	OpClaimLink      Op = "ClaimLink"
	OpConsume        Op = "Consume"
	OpCreateTemplate Op = "CreateTemplate"
	OpGetTemplate    Op = "GetTemplate"
	OpClaim          Op = "Claim"
)

// Options configures a Provider. The zero value is ready to use.
type Options struct {
	// Name is the provider name and flavour: card.Mock (default), card.Alipay or card.WeChat.
	Name string
	// Clock returns the current time (default time.Now). Times are reported in Beijing time.
	Clock func() time.Time
	// ManualReview leaves new templates pending until Approve; by default they are approved.
	ManualReview bool
	// OnEvent, if set, receives the events a wallet would push (claimed,
	// opened, deleted, consumed, template approved/rejected). It is called
	// synchronously, outside the provider's lock.
	OnEvent func(card.Event)
	// CallLogLimit caps the call log (default 10000; older entries are dropped).
	CallLogLimit int
}

// Call is one entry of the call log.
type Call struct {
	Op Op
	// Ref is the card concerned (TemplateID only for Open, ClaimLink, templates).
	Ref card.Ref
	// Reached is false when the call was rejected before reaching the wallet
	// (validation, canceled context); such calls would send nothing.
	Reached bool
	// Err is the error returned, if any. Under FailAfterApply the change was
	// applied although Err is set.
	Err error
	// At is when the call was made (by Options.Clock).
	At time.Time
}

// Provider is the in-memory member-card provider. Use New.
type Provider struct {
	name     string
	clock    func() time.Time
	review   bool
	onEvent  func(card.Event)
	logLimit int

	mu        sync.Mutex
	seq       uint64
	evseq     uint64
	templates map[string]*template
	cards     map[string]*entry // by template + "/" + card no
	byKey     map[string]string // open idempotency key → cards key
	byHolder  map[string]string // template + "/" + holder → cards key (live cards)
	codes     map[string]*code  // claimed (not yet opened) WeChat codes, by template/code
	faults    map[Op][]card.Kind
	lost      map[Op][]card.Kind // faults applied after the operation: the answer is "lost"
	latency   map[Op]time.Duration
	calls     []Call
	reached   int
}

type template struct {
	t      card.Template
	levels map[string]bool
}

type entry struct {
	c        card.Card
	consumed bool
}

type code struct {
	holder, channel string
	used            bool
}

// New returns an empty Provider. opts may be nil.
func New(opts *Options) *Provider {
	if opts == nil {
		opts = &Options{}
	}
	p := &Provider{
		name:      opts.Name,
		clock:     opts.Clock,
		review:    opts.ManualReview,
		onEvent:   opts.OnEvent,
		logLimit:  opts.CallLogLimit,
		templates: map[string]*template{},
		cards:     map[string]*entry{},
		byKey:     map[string]string{},
		byHolder:  map[string]string{},
		codes:     map[string]*code{},
		faults:    map[Op][]card.Kind{},
		lost:      map[Op][]card.Kind{},
		latency:   map[Op]time.Duration{},
	}
	if p.name == "" {
		p.name = card.Mock
	}
	if p.clock == nil {
		p.clock = time.Now
	}
	if p.logLimit <= 0 {
		p.logLimit = 10000
	}
	return p
}

var (
	_ card.MemberCard      = (*Provider)(nil)
	_ card.TemplateManager = (*Provider)(nil)
	_ card.Consumer        = (*Provider)(nil)
)

// Name returns the provider name given in Options.Name (default "mock").
func (p *Provider) Name() string { return p.name }

// As fills a **Provider target with p.
func (p *Provider) As(target any) bool {
	if t, ok := target.(**Provider); ok && t != nil {
		*t = p
		return true
	}
	return false
}

// FailNext makes the next n calls of op that reach the mock fail with a
// *card.Error of the given kind, changing nothing.
func (p *Provider) FailNext(op Op, kind card.Kind, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := 0; i < n; i++ {
		p.faults[op] = append(p.faults[op], kind)
	}
}

// FailAfterApply makes the next n successful calls of op apply their change
// and then fail with a *card.Error of the given kind, as when a wallet applied
// a request but its answer was lost. Use it to test that your retries reuse
// the IdempotencyKey (a retried Open must return the same card) or re-read
// state before repeating a mutation.
func (p *Provider) FailAfterApply(op Op, kind card.Kind, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := 0; i < n; i++ {
		p.lost[op] = append(p.lost[op], kind)
	}
}

// SetLatency delays every later call of op by d (0 removes the delay). The
// delay honours the call's context: a canceled call returns context.Canceled
// and changes nothing.
func (p *Provider) SetLatency(op Op, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if d <= 0 {
		delete(p.latency, op)
		return
	}
	p.latency[op] = d
}

// Calls returns a copy of the call log, oldest first.
func (p *Provider) Calls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Call(nil), p.calls...)
}

// CallCount returns how many calls of op are in the log ("" counts all).
func (p *Provider) CallCount(op Op) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.calls {
		if op == "" || c.Op == op {
			n++
		}
	}
	return n
}

// Reached returns how many calls have passed validation and reached the
// mock's state, over the provider's life (not capped like the log).
func (p *Provider) Reached() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reached
}

// logCall appends to the call log; p.mu must be held.
func (p *Provider) logCall(op Op, ref card.Ref, reached bool, err error) {
	if reached {
		p.reached++
	}
	if len(p.calls) >= p.logLimit {
		n := copy(p.calls, p.calls[len(p.calls)-p.logLimit/2:])
		clear(p.calls[n:])
		p.calls = p.calls[:n]
	}
	p.calls = append(p.calls, Call{Op: op, Ref: ref, Reached: reached, Err: err, At: p.clock()})
}

// reject logs a call that never reached the wallet and wraps its error.
func (p *Provider) reject(op Op, ref card.Ref, err error) error {
	err = card.Wrap(p.name, string(op), card.KindInvalidArgument, err)
	p.mu.Lock()
	p.logCall(op, ref, false, err)
	p.mu.Unlock()
	return err
}

// begin runs the steps every call shares after validation: context check,
// latency, then takes the lock and pops an injected fault. On success the
// lock is held and the caller must call p.end.
func (p *Provider) begin(ctx context.Context, op Op, ref card.Ref) error {
	if err := ctx.Err(); err != nil {
		return p.reject(op, ref, err)
	}
	p.mu.Lock()
	d := p.latency[op]
	p.mu.Unlock()
	if d > 0 {
		if err := retry.Sleep(ctx, d); err != nil {
			return p.reject(op, ref, err)
		}
	}
	p.mu.Lock()
	if q := p.faults[op]; len(q) > 0 {
		kind := q[0]
		p.faults[op] = q[1:]
		err := &card.Error{Provider: p.name, Op: string(op), Kind: kind, Message: "injected by mock.FailNext"}
		p.logCall(op, ref, true, err)
		p.mu.Unlock()
		return err
	}
	return nil
}

// end logs the call, releases the lock, fires events and wraps the error.
func (p *Provider) end(op Op, ref card.Ref, err error, events ...card.Event) error {
	if err != nil {
		err = card.Wrap(p.name, string(op), card.KindUnknown, err)
	} else if q := p.lost[op]; len(q) > 0 {
		p.lost[op] = q[1:]
		lost := &card.Error{Provider: p.name, Op: string(op), Kind: q[0], Message: "applied, then failed by mock.FailAfterApply"}
		p.logCall(op, ref, true, lost)
		p.mu.Unlock()
		p.emit(events)
		return lost
	}
	p.logCall(op, ref, true, err)
	p.mu.Unlock()
	if err == nil {
		p.emit(events)
	}
	return err
}

// emit delivers events to Options.OnEvent; p.mu must not be held.
func (p *Provider) emit(events []card.Event) {
	if p.onEvent == nil {
		return
	}
	for _, ev := range events {
		p.onEvent(ev)
	}
}

func (p *Provider) now() time.Time { return p.clock().In(card.Beijing()) }

func (p *Provider) nextNo() string {
	p.seq++
	return strconv.FormatUint(880000000000+p.seq, 10)
}

func key(templateID, no string) string { return templateID + "/" + no }

// event builds an event; p.mu must be held.
func (p *Provider) event(typ card.EventType, ref card.Ref, holder, channel string) card.Event {
	p.evseq++
	return card.Event{ID: "mockevent" + strconv.FormatUint(p.evseq, 10), Type: typ, Provider: p.name, Ref: ref, Holder: holder, Channel: channel, Time: p.now()}
}
