package sqlitestore_test

import (
	"context"
	"testing"

	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/sqlitestore"
	"github.com/walletcard/card/ledger/storetest"
)

// openStore opens the store (default options) on the file at path, in the
// test process and in its worker processes alike.
func openStore(ctx context.Context, path string) (ledger.Store, error) {
	return sqlitestore.Open(ctx, path, nil)
}

// TestHelperProcess is a sync worker when run as a child of a multi-process
// test (storetest.RunWorkerKilled); otherwise it does nothing.
func TestHelperProcess(t *testing.T) { storetest.HelperProcess(openStore) }

// A sync worker process is killed with SIGKILL in the middle of its pushes
// and another starts: every card ends equal to the ledger, and no card
// received an older value after a newer one (the wallet-side log). Two
// goroutines credit, 8 ms apart: one process writes SQLite at a time.
func TestSyncWorkerKilledMidRunLosesNothing(t *testing.T) {
	storetest.RunWorkerKilled(t, openStore, storetest.WorkerKilledOptions{Kind: "sqlite", DB: newDB(t)})
}
