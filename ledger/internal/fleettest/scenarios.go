package fleettest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
)

// Setup is a ledger in the test process (it applies transactions; workers
// in child processes sync) over wallets and a store, with members whose
// cards are open in both wallets.
type Setup struct {
	T       *testing.T
	Store   ledger.Store
	Ledger  *ledger.Ledger
	Wallets *Wallets
	Kind    string // store kind for the workers: "sqlite" or "postgres"
	DSN     string
	Members []string
	Cards   map[string][]card.Ref // by member
}

// NewSetup opens members cards in both wallets (through the proxies).
func NewSetup(t *testing.T, store ledger.Store, kind, dsn string, members int, latency time.Duration) *Setup {
	t.Helper()
	ctx := context.Background()
	w := StartWallets(t, latency)
	l, err := ledger.New(store, w.Router, nil)
	require.NoError(t, err)
	s := &Setup{T: t, Store: store, Ledger: l, Wallets: w, Kind: kind, DSN: dsn, Cards: map[string][]card.Ref{}}
	for i := 0; i < members; i++ {
		id := fmt.Sprintf("M%04d", i)
		refs, err := w.Open(ctx, l, id, i)
		require.NoError(t, err)
		s.Members = append(s.Members, id)
		s.Cards[id] = refs
	}
	w.Log.reset()
	return s
}

// Worker starts a worker child with the test timings.
func (s *Setup) Worker(name string) *Worker {
	cfg := s.Wallets.WorkerConfig(s.T, name, s.Kind, s.DSN)
	cfg.Concurrency, cfg.Lease, cfg.CallTimeout, cfg.PollInterval, cfg.RetryBase = 8, 3*time.Second, time.Second, 50*time.Millisecond, 20*time.Millisecond
	return StartWorker(s.T, cfg)
}

// Credit applies n whole-point credits per member from g goroutines, in a
// rotating order, waiting pause between transactions; each credit's key is
// unique. It returns the credits per member.
func (s *Setup) Credit(prefix string, n, g int, pause time.Duration) map[string]card.Points {
	ctx := context.Background()
	var mu sync.Mutex
	sums := map[string]card.Points{}
	total := n * len(s.Members)
	next := make(chan int, total)
	for i := 0; i < total; i++ {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for w := 0; w < g; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				m := s.Members[i%len(s.Members)]
				pts := card.WholePoints(int64(1 + i%7))
				_, err := s.Ledger.Apply(ctx, ledger.Request{Key: fmt.Sprintf("%s-%d", prefix, i), MemberID: m, Op: ledger.CreditPoints, Points: pts, Actor: "fleettest"})
				if !assert.NoError(s.T, err) {
					return
				}
				mu.Lock()
				sums[m] += pts
				mu.Unlock()
				time.Sleep(pause)
			}
		}()
	}
	wg.Wait()
	return sums
}

// WaitSynced waits until no card is pending (or fails after timeout).
func (s *Setup) WaitSynced(timeout time.Duration) time.Duration {
	s.T.Helper()
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		n, err := s.Store.Pending(context.Background())
		require.NoError(s.T, err)
		if n == 0 {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			s.T.Fatalf("%d cards still pending after %v", n, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// CheckCards checks that every card holds what the ledger holds, that no
// card is parked or unlinked, and the wallet-side order.
func (s *Setup) CheckCards(want map[string]card.Points) {
	s.T.Helper()
	ctx := context.Background()
	for _, id := range s.Members {
		m, err := s.Ledger.Member(ctx, id)
		require.NoError(s.T, err)
		assert.Equal(s.T, want[id], m.Points, "member %s in the ledger", id)
		for _, ref := range s.Cards[id] {
			got, err := s.Wallets.Points(ref)
			require.NoError(s.T, err)
			assert.Equal(s.T, m.Points, got, "member %s card %s", id, ref)
			l, err := s.Ledger.LinkOf(ctx, ref)
			require.NoError(s.T, err)
			assert.Equal(s.T, ledger.LinkActive, l.State, "%s: %s%s", ref, l.ParkReason, l.UnlinkReason)
			assert.False(s.T, l.Pending())
		}
	}
	assert.NoError(s.T, CheckOrder(s.Wallets.Log.Pushes()))
}

// Summary describes a push log.
type Summary struct {
	Pushes, OK, Failed  int
	ByWorker            map[string]int
	DuplicateOK         []string // (card, value) pairs the wallet accepted more than once
	RetriedAfterFailure int      // (card, value) pairs sent again after a failed call
}

// Summarize counts the pushes of a log.
func Summarize(pushes []Push) Summary {
	s := Summary{ByWorker: map[string]int{}}
	type key struct {
		card string
		pts  card.Points
	}
	ok := map[key]int{}
	sent := map[key]int{}
	failedFirst := map[key]bool{}
	for _, p := range pushes {
		s.Pushes++
		s.ByWorker[p.Via]++
		k := key{p.Provider + "/" + p.CardNo, p.Points}
		sent[k]++
		if p.OK {
			s.OK++
			ok[k]++
		} else {
			s.Failed++
			failedFirst[k] = true
		}
	}
	for k, n := range ok {
		if n > 1 {
			s.DuplicateOK = append(s.DuplicateOK, fmt.Sprintf("%s=%s ×%d", k.card, k.pts, n))
		}
	}
	for k, n := range sent {
		if n > 1 && failedFirst[k] {
			s.RetriedAfterFailure++
		}
	}
	sort.Strings(s.DuplicateOK)
	return s
}
