package sqlstore_test

import (
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/internal/sqlstore"
)

// micros is the Decoder of a store keeping timestamps as microseconds.
func micros() sqlstore.Decoder[int64] {
	return sqlstore.Decoder[int64]{Time: func(us int64) time.Time { return time.UnixMicro(us).In(card.Beijing()) }}
}

const t0 = int64(1_700_000_000_000_000) // 2023-11-15 06:13:20 Beijing

// linkRow is a row of LinkCols: id, card, member, fields, state, versions,
// shown values (known or not), attempts, errors and reasons, linked and
// changed.
func linkRow(id int64, cardNo, member string, known bool) row {
	return row{id, card.Mock, "tpl", cardNo, member, int64(ledger.ShowPoints | ledger.ShowLevel), "active", int64(3), int64(2),
		known, int64(150), int64(990), "GOLD", 1, "timeout", "", "", t0, t0 + 1_000_000}
}

func TestDecoderReadsMembersAndTransactions(t *testing.T) {
	d := micros()
	m, err := d.Member(row{"m1", int64(1250), int64(300), "GOLD", int64(4), "note", t0, t0 + 5})
	require.NoError(t, err)
	assert.Equal(t, ledger.Member{ID: "m1", Values: ledger.Values{Points: 1250, Balance: 300, Level: "GOLD"}, Version: 4, LastNote: "note",
		CreatedAt: time.UnixMicro(t0).In(card.Beijing()), UpdatedAt: time.UnixMicro(t0 + 5).In(card.Beijing())}, m)
	assert.Equal(t, card.Beijing(), m.CreatedAt.Location())

	tx, err := d.Transaction(row{int64(9), "k1", "m1", "debit_points", int64(100), int64(0), "", "cashier", "order", "n",
		"refused", "insufficient", int64(4), int64(1250), int64(300), "GOLD", t0})
	require.NoError(t, err)
	assert.Equal(t, ledger.Transaction{
		Request: ledger.Request{Key: "k1", MemberID: "m1", Op: ledger.DebitPoints, Points: 100, Actor: "cashier", Reason: "order", Note: "n"},
		Seq:     9, At: time.UnixMicro(t0).In(card.Beijing()), Status: ledger.StatusRefused, Refusal: "insufficient", Version: 4,
		After: ledger.Values{Points: 1250, Balance: 300, Level: "GOLD"},
	}, tx)

	_, err = d.Member(noRow())
	assert.True(t, sqlstore.IsNoRows(err))
	assert.ErrorIs(t, sqlstore.NotFound(err, ledger.ErrMemberNotFound), ledger.ErrMemberNotFound)
	other := errors.New("disk on fire")
	assert.Equal(t, other, sqlstore.NotFound(other, ledger.ErrMemberNotFound), "a failure is not a missing row")
}

func TestDecoderReadsLinksWithAndWithoutShownValues(t *testing.T) {
	d := micros()
	l, id, err := d.Link(linkRow(42, "c1", "m1", true))
	require.NoError(t, err)
	assert.Equal(t, int64(42), id)
	assert.Equal(t, ledger.Link{
		Ref: card.Ref{Provider: card.Mock, TemplateID: "tpl", CardNo: "c1"}, MemberID: "m1", Fields: ledger.ShowPoints | ledger.ShowLevel,
		State: ledger.LinkActive, WantVersion: 3, DoneVersion: 2, Shown: &ledger.Values{Points: 150, Balance: 990, Level: "GOLD"},
		Attempts: 1, LastError: "timeout", LinkedAt: time.UnixMicro(t0).In(card.Beijing()), ChangedAt: time.UnixMicro(t0 + 1_000_000).In(card.Beijing()),
	}, l)

	l, _, err = d.Link(linkRow(43, "c2", "m1", false))
	require.NoError(t, err)
	assert.Nil(t, l.Shown, "values not known stay unknown, not zero")

	all := &rows{rows: []row{linkRow(1, "c1", "m1", true), linkRow(2, "c2", "m1", false)}}
	links, err := d.Links(all)
	require.NoError(t, err)
	require.Len(t, links, 2)
	assert.Equal(t, "c2", links[1].Ref.CardNo)
	assert.True(t, all.closed)

	failed := &rows{rows: []row{linkRow(1, "c1", "m1", true)}, err: errors.New("connection reset")}
	_, err = d.Links(failed)
	require.EqualError(t, err, "connection reset", "an error that ends the rows is the result")
	assert.True(t, failed.closed)

	_, err = d.Links(sqlstore.ErrRows(errors.New("no such table")))
	require.EqualError(t, err, "no such table", "a query that could not run")

	bad := &rows{rows: []row{{int64(1)}}}
	_, err = d.Links(bad)
	require.Error(t, err, "a row that does not scan")
	assert.True(t, bad.closed)
}

// withMember is a row of LinkMemberCols.
func withMember(id int64, cardNo, member string, points int64) row {
	return append(linkRow(id, cardNo, member, true), points, int64(500), "SILVER", int64(7), "last")
}

func TestLinkedMembersContinueAfterTheLastLink(t *testing.T) {
	d := micros()
	got, next, err := d.LinkedMembers(&rows{rows: []row{withMember(5, "c1", "m1", 10), withMember(9, "c2", "m2", 20)}}, 3)
	require.NoError(t, err)
	assert.Equal(t, int64(9), next)
	require.Len(t, got, 2)
	assert.Equal(t, ledger.Member{ID: "m2", Values: ledger.Values{Points: 20, Balance: 500, Level: "SILVER"}, Version: 7, LastNote: "last"}, got[1].Member)
	assert.Equal(t, "c2", got[1].Link.Ref.CardNo)

	got, next, err = d.LinkedMembers(&rows{}, 12)
	require.NoError(t, err)
	assert.Empty(t, got)
	assert.Equal(t, int64(12), next, "nothing more: the position stays")

	_, next, err = d.LinkedMembers(&rows{rows: []row{withMember(15, "c1", "m1", 10)}, err: errors.New("reset")}, 12)
	require.Error(t, err)
	assert.Equal(t, int64(12), next, "a failed page does not move the position")
}

func TestJobsCarryTheLeaseTokenAndTheLinkIDs(t *testing.T) {
	d := micros()
	all := &rows{rows: []row{withMember(5, "c1", "m1", 10), withMember(9, "c2", "m2", 20)}}
	jobs, ids, err := d.Jobs(all, 1234)
	require.NoError(t, err)
	assert.Equal(t, []int64{5, 9}, ids)
	require.Len(t, jobs, 2)
	for _, j := range jobs {
		assert.Equal(t, int64(1234), j.Token)
		assert.Equal(t, j.Link.MemberID, j.Member.ID)
	}
	assert.Equal(t, card.Points(20), jobs[1].Member.Points)
	assert.True(t, all.closed)

	jobs, ids, err = d.Jobs(&rows{rows: []row{withMember(5, "c1", "m1", 10)}, err: errors.New("reset")}, 1)
	require.Error(t, err)
	assert.Nil(t, jobs, "no job is handed out from a failed read")
	assert.Nil(t, ids)
}

// A store that reads a member, then its transactions, then one by key: a
// Decoder, its column lists and NotFound, on rows held in memory.
func ExampleDecoder() {
	d := sqlstore.Decoder[int64]{Time: func(us int64) time.Time { return time.UnixMicro(us).UTC() }}
	_ = `SELECT ` + sqlstore.MemberCols + ` FROM ledger_members WHERE id = ?`
	m, _ := d.Member(row{"m1", int64(1250), int64(300), "GOLD", int64(2), "thanks", int64(0), int64(0)})
	fmt.Println(m.ID, m.Points, m.Balance, m.Level, m.Version, m.CreatedAt.Year())

	txs, _ := d.Transactions(&rows{rows: []row{
		{int64(1), "order-1", "m1", "credit_points", int64(1250), int64(0), "", "", "", "", "applied", "", int64(1), int64(1250), int64(0), "", int64(0)},
		{int64(2), "order-2", "m1", "top_up", int64(0), int64(300), "", "", "", "thanks", "applied", "", int64(2), int64(1250), int64(300), "", int64(0)},
	}})
	for _, t := range txs {
		fmt.Println(t.Seq, t.Key, t.Op, t.After.Points, t.After.Balance)
	}

	_, err := d.Transaction(sqlstore.ErrRows(sql.ErrNoRows))
	fmt.Println(sqlstore.NotFound(err, ledger.ErrTransactionNotFound))
	// Output:
	// m1 12.5 3.00 GOLD 2 1970
	// 1 order-1 credit_points 12.5 0.00
	// 2 order-2 top_up 12.5 3.00
	// ledger: transaction not found
}
