package storetest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/mock"
)

// BenchMembers is the number of members the apply benchmarks spread their
// transactions over; each has two linked cards.
const BenchMembers = 64

// SetupApplyBench creates BenchMembers members ("B00".."B63") with two
// linked cards each, so that an Apply writes the member, the transaction
// and two links, and returns a ledger on store.
func SetupApplyBench(b *testing.B, store ledger.Store) *ledger.Ledger {
	b.Helper()
	ctx := context.Background()
	l, err := ledger.New(store, mock.New(nil), nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < BenchMembers; i++ {
		id := fmt.Sprintf("B%02d", i)
		if _, err := l.CreateMember(ctx, id, ""); err != nil {
			b.Fatal(err)
		}
		for j := 0; j < 2; j++ {
			ref := card.Ref{Provider: card.Mock, TemplateID: "tpl", CardNo: fmt.Sprintf("%s-%d", id, j)}
			if _, _, err := store.AddLink(ctx, ledger.NewLink{Ref: ref, MemberID: id, Fields: ledger.AllFields, DoneVersion: 0, Shown: &ledger.Values{}}); err != nil {
				b.Fatal(err)
			}
		}
	}
	return l
}

// BenchApply measures Ledger.Apply throughput: parallel clients crediting
// the bench members, each transaction with a new key.
func BenchApply(b *testing.B, l *ledger.Ledger) {
	benchParallel(b, func(ctx context.Context, run string, i int64) error {
		_, err := l.Apply(ctx, ledger.Request{Key: fmt.Sprintf("%s-%d", run, i), MemberID: fmt.Sprintf("B%02d", i%BenchMembers), Op: ledger.CreditPoints, Points: 100, Actor: "bench", Reason: "r", Note: "n"})
		return err
	})
}

// MinimalApply is one hand-written transaction doing the same durable
// writes as an Apply: credit member, record transaction i, bump its links.
type MinimalApply func(ctx context.Context, member, key string, points card.Points) error

// BenchMinimal measures a hand-written minimal transaction, for comparison
// with BenchApply on the same store.
func BenchMinimal(b *testing.B, apply MinimalApply) {
	benchParallel(b, func(ctx context.Context, run string, i int64) error {
		return apply(ctx, fmt.Sprintf("B%02d", i%BenchMembers), fmt.Sprintf("min-%s-%d", run, i), 100)
	})
}

// benchParallel runs tx b.N times from 4 clients per GOMAXPROCS, the i-th
// time with i (from 1) and run, which is new for each call (so keys made
// of them are new), and reports transactions per second. A client stops at
// its first error, which fails the benchmark.
func benchParallel(b *testing.B, tx func(ctx context.Context, run string, i int64) error) {
	ctx := context.Background()
	var n atomic.Int64
	run := fmt.Sprintf("%d", time.Now().UnixNano())
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := tx(ctx, run, n.Add(1)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}

// BenchApplyVsMinimal is a store's BenchmarkApply: it compares
// Ledger.Apply (key check, member lock, refusal rules) with a hand-written
// minimal transaction doing the same durable writes on the same schema and
// settings. Goal: ledger/minimal ≤ 1.5. The sub-benchmark "ledger" runs
// BenchApply on the store open opens on a new database (newDB); "minimal"
// opens the store on another new database to set it up
// (SetupApplyBench) and runs BenchMinimal with the transaction minimal
// makes for that database. open closes the store when the benchmark ends.
func BenchApplyVsMinimal(b *testing.B, newDB func(testing.TB) string, open func(tb testing.TB, db string) ledger.Store, minimal func(b *testing.B, db string) MinimalApply) {
	b.Run("ledger", func(b *testing.B) {
		BenchApply(b, SetupApplyBench(b, open(b, newDB(b))))
	})
	b.Run("minimal", func(b *testing.B) {
		db := newDB(b)
		SetupApplyBench(b, open(b, db))
		BenchMinimal(b, minimal(b, db))
	})
}

// BenchSync measures sync throughput: each iteration credits members
// members (not timed) and times SyncPending pushing their cards to a wallet
// whose updates take latency, with concurrency pushes in flight.
func BenchSync(b *testing.B, store ledger.Store, members, concurrency int, latency time.Duration) {
	ctx := context.Background()
	wallet := mock.New(&mock.Options{CallLogLimit: 100})
	tpl, err := wallet.CreateTemplate(ctx, card.TemplateSpec{Title: "Gold", BrandName: "Coffee"})
	if err != nil {
		b.Fatal(err)
	}
	l, err := ledger.New(store, wallet, &ledger.Options{Concurrency: concurrency})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < members; i++ {
		id := fmt.Sprintf("S%05d", i)
		if _, err := l.CreateMember(ctx, id, ""); err != nil {
			b.Fatal(err)
		}
		if _, _, err := l.Open(ctx, ledger.OpenRequest{MemberID: id, Card: card.OpenRequest{Provider: card.Mock, TemplateID: tpl.ID, ExternalNo: id}}); err != nil {
			b.Fatal(err)
		}
	}
	wallet.SetLatency(card.OpUpdate, latency)
	var synced time.Duration
	cards := 0
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		b.StopTimer()
		for i := 0; i < members; i++ {
			if _, err := l.Apply(ctx, ledger.Request{Key: fmt.Sprintf("sync-%d-%d", it, i), MemberID: fmt.Sprintf("S%05d", i), Op: ledger.CreditPoints, Points: 100}); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		start := time.Now()
		sum, err := l.SyncPending(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		synced += time.Since(start)
		cards += sum.Pushed
		if sum.Pushed != members {
			b.Fatalf("pushed %d cards, want %d", sum.Pushed, members)
		}
	}
	b.ReportMetric(float64(cards)/synced.Seconds(), "cards/s")
	b.ReportMetric(float64(concurrency)/latency.Seconds(), "bound-cards/s")
}

// nopWallet answers every call at once and keeps nothing, so that a memory
// measurement sees only the ledger.
type nopWallet struct {
	opens atomic.Int64
}

func (w *nopWallet) Name() string { return card.Mock }

func (w *nopWallet) Open(_ context.Context, r card.OpenRequest) (*card.Card, error) {
	n := w.opens.Add(1)
	return &card.Card{Ref: card.Ref{Provider: card.Mock, TemplateID: r.TemplateID, CardNo: fmt.Sprintf("N%08d", n)}, Points: r.Points, Balance: r.Balance, Level: r.Level, Status: card.StatusActive}, nil
}

func (w *nopWallet) Get(_ context.Context, ref card.Ref) (*card.Card, error) {
	return &card.Card{Ref: ref, Status: card.StatusActive}, nil
}

func (w *nopWallet) Update(_ context.Context, r card.UpdateRequest) (*card.Card, error) {
	return &card.Card{Ref: r.Ref}, nil
}

func (w *nopWallet) Delete(context.Context, card.DeleteRequest) error { return nil }

func (w *nopWallet) ClaimLink(context.Context, card.ClaimLinkRequest) (*card.ClaimLink, error) {
	return &card.ClaimLink{}, nil
}

func (w *nopWallet) As(any) bool { return false }

// MemoryResult is what BenchSyncMemory measured: the live heap (after a
// GC) sampled while the cards were pushed.
type MemoryResult struct {
	// Cards is the number of cards pushed.
	Cards int
	// Took is how long the sync took.
	Took time.Duration
	// Samples is the number of heap samples.
	Samples int
	// MinHeap and MaxHeap are the smallest and largest live heap sampled, in bytes.
	MinHeap, MaxHeap uint64
	// HeapAtStart and HeapAtEnd are the first and the last sample, in bytes.
	HeapAtStart, HeapAtEnd uint64
	// GoroutinesAtEnd is runtime.NumGoroutine after the sync.
	GoroutinesAtEnd int
}

// MeasureSyncMemory creates members members with one card each, credits
// them all and syncs them (to a wallet that keeps nothing), sampling the
// live heap every interval.
func MeasureSyncMemory(tb testing.TB, store ledger.Store, members int, interval time.Duration) MemoryResult {
	ctx := context.Background()
	l, err := ledger.New(store, &nopWallet{}, &ledger.Options{Concurrency: 64})
	if err != nil {
		tb.Fatal(err)
	}
	err = forEach(members, func(i int) error {
		id := fmt.Sprintf("H%06d", i)
		if _, err := l.CreateMember(ctx, id, ""); err != nil {
			return err
		}
		if _, _, err := l.Open(ctx, ledger.OpenRequest{MemberID: id, Card: card.OpenRequest{Provider: card.Mock, TemplateID: "tpl", ExternalNo: id}}); err != nil {
			return err
		}
		_, err := l.Apply(ctx, ledger.Request{Key: "mem-" + id, MemberID: id, Op: ledger.CreditPoints, Points: 100})
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	var samples []uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				samples = append(samples, ms.HeapAlloc)
			}
		}
	}()
	start := time.Now()
	sum, err := l.SyncPending(ctx, nil)
	took := time.Since(start)
	close(stop)
	<-sampled
	if err != nil {
		tb.Fatal(err)
	}
	if sum.Pushed != members {
		tb.Fatalf("pushed %d, want %d", sum.Pushed, members)
	}
	r := MemoryResult{Cards: sum.Pushed, Took: took, Samples: len(samples), GoroutinesAtEnd: runtime.NumGoroutine()}
	if len(samples) > 0 {
		r.HeapAtStart, r.HeapAtEnd = samples[0], samples[len(samples)-1]
		sorted := append([]uint64(nil), samples...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
		r.MinHeap, r.MaxHeap = sorted[0], sorted[len(sorted)-1]
	}
	return r
}

// forEach calls fn with 0 … n-1 from 8 goroutines (one of them has 0, 8,
// 16 …) and waits for them. A goroutine stops at its first error; the
// errors are returned joined.
func forEach(n int, fn func(i int) error) error {
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for g := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += len(errs) {
				if err := fn(i); err != nil {
					errs[g] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
