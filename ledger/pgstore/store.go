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
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
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
	s := &Store{pool: pool}
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

func (s *Store) migrate(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7263512783401)`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS ledger_schema (version integer NOT NULL)`); err != nil {
			return err
		}
		var v int
		err := tx.QueryRow(ctx, `SELECT version FROM ledger_schema`).Scan(&v)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if _, err := tx.Exec(ctx, `INSERT INTO ledger_schema (version) VALUES (0)`); err != nil {
				return err
			}
		case err != nil:
			return err
		}
		if v > len(migrations) {
			return fmt.Errorf("pgstore: the database has schema version %d, this program knows %d: upgrade the program", v, len(migrations))
		}
		for ; v < len(migrations); v++ {
			if _, err := tx.Exec(ctx, migrations[v]); err != nil {
				return fmt.Errorf("pgstore: migration %d: %w", v+1, err)
			}
		}
		_, err = tx.Exec(ctx, `UPDATE ledger_schema SET version = $1`, v)
		return err
	})
}

func beijing(t time.Time) time.Time { return t.In(card.Beijing()) }

const memberCols = `id, points, balance, level, version, last_note, created_at, updated_at`

func scanMember(row pgx.Row, m *ledger.Member) error {
	var points, balance int64
	if err := row.Scan(&m.ID, &points, &balance, &m.Level, &m.Version, &m.LastNote, &m.CreatedAt, &m.UpdatedAt); err != nil {
		return err
	}
	m.Points, m.Balance = card.Points(points), card.Money(balance)
	m.CreatedAt, m.UpdatedAt = beijing(m.CreatedAt), beijing(m.UpdatedAt)
	return nil
}

// CreateMember implements ledger.Store.
func (s *Store) CreateMember(ctx context.Context, id, level string) (ledger.Member, error) {
	var m ledger.Member
	err := scanMember(s.pool.QueryRow(ctx, `INSERT INTO ledger_members (`+memberCols+`) VALUES ($1, 0, 0, $2, 0, '', now(), now())
		ON CONFLICT (id) DO NOTHING RETURNING `+memberCols, id, level), &m)
	if errors.Is(err, pgx.ErrNoRows) {
		if err := scanMember(s.pool.QueryRow(ctx, `SELECT `+memberCols+` FROM ledger_members WHERE id = $1`, id), &m); err != nil {
			return ledger.Member{}, err
		}
		return m, ledger.ErrMemberExists
	}
	return m, err
}

// Member implements ledger.Store.
func (s *Store) Member(ctx context.Context, id string) (ledger.Member, error) {
	var m ledger.Member
	err := scanMember(s.pool.QueryRow(ctx, `SELECT `+memberCols+` FROM ledger_members WHERE id = $1`, id), &m)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, ledger.ErrMemberNotFound
	}
	return m, err
}

const txCols = `seq, key, member_id, op, points, amount, level, actor, reason, note, status, refusal, version, points_after, balance_after, level_after, at`

func scanTx(row pgx.Row, t *ledger.Transaction) error {
	var points, amount, pa, ba int64
	var op, status string
	if err := row.Scan(&t.Seq, &t.Key, &t.MemberID, &op, &points, &amount, &t.Level, &t.Actor, &t.Reason, &t.Note,
		&status, &t.Refusal, &t.Version, &pa, &ba, &t.After.Level, &t.At); err != nil {
		return err
	}
	t.Op, t.Status = ledger.Op(op), ledger.Status(status)
	t.Points, t.Amount = card.Points(points), card.Money(amount)
	t.After.Points, t.After.Balance = card.Points(pa), card.Money(ba)
	t.At = beijing(t.At)
	return nil
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
			t, terr := s.Transaction(ctx, key)
			if terr != nil {
				return ledger.Transaction{}, false, errors.Join(err, terr)
			}
			return t, true, nil
		}
		return ledger.Transaction{}, false, err
	}
	return out, replayed, nil
}

func (s *Store) apply(ctx context.Context, conn *pgx.Conn, memberID, key string, decide func(ledger.Member) (ledger.Transaction, error)) (ledger.Transaction, bool, error) {
	var out ledger.Transaction
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	b.Queue(`SELECT `+memberCols+` FROM ledger_members WHERE id = $1 FOR UPDATE`, memberID)
	b.Queue(`SELECT `+txCols+` FROM ledger_transactions WHERE key = $1`, key)
	br := conn.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return out, false, err
	}
	var m ledger.Member
	merr := scanMember(br.QueryRow(), &m)
	terr := scanTx(br.QueryRow(), &out)
	if err := br.Close(); err != nil {
		return out, false, err
	}
	if merr != nil && !errors.Is(merr, pgx.ErrNoRows) {
		return out, false, merr
	}
	if terr == nil {
		_, err := conn.Exec(ctx, `COMMIT`)
		return out, true, err
	}
	if !errors.Is(terr, pgx.ErrNoRows) {
		return out, false, terr
	}
	if merr != nil {
		return out, false, ledger.ErrMemberNotFound
	}
	t, err := decide(m)
	if err != nil {
		return out, false, err
	}
	b = &pgx.Batch{}
	b.Queue(`INSERT INTO ledger_transactions (key, member_id, op, points, amount, level, actor, reason, note, status, refusal, version, points_after, balance_after, level_after, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, now()) RETURNING seq, at`,
		key, memberID, string(t.Op), int64(t.Points), int64(t.Amount), t.Level, t.Actor, t.Reason, t.Note,
		string(t.Status), t.Refusal, t.Version, int64(t.After.Points), int64(t.After.Balance), t.After.Level)
	changed := t.Status == ledger.StatusApplied && t.Version != m.Version
	if changed {
		b.Queue(`UPDATE ledger_members SET points = $1, balance = $2, level = $3, version = $4, last_note = $5, updated_at = now() WHERE id = $6`,
			int64(t.After.Points), int64(t.After.Balance), t.After.Level, t.Version, t.Note, memberID)
		b.Queue(`UPDATE ledger_links SET want_version = $1 WHERE member_id = $2 AND state <> 'unlinked'`, t.Version, memberID)
	}
	b.Queue(`COMMIT`)
	br = conn.SendBatch(ctx, b)
	if err := br.QueryRow().Scan(&t.Seq, &t.At); err != nil {
		br.Close()
		return out, false, err
	}
	t.At = beijing(t.At)
	n := 1
	if changed {
		n = 3
	}
	for i := 0; i < n; i++ {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return out, false, err
		}
	}
	if err := br.Close(); err != nil {
		return out, false, err
	}
	return t, false, nil
}

func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// Transaction implements ledger.Store.
func (s *Store) Transaction(ctx context.Context, key string) (ledger.Transaction, error) {
	var t ledger.Transaction
	err := scanTx(s.pool.QueryRow(ctx, `SELECT `+txCols+` FROM ledger_transactions WHERE key = $1`, key), &t)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, ledger.ErrTransactionNotFound
	}
	return t, err
}

// Transactions implements ledger.Store.
func (s *Store) Transactions(ctx context.Context, memberID string, afterSeq int64, limit int) ([]ledger.Transaction, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+txCols+` FROM ledger_transactions WHERE member_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, memberID, afterSeq, limit)
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

func scanLink(row pgx.Row, l *ledger.Link, id, token *int64, extra ...any) error {
	var fields int32
	var state, level string
	var known bool
	var points, balance int64
	dest := []any{id, &l.Ref.Provider, &l.Ref.TemplateID, &l.Ref.CardNo, &l.MemberID, &fields, &state, &l.WantVersion, &l.DoneVersion,
		&known, &points, &balance, &level, &l.Attempts, &l.LastError, &l.ParkReason, &l.UnlinkReason, token, &l.LinkedAt, &l.ChangedAt}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return err
	}
	l.Fields, l.State = ledger.Fields(fields), ledger.LinkState(state)
	if known {
		l.Shown = &ledger.Values{Points: card.Points(points), Balance: card.Money(balance), Level: level}
	}
	l.LinkedAt, l.ChangedAt = beijing(l.LinkedAt), beijing(l.ChangedAt)
	return nil
}

func shownArgs(v *ledger.Values) (bool, int64, int64, string) {
	if v == nil {
		return false, 0, 0, ""
	}
	return true, int64(v.Points), int64(v.Balance), v.Level
}

// AddLink implements ledger.Store. It takes the member's row in share mode,
// so that an Apply of the member either sees the new link or runs after it.
func (s *Store) AddLink(ctx context.Context, nl ledger.NewLink) (ledger.Link, bool, error) {
	var out ledger.Link
	created := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var version int64
		err := tx.QueryRow(ctx, `SELECT version FROM ledger_members WHERE id = $1 FOR SHARE`, nl.MemberID).Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			return ledger.ErrMemberNotFound
		}
		if err != nil {
			return err
		}
		var id, token int64
		err = scanLink(tx.QueryRow(ctx, `SELECT `+linkCols+` FROM ledger_links l WHERE provider = $1 AND template_id = $2 AND card_no = $3 FOR UPDATE`,
			nl.Ref.Provider, nl.Ref.TemplateID, nl.Ref.CardNo), &out, &id, &token)
		exists := err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if exists && out.State != ledger.LinkUnlinked {
			if out.MemberID != nl.MemberID {
				return ledger.ErrLinkConflict
			}
			return nil
		}
		known, sp, sb, sl := shownArgs(nl.Shown)
		var linked time.Time
		if exists {
			err = tx.QueryRow(ctx, `UPDATE ledger_links SET member_id = $1, fields = $2, state = 'active', want_version = $3, done_version = $4,
				shown_known = $5, shown_points = $6, shown_balance = $7, shown_level = $8, attempts = 0, last_error = '', park_reason = '', unlink_reason = '',
				next_at = now(), lease_token = 0, lease_owner = '', linked_at = now(), changed_at = now() WHERE id = $9 RETURNING linked_at`,
				nl.MemberID, int32(nl.Fields), version, nl.DoneVersion, known, sp, sb, sl, id).Scan(&linked)
		} else {
			err = tx.QueryRow(ctx, `INSERT INTO ledger_links (provider, template_id, card_no, member_id, fields, state, want_version, done_version,
				shown_known, shown_points, shown_balance, shown_level, attempts, last_error, park_reason, unlink_reason, next_at, lease_token, lease_owner, linked_at, changed_at)
				VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8, $9, $10, $11, 0, '', '', '', now(), 0, '', now(), now()) RETURNING linked_at`,
				nl.Ref.Provider, nl.Ref.TemplateID, nl.Ref.CardNo, nl.MemberID, int32(nl.Fields), version, nl.DoneVersion, known, sp, sb, sl).Scan(&linked)
		}
		if err != nil {
			return err
		}
		created = true
		linked = beijing(linked)
		out = ledger.Link{Ref: nl.Ref, MemberID: nl.MemberID, Fields: nl.Fields, State: ledger.LinkActive, WantVersion: version, DoneVersion: nl.DoneVersion,
			LinkedAt: linked, ChangedAt: linked}
		if nl.Shown != nil {
			v := *nl.Shown
			out.Shown = &v
		}
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
	var l ledger.Link
	var id, token int64
	err := scanLink(s.pool.QueryRow(ctx, `SELECT `+linkCols+` FROM ledger_links l WHERE provider = $1 AND template_id = $2 AND card_no = $3`,
		ref.Provider, ref.TemplateID, ref.CardNo), &l, &id, &token)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, ledger.ErrLinkNotFound
	}
	return l, err
}

// Links implements ledger.Store.
func (s *Store) Links(ctx context.Context, memberID string) ([]ledger.Link, error) {
	return s.links(ctx, `SELECT `+linkCols+` FROM ledger_links l WHERE member_id = $1 ORDER BY id`, memberID)
}

func (s *Store) links(ctx context.Context, query string, args ...any) ([]ledger.Link, error) {
	rows, err := s.pool.Query(ctx, query, args...)
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
	rows, err := s.pool.Query(ctx, `WITH due AS (
			SELECT id FROM ledger_links
			WHERE state = 'active' AND want_version > done_version AND next_at <= now()
			ORDER BY next_at, id LIMIT $1
			FOR UPDATE SKIP LOCKED)
		UPDATE ledger_links l SET lease_token = $2, lease_owner = $3, next_at = now() + $4 * interval '1 microsecond'
		FROM due, ledger_members m
		WHERE l.id = due.id AND m.id = l.member_id
		RETURNING `+linkCols+`, m.points, m.balance, m.level, m.version, m.last_note`,
		max, token, owner, lease.Microseconds())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var jobs []ledger.Job
	for rows.Next() {
		var j ledger.Job
		var id, tok, points, balance int64
		if err := scanLink(rows, &j.Link, &id, &tok, &points, &balance, &j.Member.Level, &j.Member.Version, &j.Member.LastNote); err != nil {
			return nil, err
		}
		j.Member.ID, j.Member.Points, j.Member.Balance, j.Token = j.Link.MemberID, card.Points(points), card.Money(balance), token
		jobs = append(jobs, j)
	}
	return jobs, rows.Err()
}

// Finish implements ledger.Store: every outcome in one transaction, sent as
// one batch.
func (s *Store) Finish(ctx context.Context, outcomes []ledger.Outcome) (int, error) {
	if len(outcomes) == 0 {
		return 0, nil
	}
	recorded := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		recorded = 0
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
				return fmt.Errorf("pgstore: unknown outcome kind %d", o.Kind)
			}
		}
		br := tx.SendBatch(ctx, b)
		for range outcomes {
			tag, err := br.Exec()
			if err != nil {
				br.Close()
				return err
			}
			recorded += int(tag.RowsAffected())
		}
		return br.Close()
	})
	if err != nil {
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
	return s.links(ctx, `SELECT `+linkCols+` FROM ledger_links l
		WHERE state = 'parked' AND (provider, template_id, card_no) > ($1, $2, $3)
		ORDER BY provider, template_id, card_no LIMIT $4`, after.Provider, after.TemplateID, after.CardNo, limit)
}

// Requeue implements ledger.Store.
func (s *Store) Requeue(ctx context.Context, ref card.Ref) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE ledger_links SET state = 'active', park_reason = '', attempts = 0, last_error = '', lease_token = 0, lease_owner = '', next_at = now(), changed_at = now()
		WHERE provider = $1 AND template_id = $2 AND card_no = $3 AND state = 'parked'`, ref.Provider, ref.TemplateID, ref.CardNo)
	return tag.RowsAffected() > 0, err
}

// ScanLinks implements ledger.Store.
func (s *Store) ScanLinks(ctx context.Context, after int64, limit int) ([]ledger.LinkedMember, int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+linkCols+`, m.points, m.balance, m.level, m.version, m.last_note
		FROM ledger_links l JOIN ledger_members m ON m.id = l.member_id
		WHERE l.id > $1 AND l.state <> 'unlinked' ORDER BY l.id LIMIT $2`, after, limit)
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
