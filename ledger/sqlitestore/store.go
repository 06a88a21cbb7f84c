// Package sqlitestore is the embedded ledger.Store: one SQLite file, pure Go
// (modernc.org/sqlite, no cgo), no server. It is the default store for a
// merchant running one process, and what merchants' unit tests use with a
// file in t.TempDir().
//
//	st, err := sqlitestore.Open(ctx, filepath.Join(dir, "ledger.db"), nil)
//	defer st.Close()
//	l, err := ledger.New(st, router, nil)
//
// The database runs in WAL mode with synchronous=FULL by default: a
// transaction Apply returned is on disk. Within one process, writes queue in
// Go (in order, honouring their context) and never wait on SQLite's lock:
// run the sync worker (Ledger.Run) in the process that applies
// transactions. Several processes on one host may share the file — a sync
// worker restarted after a crash takes over the cards its predecessor had
// leased once the leases pass — but they take turns to write through
// SQLite's busy handler, which polls and is not fair: a process writing
// back to back can keep another waiting (up to Options.BusyTimeout). For
// several busy processes, or several hosts, use ledger/pgstore.
//
// The schema creates and migrates itself on Open (versioned, in the table
// ledger_schema); a database made by a newer version is refused.
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
)

// Options configure a Store. The zero value gives the defaults.
type Options struct {
	// Synchronous is SQLite's synchronous setting: "FULL" (default; a
	// committed transaction survives a power cut), "NORMAL" (it survives a
	// crash of the process; faster) or "OFF" (tests and bulk loads only).
	Synchronous string
	// BusyTimeout is how long a write waits for another process holding the
	// database (default 10 s).
	BusyTimeout time.Duration
	// ReadConns is the number of connections for reads (default 4).
	ReadConns int
	// Clock returns the current time (default time.Now); leases and
	// timestamps use it.
	Clock func() time.Time
}

// Store is a ledger.Store on SQLite. Use Open.
type Store struct {
	w, r  *sql.DB
	clock func() time.Time

	// wsem lets one write transaction of this process run at a time, so
	// that writers queue here (honouring their context) instead of in
	// SQLite's sleeping busy handler. The write pool has two connections so
	// that statements can be prepared while a transaction runs.
	wsem chan struct{}

	mu    sync.Mutex
	stmts map[stmtKey]*sql.Stmt // prepared statements, by database and query
}

type stmtKey struct {
	db    *sql.DB
	query string
}

var _ ledger.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path and brings its
// schema to the current version. opts may be nil.
func Open(ctx context.Context, path string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, &card.Error{Provider: ledger.Name, Op: "sqlitestore.Open", Kind: card.KindInvalidArgument, Field: "path", Message: "must be a file path without '?' or '#'"}
	}
	switch strings.ToUpper(o.Synchronous) {
	case "":
		o.Synchronous = "FULL"
	case "FULL", "NORMAL", "OFF", "EXTRA":
	default:
		return nil, &card.Error{Provider: ledger.Name, Op: "sqlitestore.Open", Kind: card.KindInvalidArgument, Field: "Synchronous", Message: "must be FULL, NORMAL, OFF or EXTRA"}
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 10 * time.Second
	}
	if o.ReadConns <= 0 {
		o.ReadConns = 4
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	dsn := func(extra string) string {
		return fmt.Sprintf("%s?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(%s)%s",
			path, o.BusyTimeout.Milliseconds(), o.Synchronous, extra)
	}
	w, err := sql.Open("sqlite", dsn("&_txlock=immediate"))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(2)
	w.SetMaxIdleConns(2)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s := &Store{w: w, clock: o.Clock, wsem: make(chan struct{}, 1), stmts: map[stmtKey]*sql.Stmt{}}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn("&_pragma=query_only(1)"))
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(o.ReadConns)
	r.SetMaxIdleConns(o.ReadConns)
	s.r = r
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.mu.Lock()
	var errs []error
	for k, st := range s.stmts {
		errs = append(errs, st.Close())
		delete(s.stmts, k)
	}
	s.mu.Unlock()
	return errors.Join(append(errs, s.r.Close(), s.w.Close())...)
}

// prepared returns the statement for query on db, preparing it once.
func (s *Store) prepared(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	k := stmtKey{db, query}
	s.mu.Lock()
	st, ok := s.stmts[k]
	s.mu.Unlock()
	if ok {
		return st, nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.stmts[k]; ok {
		_ = st.Close()
		return prev, nil
	}
	s.stmts[k] = st
	return st, nil
}

// wq is a statement of the write connection inside tx.
func (s *Store) wq(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	st, err := s.prepared(ctx, s.w, query)
	if err != nil {
		return nil, err
	}
	return tx.StmtContext(ctx, st), nil
}

// txExec and txRow run a prepared statement inside tx.
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, err := s.wq(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (s *Store) txRow(ctx context.Context, tx *sql.Tx, query string, args ...any) rowScanner {
	st, err := s.wq(ctx, tx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

func (s *Store) txQuery(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	st, err := s.wq(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// rRow and rQuery run a prepared statement on the read connections.
func (s *Store) rRow(ctx context.Context, query string, args ...any) rowScanner {
	st, err := s.prepared(ctx, s.r, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

func (s *Store) rQuery(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := s.prepared(ctx, s.r, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// wExec runs a prepared statement on the write connection, on its own.
func (s *Store) wExec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = s.txExec(ctx, tx, query, args...)
		return err
	})
	return res, err
}

// lockWrite waits for this process's turn to write.
func (s *Store) lockWrite(ctx context.Context) error {
	select {
	case s.wsem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Store) unlockWrite() { <-s.wsem }

type rowScanner interface{ Scan(dest ...any) error }

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// SchemaVersion is the schema version this package creates.
func SchemaVersion() int { return len(migrations) }

func (s *Store) migrate(ctx context.Context) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS ledger_schema (version INTEGER NOT NULL)`); err != nil {
			return err
		}
		var v int
		err := tx.QueryRowContext(ctx, `SELECT version FROM ledger_schema`).Scan(&v)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_schema (version) VALUES (0)`); err != nil {
				return err
			}
		case err != nil:
			return err
		}
		if v > len(migrations) {
			return fmt.Errorf("sqlitestore: the database has schema version %d, this program knows %d: upgrade the program", v, len(migrations))
		}
		for ; v < len(migrations); v++ {
			if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
				return fmt.Errorf("sqlitestore: migration %d: %w", v+1, err)
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE ledger_schema SET version = ?`, v)
		return err
	})
}

// tx runs fn in a write transaction (BEGIN IMMEDIATE).
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if err := s.lockWrite(ctx); err != nil {
		return err
	}
	defer s.unlockWrite()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (s *Store) now() int64 { return s.clock().UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).In(card.Beijing()) }

const memberCols = `id, points, balance, level, version, last_note, created_at, updated_at`

func scanMember(sc rowScanner, m *ledger.Member) error {
	var created, updated int64
	var points, balance int64
	if err := sc.Scan(&m.ID, &points, &balance, &m.Level, &m.Version, &m.LastNote, &created, &updated); err != nil {
		return err
	}
	m.Points, m.Balance = card.Points(points), card.Money(balance)
	m.CreatedAt, m.UpdatedAt = fromMicros(created), fromMicros(updated)
	return nil
}

// CreateMember implements ledger.Store.
func (s *Store) CreateMember(ctx context.Context, id, level string) (ledger.Member, error) {
	var m ledger.Member
	var exists bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := scanMember(s.txRow(ctx, tx, `SELECT `+memberCols+` FROM ledger_members WHERE id = ?`, id), &m)
		if err == nil {
			exists = true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := s.now()
		m = ledger.Member{ID: id, Values: ledger.Values{Level: level}, CreatedAt: fromMicros(now), UpdatedAt: fromMicros(now)}
		_, err = s.txExec(ctx, tx, `INSERT INTO ledger_members (`+memberCols+`) VALUES (?, 0, 0, ?, 0, '', ?, ?)`, id, level, now, now)
		return err
	})
	if err != nil {
		return ledger.Member{}, err
	}
	if exists {
		return m, ledger.ErrMemberExists
	}
	return m, nil
}

// Member implements ledger.Store.
func (s *Store) Member(ctx context.Context, id string) (ledger.Member, error) {
	var m ledger.Member
	err := scanMember(s.rRow(ctx, `SELECT `+memberCols+` FROM ledger_members WHERE id = ?`, id), &m)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ledger.ErrMemberNotFound
	}
	return m, err
}

const txCols = `seq, key, member_id, op, points, amount, level, actor, reason, note, status, refusal, version, points_after, balance_after, level_after, at`

func scanTx(sc rowScanner, t *ledger.Transaction) error {
	var points, amount, pa, ba, at int64
	var op, status string
	if err := sc.Scan(&t.Seq, &t.Key, &t.MemberID, &op, &points, &amount, &t.Level, &t.Actor, &t.Reason, &t.Note,
		&status, &t.Refusal, &t.Version, &pa, &ba, &t.After.Level, &at); err != nil {
		return err
	}
	t.Op, t.Status = ledger.Op(op), ledger.Status(status)
	t.Points, t.Amount = card.Points(points), card.Money(amount)
	t.After.Points, t.After.Balance = card.Points(pa), card.Money(ba)
	t.At = fromMicros(at)
	return nil
}

// Apply implements ledger.Store.
func (s *Store) Apply(ctx context.Context, memberID, key string, decide func(ledger.Member) (ledger.Transaction, error)) (ledger.Transaction, bool, error) {
	var out ledger.Transaction
	replayed := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var m ledger.Member
		merr := scanMember(s.txRow(ctx, tx, `SELECT `+memberCols+` FROM ledger_members WHERE id = ?`, memberID), &m)
		if merr != nil && !errors.Is(merr, sql.ErrNoRows) {
			return merr
		}
		err := scanTx(s.txRow(ctx, tx, `SELECT `+txCols+` FROM ledger_transactions WHERE key = ?`, key), &out)
		if err == nil {
			replayed = true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if merr != nil {
			return ledger.ErrMemberNotFound
		}
		t, err := decide(m)
		if err != nil {
			return err
		}
		now := s.now()
		t.At = fromMicros(now)
		err = s.txRow(ctx, tx, `INSERT INTO ledger_transactions (key, member_id, op, points, amount, level, actor, reason, note, status, refusal, version, points_after, balance_after, level_after, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			key, memberID, string(t.Op), int64(t.Points), int64(t.Amount), t.Level, t.Actor, t.Reason, t.Note,
			string(t.Status), t.Refusal, t.Version, int64(t.After.Points), int64(t.After.Balance), t.After.Level, now).Scan(&t.Seq)
		if err != nil {
			return err
		}
		if t.Status == ledger.StatusApplied && t.Version != m.Version {
			if _, err := s.txExec(ctx, tx, `UPDATE ledger_members SET points = ?, balance = ?, level = ?, version = ?, last_note = ?, updated_at = ? WHERE id = ?`,
				int64(t.After.Points), int64(t.After.Balance), t.After.Level, t.Version, t.Note, now, memberID); err != nil {
				return err
			}
			if _, err := s.txExec(ctx, tx, `UPDATE ledger_links SET want_version = ? WHERE member_id = ? AND state <> 'unlinked'`, t.Version, memberID); err != nil {
				return err
			}
		}
		out = t
		return nil
	})
	if isUnique(err) {
		// Another process recorded the key first.
		t, terr := s.Transaction(ctx, key)
		if terr != nil {
			return ledger.Transaction{}, false, errors.Join(err, terr)
		}
		return t, true, nil
	}
	if err != nil {
		return ledger.Transaction{}, false, err
	}
	return out, replayed, nil
}

func isUnique(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

// Transaction implements ledger.Store.
func (s *Store) Transaction(ctx context.Context, key string) (ledger.Transaction, error) {
	var t ledger.Transaction
	err := scanTx(s.rRow(ctx, `SELECT `+txCols+` FROM ledger_transactions WHERE key = ?`, key), &t)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ledger.ErrTransactionNotFound
	}
	return t, err
}

// Transactions implements ledger.Store.
func (s *Store) Transactions(ctx context.Context, memberID string, afterSeq int64, limit int) ([]ledger.Transaction, error) {
	rows, err := s.rQuery(ctx, `SELECT `+txCols+` FROM ledger_transactions WHERE member_id = ? AND seq > ? ORDER BY seq LIMIT ?`, memberID, afterSeq, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledger.Transaction
	for rows.Next() {
		var t ledger.Transaction
		if err := scanTx(rows, &t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

const linkCols = `l.id, l.provider, l.template_id, l.card_no, l.member_id, l.fields, l.state, l.want_version, l.done_version,
	l.shown_known, l.shown_points, l.shown_balance, l.shown_level, l.attempts, l.last_error, l.park_reason, l.unlink_reason,
	l.lease_token, l.linked_at, l.changed_at`

func scanLink(sc rowScanner, l *ledger.Link, id, token *int64, extra ...any) error {
	var fields int
	var state, level string
	var known bool
	var points, balance, linked, changed int64
	dest := []any{id, &l.Ref.Provider, &l.Ref.TemplateID, &l.Ref.CardNo, &l.MemberID, &fields, &state, &l.WantVersion, &l.DoneVersion,
		&known, &points, &balance, &level, &l.Attempts, &l.LastError, &l.ParkReason, &l.UnlinkReason, token, &linked, &changed}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return err
	}
	l.Fields, l.State = ledger.Fields(fields), ledger.LinkState(state)
	if known {
		l.Shown = &ledger.Values{Points: card.Points(points), Balance: card.Money(balance), Level: level}
	}
	l.LinkedAt, l.ChangedAt = fromMicros(linked), fromMicros(changed)
	return nil
}

func shownArgs(v *ledger.Values) (bool, int64, int64, string) {
	if v == nil {
		return false, 0, 0, ""
	}
	return true, int64(v.Points), int64(v.Balance), v.Level
}

// AddLink implements ledger.Store.
func (s *Store) AddLink(ctx context.Context, nl ledger.NewLink) (ledger.Link, bool, error) {
	var out ledger.Link
	created := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var version int64
		err := s.txRow(ctx, tx, `SELECT version FROM ledger_members WHERE id = ?`, nl.MemberID).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			return ledger.ErrMemberNotFound
		}
		if err != nil {
			return err
		}
		var id, token int64
		err = scanLink(s.txRow(ctx, tx, `SELECT `+linkCols+` FROM ledger_links l WHERE provider = ? AND template_id = ? AND card_no = ?`,
			nl.Ref.Provider, nl.Ref.TemplateID, nl.Ref.CardNo), &out, &id, &token)
		exists := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if exists && out.State != ledger.LinkUnlinked {
			if out.MemberID != nl.MemberID {
				return ledger.ErrLinkConflict
			}
			return nil
		}
		now := s.now()
		known, sp, sb, sl := shownArgs(nl.Shown)
		if exists {
			_, err = s.txExec(ctx, tx, `UPDATE ledger_links SET member_id = ?, fields = ?, state = 'active', want_version = ?, done_version = ?,
				shown_known = ?, shown_points = ?, shown_balance = ?, shown_level = ?, attempts = 0, last_error = '', park_reason = '', unlink_reason = '',
				next_at = ?, lease_token = 0, lease_owner = '', linked_at = ?, changed_at = ? WHERE id = ?`,
				nl.MemberID, int(nl.Fields), version, nl.DoneVersion, known, sp, sb, sl, now, now, now, id)
		} else {
			_, err = s.txExec(ctx, tx, `INSERT INTO ledger_links (provider, template_id, card_no, member_id, fields, state, want_version, done_version,
				shown_known, shown_points, shown_balance, shown_level, attempts, last_error, park_reason, unlink_reason, next_at, lease_token, lease_owner, linked_at, changed_at)
				VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, 0, '', '', '', ?, 0, '', ?, ?)`,
				nl.Ref.Provider, nl.Ref.TemplateID, nl.Ref.CardNo, nl.MemberID, int(nl.Fields), version, nl.DoneVersion, known, sp, sb, sl, now, now, now)
		}
		if err != nil {
			return err
		}
		created = true
		out = ledger.Link{Ref: nl.Ref, MemberID: nl.MemberID, Fields: nl.Fields, State: ledger.LinkActive, WantVersion: version, DoneVersion: nl.DoneVersion,
			LinkedAt: fromMicros(now), ChangedAt: fromMicros(now)}
		if nl.Shown != nil {
			v := *nl.Shown
			out.Shown = &v
		}
		return nil
	})
	if err != nil {
		return ledger.Link{}, false, err
	}
	return out, created, nil
}

// Link implements ledger.Store.
func (s *Store) Link(ctx context.Context, ref card.Ref) (ledger.Link, error) {
	var l ledger.Link
	var id, token int64
	err := scanLink(s.rRow(ctx, `SELECT `+linkCols+` FROM ledger_links l WHERE provider = ? AND template_id = ? AND card_no = ?`,
		ref.Provider, ref.TemplateID, ref.CardNo), &l, &id, &token)
	if errors.Is(err, sql.ErrNoRows) {
		return l, ledger.ErrLinkNotFound
	}
	return l, err
}

// Links implements ledger.Store.
func (s *Store) Links(ctx context.Context, memberID string) ([]ledger.Link, error) {
	rows, err := s.rQuery(ctx, `SELECT `+linkCols+` FROM ledger_links l WHERE member_id = ? ORDER BY id`, memberID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledger.Link
	for rows.Next() {
		var l ledger.Link
		var id, token int64
		if err := scanLink(rows, &l, &id, &token); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Unlink implements ledger.Store.
func (s *Store) Unlink(ctx context.Context, ref card.Ref, reason string) (bool, error) {
	now := s.now()
	res, err := s.wExec(ctx, `UPDATE ledger_links SET state = 'unlinked', unlink_reason = ?, lease_token = 0, lease_owner = '', changed_at = ?
		WHERE provider = ? AND template_id = ? AND card_no = ? AND state <> 'unlinked'`, reason, now, ref.Provider, ref.TemplateID, ref.CardNo)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// Claim implements ledger.Store.
func (s *Store) Claim(ctx context.Context, owner string, max int, lease time.Duration) ([]ledger.Job, error) {
	if max <= 0 {
		return nil, nil
	}
	var jobs []ledger.Job
	token := rand.Int64N(1<<62) + 1
	err := s.tx(ctx, func(tx *sql.Tx) error {
		jobs = jobs[:0]
		now := s.now()
		rows, err := s.txQuery(ctx, tx, `SELECT `+linkCols+`, m.points, m.balance, m.level, m.version, m.last_note
			FROM ledger_links l JOIN ledger_members m ON m.id = l.member_id
			WHERE l.state = 'active' AND l.want_version > l.done_version AND l.next_at <= ?
			ORDER BY l.next_at, l.id LIMIT ?`, now, max)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var j ledger.Job
			var id, oldToken, points, balance int64
			if err := scanLink(rows, &j.Link, &id, &oldToken, &points, &balance, &j.Member.Level, &j.Member.Version, &j.Member.LastNote); err != nil {
				rows.Close()
				return err
			}
			j.Member.ID, j.Member.Points, j.Member.Balance, j.Token = j.Link.MemberID, card.Points(points), card.Money(balance), token
			jobs = append(jobs, j)
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		stmt, err := s.wq(ctx, tx, `UPDATE ledger_links SET lease_token = ?, lease_owner = ?, next_at = ? WHERE id = ?`)
		if err != nil {
			return err
		}
		until := now + lease.Microseconds()
		for _, id := range ids {
			if _, err := stmt.ExecContext(ctx, token, owner, until, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return jobs, nil
}

// Finish implements ledger.Store.
func (s *Store) Finish(ctx context.Context, outcomes []ledger.Outcome) (int, error) {
	recorded := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		recorded = 0
		now := s.now()
		for _, o := range outcomes {
			var res sql.Result
			var err error
			r := o.Ref
			switch o.Kind {
			case ledger.OutcomeDone:
				res, err = s.txExec(ctx, tx, `UPDATE ledger_links SET
					shown_known   = CASE WHEN ?1 >= done_version THEN 1 ELSE shown_known END,
					shown_points  = CASE WHEN ?1 >= done_version THEN ?2 ELSE shown_points END,
					shown_balance = CASE WHEN ?1 >= done_version THEN ?3 ELSE shown_balance END,
					shown_level   = CASE WHEN ?1 >= done_version THEN ?4 ELSE shown_level END,
					done_version  = max(done_version, ?1),
					attempts = 0, last_error = '', lease_token = 0, lease_owner = '', next_at = ?5
					WHERE provider = ?6 AND template_id = ?7 AND card_no = ?8 AND lease_token = ?9`,
					o.Version, int64(o.Shown.Points), int64(o.Shown.Balance), o.Shown.Level, now, r.Provider, r.TemplateID, r.CardNo, o.Token)
			case ledger.OutcomeRetry:
				res, err = s.txExec(ctx, tx, `UPDATE ledger_links SET attempts = ?, last_error = ?, lease_token = 0, lease_owner = '', next_at = ?
					WHERE provider = ? AND template_id = ? AND card_no = ? AND lease_token = ?`,
					o.Attempts, o.Error, now+o.RetryAfter.Microseconds(), r.Provider, r.TemplateID, r.CardNo, o.Token)
			case ledger.OutcomePark:
				res, err = s.txExec(ctx, tx, `UPDATE ledger_links SET state = 'parked', park_reason = ?, lease_token = 0, lease_owner = '', next_at = ?, changed_at = ?
					WHERE provider = ? AND template_id = ? AND card_no = ? AND lease_token = ? AND state = 'active'`,
					o.Reason, now, now, r.Provider, r.TemplateID, r.CardNo, o.Token)
			case ledger.OutcomeUnlink:
				res, err = s.txExec(ctx, tx, `UPDATE ledger_links SET state = 'unlinked', unlink_reason = ?, lease_token = 0, lease_owner = '', changed_at = ?
					WHERE provider = ? AND template_id = ? AND card_no = ? AND lease_token = ? AND state <> 'unlinked'`,
					o.Reason, now, r.Provider, r.TemplateID, r.CardNo, o.Token)
			default:
				return fmt.Errorf("sqlitestore: unknown outcome kind %d", o.Kind)
			}
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			recorded += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return recorded, nil
}

// Pending implements ledger.Store.
func (s *Store) Pending(ctx context.Context) (int, error) {
	var n int
	err := s.rRow(ctx, `SELECT count(*) FROM ledger_links WHERE state = 'active' AND want_version > done_version`).Scan(&n)
	return n, err
}

// Parked implements ledger.Store.
func (s *Store) Parked(ctx context.Context, after card.Ref, limit int) ([]ledger.Link, error) {
	rows, err := s.rQuery(ctx, `SELECT `+linkCols+` FROM ledger_links l
		WHERE state = 'parked' AND (provider, template_id, card_no) > (?, ?, ?)
		ORDER BY provider, template_id, card_no LIMIT ?`, after.Provider, after.TemplateID, after.CardNo, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledger.Link
	for rows.Next() {
		var l ledger.Link
		var id, token int64
		if err := scanLink(rows, &l, &id, &token); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Requeue implements ledger.Store.
func (s *Store) Requeue(ctx context.Context, ref card.Ref) (bool, error) {
	now := s.now()
	res, err := s.wExec(ctx, `UPDATE ledger_links SET state = 'active', park_reason = '', attempts = 0, last_error = '', lease_token = 0, lease_owner = '', next_at = ?, changed_at = ?
		WHERE provider = ? AND template_id = ? AND card_no = ? AND state = 'parked'`, now, now, ref.Provider, ref.TemplateID, ref.CardNo)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ScanLinks implements ledger.Store.
func (s *Store) ScanLinks(ctx context.Context, after int64, limit int) ([]ledger.LinkedMember, int64, error) {
	rows, err := s.rQuery(ctx, `SELECT `+linkCols+`, m.points, m.balance, m.level, m.version, m.last_note
		FROM ledger_links l JOIN ledger_members m ON m.id = l.member_id
		WHERE l.id > ? AND l.state <> 'unlinked' ORDER BY l.id LIMIT ?`, after, limit)
	if err != nil {
		return nil, after, err
	}
	defer rows.Close()
	var out []ledger.LinkedMember
	next := after
	for rows.Next() {
		var lm ledger.LinkedMember
		var id, token, points, balance int64
		if err := scanLink(rows, &lm.Link, &id, &token, &points, &balance, &lm.Member.Level, &lm.Member.Version, &lm.Member.LastNote); err != nil {
			return nil, after, err
		}
		lm.Member.ID, lm.Member.Points, lm.Member.Balance = lm.Link.MemberID, card.Points(points), card.Money(balance)
		out = append(out, lm)
		next = id
	}
	return out, next, rows.Err()
}

// CountLinks implements ledger.Store.
func (s *Store) CountLinks(ctx context.Context) (int, error) {
	var n int
	err := s.rRow(ctx, `SELECT count(*) FROM ledger_links WHERE state <> 'unlinked'`).Scan(&n)
	return n, err
}

// MarkDrift implements ledger.Store.
func (s *Store) MarkDrift(ctx context.Context, ref card.Ref, doneVersion int64, observed ledger.Values) (bool, error) {
	now := s.now()
	res, err := s.wExec(ctx, `UPDATE ledger_links SET done_version = ?, shown_known = 1, shown_points = ?, shown_balance = ?, shown_level = ?,
		lease_token = 0, lease_owner = '', next_at = ?
		WHERE provider = ? AND template_id = ? AND card_no = ? AND done_version = ? AND state <> 'unlinked' AND (lease_token = 0 OR next_at <= ?)`,
		ledger.NoVersion, int64(observed.Points), int64(observed.Balance), observed.Level, now,
		ref.Provider, ref.TemplateID, ref.CardNo, doneVersion, now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
