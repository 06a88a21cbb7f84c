package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/internal/fleettest"
)

// IsHelperProcess reports whether this process is a sync worker that a
// multi-process test (RunWorkerKilled) started by running the test binary
// again. A TestMain that starts servers skips them there: the parent runs
// them.
func IsHelperProcess() bool { return fleettest.IsHelper() }

// OpenStore opens a store on the database named db (a file path, a DSN),
// in the test process or in a worker process alike.
type OpenStore func(ctx context.Context, db string) (ledger.Store, error)

// HelperProcess is the body of the TestHelperProcess that a package
// running RunWorkerKilled must have, with the OpenStore it gives
// RunWorkerKilled:
//
//	func TestHelperProcess(t *testing.T) { storetest.HelperProcess(openStore) }
//
// In a worker process it opens the store on the test's database, runs the
// ledger's sync worker against the test's wallets until it is stopped or
// killed, and exits the process. Anywhere else it returns at once.
func HelperProcess(open OpenStore) {
	if !fleettest.IsHelper() {
		return
	}
	fleettest.HelperMain(func(ctx context.Context, cfg fleettest.Config) (ledger.Store, error) {
		return open(ctx, cfg.DSN)
	})
}

// WorkerKilledOptions shape RunWorkerKilled.
type WorkerKilledOptions struct {
	// Kind names the store to the worker processes ("sqlite", "postgres").
	Kind string
	// DB names the new, empty database that the test process and the
	// workers open the store on (a file path, a DSN).
	DB string
	// Members each have a card in both wallets (default 20).
	Members int
	// Latency delays every wallet call (default 15 ms).
	Latency time.Duration
	// Goroutines apply the credits, 15 per member (default 2).
	Goroutines int
	// Pause is each goroutine's wait after each credit (default 8 ms).
	Pause time.Duration
}

// RunWorkerKilled tests that a sync worker process killed with SIGKILL in
// the middle of its pushes loses nothing: this process opens the store
// on o.DB with open and applies credits to its members while a worker
// process (the package's TestHelperProcess, see HelperProcess) opens the
// same database and syncs them to two local wallets (the Alipay and WeChat
// fakes, behind logging proxies); once the worker has made 60 pushes it
// is killed while a push of its is in flight (held at the proxy), and
// another starts 200 ms later. Every card must end equal
// to the ledger, with no card given an older value after a newer one (the
// wallet-side log), and the second worker must have taken over.
func RunWorkerKilled(t *testing.T, open OpenStore, o WorkerKilledOptions) {
	t.Helper()
	if o.Members == 0 {
		o.Members = 20
	}
	if o.Latency == 0 {
		o.Latency = 15 * time.Millisecond
	}
	if o.Goroutines == 0 {
		o.Goroutines = 2
	}
	if o.Pause == 0 {
		o.Pause = 8 * time.Millisecond
	}
	const credits = 15
	store, err := open(context.Background(), o.DB)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	s := fleettest.NewSetup(t, store, o.Kind, o.DB, o.Members, o.Latency)
	w1 := s.Worker("worker-1")
	credited := make(chan map[string]card.Points, 1)
	go func() { credited <- s.Credit("buy", credits, o.Goroutines, o.Pause) }()

	// Kill the worker once it is busy pushing, in the middle of a push:
	// after 60 pushes its next ones are held at the proxy (not forwarded
	// to the wallet) until their requests end, and it is killed while one
	// is held, so that it dies waiting for an answer.
	require.Eventually(t, func() bool { return s.Wallets.Log.Count() >= 60 }, 60*time.Second, time.Millisecond, "worker-1 output:\n%s", w1.Output())
	t.Cleanup(s.Wallets.Log.Hold("worker-1"))
	require.Eventually(t, func() bool { return s.Wallets.Log.Held("worker-1") > 0 }, 60*time.Second, time.Millisecond, "worker-1 made no push after its 60th; output:\n%s", w1.Output())
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
	assert.Positive(t, inFlight, "worker-1 was killed in the middle of a push")
	assert.Positive(t, sum.ByWorker["worker-2"], "the restarted worker took over")
	t.Logf("%d members × 2 cards, %d credits; worker-1 SIGKILLed after %d pushes (%d in flight), worker-2 finished %v after the last credit; %d pushes in all (%d ok, %d failed); every card equals the ledger; order check passed",
		len(s.Members), credits*len(s.Members), before, inFlight, took.Round(time.Millisecond), sum.Pushes, sum.OK, sum.Failed)
}
