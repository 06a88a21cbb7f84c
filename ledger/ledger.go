package ledger

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"time"

	"golang.org/x/time/rate"

	card "github.com/walletcard/card"
)

// MaxValue bounds points (in hundredths) and balances (in fen): no member
// value and no transaction amount may exceed it (10^15, that is 10^13 points
// or 10^13 yuan).
const MaxValue = 1_000_000_000_000_000

// WalletRules say what one wallet can show and how fast the ledger may call it.
type WalletRules struct {
	// WholePoints: the wallet shows whole points only. A card of such a
	// wallet shows the whole part of the member's points (88.50 → 88); the
	// ledger keeps the hundredths. The default rules of card.WeChat set it
	// (WeChat's bonus is an integer).
	WholePoints bool
	// NoteRunes is the longest note the wallet shows (WeChat record_bonus: 14
	// characters); longer notes are cut. 0 means 64, card.UpdateRequest's limit.
	NoteRunes int
	// RateLimit caps the calls per second the ledger makes to this wallet
	// (Update, Get, Open, Delete), shared by all the ledger's workers in this
	// process; 0 means no limit.
	RateLimit rate.Limit
	// Burst is the rate limiter's bucket size (default 1).
	Burst int
}

// DefaultWalletRules returns the rules used for a provider that
// Options.Wallets does not name: whole points and 14-character notes for
// card.WeChat; no restriction otherwise. No default has a rate limit.
func DefaultWalletRules(provider string) WalletRules {
	if provider == card.WeChat {
		return WalletRules{WholePoints: true, NoteRunes: 14}
	}
	return WalletRules{}
}

// display returns what a card under these rules shows of v, for fields f.
func (w WalletRules) display(v Values, f Fields) Values {
	var out Values
	if f&ShowPoints != 0 {
		out.Points = v.Points
		if w.WholePoints {
			out.Points -= v.Points % 100
		}
	}
	if f&ShowBalance != 0 {
		out.Balance = v.Balance
	}
	if f&ShowLevel != 0 {
		out.Level = v.Level
	}
	return out
}

// Options configure a Ledger. The zero value (or nil) gives the defaults.
type Options struct {
	// Wallets are the rules per provider name (Ref.Provider); a provider
	// not named uses DefaultWalletRules.
	Wallets map[string]WalletRules
	// Concurrency is how many pushes one worker (Run, SyncPending) has in
	// flight at once. Default 16.
	Concurrency int
	// Lease is how long a claimed card belongs to one worker before another
	// may take it (a worker that died holds its cards this long). Default 60 s.
	Lease time.Duration
	// CallTimeout bounds one wallet call. A call never outlives its lease: it
	// is cut at the lease minus a quarter, so that a card is never written by
	// two workers at once. Default 15 s, at most Lease/2.
	CallTimeout time.Duration
	// PollInterval is how often an idle worker looks for work that other
	// processes created (work created through this Ledger wakes it at once).
	// Default 100 ms.
	PollInterval time.Duration
	// RetryBase and RetryMax shape the backoff between failed pushes of a
	// card: RetryBase doubled per attempt, at most RetryMax, ± 25 % jitter.
	// Defaults 250 ms and 5 min.
	RetryBase, RetryMax time.Duration
	// MaxAttempts is how often an error the wallet did not classify
	// (card.KindUnknown, not an unknown outcome) is retried before the card
	// is parked. Transient errors (rate limited, unavailable, unknown
	// outcomes) are retried without limit; permanent ones park at once.
	// Default 8.
	MaxAttempts int
	// Owner names this process's workers in the store's leases. Default:
	// host name, process id and a random suffix.
	Owner string
	// Note builds the note a card shows with a push (see the package doc).
	// Default DefaultNote. Its result is cut to the wallet's NoteRunes.
	Note func(Change) string
	// Logger receives the sync workers' failures. Default: discarded.
	Logger *slog.Logger
}

// Ledger is the merchant's member ledger. It is safe for concurrent use.
type Ledger struct {
	store    Store
	cards    card.MemberCard
	opts     Options
	limiters map[string]*rate.Limiter
	wake     chan struct{}
	log      *slog.Logger
}

// New returns a Ledger keeping its data in store and pushing it to wallet
// cards through cards (usually a provider.Router holding every wallet).
// opts may be nil. The Ledger does not own store: close it yourself.
func New(store Store, cards card.MemberCard, opts *Options) (*Ledger, error) {
	const op = "New"
	if store == nil || (reflect.ValueOf(store).Kind() == reflect.Pointer && reflect.ValueOf(store).IsNil()) {
		return nil, invalid(op, "store", "is nil")
	}
	if cards == nil || (reflect.ValueOf(cards).Kind() == reflect.Pointer && reflect.ValueOf(cards).IsNil()) {
		return nil, invalid(op, "cards", "is nil")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Concurrency < 0 || o.Lease < 0 || o.CallTimeout < 0 || o.PollInterval < 0 || o.RetryBase < 0 || o.RetryMax < 0 || o.MaxAttempts < 0 {
		return nil, invalid(op, "Options", "durations and counts must not be negative")
	}
	if o.Concurrency == 0 {
		o.Concurrency = 16
	}
	if o.Lease == 0 {
		o.Lease = time.Minute
	}
	if o.CallTimeout == 0 {
		o.CallTimeout = 15 * time.Second
	}
	if o.CallTimeout > o.Lease/2 {
		o.CallTimeout = o.Lease / 2
	}
	if o.PollInterval == 0 {
		o.PollInterval = 100 * time.Millisecond
	}
	if o.RetryBase == 0 {
		o.RetryBase = 250 * time.Millisecond
	}
	if o.RetryMax == 0 {
		o.RetryMax = 5 * time.Minute
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 8
	}
	if o.Owner == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		o.Owner = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	if o.Note == nil {
		o.Note = DefaultNote
	}
	l := &Ledger{store: store, cards: cards, limiters: map[string]*rate.Limiter{}, wake: make(chan struct{}, 1), log: o.Logger}
	wallets := make(map[string]WalletRules, len(o.Wallets))
	for name, w := range o.Wallets {
		if w.NoteRunes < 0 || w.NoteRunes > 64 || w.RateLimit < 0 || w.Burst < 0 {
			return nil, invalid(op, "Options.Wallets["+name+"]", "NoteRunes must be 0..64, RateLimit and Burst not negative")
		}
		wallets[name] = w
		if w.RateLimit > 0 {
			burst := w.Burst
			if burst == 0 {
				burst = 1
			}
			l.limiters[name] = rate.NewLimiter(w.RateLimit, burst)
		}
	}
	o.Wallets = wallets
	l.opts = o
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	return l, nil
}

// rules returns the rules of a provider.
func (l *Ledger) rules(provider string) WalletRules {
	w, ok := l.opts.Wallets[provider]
	if !ok {
		w = DefaultWalletRules(provider)
	}
	if w.NoteRunes == 0 {
		w.NoteRunes = 64
	}
	return w
}

// wait blocks until the provider's rate limit allows a call.
func (l *Ledger) wait(ctx context.Context, provider string) error {
	if lim := l.limiters[provider]; lim != nil {
		return lim.Wait(ctx)
	}
	return nil
}

// kick wakes a worker of this Ledger that waits for work.
func (l *Ledger) kick() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// CreateMember creates a member with no points, no balance and the given
// level (may be empty). Creating a member that exists returns it unchanged.
func (l *Ledger) CreateMember(ctx context.Context, id, level string) (*Member, error) {
	const op = "CreateMember"
	if err := checkText(op, "ID", id, maxIDLen, true); err != nil {
		return nil, err
	}
	if err := checkText(op, "Level", level, maxLevelLen, false); err != nil {
		return nil, err
	}
	m, err := l.store.CreateMember(ctx, id, level)
	if err != nil && !errors.Is(err, ErrMemberExists) {
		return nil, wrapStore(ctx, op, err)
	}
	return &m, nil
}

// Member returns a member; an unknown id is ErrMemberNotFound (card.ErrNotFound).
func (l *Ledger) Member(ctx context.Context, id string) (*Member, error) {
	const op = "Member"
	if err := checkText(op, "ID", id, maxIDLen, true); err != nil {
		return nil, err
	}
	m, err := l.store.Member(ctx, id)
	if err != nil {
		return nil, wrapStore(ctx, op, err)
	}
	return &m, nil
}

// Apply applies a transaction exactly once and returns it as recorded.
//
// The key decides: a key seen before with the same content (member,
// operation, amounts, level) returns the original transaction (Replayed
// set, nothing applied again); with different content it is
// ErrKeyConflict. A debit of points or a spend below zero is refused with
// ErrInsufficientFunds, and the refusal is recorded under the key (the
// same request again is refused again). Transactions on one member run one
// at a time, across processes too.
//
// The member's new values and the record that its cards need them commit
// together with the transaction; the sync workers (Run, SyncPending) then
// push them to every linked card. Bad input is card.ErrInvalidArgument
// naming the Request field, with nothing written. When ctx ends or the store
// fails, whether the transaction was recorded is not known: repeat Apply
// with the same Key, which is always safe.
func (l *Ledger) Apply(ctx context.Context, req Request) (*Transaction, error) {
	const op = "Apply"
	if err := req.validate(op); err != nil {
		return nil, err
	}
	// changed: decide gave the member a new version (its values changed),
	// so its cards need a push.
	changed := false
	tx, replayed, err := l.store.Apply(ctx, req.MemberID, req.Key, func(m Member) (Transaction, error) {
		t, err := decide(op, req, m)
		changed = err == nil && t.Status == StatusApplied && t.Version != m.Version
		return t, err
	})
	if err != nil {
		err = wrapStore(ctx, op, err)
		var ce *card.Error
		if errors.As(err, &ce) && ce.Kind == card.KindUnavailable {
			ce.OutcomeUnknown = true
			ce.Message = "store (repeat with the same key to learn the outcome)"
		}
		return nil, err
	}
	if replayed {
		if !tx.Request.sameContent(req) {
			return nil, &card.Error{Provider: Name, Op: op, Kind: card.KindConflict, Field: "Key", Err: ErrKeyConflict,
				Message: fmt.Sprintf("key %q was used on %s for %s of member %q", req.Key, tx.At.Format(time.RFC3339), tx.Op, tx.MemberID)}
		}
		tx.Replayed = true
	} else if changed {
		l.kick()
	}
	if tx.Status == StatusRefused {
		return nil, &card.Error{Provider: Name, Op: op, Kind: card.KindConflict, Message: tx.Refusal, Err: ErrInsufficientFunds}
	}
	return &tx, nil
}

// decide computes a transaction's result from the member's current values.
func decide(op string, req Request, m Member) (Transaction, error) {
	tx := Transaction{Request: req, Status: StatusApplied, Version: m.Version, After: m.Values}
	a := &tx.After
	refuse := func(format string, args ...any) (Transaction, error) {
		tx.Status, tx.Refusal, tx.After, tx.Version = StatusRefused, fmt.Sprintf(format, args...), m.Values, m.Version
		return tx, nil
	}
	switch req.Op {
	case CreditPoints:
		if a.Points > MaxValue-req.Points {
			return Transaction{}, invalid(op, "Points", "would take member %q above %d hundredths of a point", req.MemberID, int64(MaxValue))
		}
		a.Points += req.Points
	case DebitPoints:
		if a.Points < req.Points {
			return refuse("insufficient points: member %q has %s, the debit is %s", req.MemberID, a.Points, req.Points)
		}
		a.Points -= req.Points
	case TopUp:
		if a.Balance > MaxValue-req.Amount {
			return Transaction{}, invalid(op, "Amount", "would take member %q above %d fen", req.MemberID, int64(MaxValue))
		}
		a.Balance += req.Amount
	case Spend:
		if a.Balance < req.Amount {
			return refuse("insufficient balance: member %q has %s yuan, the spend is %s", req.MemberID, a.Balance, req.Amount)
		}
		a.Balance -= req.Amount
	case SetLevel:
		a.Level = req.Level
	}
	if tx.After != m.Values {
		tx.Version = m.Version + 1
	}
	return tx, nil
}

// TransactionQuery pages through a member's transactions.
type TransactionQuery struct {
	// AfterSeq returns transactions with a larger Seq (0: from the first).
	AfterSeq int64
	// Limit caps the answer (default 100, at most 1000).
	Limit int
}

// Transactions returns a member's transactions (applied and refused), oldest first.
func (l *Ledger) Transactions(ctx context.Context, memberID string, q TransactionQuery) ([]Transaction, error) {
	const op = "Transactions"
	if err := checkText(op, "MemberID", memberID, maxIDLen, true); err != nil {
		return nil, err
	}
	if q.Limit < 0 || q.Limit > 1000 {
		return nil, invalid(op, "Limit", "must be 0..1000")
	}
	if q.Limit == 0 {
		q.Limit = 100
	}
	txs, err := l.store.Transactions(ctx, memberID, q.AfterSeq, q.Limit)
	if err != nil {
		return nil, wrapStore(ctx, op, err)
	}
	return txs, nil
}

// Transaction returns the transaction recorded under key (applied or
// refused); an unknown key is ErrTransactionNotFound (card.ErrNotFound).
func (l *Ledger) Transaction(ctx context.Context, key string) (*Transaction, error) {
	const op = "Transaction"
	if err := checkText(op, "Key", key, maxKeyLen, true); err != nil {
		return nil, err
	}
	tx, err := l.store.Transaction(ctx, key)
	if err != nil {
		return nil, wrapStore(ctx, op, err)
	}
	return &tx, nil
}
