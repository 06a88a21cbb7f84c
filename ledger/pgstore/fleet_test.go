package pgstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/internal/fleettest"
	"github.com/walletcard/card/ledger/pgstore"
)

// TestHelperProcess is a sync worker when run as a child of a multi-process
// test (fleettest.StartWorker); otherwise it does nothing.
func TestHelperProcess(t *testing.T) {
	if !fleettest.IsHelper() {
		return
	}
	fleettest.HelperMain(func(ctx context.Context, cfg fleettest.Config) (ledger.Store, error) {
		return pgstore.Open(ctx, cfg.DSN, nil)
	})
}

func newFleet(t *testing.T, members int, latency time.Duration) *fleettest.Setup {
	dsn := cluster.NewDatabase(t)
	store, err := pgstore.Open(context.Background(), dsn, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	return fleettest.NewSetup(t, store, "postgres", dsn, members, latency)
}

// A sync worker process is killed with SIGKILL in the middle of its pushes
// and another starts: every card ends equal to the ledger, and no card
// received an older value after a newer one (the wallet-side log).
func TestSyncWorkerKilledMidRunLosesNothing(t *testing.T) {
	s := newFleet(t, 20, 15*time.Millisecond)
	w1 := s.Worker("worker-1")
	credited := make(chan map[string]card.Points, 1)
	go func() { credited <- s.Credit("buy", 15, 4, 3*time.Millisecond, nil) }()
	require.Eventually(t, func() bool { return s.Wallets.Log.Count() >= 60 }, 60*time.Second, time.Millisecond, "worker-1 output:\n%s", w1.Output())
	killedAt := time.Now()
	w1.Kill()
	time.Sleep(200 * time.Millisecond)
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

// Four worker processes on one PostgreSQL split the work: every (card,
// value) reaches its wallet once, apart from calls repeated after a
// wallet fault; every card ends equal to the ledger.
func TestFourWorkerProcessesPushEachVersionOnce(t *testing.T) {
	s := newFleet(t, 40, 5*time.Millisecond)
	// Some wallet faults, so that retries happen.
	s.Wallets.Alipay.FailNextCode("alipay.marketing.card.update", "20000", "isp.unknow-error", "", 8)
	s.Wallets.WeChat.FailNextCode("/card/membercard/updateuser", -1, 8)
	var workers []*fleettest.Worker
	for i := 1; i <= 4; i++ {
		workers = append(workers, s.Worker(fmt.Sprintf("worker-%d", i)))
	}
	start := time.Now()
	want := s.Credit("buy", 10, 4, time.Millisecond, nil)
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
