package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/internal/sqlstore"
)

func TestApplyDecidesInTheContractsOrder(t *testing.T) {
	member := ledger.Member{ID: "m1", Values: ledger.Values{Points: 100}, Version: 3}
	recorded := ledger.Transaction{Request: ledger.Request{Key: "k1", MemberID: "m0"}, Seq: 7}
	made := ledger.Transaction{Request: ledger.Request{Key: "k1", MemberID: "m1"}, Status: ledger.StatusApplied, Version: 4}
	disk := errors.New("disk on fire")
	refused := errors.New("refused by decide")
	for _, c := range []struct {
		name         string
		a            sqlstore.Applying
		decideErr    error
		want         ledger.Transaction
		wantReplayed bool
		wantErr      error
		wantDecided  bool
	}{
		{name: "new key", a: sqlstore.Applying{Member: member, RecordedErr: sql.ErrNoRows}, want: made, wantDecided: true},
		{name: "recorded key is replayed", a: sqlstore.Applying{Member: member, Recorded: recorded}, want: recorded, wantReplayed: true},
		{name: "recorded key on a missing member is replayed", a: sqlstore.Applying{MemberErr: sql.ErrNoRows, Recorded: recorded}, want: recorded, wantReplayed: true},
		{name: "missing member", a: sqlstore.Applying{MemberErr: sql.ErrNoRows, RecordedErr: sql.ErrNoRows}, wantErr: ledger.ErrMemberNotFound},
		{name: "member read fails", a: sqlstore.Applying{MemberErr: disk, Recorded: recorded}, wantErr: disk},
		{name: "key read fails", a: sqlstore.Applying{Member: member, RecordedErr: disk}, wantErr: disk},
		{name: "decide refuses", a: sqlstore.Applying{Member: member, RecordedErr: sql.ErrNoRows}, decideErr: refused, wantErr: refused, wantDecided: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			decided := false
			got, replayed, err := c.a.Decide(func(m ledger.Member) (ledger.Transaction, error) {
				decided = true
				assert.Equal(t, member, m, "decide sees the locked member")
				return made, c.decideErr
			})
			assert.Equal(t, c.wantDecided, decided)
			if c.wantErr != nil {
				require.ErrorIs(t, err, c.wantErr)
				assert.Zero(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.wantReplayed, replayed)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestOnlyAnAppliedNewVersionChangesTheMember(t *testing.T) {
	a := sqlstore.Applying{Member: ledger.Member{ID: "m1", Version: 3}}
	assert.True(t, a.Changes(ledger.Transaction{Status: ledger.StatusApplied, Version: 4}))
	assert.False(t, a.Changes(ledger.Transaction{Status: ledger.StatusRefused, Version: 3}), "a refusal")
	assert.False(t, a.Changes(ledger.Transaction{Status: ledger.StatusApplied, Version: 3}), "an applied no-op")
}

func TestRowValuesFollowTheColumnLists(t *testing.T) {
	tx := ledger.Transaction{
		Request: ledger.Request{Key: "k", MemberID: "m", Op: ledger.TopUp, Points: 1, Amount: 2, Level: "L", Actor: "a", Reason: "r", Note: "n"},
		Status:  ledger.StatusApplied, Refusal: "", Version: 5, After: ledger.Values{Points: 6, Balance: 7, Level: "GOLD"},
	}
	assert.Equal(t, []any{"k", "m", "top_up", int64(1), int64(2), "L", "a", "r", "n", "applied", "", int64(5), int64(6), int64(7), "GOLD"},
		sqlstore.TransactionArgs("k", "m", tx))
	assert.Equal(t, []any{int64(6), int64(7), "GOLD", int64(5), "n"}, sqlstore.MemberValues(tx))
}

func TestAKeyTakenByAnotherSessionIsReplayed(t *testing.T) {
	ctx := context.Background()
	unique := errors.New("UNIQUE constraint failed: ledger_transactions.key")
	theirs := ledger.Transaction{Request: ledger.Request{Key: "k1", MemberID: "m2"}, Seq: 3}
	got, replayed, err := sqlstore.Replay(ctx, unique, "k1", func(_ context.Context, key string) (ledger.Transaction, error) {
		assert.Equal(t, "k1", key)
		return theirs, nil
	})
	require.NoError(t, err)
	assert.True(t, replayed)
	assert.Equal(t, theirs, got)

	lost := errors.New("connection lost")
	_, replayed, err = sqlstore.Replay(ctx, unique, "k1", func(context.Context, string) (ledger.Transaction, error) {
		return ledger.Transaction{}, lost
	})
	assert.False(t, replayed)
	assert.ErrorIs(t, err, unique)
	assert.ErrorIs(t, err, lost)
}
