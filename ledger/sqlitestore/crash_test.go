package sqlitestore_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/internal/fleettest"
	"github.com/walletcard/card/ledger/sqlitestore"
)

// TestHelperProcess is a sync worker when run as a child of a multi-process
// test (fleettest.StartWorker); otherwise it does nothing.
func TestHelperProcess(t *testing.T) {
	if !fleettest.IsHelper() {
		return
	}
	fleettest.HelperMain(func(ctx context.Context, cfg fleettest.Config) (ledger.Store, error) {
		return sqlitestore.Open(ctx, cfg.DSN, nil)
	})
}

// A sync worker process is killed with SIGKILL in the middle of its pushes
// and another starts: every card ends equal to the ledger, and no card
// received an older value after a newer one (the wallet-side log).
func TestSyncWorkerKilledMidRunLosesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	store, err := sqlitestore.Open(context.Background(), path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	runCrash(t, fleettest.NewSetup(t, store, "sqlite", path, 20, 15*time.Millisecond))
}

func runCrash(t *testing.T, s *fleettest.Setup) {
	w1 := s.Worker("worker-1")
	credited := make(chan map[string]card.Points, 1)
	go func() { credited <- s.Credit("buy", 15, 2, 8*time.Millisecond, nil) }()

	// Kill the worker once it is busy pushing.
	require.Eventually(t, func() bool { return s.Wallets.Log.Count() >= 60 }, 60*time.Second, time.Millisecond, "worker-1 output:\n%s", w1.Output())
	killedAt := time.Now()
	w1.Kill()
	time.Sleep(200 * time.Millisecond) // some transactions land while no worker runs
	w2 := s.Worker("worker-2")
	want := <-credited
	took := s.WaitSynced(60 * time.Second)
	w2.Stop()

	s.CheckCards(want)
	pushes := s.Wallets.Log.Pushes()
	var before, inFlight int
	for _, p := range pushes {
		if p.Via == "worker-1" {
			before++
			if p.Sent.Before(killedAt) && !p.Answered.Before(killedAt) && strings.HasPrefix(p.Outcome, "no answer") {
				inFlight++
			}
		}
	}
	sum := fleettest.Summarize(pushes)
	assert.Positive(t, sum.ByWorker["worker-2"], "the restarted worker took over")
	t.Logf("%d members × 2 cards, %d credits; worker-1 SIGKILLed after %d pushes (%d in flight), worker-2 finished %v after the last credit; %d pushes in all (%d ok, %d failed); every card equals the ledger; order check passed",
		len(s.Members), 15*len(s.Members), before, inFlight, took.Round(time.Millisecond), sum.Pushes, sum.OK, sum.Failed)
}
