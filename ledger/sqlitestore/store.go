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
	"github.com/walletcard/card/ledger/internal/sqlstore"
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
	dec   sqlstore.Decoder[int64] // reads rows; timestamps are microseconds

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
	s := &Store{w: w, clock: o.Clock, dec: sqlstore.Decoder[int64]{Time: fromMicros}, wsem: make(chan struct{}, 1), stmts: map[stmtKey]*sql.Stmt{}}
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

// txExec, txRow and txQuery run a prepared statement inside tx.
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, err := s.wq(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (s *Store) txRow(ctx context.Context, tx *sql.Tx, query string, args ...any) sqlstore.Row {
	st, err := s.wq(ctx, tx, query)
	if err != nil {
		return sqlstore.ErrRows(err)
	}
	return st.QueryRowContext(ctx, args...)
}

func (s *Store) txQuery(ctx context.Context, tx *sql.Tx, query string, args ...any) sqlstore.Rows {
	st, err := s.wq(ctx, tx, query)
	if err != nil {
		return sqlstore.ErrRows(err)
	}
	return queryRows(st.QueryContext(ctx, args...))
}

// rRow and rQuery run a prepared statement on the read connections.
func (s *Store) rRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	st, err := s.prepared(ctx, s.r, query)
	if err != nil {
		return sqlstore.ErrRows(err)
	}
	return st.QueryRowContext(ctx, args...)
}

func (s *Store) rQuery(ctx context.Context, query string, args ...any) sqlstore.Rows {
	st, err := s.prepared(ctx, s.r, query)
	if err != nil {
		return sqlstore.ErrRows(err)
	}
	return queryRows(st.QueryContext(ctx, args...))
}

// queryRows makes the result of a query sqlstore.Rows.
func queryRows(rows *sql.Rows, err error) sqlstore.Rows {
	if err != nil {
		return sqlstore.ErrRows(err)
	}
	return sqlRows{rows}
}

// sqlRows are *sql.Rows as sqlstore.Rows: Close drops its error, as
// database/sql does itself when Next reaches the end (a read's failure is
// Err's).
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

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

// SchemaVersion is the schema version this package creates.
func SchemaVersion() int { return len(migrations) }

func (s *Store) migrate(ctx context.Context) error {
	schema := sqlstore.Schema{Store: "sqlitestore", Migrations: migrations, SetVersion: `UPDATE ledger_schema SET version = ?`}
	return s.tx(ctx, func(tx *sql.Tx) error {
		return schema.Migrate(
			func(query string, args ...any) error { _, err := tx.ExecContext(ctx, query, args...); return err },
			func(query string, args ...any) sqlstore.Row { return tx.QueryRowContext(ctx, query, args...) })
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

// fromMicros reads a timestamp column: microseconds since the epoch.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).In(card.Beijing()) }

// CreateMember implements ledger.Store.
func (s *Store) CreateMember(ctx context.Context, id, level string) (ledger.Member, error) {
	var m ledger.Member
	var exists bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		m, err = s.dec.Member(s.txRow(ctx, tx, `SELECT `+sqlstore.MemberCols+` FROM ledger_members WHERE id = ?`, id))
		if err == nil {
			exists = true
			return nil
		}
		if !sqlstore.IsNoRows(err) {
			return err
		}
		now := s.now()
		m = ledger.Member{ID: id, Values: ledger.Values{Level: level}, CreatedAt: fromMicros(now), UpdatedAt: fromMicros(now)}
		_, err = s.txExec(ctx, tx, `INSERT INTO ledger_members (`+sqlstore.MemberCols+`) VALUES (?, 0, 0, ?, 0, '', ?, ?)`, id, level, now, now)
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
	m, err := s.dec.Member(s.rRow(ctx, `SELECT `+sqlstore.MemberCols+` FROM ledger_members WHERE id = ?`, id))
	return m, sqlstore.NotFound(err, ledger.ErrMemberNotFound)
}

// Apply implements ledger.Store.
func (s *Store) Apply(ctx context.Context, memberID, key string, decide func(ledger.Member) (ledger.Transaction, error)) (ledger.Transaction, bool, error) {
	var out ledger.Transaction
	replayed := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var a sqlstore.Applying
		a.Member, a.MemberErr = s.dec.Member(s.txRow(ctx, tx, `SELECT `+sqlstore.MemberCols+` FROM ledger_members WHERE id = ?`, memberID))
		a.Recorded, a.RecordedErr = s.dec.Transaction(s.txRow(ctx, tx, `SELECT `+sqlstore.TxCols+` FROM ledger_transactions WHERE key = ?`, key))
		t, found, err := a.Decide(decide)
		if err != nil || found {
			out, replayed = t, found
			return err
		}
		now := s.now()
		t.At = fromMicros(now)
		err = s.txRow(ctx, tx, `INSERT INTO ledger_transactions (`+sqlstore.TxFields+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			append(sqlstore.TransactionArgs(key, memberID, t), now)...).Scan(&t.Seq)
		if err != nil {
			return err
		}
		if a.Changes(t) {
			if _, err := s.txExec(ctx, tx, `UPDATE ledger_members SET points = ?, balance = ?, level = ?, version = ?, last_note = ?, updated_at = ? WHERE id = ?`,
				append(sqlstore.MemberValues(t), now, memberID)...); err != nil {
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
		return sqlstore.Replay(ctx, err, key, s.Transaction)
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
	t, err := s.dec.Transaction(s.rRow(ctx, `SELECT `+sqlstore.TxCols+` FROM ledger_transactions WHERE key = ?`, key))
	return t, sqlstore.NotFound(err, ledger.ErrTransactionNotFound)
}

// Transactions implements ledger.Store.
func (s *Store) Transactions(ctx context.Context, memberID string, afterSeq int64, limit int) ([]ledger.Transaction, error) {
	return s.dec.Transactions(s.rQuery(ctx, `SELECT `+sqlstore.TxCols+` FROM ledger_transactions WHERE member_id = ? AND seq > ? ORDER BY seq LIMIT ?`, memberID, afterSeq, limit))
}

// AddLink implements ledger.Store.
func (s *Store) AddLink(ctx context.Context, nl ledger.NewLink) (ledger.Link, bool, error) {
	var out ledger.Link
	created := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		version, err := sqlstore.MemberVersion(s.txRow(ctx, tx, `SELECT version FROM ledger_members WHERE id = ?`, nl.MemberID))
		if err != nil {
			return err
		}
		cur, id, keep, err := s.dec.Current(s.txRow(ctx, tx, `SELECT `+sqlstore.LinkCols+` FROM ledger_links l WHERE provider = ? AND template_id = ? AND card_no = ?`,
			nl.Ref.Provider, nl.Ref.TemplateID, nl.Ref.CardNo), nl)
		if err != nil || keep {
			out = cur
			return err
		}
		now := s.now()
		if id != 0 {
			_, err = s.txExec(ctx, tx, `UPDATE ledger_links SET member_id = ?, fields = ?, state = 'active', want_version = ?, done_version = ?,
				shown_known = ?, shown_points = ?, shown_balance = ?, shown_level = ?, attempts = 0, last_error = '', park_reason = '', unlink_reason = '',
				next_at = ?, lease_token = 0, lease_owner = '', linked_at = ?, changed_at = ? WHERE id = ?`,
				append(sqlstore.LinkArgs(nl, version), now, now, now, id)...)
		} else {
			_, err = s.txExec(ctx, tx, `INSERT INTO ledger_links (provider, template_id, card_no, member_id, fields, state, want_version, done_version,
				shown_known, shown_points, shown_balance, shown_level, attempts, last_error, park_reason, unlink_reason, next_at, lease_token, lease_owner, linked_at, changed_at)
				VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, 0, '', '', '', ?, 0, '', ?, ?)`,
				append(append([]any{nl.Ref.Provider, nl.Ref.TemplateID, nl.Ref.CardNo}, sqlstore.LinkArgs(nl, version)...), now, now, now)...)
		}
		if err != nil {
			return err
		}
		created = true
		out = sqlstore.Linked(nl, version, fromMicros(now))
		return nil
	})
	if err != nil {
		return ledger.Link{}, false, err
	}
	return out, created, nil
}

// Link implements ledger.Store.
func (s *Store) Link(ctx context.Context, ref card.Ref) (ledger.Link, error) {
	l, _, err := s.dec.Link(s.rRow(ctx, `SELECT `+sqlstore.LinkCols+` FROM ledger_links l WHERE provider = ? AND template_id = ? AND card_no = ?`,
		ref.Provider, ref.TemplateID, ref.CardNo))
	return l, sqlstore.NotFound(err, ledger.ErrLinkNotFound)
}

// Links implements ledger.Store.
func (s *Store) Links(ctx context.Context, memberID string) ([]ledger.Link, error) {
	return s.dec.Links(s.rQuery(ctx, `SELECT `+sqlstore.LinkCols+` FROM ledger_links l WHERE member_id = ? ORDER BY id`, memberID))
}

// Unlink implements ledger.Store.
func (s *Store) Unlink(ctx context.Context, ref card.Ref, reason string) (bool, error) {
	now := s.now()
	return changed(s.wExec(ctx, `UPDATE ledger_links SET state = 'unlinked', unlink_reason = ?, lease_token = 0, lease_owner = '', changed_at = ?
		WHERE provider = ? AND template_id = ? AND card_no = ? AND state <> 'unlinked'`, reason, now, ref.Provider, ref.TemplateID, ref.CardNo))
}

// changed reports whether a statement changed a row.
func changed(res sql.Result, err error) (bool, error) {
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
		now := s.now()
		var ids []int64
		var err error
		jobs, ids, err = s.dec.Jobs(s.txQuery(ctx, tx, `SELECT `+sqlstore.LinkMemberCols+`
			FROM ledger_links l JOIN ledger_members m ON m.id = l.member_id
			WHERE l.state = 'active' AND l.want_version > l.done_version AND l.next_at <= ?
			ORDER BY l.next_at, l.id LIMIT ?`, now, max), token)
		if err != nil || len(ids) == 0 {
			return err
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
	return s.dec.Links(s.rQuery(ctx, `SELECT `+sqlstore.LinkCols+` FROM ledger_links l
		WHERE state = 'parked' AND (provider, template_id, card_no) > (?, ?, ?)
		ORDER BY provider, template_id, card_no LIMIT ?`, after.Provider, after.TemplateID, after.CardNo, limit))
}

// Requeue implements ledger.Store.
func (s *Store) Requeue(ctx context.Context, ref card.Ref) (bool, error) {
	now := s.now()
	return changed(s.wExec(ctx, `UPDATE ledger_links SET state = 'active', park_reason = '', attempts = 0, last_error = '', lease_token = 0, lease_owner = '', next_at = ?, changed_at = ?
		WHERE provider = ? AND template_id = ? AND card_no = ? AND state = 'parked'`, now, now, ref.Provider, ref.TemplateID, ref.CardNo))
}

// ScanLinks implements ledger.Store.
func (s *Store) ScanLinks(ctx context.Context, after int64, limit int) ([]ledger.LinkedMember, int64, error) {
	return s.dec.LinkedMembers(s.rQuery(ctx, `SELECT `+sqlstore.LinkMemberCols+`
		FROM ledger_links l JOIN ledger_members m ON m.id = l.member_id
		WHERE l.id > ? AND l.state <> 'unlinked' ORDER BY l.id LIMIT ?`, after, limit), after)
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
	return changed(s.wExec(ctx, `UPDATE ledger_links SET done_version = ?, shown_known = 1, shown_points = ?, shown_balance = ?, shown_level = ?,
		lease_token = 0, lease_owner = '', next_at = ?
		WHERE provider = ? AND template_id = ? AND card_no = ? AND done_version = ? AND state <> 'unlinked' AND (lease_token = 0 OR next_at <= ?)`,
		ledger.NoVersion, int64(observed.Points), int64(observed.Balance), observed.Level, now,
		ref.Provider, ref.TemplateID, ref.CardNo, doneVersion, now))
}
