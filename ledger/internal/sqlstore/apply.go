package sqlstore

import (
	"context"
	"errors"

	"github.com/walletcard/card/ledger"
)

// Applying is what an Apply read in its database transaction, with the
// member's row locked: the member (Decoder.Member) and the transaction
// already recorded under the key (Decoder.Transaction), each with the
// error of its read (a missing row is not yet an error: Decide says what
// it comes to). The store reads them in this order and one at a time (a
// pgx batch yields its results in order).
type Applying struct {
	// Member is the locked member (zero when MemberErr is not nil).
	Member    ledger.Member
	MemberErr error
	// Recorded is the transaction recorded under the key (zero when
	// RecordedErr is not nil).
	Recorded    ledger.Transaction
	RecordedErr error
}

// Decide is the rule of ledger.Store.Apply once the reads are done: a
// failed read is the error; a transaction recorded under the key is
// returned with replayed true (decide is not called); a missing member is
// ledger.ErrMemberNotFound; otherwise decide's transaction (or error) is
// returned, for the store to record.
func (a Applying) Decide(decide func(ledger.Member) (ledger.Transaction, error)) (t ledger.Transaction, replayed bool, err error) {
	if a.MemberErr != nil && !IsNoRows(a.MemberErr) {
		return ledger.Transaction{}, false, a.MemberErr
	}
	if a.RecordedErr == nil {
		return a.Recorded, true, nil
	}
	if !IsNoRows(a.RecordedErr) {
		return ledger.Transaction{}, false, a.RecordedErr
	}
	if a.MemberErr != nil {
		return ledger.Transaction{}, false, ledger.ErrMemberNotFound
	}
	t, err = decide(a.Member)
	if err != nil {
		return ledger.Transaction{}, false, err
	}
	return t, false, nil
}

// Changes reports whether recording t changes the member: t is applied and
// makes a new version. Then the member takes t's values (MemberValues) and
// the member's links that are not unlinked want t.Version, in the same
// database transaction.
func (a Applying) Changes(t ledger.Transaction) bool {
	return t.Status == ledger.StatusApplied && t.Version != a.Member.Version
}

// TransactionArgs are the values of a new transaction row, in the order of
// TxFields but for at (the store's clock, last): key, member_id, op,
// points, amount, level, actor, reason, note, status, refusal, version,
// points_after, balance_after, level_after.
func TransactionArgs(key, memberID string, t ledger.Transaction) []any {
	return []any{key, memberID, string(t.Op), int64(t.Points), int64(t.Amount), t.Level, t.Actor, t.Reason, t.Note,
		string(t.Status), t.Refusal, t.Version, int64(t.After.Points), int64(t.After.Balance), t.After.Level}
}

// MemberValues are the values a member row takes from an applied
// transaction: points, balance, level, version, last_note.
func MemberValues(t ledger.Transaction) []any {
	return []any{int64(t.After.Points), int64(t.After.Balance), t.After.Level, t.Version, t.Note}
}

// Replay ends an Apply whose insert of key failed with err, a unique
// violation: another session recorded the key first (on any member), so
// its transaction, found with lookup, is returned with replayed true. When
// the lookup fails, both errors are returned.
func Replay(ctx context.Context, err error, key string, lookup func(context.Context, string) (ledger.Transaction, error)) (ledger.Transaction, bool, error) {
	t, terr := lookup(ctx, key)
	if terr != nil {
		return ledger.Transaction{}, false, errors.Join(err, terr)
	}
	return t, true, nil
}
