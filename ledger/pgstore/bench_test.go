package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger/storetest"
)

// BenchmarkApply compares Ledger.Apply (key check, member lock, refusal
// rules: two round trips) with a hand-written minimal transaction doing the
// same durable writes in one round trip. Goal: ledger/minimal ≤ 1.5.
func BenchmarkApply(b *testing.B) {
	storetest.BenchApplyVsMinimal(b, cluster.NewDatabase, openPooled, minimal)
}

// minimal is the hand-written transaction, pipelined in one round trip:
// BEGIN; credit the member; insert the transaction with the member's new
// values; bump the links; COMMIT.
func minimal(b *testing.B, dsn string) storetest.MinimalApply {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns = 20
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	return func(ctx context.Context, member, key string, pts card.Points) error {
		batch := &pgx.Batch{}
		batch.Queue(`BEGIN`)
		batch.Queue(`UPDATE ledger_members SET points = points + $1, version = version + 1, last_note = 'n', updated_at = now() WHERE id = $2`, int64(pts), member)
		batch.Queue(`INSERT INTO ledger_transactions (key, member_id, op, points, amount, level, actor, reason, note, status, refusal, version, points_after, balance_after, level_after, at)
			SELECT $1, id, 'credit_points', $2, 0, '', 'bench', 'r', 'n', 'applied', '', version, points, balance, level, now() FROM ledger_members WHERE id = $3`, key, int64(pts), member)
		batch.Queue(`UPDATE ledger_links SET want_version = (SELECT version FROM ledger_members WHERE id = $1) WHERE member_id = $1 AND state <> 'unlinked'`, member)
		batch.Queue(`COMMIT`)
		return pool.SendBatch(ctx, batch).Close()
	}
}

// BenchmarkSync measures sync throughput with 20 ms wallet latency and 16
// pushes in flight (the latency bound is 800 cards/s). Goal ≥ 640 cards/s.
func BenchmarkSync(b *testing.B) {
	storetest.BenchSync(b, openTemp(b), 2000, 16, 20*time.Millisecond)
}
