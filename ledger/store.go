package ledger

import (
	"context"
	"time"

	card "github.com/walletcard/card"
)

// Store is where a Ledger keeps members, transactions, links and the outbox.
// The ledger's rules live in the Ledger; a Store keeps the data and makes
// each method atomic and durable. Implementations: ledger/sqlitestore
// (embedded, the default) and ledger/pgstore (PostgreSQL, for fleets). The
// conformance suite in ledger/storetest states the contract in code; every
// Store must pass it.
//
// Errors: the sentinels of this package (ErrMemberNotFound, ErrLinkNotFound,
// ErrLinkConflict, ErrTransactionNotFound, ErrMemberExists), possibly
// wrapped; context errors; anything else is a storage failure.
//
// A Store is safe for concurrent use, also from several processes sharing
// the same database.
type Store interface {
	// CreateMember stores a new member with zero values at version 0 and
	// the given level. An id that exists already is ErrMemberExists, and the
	// existing member is returned with it.
	CreateMember(ctx context.Context, id, level string) (Member, error)
	// Member returns a member or ErrMemberNotFound.
	Member(ctx context.Context, id string) (Member, error)

	// Apply runs one transaction atomically. It locks the member (so that
	// transactions on one member run one at a time, also across processes),
	// then looks up key: when a transaction with that key exists it is
	// returned with replayed true and decide is not called. Otherwise, if
	// the member does not exist, ErrMemberNotFound. Otherwise decide is
	// called with the locked member and returns the transaction to record;
	// when its Status is StatusApplied, the member takes tx.After,
	// tx.Version and tx.Note (as LastNote), and every link of the member
	// that is not unlinked gets WantVersion tx.Version — all in the same
	// database transaction as the transaction row. An error from decide
	// aborts with nothing written. A concurrent Apply of the same key (on
	// any member) must end with one recorded transaction; the other call
	// returns it with replayed true. The store assigns Seq and At.
	Apply(ctx context.Context, memberID, key string, decide func(m Member) (Transaction, error)) (tx Transaction, replayed bool, err error)
	// Transaction returns the transaction recorded under key, or ErrTransactionNotFound.
	Transaction(ctx context.Context, key string) (Transaction, error)
	// Transactions returns up to limit transactions of a member with Seq >
	// afterSeq, oldest first.
	Transactions(ctx context.Context, memberID string, afterSeq int64, limit int) ([]Transaction, error)

	// AddLink links a card. In the same database transaction it reads the
	// member (ErrMemberNotFound) and sets WantVersion to the member's
	// current version. A card already linked to the same member is left as
	// it is and returned with created false; linked to another member it is
	// ErrLinkConflict; an unlinked card is linked again (to l.MemberID) as new.
	AddLink(ctx context.Context, l NewLink) (link Link, created bool, err error)
	// Link returns the link of a card or ErrLinkNotFound.
	Link(ctx context.Context, ref card.Ref) (Link, error)
	// Links returns every link of a member (any state), oldest first.
	Links(ctx context.Context, memberID string) ([]Link, error)
	// Unlink marks a link unlinked with a reason. It reports false when the
	// card was not linked or already unlinked. ErrLinkNotFound is not an error here.
	Unlink(ctx context.Context, ref card.Ref, reason string) (bool, error)

	// Claim leases up to max due jobs to owner: active links whose
	// WantVersion > DoneVersion and whose next attempt time has come, oldest
	// due first. Each claimed link is not due again until lease has passed
	// (by the store's clock) or Finish releases it, so concurrent claimers
	// (in any process) never get the same link at once. Each Job carries
	// the member's values as they are at the claim, and a lease token that
	// Finish checks.
	Claim(ctx context.Context, owner string, max int, lease time.Duration) ([]Job, error)
	// Finish records outcomes, each only if its link is still leased with the
	// job's token (otherwise it is ignored: the lease ran out and the link
	// may be someone else's). It reports how many outcomes were recorded.
	Finish(ctx context.Context, outcomes []Outcome) (int, error)
	// Pending counts the links that are pending (active, WantVersion > DoneVersion).
	Pending(ctx context.Context) (int, error)
	// Parked returns up to limit parked links after the given card (zero Ref:
	// from the start), in a stable order of Ref.
	Parked(ctx context.Context, after card.Ref, limit int) ([]Link, error)
	// Requeue makes a parked link active and due now with no attempts. It
	// reports false when the link is not parked.
	Requeue(ctx context.Context, ref card.Ref) (bool, error)

	// ScanLinks returns up to limit links that are not unlinked, with their
	// member, after the given position (0 = from the start), and the
	// position to continue from.
	ScanLinks(ctx context.Context, after int64, limit int) (links []LinkedMember, next int64, err error)
	// CountLinks counts the links that are not unlinked.
	CountLinks(ctx context.Context) (int, error)
	// MarkDrift records that a card was found showing observed instead of
	// the values the ledger last wrote: Shown becomes observed and
	// DoneVersion NoVersion, so the link is pending again. It changes
	// nothing, and reports false, unless the link's DoneVersion is still
	// doneVersion (a push finished in between) and it is not unlinked.
	MarkDrift(ctx context.Context, ref card.Ref, doneVersion int64, observed Values) (bool, error)

	// Close releases the store's resources.
	Close() error
}

// NewLink is a card to link, for Store.AddLink.
type NewLink struct {
	// Ref is the card.
	Ref card.Ref
	// MemberID is the member it shows.
	MemberID string
	// Fields are the values it shows.
	Fields Fields
	// DoneVersion is the member version the card shows already, or NoVersion.
	DoneVersion int64
	// Shown are the values the card shows, nil when unknown.
	Shown *Values
}

// LinkedMember is a link with its member, as ScanLinks returns it.
type LinkedMember struct {
	// Link is the link.
	Link Link
	// Member is its member (ID, values, version and last note).
	Member Member
}

// Job is a link leased to a sync worker, with the member's values at the claim.
type Job struct {
	// Link is the link as it was claimed.
	Link Link
	// Member is the member at the claim; the worker pushes its values.
	Member Member
	// Token identifies the lease; Finish checks it.
	Token int64
}

// OutcomeKind says what a push came to.
type OutcomeKind int

// Outcome kinds.
const (
	// OutcomeDone: the card now shows Version (Shown are its values).
	OutcomeDone OutcomeKind = iota + 1
	// OutcomeRetry: try again after RetryAfter; Attempts and Error are recorded.
	OutcomeRetry
	// OutcomePark: stop syncing the link; Reason says why.
	OutcomePark
	// OutcomeUnlink: the card is gone; Reason says why.
	OutcomeUnlink
)

// Outcome is the result of one job, for Store.Finish.
type Outcome struct {
	// Ref is the job's card.
	Ref card.Ref
	// Token is the job's lease token; the outcome is recorded only while it holds.
	Token int64
	// Kind says what happened.
	Kind OutcomeKind
	// Version and Shown (OutcomeDone): DoneVersion becomes max(DoneVersion,
	// Version); when Version ≥ the old DoneVersion, Shown replaces the
	// link's shown values. Attempts and errors are cleared and the link is
	// due at once (it is still pending if a newer version was wanted).
	Version int64
	// Shown are the values the card shows now (OutcomeDone).
	Shown Values
	// RetryAfter is the wait before the next attempt (OutcomeRetry).
	RetryAfter time.Duration
	// Attempts is the link's new attempt count (OutcomeRetry).
	Attempts int
	// Error is the failure to record as Link.LastError (OutcomeRetry).
	Error string
	// Reason (OutcomePark, OutcomeUnlink).
	Reason string
}
