// Package pgstore is the ledger.Store on PostgreSQL (pgx/v5), for a fleet of
// processes sharing one ledger. Sync workers in any number of processes
// claim cards with row leases (SELECT … FOR UPDATE SKIP LOCKED), so they
// split the work and never push the same card at once; transactions on one
// member serialise on the member's row lock.
//
//	st, err := pgstore.Open(ctx, "postgres://ledger@db/shop", nil)
//	defer st.Close()
//	l, err := ledger.New(st, router, nil)
//
// The schema (tables ledger_*) creates and migrates itself on Open, under an
// advisory lock so that processes starting together do not race; the
// version is kept in ledger_schema, and a database made by a newer version
// is refused. Times (leases, retries) come from the database's clock, so
// the hosts' clocks need not agree.
package pgstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/internal/sqlstore"
)

// Options configure Open. The zero value gives the defaults.
type Options struct {
	// MaxConns caps the connection pool (default: pgxpool's, or pool_max_conns in the DSN).
	MaxConns int32
}

// Store is a ledger.Store on PostgreSQL. Use Open or New.
type Store struct {
	pool *pgxpool.Pool
	own  bool
	dec  sqlstore.Decoder[time.Time] // reads rows; timestamps are timestamptz
}

var _ ledger.Store = (*Store)(nil)

// Open connects to the database at dsn (a pgx connection string) and
// migrates the schema. opts may be nil. Close closes the pool.
func Open(ctx context.Context, dsn string, opts *Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, &card.Error{Provider: ledger.Name, Op: "pgstore.Open", Kind: card.KindInvalidArgument, Field: "dsn", Message: "cannot parse the connection string"}
	}
	if opts != nil && opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s, err := New(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.own = true
	return s, nil
}

// New uses an existing pool (not closed by Close) and migrates the schema.
func New(ctx context.Context, pool *pgxpool.Pool) (*Store, error) {
	s := &Store{pool: pool, dec: sqlstore.Decoder[time.Time]{Time: beijing}}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the pool if Open made it.
func (s *Store) Close() error {
	if s.own {
		s.pool.Close()
	}
	return nil
}

// SchemaVersion is the schema version this package creates.
func SchemaVersion() int { return len(migrations) }

// migrate brings the schema to the current version under an advisory
// lock, so that processes starting together migrate it once.
func (s *Store) migrate(ctx context.Context) error {
	schema := sqlstore.Schema{Store: "pgstore", Migrations: migrations, SetVersion: `UPDATE ledger_schema SET version = $1`}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7263512783401)`); err != nil {
			return err
		}
		return schema.Migrate(
			func(query string, args ...any) error { _, err := tx.Exec(ctx, query, args...); return err },
			func(query string, args ...any) sqlstore.Row { return tx.QueryRow(ctx, query, args...) })
	})
}

// beijing reads a timestamptz column.
func beijing(t time.Time) time.Time { return t.In(card.Beijing()) }

// query runs a query on the pool.
func (s *Store) query(ctx context.Context, query string, args ...any) sqlstore.Rows {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return sqlstore.ErrRows(err)
	}
	return rows
}

// CreateMember implements ledger.Store.
func (s *Store) CreateMember(ctx context.Context, id, level string) (ledger.Member, error) {
	m, err := s.dec.Member(s.pool.QueryRow(ctx, `INSERT INTO ledger_members (`+sqlstore.MemberCols+`) VALUES ($1, 0, 0, $2, 0, '', now(), now())
		ON CONFLICT (id) DO NOTHING RETURNING `+sqlstore.MemberCols, id, level))
	if sqlstore.IsNoRows(err) {
		if m, err = s.dec.Member(s.pool.QueryRow(ctx, `SELECT `+sqlstore.MemberCols+` FROM ledger_members WHERE id = $1`, id)); err != nil {
			return ledger.Member{}, err
		}
		return m, ledger.ErrMemberExists
	}
	return m, err
}

// Member implements ledger.Store.
func (s *Store) Member(ctx context.Context, id string) (ledger.Member, error) {
	m, err := s.dec.Member(s.pool.QueryRow(ctx, `SELECT `+sqlstore.MemberCols+` FROM ledger_members WHERE id = $1`, id))
	return m, sqlstore.NotFound(err, ledger.ErrMemberNotFound)
}

// Apply implements ledger.Store in two round trips: BEGIN, the member's row
// lock and the key lookup travel in one batch; the writes and COMMIT in
// another.
func (s *Store) Apply(ctx context.Context, memberID, key string, decide func(ledger.Member) (ledger.Transaction, error)) (ledger.Transaction, bool, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return ledger.Transaction{}, false, err
	}
	// A connection left inside a transaction is destroyed by Release.
	defer conn.Release()
	out, replayed, err := s.apply(ctx, conn.Conn(), memberID, key, decide)
	if err != nil {
		if conn.Conn().PgConn().TxStatus() != 'I' {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_, _ = conn.Exec(rctx, "ROLLBACK")
			cancel()
		}
		if isUnique(err) {
			// Another session recorded the key first (on another member).
			return sqlstore.Replay(ctx, err, key, s.Transaction)
		}
		return ledger.Transaction{}, false, err
	}
	return out, replayed, nil
}

func (s *Store) apply(ctx context.Context, conn *pgx.Conn, memberID, key string, decide func(ledger.Member) (ledger.Transaction, error)) (ledger.Transaction, bool, error) {
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	b.Queue(`SELECT `+sqlstore.MemberCols+` FROM ledger_members WHERE id = $1 FOR UPDATE`, memberID)
	b.Queue(`SELECT `+sqlstore.TxCols+` FROM ledger_transactions WHERE key = $1`, key)
	br := conn.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return ledger.Transaction{}, false, err
	}
	var a sqlstore.Applying
	a.Member, a.MemberErr = s.dec.Member(br.QueryRow())
	a.Recorded, a.RecordedErr = s.dec.Transaction(br.QueryRow())
	if err := br.Close(); err != nil {
		return ledger.Transaction{}, false, err
	}
	t, replayed, err := a.Decide(decide)
	if err != nil {
		return ledger.Transaction{}, false, err
	}
	if replayed {
		_, err := conn.Exec(ctx, `COMMIT`)
		return t, true, err
	}
	b = &pgx.Batch{}
	b.Queue(`INSERT INTO ledger_transactions (`+sqlstore.TxFields+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, now()) RETURNING seq, at`,
		sqlstore.TransactionArgs(key, memberID, t)...)
	changed := a.Changes(t)
	if changed {
		b.Queue(`UPDATE ledger_members SET points = $1, balance = $2, level = $3, version = $4, last_note = $5, updated_at = now() WHERE id = $6`,
			append(sqlstore.MemberValues(t), memberID)...)
		// The member's links are locked in linkOrder, the order Finish
		// takes them in, so that the two never wait for each other in a
		// cycle (a deadlock PostgreSQL would break by failing one of them).
		b.Queue(`UPDATE ledger_links SET want_version = $1 WHERE id IN (
			SELECT id FROM ledger_links WHERE member_id = $2 AND state <> 'unlinked' ORDER BY `+linkOrder+` FOR UPDATE)`, t.Version, memberID)
	}
	b.Queue(`COMMIT`)
	br = conn.SendBatch(ctx, b)
	if err := br.QueryRow().Scan(&t.Seq, &t.At); err != nil {
		br.Close()
		return ledger.Transaction{}, false, err
	}
	t.At = beijing(t.At)
	n := 1
	if changed {
		n = 3
	}
	for i := 0; i < n; i++ {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return ledger.Transaction{}, false, err
		}
	}
	if err := br.Close(); err != nil {
		return ledger.Transaction{}, false, err
	}
	return t, false, nil
}

// linkOrder is the one order in which statements lock several links: by
// card, compared byte by byte (COLLATE "C", as Go compares strings).
const linkOrder = `provider COLLATE "C", template_id COLLATE "C", card_no COLLATE "C"`

func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// Transaction implements ledger.Store.
func (s *Store) Transaction(ctx context.Context, key string) (ledger.Transaction, error) {
	t, err := s.dec.Transaction(s.pool.QueryRow(ctx, `SELECT `+sqlstore.TxCols+` FROM ledger_transactions WHERE key = $1`, key))
	return t, sqlstore.NotFound(err, ledger.ErrTransactionNotFound)
}

// Transactions implements ledger.Store.
func (s *Store) Transactions(ctx context.Context, memberID string, afterSeq int64, limit int) ([]ledger.Transaction, error) {
	return s.dec.Transactions(s.query(ctx, `SELECT `+sqlstore.TxCols+` FROM ledger_transactions WHERE member_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, memberID, afterSeq, limit))
}

// AddLink implements ledger.Store. It takes the member's row in share mode,
// so that an Apply of the member either sees the new link or runs after it.
func (s *Store) AddLink(ctx context.Context, nl ledger.NewLink) (ledger.Link, bool, error) {
	var out ledger.Link
	created := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		version, err := sqlstore.MemberVersion(tx.QueryRow(ctx, `SELECT version FROM ledger_members WHERE id = $1 FOR SHARE`, nl.MemberID))
		if err != nil {
			return err
		}
		cur, id, keep, err := s.dec.Current(tx.QueryRow(ctx, `SELECT `+sqlstore.LinkCols+` FROM ledger_links l WHERE provider = $1 AND template_id = $2 AND card_no = $3 FOR UPDATE`,
			nl.Ref.Provider, nl.Ref.TemplateID, nl.Ref.CardNo), nl)
		if err != nil || keep {
			out = cur
			return err
		}
		var linked time.Time
		if id != 0 {
			err = tx.QueryRow(ctx, `UPDATE ledger_links SET member_id = $1, fields = $2, state = 'active', want_version = $3, done_version = $4,
				shown_known = $5, shown_points = $6, shown_balance = $7, shown_level = $8, attempts = 0, last_error = '', park_reason = '', unlink_reason = '',
				next_at = now(), lease_token = 0, lease_owner = '', linked_at = now(), changed_at = now() WHERE id = $9 RETURNING linked_at`,
				append(sqlstore.LinkArgs(nl, version), id)...).Scan(&linked)
		} else {
			err = tx.QueryRow(ctx, `INSERT INTO ledger_links (provider, template_id, card_no, member_id, fields, state, want_version, done_version,
				shown_known, shown_points, shown_balance, shown_level, attempts, last_error, park_reason, unlink_reason, next_at, lease_token, lease_owner, linked_at, changed_at)
				VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8, $9, $10, $11, 0, '', '', '', now(), 0, '', now(), now()) RETURNING linked_at`,
				append([]any{nl.Ref.Provider, nl.Ref.TemplateID, nl.Ref.CardNo}, sqlstore.LinkArgs(nl, version)...)...).Scan(&linked)
		}
		if err != nil {
			return err
		}
		created = true
		out = sqlstore.Linked(nl, version, beijing(linked))
		return nil
	})
	if isUnique(err) {
		// A concurrent AddLink of the same card won: report what it made.
		l, lerr := s.Link(ctx, nl.Ref)
		if lerr != nil {
			return ledger.Link{}, false, errors.Join(err, lerr)
		}
		if l.MemberID != nl.MemberID {
			return ledger.Link{}, false, ledger.ErrLinkConflict
		}
		return l, false, nil
	}
	if err != nil {
		return ledger.Link{}, false, err
	}
	return out, created, nil
}

// Link implements ledger.Store.
func (s *Store) Link(ctx context.Context, ref card.Ref) (ledger.Link, error) {
	l, _, err := s.dec.Link(s.pool.QueryRow(ctx, `SELECT `+sqlstore.LinkCols+` FROM ledger_links l WHERE provider = $1 AND template_id = $2 AND card_no = $3`,
		ref.Provider, ref.TemplateID, ref.CardNo))
	return l, sqlstore.NotFound(err, ledger.ErrLinkNotFound)
}

// Links implements ledger.Store.
func (s *Store) Links(ctx context.Context, memberID string) ([]ledger.Link, error) {
	return s.dec.Links(s.query(ctx, `SELECT `+sqlstore.LinkCols+` FROM ledger_links l WHERE member_id = $1 ORDER BY id`, memberID))
}

// Unlink implements ledger.Store.
func (s *Store) Unlink(ctx context.Context, ref card.Ref, reason string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE ledger_links SET state = 'unlinked', unlink_reason = $1, lease_token = 0, lease_owner = '', changed_at = now()
		WHERE provider = $2 AND template_id = $3 AND card_no = $4 AND state <> 'unlinked'`, reason, ref.Provider, ref.TemplateID, ref.CardNo)
	return tag.RowsAffected() > 0, err
}

// Claim implements ledger.Store with FOR UPDATE SKIP LOCKED: concurrent
// claimers skip each other's rows instead of waiting, and the lease moves
// the claimed rows' next attempt past the lease.
func (s *Store) Claim(ctx context.Context, owner string, max int, lease time.Duration) ([]ledger.Job, error) {
	if max <= 0 {
		return nil, nil
	}
	token := rand.Int64N(1<<62) + 1
	jobs, _, err := s.dec.Jobs(s.query(ctx, `WITH due AS (
			SELECT id FROM ledger_links
			WHERE state = 'active' AND want_version > done_version AND next_at <= now()
			ORDER BY next_at, id LIMIT $1
			FOR UPDATE SKIP LOCKED)
		UPDATE ledger_links l SET lease_token = $2, lease_owner = $3, next_at = now() + $4 * interval '1 microsecond'
		FROM due, ledger_members m
		WHERE l.id = due.id AND m.id = l.member_id
		RETURNING `+sqlstore.LinkMemberCols,
		max, token, owner, lease.Microseconds()), token)
	return jobs, err
}

// Finish implements ledger.Store: every outcome in one batch, which
// PostgreSQL runs as one implicit transaction (pgx sends the queued
// statements with a single Sync): an error rolls all of them back.
func (s *Store) Finish(ctx context.Context, outcomes []ledger.Outcome) (int, error) {
	if len(outcomes) == 0 {
		return 0, nil
	}
	// Rows are locked in linkOrder, as Apply locks a member's links.
	outcomes = slices.Clone(outcomes)
	slices.SortFunc(outcomes, func(a, b ledger.Outcome) int {
		return cmp.Or(strings.Compare(a.Ref.Provider, b.Ref.Provider), strings.Compare(a.Ref.TemplateID, b.Ref.TemplateID), strings.Compare(a.Ref.CardNo, b.Ref.CardNo))
	})
	b := &pgx.Batch{}
	for _, o := range outcomes {
		r := o.Ref
		switch o.Kind {
		case ledger.OutcomeDone:
			b.Queue(`UPDATE ledger_links SET
				shown_known   = CASE WHEN $1 >= done_version THEN true ELSE shown_known END,
				shown_points  = CASE WHEN $1 >= done_version THEN $2 ELSE shown_points END,
				shown_balance = CASE WHEN $1 >= done_version THEN $3 ELSE shown_balance END,
				shown_level   = CASE WHEN $1 >= done_version THEN $4 ELSE shown_level END,
				done_version  = GREATEST(done_version, $1),
				attempts = 0, last_error = '', lease_token = 0, lease_owner = '', next_at = now()
				WHERE provider = $5 AND template_id = $6 AND card_no = $7 AND lease_token = $8`,
				o.Version, int64(o.Shown.Points), int64(o.Shown.Balance), o.Shown.Level, r.Provider, r.TemplateID, r.CardNo, o.Token)
		case ledger.OutcomeRetry:
			b.Queue(`UPDATE ledger_links SET attempts = $1, last_error = $2, lease_token = 0, lease_owner = '', next_at = now() + $3 * interval '1 microsecond'
				WHERE provider = $4 AND template_id = $5 AND card_no = $6 AND lease_token = $7`,
				o.Attempts, o.Error, o.RetryAfter.Microseconds(), r.Provider, r.TemplateID, r.CardNo, o.Token)
		case ledger.OutcomePark:
			b.Queue(`UPDATE ledger_links SET state = 'parked', park_reason = $1, lease_token = 0, lease_owner = '', next_at = now(), changed_at = now()
				WHERE provider = $2 AND template_id = $3 AND card_no = $4 AND lease_token = $5 AND state = 'active'`,
				o.Reason, r.Provider, r.TemplateID, r.CardNo, o.Token)
		case ledger.OutcomeUnlink:
			b.Queue(`UPDATE ledger_links SET state = 'unlinked', unlink_reason = $1, lease_token = 0, lease_owner = '', changed_at = now()
				WHERE provider = $2 AND template_id = $3 AND card_no = $4 AND lease_token = $5 AND state <> 'unlinked'`,
				o.Reason, r.Provider, r.TemplateID, r.CardNo, o.Token)
		default:
			return 0, fmt.Errorf("pgstore: unknown outcome kind %d", o.Kind)
		}
	}
	br := s.pool.SendBatch(ctx, b)
	recorded := 0
	for range outcomes {
		tag, err := br.Exec()
		if err != nil {
			_ = br.Close()
			return 0, err
		}
		recorded += int(tag.RowsAffected())
	}
	if err := br.Close(); err != nil {
		return 0, err
	}
	return recorded, nil
}

// Pending implements ledger.Store.
func (s *Store) Pending(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM ledger_links WHERE state = 'active' AND want_version > done_version`).Scan(&n)
	return n, err
}

// Parked implements ledger.Store.
func (s *Store) Parked(ctx context.Context, after card.Ref, limit int) ([]ledger.Link, error) {
	return s.dec.Links(s.query(ctx, `SELECT `+sqlstore.LinkCols+` FROM ledger_links l
		WHERE state = 'parked' AND (provider, template_id, card_no) > ($1, $2, $3)
		ORDER BY provider, template_id, card_no LIMIT $4`, after.Provider, after.TemplateID, after.CardNo, limit))
}

// Requeue implements ledger.Store.
func (s *Store) Requeue(ctx context.Context, ref card.Ref) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE ledger_links SET state = 'active', park_reason = '', attempts = 0, last_error = '', lease_token = 0, lease_owner = '', next_at = now(), changed_at = now()
		WHERE provider = $1 AND template_id = $2 AND card_no = $3 AND state = 'parked'`, ref.Provider, ref.TemplateID, ref.CardNo)
	return tag.RowsAffected() > 0, err
}

// ScanLinks implements ledger.Store.
func (s *Store) ScanLinks(ctx context.Context, after int64, limit int) ([]ledger.LinkedMember, int64, error) {
	return s.dec.LinkedMembers(s.query(ctx, `SELECT `+sqlstore.LinkMemberCols+`
		FROM ledger_links l JOIN ledger_members m ON m.id = l.member_id
		WHERE l.id > $1 AND l.state <> 'unlinked' ORDER BY l.id LIMIT $2`, after, limit), after)
}

// CountLinks implements ledger.Store.
func (s *Store) CountLinks(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM ledger_links WHERE state <> 'unlinked'`).Scan(&n)
	return n, err
}

// MarkDrift implements ledger.Store.
func (s *Store) MarkDrift(ctx context.Context, ref card.Ref, doneVersion int64, observed ledger.Values) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE ledger_links SET done_version = $1, shown_known = true, shown_points = $2, shown_balance = $3, shown_level = $4,
		lease_token = 0, lease_owner = '', next_at = now()
		WHERE provider = $5 AND template_id = $6 AND card_no = $7 AND done_version = $8 AND state <> 'unlinked' AND (lease_token = 0 OR next_at <= now())`,
		ledger.NoVersion, int64(observed.Points), int64(observed.Balance), observed.Level, ref.Provider, ref.TemplateID, ref.CardNo, doneVersion)
	return tag.RowsAffected() > 0, err
}
