package ledger

import (
	"strings"
	"time"

	card "github.com/walletcard/card"
)

// Values are what a member holds and what a card shows: points, stored-value
// balance and level.
type Values struct {
	// Points is the point balance in hundredths of a point (never negative).
	Points card.Points
	// Balance is the stored-value balance in fen (never negative).
	Balance card.Money
	// Level is the membership level; empty means none.
	Level string
}

// Member is the merchant's record of one member: the source of truth that
// every linked wallet card is made to show.
type Member struct {
	// ID is the merchant's own member id.
	ID string
	// Values are the member's current points, balance and level.
	Values
	// Version counts the applied transactions that changed the member. A card
	// is in sync when it shows the values of the current version.
	Version int64
	// LastNote is the Note of the transaction that made this version.
	LastNote string
	// CreatedAt and UpdatedAt are set by the store.
	CreatedAt, UpdatedAt time.Time
}

// Op is what a transaction does.
type Op string

// The transaction operations.
const (
	// CreditPoints adds Request.Points to the member's points.
	CreditPoints Op = "credit_points"
	// DebitPoints takes Request.Points from the member's points; refused with
	// ErrInsufficientFunds when the member has fewer.
	DebitPoints Op = "debit_points"
	// TopUp adds Request.Amount to the member's stored-value balance.
	TopUp Op = "top_up"
	// Spend takes Request.Amount from the balance; refused with
	// ErrInsufficientFunds when the balance is lower.
	Spend Op = "spend"
	// SetLevel sets the member's level to Request.Level.
	SetLevel Op = "set_level"
)

// valid reports whether o is one of the operations.
func (o Op) valid() bool {
	switch o {
	case CreditPoints, DebitPoints, TopUp, Spend, SetLevel:
		return true
	}
	return false
}

// Request is one transaction the merchant asks the ledger to apply.
type Request struct {
	// Key is the merchant's key for the transaction, for example an order id.
	// A key is applied once: the same request again returns the original
	// transaction, a different request with the same key is ErrKeyConflict.
	// Required, ≤ 128 bytes of UTF-8.
	Key string
	// MemberID is the member. Required, ≤ 64 bytes.
	MemberID string
	// Op is the operation. Required.
	Op Op
	// Points is the amount of CreditPoints and DebitPoints (> 0).
	Points card.Points
	// Amount is the amount of TopUp and Spend (> 0).
	Amount card.Money
	// Level is the new level of SetLevel (required there, ≤ 64 bytes).
	Level string
	// Actor says who made the change (a cashier, "webhook" …). Optional, ≤ 128 bytes.
	Actor string
	// Reason says why (an order, a promotion …). Optional, ≤ 256 bytes.
	Reason string
	// Note is what wallet cards show with the change, when the change reaches
	// a card on its own (see the package doc on notes). Optional, ≤ 64
	// characters; WeChat shows the first 14.
	Note string
}

// sameContent reports whether r and o are the same transaction: same
// member, operation and amounts (Actor, Reason and Note are descriptive and
// not compared).
func (r Request) sameContent(o Request) bool {
	return r.MemberID == o.MemberID && r.Op == o.Op && r.Points == o.Points && r.Amount == o.Amount && r.Level == o.Level
}

// Status is what became of a transaction.
type Status string

// Transaction statuses.
const (
	// StatusApplied: the transaction changed the member.
	StatusApplied Status = "applied"
	// StatusRefused: the transaction was refused (insufficient funds) and
	// changed nothing; Transaction.Refusal says why.
	StatusRefused Status = "refused"
)

// Transaction is a request as the ledger recorded it, with its result.
type Transaction struct {
	// Request is what was asked.
	Request
	// Seq orders transactions in the ledger (assigned by the store).
	Seq int64
	// At is when the transaction was recorded (by the store's clock).
	At time.Time
	// Status says whether it was applied or refused.
	Status Status
	// Refusal explains a refused transaction.
	Refusal string
	// Version is the member's version after the transaction (unchanged when refused).
	Version int64
	// After are the member's values after the transaction (unchanged when refused).
	After Values
	// Replayed is true when Apply found the key applied before and returned
	// the original transaction. It is not stored.
	Replayed bool
}

// Fields says which values a linked card shows. The zero value means all.
type Fields uint8

// The values a card can show.
const (
	ShowPoints Fields = 1 << iota
	ShowBalance
	ShowLevel
	// AllFields is points, balance and level.
	AllFields = ShowPoints | ShowBalance | ShowLevel
)

// orAll returns f, or AllFields for zero.
func (f Fields) orAll() Fields {
	if f&AllFields == 0 {
		return AllFields
	}
	return f & AllFields
}

// String lists the fields, e.g. "points+balance".
func (f Fields) String() string {
	var parts []string
	if f&ShowPoints != 0 {
		parts = append(parts, "points")
	}
	if f&ShowBalance != 0 {
		parts = append(parts, "balance")
	}
	if f&ShowLevel != 0 {
		parts = append(parts, "level")
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "+")
}

// LinkState is the state of a link between a member and a wallet card.
type LinkState string

// Link states.
const (
	// LinkActive: the card is kept in sync.
	LinkActive LinkState = "active"
	// LinkParked: syncing stopped on a failure that retrying will not fix
	// (Link.ParkReason); Ledger.RetryParked resumes it.
	LinkParked LinkState = "parked"
	// LinkUnlinked: the card is no longer synced (deleted in the wallet, or
	// Unlink was called); Link.UnlinkReason says why.
	LinkUnlinked LinkState = "unlinked"
)

// NoVersion is the DoneVersion of a link whose card is not known to show any
// version of the member (a card linked with Link, or found drifted).
const NoVersion int64 = -1

// Link ties a wallet card to a member.
type Link struct {
	// Ref is the card.
	Ref card.Ref
	// MemberID is the member the card shows.
	MemberID string
	// Fields are the values the card shows.
	Fields Fields
	// State is active, parked or unlinked.
	State LinkState
	// WantVersion is the member version the card must show.
	WantVersion int64
	// DoneVersion is the member version the card is known to show, or NoVersion.
	DoneVersion int64
	// Shown are the values the card last showed (what the ledger last wrote
	// to it or read from it); nil when unknown.
	Shown *Values
	// Attempts counts the failed pushes since the last success.
	Attempts int
	// LastError is the error of the last failed push.
	LastError string
	// ParkReason says why a parked link stopped syncing.
	ParkReason string
	// UnlinkReason says why an unlinked card is no longer synced.
	UnlinkReason string
	// LinkedAt is when the link was made; ChangedAt when its state last changed.
	LinkedAt, ChangedAt time.Time
}

// Pending reports whether the card still has to be given a newer version.
func (l Link) Pending() bool { return l.State != LinkUnlinked && l.WantVersion > l.DoneVersion }

// Progress reports how far a long operation (SyncPending, Reconcile) is.
type Progress struct {
	// Phase names the step ("sync", "reconcile").
	Phase string
	// Done counts the items finished, Failed those of them that failed.
	Done, Failed int
	// Total is the number of items known so far; it may grow.
	Total int
}
