package sqlstore

import (
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
)

// Column lists of the ledger's tables, in the order the Decoder reads them.
const (
	// MemberCols are the columns of ledger_members that Decoder.Member reads.
	MemberCols = `id, points, balance, level, version, last_note, created_at, updated_at`

	// TxFields are the columns of ledger_transactions that a store writes
	// (TransactionArgs gives all but at, which is the store's clock).
	TxFields = `key, member_id, op, points, amount, level, actor, reason, note, status, refusal, version, points_after, balance_after, level_after, at`
	// TxCols are the columns of ledger_transactions that Decoder.Transaction reads.
	TxCols = `seq, ` + TxFields

	// LinkCols are the columns of ledger_links (as l) that Decoder.Link reads.
	LinkCols = `l.id, l.provider, l.template_id, l.card_no, l.member_id, l.fields, l.state, l.want_version, l.done_version,
	l.shown_known, l.shown_points, l.shown_balance, l.shown_level, l.attempts, l.last_error, l.park_reason, l.unlink_reason,
	l.linked_at, l.changed_at`
	// LinkMemberCols are LinkCols followed by the values of the link's
	// member (ledger_members as m), for Decoder.Jobs and Decoder.LinkedMembers.
	LinkMemberCols = LinkCols + `, m.points, m.balance, m.level, m.version, m.last_note`
)

// Decoder reads the ledger's rows into ledger types. T is what a timestamp
// column scans into in the store's database (int64 microseconds in SQLite,
// time.Time in PostgreSQL); Time turns it into a time.Time, which the
// stores give in Beijing time. The zero Decoder is not usable.
type Decoder[T any] struct {
	// Time converts a scanned timestamp.
	Time func(T) time.Time
}

// Member reads a row of MemberCols.
func (d Decoder[T]) Member(r Row) (ledger.Member, error) {
	var m ledger.Member
	var points, balance int64
	var created, updated T
	if err := r.Scan(&m.ID, &points, &balance, &m.Level, &m.Version, &m.LastNote, &created, &updated); err != nil {
		return ledger.Member{}, err
	}
	m.Points, m.Balance = card.Points(points), card.Money(balance)
	m.CreatedAt, m.UpdatedAt = d.Time(created), d.Time(updated)
	return m, nil
}

// Transaction reads a row of TxCols.
func (d Decoder[T]) Transaction(r Row) (ledger.Transaction, error) {
	var t ledger.Transaction
	var points, amount, pa, ba int64
	var op, status string
	var at T
	if err := r.Scan(&t.Seq, &t.Key, &t.MemberID, &op, &points, &amount, &t.Level, &t.Actor, &t.Reason, &t.Note,
		&status, &t.Refusal, &t.Version, &pa, &ba, &t.After.Level, &at); err != nil {
		return ledger.Transaction{}, err
	}
	t.Op, t.Status = ledger.Op(op), ledger.Status(status)
	t.Points, t.Amount = card.Points(points), card.Money(amount)
	t.After.Points, t.After.Balance = card.Points(pa), card.Money(ba)
	t.At = d.Time(at)
	return t, nil
}

// Transactions reads every row of rows (TxCols) and closes them.
func (d Decoder[T]) Transactions(rows Rows) ([]ledger.Transaction, error) {
	defer rows.Close()
	var out []ledger.Transaction
	for rows.Next() {
		t, err := d.Transaction(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Link reads a row of LinkCols and returns the link with its row id.
func (d Decoder[T]) Link(r Row) (ledger.Link, int64, error) {
	var l ledger.Link
	id, err := d.scanLink(r, &l)
	if err != nil {
		return ledger.Link{}, 0, err
	}
	return l, id, nil
}

// scanLink reads a row of LinkCols followed by the columns of extra into
// l, and returns the link's row id.
func (d Decoder[T]) scanLink(r Row, l *ledger.Link, extra ...any) (int64, error) {
	var id, fields, points, balance int64
	var state, level string
	var known bool
	var linked, changed T
	dest := []any{&id, &l.Ref.Provider, &l.Ref.TemplateID, &l.Ref.CardNo, &l.MemberID, &fields, &state, &l.WantVersion, &l.DoneVersion,
		&known, &points, &balance, &level, &l.Attempts, &l.LastError, &l.ParkReason, &l.UnlinkReason, &linked, &changed}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return 0, err
	}
	l.Fields, l.State = ledger.Fields(fields), ledger.LinkState(state)
	if known {
		l.Shown = &ledger.Values{Points: card.Points(points), Balance: card.Money(balance), Level: level}
	}
	l.LinkedAt, l.ChangedAt = d.Time(linked), d.Time(changed)
	return id, nil
}

// Links reads every row of rows (LinkCols) and closes them.
func (d Decoder[T]) Links(rows Rows) ([]ledger.Link, error) {
	defer rows.Close()
	var out []ledger.Link
	for rows.Next() {
		l, _, err := d.Link(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// linkMember reads a row of LinkMemberCols into a link and its member
// (ID and values, version and last note).
func (d Decoder[T]) linkMember(r Row, l *ledger.Link, m *ledger.Member) (int64, error) {
	var points, balance int64
	id, err := d.scanLink(r, l, &points, &balance, &m.Level, &m.Version, &m.LastNote)
	if err != nil {
		return 0, err
	}
	m.ID, m.Points, m.Balance = l.MemberID, card.Points(points), card.Money(balance)
	return id, nil
}

// LinkedMembers reads every row of rows (LinkMemberCols, by link id) and
// closes them, as ScanLinks returns them: the links with their members
// and the position to continue from, the last link's id (after when there
// is none, or on an error).
func (d Decoder[T]) LinkedMembers(rows Rows, after int64) ([]ledger.LinkedMember, int64, error) {
	defer rows.Close()
	var out []ledger.LinkedMember
	next := after
	for rows.Next() {
		var lm ledger.LinkedMember
		id, err := d.linkMember(rows, &lm.Link, &lm.Member)
		if err != nil {
			return nil, after, err
		}
		out = append(out, lm)
		next = id
	}
	if err := rows.Err(); err != nil {
		return nil, after, err
	}
	return out, next, nil
}

// Jobs reads every row of rows (LinkMemberCols) and closes them, as Claim
// returns them: a job for each link, with its member and the lease token;
// ids are the links' row ids, in the same order.
func (d Decoder[T]) Jobs(rows Rows, token int64) (jobs []ledger.Job, ids []int64, err error) {
	defer rows.Close()
	for rows.Next() {
		j := ledger.Job{Token: token}
		id, err := d.linkMember(rows, &j.Link, &j.Member)
		if err != nil {
			return nil, nil, err
		}
		jobs = append(jobs, j)
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	return jobs, ids, nil
}
