package sqlstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/internal/sqlstore"
)

func TestAddLinkKeepsRelinksOrRefusesTheCurrentLink(t *testing.T) {
	d := micros()
	nl := ledger.NewLink{Ref: card.Ref{Provider: card.Mock, TemplateID: "tpl", CardNo: "c1"}, MemberID: "m1"}

	cur, id, keep, err := d.Current(noRow(), nl)
	require.NoError(t, err)
	assert.False(t, keep)
	assert.Zero(t, id, "no row: insert")
	assert.Zero(t, cur)

	cur, id, keep, err = d.Current(linkRow(8, "c1", "m1", true), nl)
	require.NoError(t, err)
	assert.True(t, keep, "linked to the same member: left as it is")
	assert.Equal(t, int64(8), id)
	assert.Equal(t, "m1", cur.MemberID)

	_, _, keep, err = d.Current(linkRow(8, "c1", "m2", true), nl)
	require.ErrorIs(t, err, ledger.ErrLinkConflict)
	assert.False(t, keep)

	unlinked := linkRow(8, "c1", "m2", true)
	unlinked[6] = "unlinked"
	_, id, keep, err = d.Current(unlinked, nl)
	require.NoError(t, err)
	assert.False(t, keep, "an unlinked card is linked again")
	assert.Equal(t, int64(8), id, "by updating its row")

	disk := errors.New("disk on fire")
	_, _, keep, err = d.Current(sqlstore.ErrRows(disk), nl)
	require.ErrorIs(t, err, disk)
	assert.False(t, keep)
}

func TestMemberVersionOfAMissingMember(t *testing.T) {
	v, err := sqlstore.MemberVersion(row{int64(6)})
	require.NoError(t, err)
	assert.Equal(t, int64(6), v)
	_, err = sqlstore.MemberVersion(noRow())
	require.ErrorIs(t, err, ledger.ErrMemberNotFound)
}

func TestANewLinkIsActiveAndOwnsItsShownValues(t *testing.T) {
	ref := card.Ref{Provider: card.Mock, TemplateID: "tpl", CardNo: "c1"}
	shown := &ledger.Values{Points: 100, Balance: 20, Level: "GOLD"}
	nl := ledger.NewLink{Ref: ref, MemberID: "m1", Fields: ledger.ShowPoints, DoneVersion: ledger.NoVersion, Shown: shown}
	assert.Equal(t, []any{"m1", int64(ledger.ShowPoints), int64(4), ledger.NoVersion, true, int64(100), int64(20), "GOLD"}, sqlstore.LinkArgs(nl, 4))

	at := time.Date(2024, 5, 1, 12, 0, 0, 0, card.Beijing())
	l := sqlstore.Linked(nl, 4, at)
	assert.Equal(t, ledger.Link{Ref: ref, MemberID: "m1", Fields: ledger.ShowPoints, State: ledger.LinkActive, WantVersion: 4, DoneVersion: ledger.NoVersion,
		Shown: &ledger.Values{Points: 100, Balance: 20, Level: "GOLD"}, LinkedAt: at, ChangedAt: at}, l)
	shown.Points = 1
	assert.Equal(t, card.Points(100), l.Shown.Points, "the link does not share the caller's values")

	nl.Shown = nil
	assert.Equal(t, []any{"m1", int64(ledger.ShowPoints), int64(4), ledger.NoVersion, false, int64(0), int64(0), ""}, sqlstore.LinkArgs(nl, 4))
	assert.Nil(t, sqlstore.Linked(nl, 4, at).Shown)
}
