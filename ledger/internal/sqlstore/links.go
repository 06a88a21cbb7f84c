package sqlstore

import (
	"time"

	"github.com/walletcard/card/ledger"
)

// MemberVersion reads the version of a member from a row of `SELECT
// version FROM ledger_members WHERE id = …`: ledger.ErrMemberNotFound when
// there is none.
func MemberVersion(r Row) (int64, error) {
	var v int64
	if err := r.Scan(&v); err != nil {
		return 0, NotFound(err, ledger.ErrMemberNotFound)
	}
	return v, nil
}

// Current reads the card's current link (a row of LinkCols, or none) and
// applies AddLink's rule to it: keep is true when the card is linked to
// nl's member already (AddLink returns cur with created false); the card
// linked to another member is ledger.ErrLinkConflict. Otherwise keep is
// false and the store links the card as new: by updating the row id (an
// unlinked card) or, when id is 0, by inserting one.
func (d Decoder[T]) Current(r Row, nl ledger.NewLink) (cur ledger.Link, id int64, keep bool, err error) {
	cur, id, err = d.Link(r)
	switch {
	case IsNoRows(err):
		return ledger.Link{}, 0, false, nil
	case err != nil:
		return ledger.Link{}, 0, false, err
	case cur.State == ledger.LinkUnlinked:
		return cur, id, false, nil
	case cur.MemberID != nl.MemberID:
		return ledger.Link{}, 0, false, ledger.ErrLinkConflict
	}
	return cur, id, true, nil
}

// LinkArgs are the values a new link row takes from nl, wanting version:
// member_id, fields, want_version, done_version, shown_known,
// shown_points, shown_balance, shown_level. (A new row also has the card's
// provider, template_id and card_no, state 'active', no attempts, errors,
// reasons or lease, and is due now.)
func LinkArgs(nl ledger.NewLink, version int64) []any {
	args := []any{nl.MemberID, int64(nl.Fields), version, nl.DoneVersion}
	if v := nl.Shown; v != nil {
		return append(args, true, int64(v.Points), int64(v.Balance), v.Level)
	}
	return append(args, false, int64(0), int64(0), "")
}

// Linked is the link AddLink made from nl, wanting version, linked at.
func Linked(nl ledger.NewLink, version int64, at time.Time) ledger.Link {
	l := ledger.Link{Ref: nl.Ref, MemberID: nl.MemberID, Fields: nl.Fields, State: ledger.LinkActive,
		WantVersion: version, DoneVersion: nl.DoneVersion, LinkedAt: at, ChangedAt: at}
	if nl.Shown != nil {
		v := *nl.Shown
		l.Shown = &v
	}
	return l
}
