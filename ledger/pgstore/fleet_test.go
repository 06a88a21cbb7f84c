package pgstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/internal/fleettest"
	"github.com/walletcard/card/ledger/pgstore"
	"github.com/walletcard/card/ledger/storetest"
)

// openStore opens the store (default options) on the database at dsn, in
// the test process and in its worker processes alike.
func openStore(ctx context.Context, dsn string) (ledger.Store, error) {
	return pgstore.Open(ctx, dsn, nil)
}

// TestHelperProcess is a sync worker when run as a child of a multi-process
// test (storetest.RunWorkerKilled, fleettest.StartWorker); otherwise it
// does nothing.
func TestHelperProcess(t *testing.T) { storetest.HelperProcess(openStore) }

// A sync worker process is killed with SIGKILL in the middle of its pushes
// and another starts: every card ends equal to the ledger, and no card
// received an older value after a newer one (the wallet-side log). Four
// goroutines credit, 3 ms apart.
func TestSyncWorkerKilledMidRunLosesNothing(t *testing.T) {
	storetest.RunWorkerKilled(t, openStore, storetest.WorkerKilledOptions{Kind: "postgres", DB: cluster.NewDatabase(t), Goroutines: 4, Pause: 3 * time.Millisecond})
}

// Four worker processes on one PostgreSQL split the work: every (card,
// value) reaches its wallet once, apart from calls repeated after a
// wallet fault; every card ends equal to the ledger.
func TestFourWorkerProcessesPushEachVersionOnce(t *testing.T) {
	dsn := cluster.NewDatabase(t)
	s := fleettest.NewSetup(t, open(t, dsn, nil), "postgres", dsn, 40, 5*time.Millisecond)
	// Some wallet faults, so that retries happen.
	s.Wallets.Alipay.FailNextCode("alipay.marketing.card.update", "20000", "isp.unknow-error", "", 8)
	s.Wallets.WeChat.FailNextCode("/card/membercard/updateuser", -1, 8)
	var workers []*fleettest.Worker
	for i := 1; i <= 4; i++ {
		workers = append(workers, s.Worker(fmt.Sprintf("worker-%d", i)))
	}
	start := time.Now()
	want := s.Credit("buy", 10, 4, time.Millisecond)
	took := s.WaitSynced(60 * time.Second)
	elapsed := time.Since(start)
	for _, w := range workers {
		w.Stop()
	}
	s.CheckCards(want)
	sum := fleettest.Summarize(s.Wallets.Log.Pushes())
	assert.Empty(t, sum.DuplicateOK, "a (card, value) the wallet accepted was pushed again")
	assert.Positive(t, sum.Failed, "faults were injected")
	for i := 1; i <= 4; i++ {
		assert.Positive(t, sum.ByWorker[fmt.Sprintf("worker-%d", i)], "every worker took a share")
	}
	t.Logf("4 workers, %d members × 2 cards, %d credits in %v (synced %v after the last): %d pushes, %d ok, %d failed by injected faults, %d (card, value) pairs resent after a fault, %d accepted twice; by worker %v",
		len(s.Members), 10*len(s.Members), elapsed.Round(time.Millisecond), took.Round(time.Millisecond), sum.Pushes, sum.OK, sum.Failed, sum.RetriedAfterFailure, len(sum.DuplicateOK), sum.ByWorker)
}
