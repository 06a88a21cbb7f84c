package sqlitestore_test

import (
	"context"
	"testing"

	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/sqlitestore"
	"github.com/walletcard/card/ledger/storetest"
)

// TestHelperProcess is a sync worker when run as a child of a multi-process
// test (storetest.RunWorkerKilled); otherwise it does nothing.
func TestHelperProcess(t *testing.T) {
	storetest.HelperProcess(func(ctx context.Context, path string) (ledger.Store, error) {
		return sqlitestore.Open(ctx, path, nil)
	})
}

// A sync worker process is killed with SIGKILL in the middle of its pushes
// and another starts: every card ends equal to the ledger, and no card
// received an older value after a newer one (the wallet-side log). Two
// goroutines credit, 8 ms apart: one process writes SQLite at a time.
func TestSyncWorkerKilledMidRunLosesNothing(t *testing.T) {
	path := newDB(t)
	storetest.RunWorkerKilled(t, open(t, path), storetest.WorkerKilledOptions{Kind: "sqlite", DB: path})
}
