package sqlitestore_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger/sqlitestore"
	"github.com/walletcard/card/ledger/storetest"
)

// BenchmarkApply compares Ledger.Apply (key check, member lock, refusal
// rules) with a hand-written minimal transaction doing the same durable
// writes on the same schema and settings. Goal: ledger/minimal ≤ 1.5.
func BenchmarkApply(b *testing.B) {
	storetest.BenchApplyVsMinimal(b, newDB, open, minimal)
}

// minimal is the hand-written transaction: one connection, prepared
// statements, BEGIN IMMEDIATE; credit the member, insert the transaction,
// bump the links; COMMIT (synchronous=FULL, as the store).
func minimal(b *testing.B, path string) storetest.MinimalApply {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	prep := func(q string) *sql.Stmt {
		st, err := db.Prepare(q)
		if err != nil {
			b.Fatal(err)
		}
		return st
	}
	upd := prep(`UPDATE ledger_members SET points = points + ?, version = version + 1, last_note = ?, updated_at = ? WHERE id = ? RETURNING version, points, balance, level`)
	ins := prep(`INSERT INTO ledger_transactions (key, member_id, op, points, amount, level, actor, reason, note, status, refusal, version, points_after, balance_after, level_after, at)
		VALUES (?, ?, 'credit_points', ?, 0, '', 'bench', 'r', 'n', 'applied', '', ?, ?, ?, ?, ?)`)
	links := prep(`UPDATE ledger_links SET want_version = ? WHERE member_id = ? AND state <> 'unlinked'`)
	return func(ctx context.Context, member, key string, pts card.Points) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		now := time.Now().UnixMicro()
		var version, points, balance int64
		var level string
		if err := tx.Stmt(upd).QueryRowContext(ctx, int64(pts), "n", now, member).Scan(&version, &points, &balance, &level); err != nil {
			return err
		}
		if _, err := tx.Stmt(ins).ExecContext(ctx, key, member, int64(pts), version, points, balance, level, now); err != nil {
			return err
		}
		if _, err := tx.Stmt(links).ExecContext(ctx, version, member); err != nil {
			return err
		}
		return tx.Commit()
	}
}

// BenchmarkSync measures sync throughput with 20 ms wallet latency and 16
// pushes in flight (the latency bound is 800 cards/s). Goal ≥ 640 cards/s.
func BenchmarkSync(b *testing.B) {
	storetest.BenchSync(b, openTemp(b), 2000, 16, 20*time.Millisecond)
}

// BenchmarkSyncMemory syncs 10,000 and 100,000 members (one card each, to a
// wallet that keeps nothing) and reports the live heap sampled during the
// sync: it stays flat, and does not grow with the number of members. It
// also reports the goroutines left after the sync (push goroutines that
// outlived SyncPending would show there).
func BenchmarkSyncMemory(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			for range b.N {
				st, err := sqlitestore.Open(context.Background(), filepath.Join(b.TempDir(), "ledger.db"), &sqlitestore.Options{Synchronous: "OFF"})
				if err != nil {
					b.Fatal(err)
				}
				r := storetest.MeasureSyncMemory(b, st, n, 250*time.Millisecond)
				st.Close()
				b.ReportMetric(float64(r.Cards)/r.Took.Seconds(), "cards/s")
				b.ReportMetric(float64(r.MinHeap)/(1<<20), "min-heap-MB")
				b.ReportMetric(float64(r.MaxHeap)/(1<<20), "max-heap-MB")
				b.ReportMetric(float64(r.HeapAtStart)/(1<<20), "first-heap-MB")
				b.ReportMetric(float64(r.HeapAtEnd)/(1<<20), "last-heap-MB")
				b.ReportMetric(float64(r.Samples), "samples")
				b.ReportMetric(float64(r.GoroutinesAtEnd), "goroutines-at-end")
			}
		})
	}
}
