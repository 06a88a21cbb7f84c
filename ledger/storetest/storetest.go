// Package storetest is the conformance suite every ledger.Store passes
// (ledger/sqlitestore, ledger/pgstore, and any store a merchant writes):
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) ledger.Store { return openMyStore(t) })
//	}
//
// Each subtest gets a new, empty store from the function (close it with
// t.Cleanup). The suite states the Store contract in code: atomic Apply with
// replay by key, links and their outbox columns, claims with leases that
// concurrent claimers never share, outcomes fenced by the lease token,
// parking and requeueing, drift marking and scans. It also runs the ledger
// itself on the store: 50 goroutines × 100 transactions on one member.
//
// Beyond the contract, the package holds the stores' other tests, written
// once: RunLatency (what a member sees, against a p99 goal), RunWorkerKilled
// with HelperProcess (a sync worker process killed with SIGKILL loses
// nothing), and the benchmarks BenchApplyVsMinimal, BenchSync and
// MeasureSyncMemory. A store's test of each is a few lines.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/mock"
)

// NewStore returns a new, empty store for one test.
type NewStore func(t *testing.T) ledger.Store

// Run runs the conformance suite.
func Run(t *testing.T, newStore NewStore) {
	t.Run("Members", func(t *testing.T) { t.Parallel(); testMembers(t, newStore(t)) })
	t.Run("Apply", func(t *testing.T) { t.Parallel(); testApply(t, newStore(t)) })
	t.Run("ApplyWantsLinks", func(t *testing.T) { t.Parallel(); testApplyWantsLinks(t, newStore(t)) })
	t.Run("ApplySameKeyConcurrently", func(t *testing.T) { t.Parallel(); testApplySameKey(t, newStore(t)) })
	t.Run("ApplyAndFinishTogether", func(t *testing.T) { t.Parallel(); testApplyAndFinishTogether(t, newStore(t)) })
	t.Run("Transactions", func(t *testing.T) { t.Parallel(); testTransactions(t, newStore(t)) })
	t.Run("Links", func(t *testing.T) { t.Parallel(); testLinks(t, newStore(t)) })
	t.Run("ClaimAndFinish", func(t *testing.T) { t.Parallel(); testClaim(t, newStore(t)) })
	t.Run("LeaseExpiry", func(t *testing.T) { t.Parallel(); testLeaseExpiry(t, newStore(t)) })
	t.Run("ConcurrentClaimers", func(t *testing.T) { t.Parallel(); testConcurrentClaimers(t, newStore(t)) })
	t.Run("ParkAndRequeue", func(t *testing.T) { t.Parallel(); testPark(t, newStore(t)) })
	t.Run("ScanAndDrift", func(t *testing.T) { t.Parallel(); testScanAndDrift(t, newStore(t)) })
	t.Run("ExactlyOnce50x100", func(t *testing.T) { t.Parallel(); testExactlyOnce(t, newStore(t), 50, 100) })
}

func ref(n int) card.Ref {
	return card.Ref{Provider: card.Mock, TemplateID: "tpl", CardNo: fmt.Sprintf("card%04d", n)}
}

// credit is a decide function crediting points.
func credit(key string, pts card.Points) func(ledger.Member) (ledger.Transaction, error) {
	return func(m ledger.Member) (ledger.Transaction, error) {
		after := m.Values
		after.Points += pts
		return ledger.Transaction{
			Request: ledger.Request{Key: key, MemberID: m.ID, Op: ledger.CreditPoints, Points: pts, Actor: "storetest", Reason: "r", Note: "n " + key},
			Status:  ledger.StatusApplied, Version: m.Version + 1, After: after,
		}, nil
	}
}

func mustMember(t *testing.T, s ledger.Store, id string) ledger.Member {
	t.Helper()
	m, err := s.CreateMember(context.Background(), id, "")
	require.NoError(t, err)
	return m
}

func mustLink(t *testing.T, s ledger.Store, member string, n int) ledger.Link {
	t.Helper()
	l, created, err := s.AddLink(context.Background(), ledger.NewLink{Ref: ref(n), MemberID: member, Fields: ledger.AllFields, DoneVersion: ledger.NoVersion})
	require.NoError(t, err)
	require.True(t, created)
	return l
}

func testMembers(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	m, err := s.CreateMember(ctx, "m1", "SILVER")
	require.NoError(t, err)
	assert.Equal(t, "m1", m.ID)
	assert.Equal(t, "SILVER", m.Level)
	assert.Zero(t, m.Version)
	assert.False(t, m.CreatedAt.IsZero())

	again, err := s.CreateMember(ctx, "m1", "GOLD")
	require.ErrorIs(t, err, ledger.ErrMemberExists)
	assert.Equal(t, "SILVER", again.Level, "an existing member is returned unchanged")

	got, err := s.Member(ctx, "m1")
	require.NoError(t, err)
	assert.Equal(t, "SILVER", got.Level)

	_, err = s.Member(ctx, "nobody")
	require.ErrorIs(t, err, ledger.ErrMemberNotFound)
}

func testApply(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	mustMember(t, s, "m1")

	tx, replayed, err := s.Apply(ctx, "m1", "k1", credit("k1", 1250))
	require.NoError(t, err)
	assert.False(t, replayed)
	assert.Positive(t, tx.Seq)
	assert.False(t, tx.At.IsZero())
	assert.Equal(t, int64(1), tx.Version)
	assert.Equal(t, card.Points(1250), tx.After.Points)

	m, err := s.Member(ctx, "m1")
	require.NoError(t, err)
	assert.Equal(t, card.Points(1250), m.Points)
	assert.Equal(t, int64(1), m.Version)
	assert.Equal(t, "n k1", m.LastNote)

	// Replay: decide is not called, the original comes back.
	called := false
	again, replayed, err := s.Apply(ctx, "m1", "k1", func(ledger.Member) (ledger.Transaction, error) {
		called = true
		return ledger.Transaction{}, errors.New("must not be called")
	})
	require.NoError(t, err)
	assert.True(t, replayed)
	assert.False(t, called)
	assert.Equal(t, tx.Seq, again.Seq)
	assert.Equal(t, tx.After, again.After)
	assert.Equal(t, "storetest", again.Actor)

	// A key used on another member is still found (the caller decides it conflicts).
	mustMember(t, s, "m2")
	other, replayed, err := s.Apply(ctx, "m2", "k1", credit("k1", 1))
	require.NoError(t, err)
	assert.True(t, replayed)
	assert.Equal(t, "m1", other.MemberID)

	// An error from decide writes nothing.
	_, _, err = s.Apply(ctx, "m1", "k2", func(ledger.Member) (ledger.Transaction, error) { return ledger.Transaction{}, errors.New("no") })
	require.EqualError(t, err, "no")
	_, err = s.Transaction(ctx, "k2")
	require.ErrorIs(t, err, ledger.ErrTransactionNotFound)

	// A refusal is recorded but changes nothing.
	ref1 := func(m ledger.Member) (ledger.Transaction, error) {
		return ledger.Transaction{Request: ledger.Request{Key: "k3", MemberID: m.ID, Op: ledger.DebitPoints, Points: 99999},
			Status: ledger.StatusRefused, Refusal: "insufficient", Version: m.Version, After: m.Values}, nil
	}
	rt, _, err := s.Apply(ctx, "m1", "k3", ref1)
	require.NoError(t, err)
	assert.Equal(t, ledger.StatusRefused, rt.Status)
	m, err = s.Member(ctx, "m1")
	require.NoError(t, err)
	assert.Equal(t, card.Points(1250), m.Points)
	assert.Equal(t, int64(1), m.Version)
	got, err := s.Transaction(ctx, "k3")
	require.NoError(t, err)
	assert.Equal(t, "insufficient", got.Refusal)

	// Unknown member.
	_, _, err = s.Apply(ctx, "nobody", "k4", credit("k4", 1))
	require.ErrorIs(t, err, ledger.ErrMemberNotFound)
}

func testApplyWantsLinks(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	mustMember(t, s, "m1")
	mustMember(t, s, "m2")
	mustLink(t, s, "m1", 1)
	mustLink(t, s, "m1", 2)
	mustLink(t, s, "m2", 3)
	ok, err := s.Unlink(ctx, ref(2), "gone")
	require.NoError(t, err)
	require.True(t, ok)

	_, _, err = s.Apply(ctx, "m1", "k1", credit("k1", 100))
	require.NoError(t, err)
	l1, err := s.Link(ctx, ref(1))
	require.NoError(t, err)
	assert.Equal(t, int64(1), l1.WantVersion)
	assert.True(t, l1.Pending())
	l2, err := s.Link(ctx, ref(2))
	require.NoError(t, err)
	assert.Equal(t, int64(0), l2.WantVersion, "an unlinked card is not wanted")
	l3, err := s.Link(ctx, ref(3))
	require.NoError(t, err)
	assert.Equal(t, int64(0), l3.WantVersion, "another member's card is untouched")

	// A new link takes the member's current version.
	l4, _, err := s.AddLink(ctx, ledger.NewLink{Ref: ref(4), MemberID: "m1", Fields: ledger.ShowPoints, DoneVersion: 1, Shown: &ledger.Values{Points: 100}})
	require.NoError(t, err)
	assert.Equal(t, int64(1), l4.WantVersion)
	assert.False(t, l4.Pending())
}

func testApplySameKey(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	const n = 8
	for i := 0; i < n; i++ {
		mustMember(t, s, fmt.Sprintf("m%d", i))
	}
	var wg sync.WaitGroup
	var fresh atomic.Int32
	seqs := make([]int64, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			tx, replayed, err := s.Apply(ctx, fmt.Sprintf("m%d", i), "shared", credit("shared", 100))
			if !assert.NoError(t, err) {
				return
			}
			if !replayed {
				fresh.Add(1)
			}
			seqs[i] = tx.Seq
		}(i)
	}
	wg.Wait()
	assert.Equal(t, int32(1), fresh.Load(), "exactly one Apply records the key")
	for _, seq := range seqs {
		assert.Equal(t, seqs[0], seq, "every caller gets the one recorded transaction")
	}
	total := card.Points(0)
	for i := 0; i < n; i++ {
		m, err := s.Member(ctx, fmt.Sprintf("m%d", i))
		require.NoError(t, err)
		total += m.Points
	}
	assert.Equal(t, card.Points(100), total)
}

func testTransactions(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	mustMember(t, s, "m1")
	mustMember(t, s, "m2")
	for i := 0; i < 7; i++ {
		key := fmt.Sprintf("a%d", i)
		_, _, err := s.Apply(ctx, "m1", key, credit(key, 100))
		require.NoError(t, err)
		_, _, err = s.Apply(ctx, "m2", "b"+key, credit("b"+key, 100))
		require.NoError(t, err)
	}
	page1, err := s.Transactions(ctx, "m1", 0, 4)
	require.NoError(t, err)
	require.Len(t, page1, 4)
	page2, err := s.Transactions(ctx, "m1", page1[3].Seq, 4)
	require.NoError(t, err)
	require.Len(t, page2, 3)
	all := append(page1, page2...)
	for i, tx := range all {
		assert.Equal(t, fmt.Sprintf("a%d", i), tx.Key)
		assert.Equal(t, "m1", tx.MemberID)
		assert.Equal(t, card.Points(100*(i+1)), tx.After.Points)
		if i > 0 {
			assert.Greater(t, tx.Seq, all[i-1].Seq)
		}
	}
	none, err := s.Transactions(ctx, "nobody", 0, 10)
	require.NoError(t, err)
	assert.Empty(t, none)
}

func testLinks(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	mustMember(t, s, "m1")
	mustMember(t, s, "m2")
	_, _, err := s.AddLink(ctx, ledger.NewLink{Ref: ref(1), MemberID: "nobody", Fields: ledger.AllFields})
	require.ErrorIs(t, err, ledger.ErrMemberNotFound)

	shown := ledger.Values{Points: 500, Balance: 20, Level: "GOLD"}
	l, created, err := s.AddLink(ctx, ledger.NewLink{Ref: ref(1), MemberID: "m1", Fields: ledger.ShowPoints | ledger.ShowLevel, DoneVersion: ledger.NoVersion, Shown: &shown})
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, ledger.LinkActive, l.State)
	assert.True(t, l.Pending())

	got, err := s.Link(ctx, ref(1))
	require.NoError(t, err)
	assert.Equal(t, ref(1), got.Ref)
	assert.Equal(t, "m1", got.MemberID)
	assert.Equal(t, ledger.ShowPoints|ledger.ShowLevel, got.Fields)
	require.NotNil(t, got.Shown)
	assert.Equal(t, shown, *got.Shown)
	assert.Equal(t, ledger.NoVersion, got.DoneVersion)

	// Same member again: unchanged. Another member: conflict.
	_, created, err = s.AddLink(ctx, ledger.NewLink{Ref: ref(1), MemberID: "m1", Fields: ledger.AllFields, DoneVersion: 0})
	require.NoError(t, err)
	assert.False(t, created)
	_, _, err = s.AddLink(ctx, ledger.NewLink{Ref: ref(1), MemberID: "m2", Fields: ledger.AllFields})
	require.ErrorIs(t, err, ledger.ErrLinkConflict)

	mustLink(t, s, "m1", 2)
	links, err := s.Links(ctx, "m1")
	require.NoError(t, err)
	require.Len(t, links, 2)
	assert.Equal(t, ref(1), links[0].Ref)
	assert.Equal(t, ref(2), links[1].Ref)

	ok, err := s.Unlink(ctx, ref(1), "user deleted it")
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = s.Unlink(ctx, ref(1), "again")
	require.NoError(t, err)
	assert.False(t, ok)
	ok, err = s.Unlink(ctx, ref(99), "never linked")
	require.NoError(t, err)
	assert.False(t, ok)
	got, err = s.Link(ctx, ref(1))
	require.NoError(t, err)
	assert.Equal(t, ledger.LinkUnlinked, got.State)
	assert.Equal(t, "user deleted it", got.UnlinkReason)
	assert.False(t, got.Pending())

	// An unlinked card can be linked again, to any member.
	got2, created, err := s.AddLink(ctx, ledger.NewLink{Ref: ref(1), MemberID: "m2", Fields: ledger.AllFields, DoneVersion: 0, Shown: &ledger.Values{}})
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, "m2", got2.MemberID)
	assert.Equal(t, ledger.LinkActive, got2.State)
	got, err = s.Link(ctx, ref(1))
	require.NoError(t, err)
	assert.Equal(t, "m2", got.MemberID)
	assert.Empty(t, got.UnlinkReason)

	_, err = s.Link(ctx, ref(99))
	require.ErrorIs(t, err, ledger.ErrLinkNotFound)
}

func testClaim(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	mustMember(t, s, "m1")
	mustLink(t, s, "m1", 1)
	mustLink(t, s, "m1", 2)
	_, _, err := s.AddLink(ctx, ledger.NewLink{Ref: ref(3), MemberID: "m1", Fields: ledger.AllFields, DoneVersion: 0, Shown: &ledger.Values{}})
	require.NoError(t, err) // not pending: shows version 0 already
	n, err := s.Pending(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n)

	jobs, err := s.Claim(ctx, "w1", 10, time.Minute)
	require.NoError(t, err)
	require.Len(t, jobs, 2)
	for _, j := range jobs {
		assert.NotEqual(t, ref(3), j.Link.Ref)
		assert.Equal(t, "m1", j.Member.ID)
		assert.NotZero(t, j.Token)
	}
	again, err := s.Claim(ctx, "w2", 10, time.Minute)
	require.NoError(t, err)
	assert.Empty(t, again, "leased links are not claimed twice")

	// A new version while leased: the member values in later claims move on.
	_, _, err = s.Apply(ctx, "m1", "k1", credit("k1", 700))
	require.NoError(t, err)

	// A wrong token is ignored.
	rec, err := s.Finish(ctx, []ledger.Outcome{{Ref: jobs[0].Link.Ref, Token: jobs[0].Token + 1, Kind: ledger.OutcomeDone, Version: 0, Shown: ledger.Values{}}})
	require.NoError(t, err)
	assert.Zero(t, rec)

	// Done for the old version: still pending for version 1, due at once.
	rec, err = s.Finish(ctx, []ledger.Outcome{
		{Ref: jobs[0].Link.Ref, Token: jobs[0].Token, Kind: ledger.OutcomeDone, Version: jobs[0].Member.Version, Shown: ledger.Values{}},
		{Ref: jobs[1].Link.Ref, Token: jobs[1].Token, Kind: ledger.OutcomeRetry, RetryAfter: time.Hour, Attempts: 1, Error: "busy"},
	})
	require.NoError(t, err)
	assert.Equal(t, 2, rec)
	l0, err := s.Link(ctx, jobs[0].Link.Ref)
	require.NoError(t, err)
	assert.Equal(t, int64(0), l0.DoneVersion)
	assert.Equal(t, int64(1), l0.WantVersion)
	require.NotNil(t, l0.Shown)
	l1, err := s.Link(ctx, jobs[1].Link.Ref)
	require.NoError(t, err)
	assert.Equal(t, 1, l1.Attempts)
	assert.Equal(t, "busy", l1.LastError)

	// Finishing twice with the same token does nothing the second time.
	rec, err = s.Finish(ctx, []ledger.Outcome{{Ref: jobs[0].Link.Ref, Token: jobs[0].Token, Kind: ledger.OutcomeDone, Version: 5}})
	require.NoError(t, err)
	assert.Zero(t, rec)

	next, err := s.Claim(ctx, "w1", 10, time.Minute)
	require.NoError(t, err)
	require.Len(t, next, 2, "the retried link waits an hour; the done one and the third are pending for version 1")
	if next[0].Link.Ref != jobs[0].Link.Ref {
		next[0], next[1] = next[1], next[0]
	}
	assert.Equal(t, jobs[0].Link.Ref, next[0].Link.Ref)
	assert.Equal(t, ref(3), next[1].Link.Ref)
	assert.Equal(t, int64(1), next[0].Member.Version)
	assert.Equal(t, card.Points(700), next[0].Member.Points)
	assert.Equal(t, "n k1", next[0].Member.LastNote)
	assert.NotEqual(t, jobs[0].Token, next[0].Token)

	rec, err = s.Finish(ctx, []ledger.Outcome{{Ref: next[0].Link.Ref, Token: next[0].Token, Kind: ledger.OutcomeDone, Version: 1, Shown: ledger.Values{Points: 700}}})
	require.NoError(t, err)
	assert.Equal(t, 1, rec)
	done, err := s.Link(ctx, next[0].Link.Ref)
	require.NoError(t, err)
	assert.False(t, done.Pending())
	assert.Equal(t, ledger.Values{Points: 700}, *done.Shown)
	assert.Zero(t, done.Attempts)
	n, err = s.Pending(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "the retried link and the third")
	_, err = s.Finish(ctx, []ledger.Outcome{{Ref: ref(3), Token: next[1].Token, Kind: ledger.OutcomeDone, Version: 1, Shown: ledger.Values{Points: 700}}})
	require.NoError(t, err)

	// Unlink outcome.
	mustLink(t, s, "m1", 4)
	js, err := s.Claim(ctx, "w1", 10, time.Minute)
	require.NoError(t, err)
	require.Len(t, js, 1)
	rec, err = s.Finish(ctx, []ledger.Outcome{{Ref: js[0].Link.Ref, Token: js[0].Token, Kind: ledger.OutcomeUnlink, Reason: "not found"}})
	require.NoError(t, err)
	assert.Equal(t, 1, rec)
	l4, err := s.Link(ctx, ref(4))
	require.NoError(t, err)
	assert.Equal(t, ledger.LinkUnlinked, l4.State)
	assert.Equal(t, "not found", l4.UnlinkReason)

	// An unlink while a job is in flight fences the job's outcome out.
	mustLink(t, s, "m1", 5)
	js, err = s.Claim(ctx, "w1", 10, time.Minute)
	require.NoError(t, err)
	require.Len(t, js, 1)
	_, err = s.Unlink(ctx, ref(5), "deleted by user")
	require.NoError(t, err)
	rec, err = s.Finish(ctx, []ledger.Outcome{{Ref: ref(5), Token: js[0].Token, Kind: ledger.OutcomeDone, Version: 1, Shown: ledger.Values{Points: 700}}})
	require.NoError(t, err)
	assert.Zero(t, rec)
	l5, err := s.Link(ctx, ref(5))
	require.NoError(t, err)
	assert.Equal(t, ledger.LinkUnlinked, l5.State)
}

func testLeaseExpiry(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	mustMember(t, s, "m1")
	mustLink(t, s, "m1", 1)
	first, err := s.Claim(ctx, "w1", 10, 300*time.Millisecond)
	require.NoError(t, err)
	require.Len(t, first, 1)
	none, err := s.Claim(ctx, "w2", 10, time.Minute)
	require.NoError(t, err)
	require.Empty(t, none)
	time.Sleep(400 * time.Millisecond)
	second, err := s.Claim(ctx, "w2", 10, time.Minute)
	require.NoError(t, err)
	require.Len(t, second, 1, "an expired lease can be claimed")
	rec, err := s.Finish(ctx, []ledger.Outcome{{Ref: ref(1), Token: first[0].Token, Kind: ledger.OutcomeDone, Version: 0}})
	require.NoError(t, err)
	assert.Zero(t, rec, "the first worker lost its lease: its outcome is ignored")
	rec, err = s.Finish(ctx, []ledger.Outcome{{Ref: ref(1), Token: second[0].Token, Kind: ledger.OutcomeDone, Version: 0}})
	require.NoError(t, err)
	assert.Equal(t, 1, rec)
}

func testConcurrentClaimers(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	const members, perMember, workers = 20, 2, 6
	for i := 0; i < members; i++ {
		id := fmt.Sprintf("m%d", i)
		mustMember(t, s, id)
		for j := 0; j < perMember; j++ {
			mustLink(t, s, id, i*perMember+j)
		}
	}
	var mu sync.Mutex
	holder := map[card.Ref]string{}
	claimed := map[card.Ref]int{}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(name string) {
			defer wg.Done()
			for {
				jobs, err := s.Claim(ctx, name, 3, time.Minute)
				if !assert.NoError(t, err) {
					return
				}
				if len(jobs) == 0 {
					return
				}
				mu.Lock()
				for _, j := range jobs {
					if h, ok := holder[j.Link.Ref]; ok {
						t.Errorf("%v claimed by %s while %s holds it", j.Link.Ref, name, h)
					}
					holder[j.Link.Ref] = name
					claimed[j.Link.Ref]++
				}
				mu.Unlock()
				time.Sleep(time.Millisecond)
				var outs []ledger.Outcome
				mu.Lock()
				for _, j := range jobs {
					delete(holder, j.Link.Ref)
					outs = append(outs, ledger.Outcome{Ref: j.Link.Ref, Token: j.Token, Kind: ledger.OutcomeDone, Version: j.Member.Version})
				}
				mu.Unlock()
				rec, err := s.Finish(ctx, outs)
				if !assert.NoError(t, err) || !assert.Equal(t, len(outs), rec) {
					return
				}
			}
		}(fmt.Sprintf("w%d", w))
	}
	wg.Wait()
	assert.Len(t, claimed, members*perMember)
	for r, n := range claimed {
		assert.Equal(t, 1, n, "%v claimed %d times", r, n)
	}
	n, err := s.Pending(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
}

func testPark(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	mustMember(t, s, "m1")
	for i := 1; i <= 3; i++ {
		mustLink(t, s, "m1", i)
	}
	jobs, err := s.Claim(ctx, "w", 10, time.Minute)
	require.NoError(t, err)
	require.Len(t, jobs, 3)
	var outs []ledger.Outcome
	for _, j := range jobs {
		outs = append(outs, ledger.Outcome{Ref: j.Link.Ref, Token: j.Token, Kind: ledger.OutcomePark, Reason: "permission denied: " + j.Link.Ref.CardNo})
	}
	rec, err := s.Finish(ctx, outs)
	require.NoError(t, err)
	assert.Equal(t, 3, rec)
	n, err := s.Pending(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "parked links are not pending work")

	page, err := s.Parked(ctx, card.Ref{}, 2)
	require.NoError(t, err)
	require.Len(t, page, 2)
	assert.Equal(t, ref(1), page[0].Ref)
	assert.Equal(t, "permission denied: card0001", page[0].ParkReason)
	assert.Equal(t, ledger.LinkParked, page[0].State)
	rest, err := s.Parked(ctx, page[1].Ref, 2)
	require.NoError(t, err)
	require.Len(t, rest, 1)
	assert.Equal(t, ref(3), rest[0].Ref)

	// Apply while parked: the parked link still learns the wanted version.
	_, _, err = s.Apply(ctx, "m1", "k", credit("k", 100))
	require.NoError(t, err)
	ok, err := s.Requeue(ctx, ref(2))
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = s.Requeue(ctx, ref(2))
	require.NoError(t, err)
	assert.False(t, ok, "not parked any more")
	js, err := s.Claim(ctx, "w", 10, time.Minute)
	require.NoError(t, err)
	require.Len(t, js, 1)
	assert.Equal(t, ref(2), js[0].Link.Ref)
	assert.Equal(t, int64(1), js[0].Link.WantVersion)
	assert.Zero(t, js[0].Link.Attempts)
	assert.Empty(t, js[0].Link.ParkReason)
	parked, err := s.Parked(ctx, card.Ref{}, 10)
	require.NoError(t, err)
	assert.Len(t, parked, 2)
}

func testScanAndDrift(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		id := fmt.Sprintf("m%d", i)
		mustMember(t, s, id)
		_, _, err := s.AddLink(ctx, ledger.NewLink{Ref: ref(i), MemberID: id, Fields: ledger.AllFields, DoneVersion: 0, Shown: &ledger.Values{}})
		require.NoError(t, err)
	}
	_, err := s.Unlink(ctx, ref(2), "gone")
	require.NoError(t, err)
	n, err := s.CountLinks(ctx)
	require.NoError(t, err)
	assert.Equal(t, 4, n)

	var seen []card.Ref
	var after int64
	for {
		page, next, err := s.ScanLinks(ctx, after, 3)
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		for _, lm := range page {
			seen = append(seen, lm.Link.Ref)
			assert.Equal(t, lm.Link.MemberID, lm.Member.ID)
		}
		after = next
	}
	assert.Equal(t, []card.Ref{ref(0), ref(1), ref(3), ref(4)}, seen)

	observed := ledger.Values{Points: 9900, Balance: 1}
	ok, err := s.MarkDrift(ctx, ref(0), 5, observed)
	require.NoError(t, err)
	assert.False(t, ok, "a stale done version marks nothing")
	ok, err = s.MarkDrift(ctx, ref(0), 0, observed)
	require.NoError(t, err)
	assert.True(t, ok)
	l, err := s.Link(ctx, ref(0))
	require.NoError(t, err)
	assert.True(t, l.Pending())
	assert.Equal(t, ledger.NoVersion, l.DoneVersion)
	assert.Equal(t, observed, *l.Shown)

	ok, err = s.MarkDrift(ctx, ref(2), 0, observed)
	require.NoError(t, err)
	assert.False(t, ok, "unlinked cards are not marked")

	// A leased link is not marked (its push would overwrite the mark).
	_, _, err = s.Apply(ctx, "m1", "k", credit("k", 100))
	require.NoError(t, err)
	js, err := s.Claim(ctx, "w", 10, time.Minute)
	require.NoError(t, err)
	require.Len(t, js, 2)
	ok, err = s.MarkDrift(ctx, ref(1), 0, observed)
	require.NoError(t, err)
	assert.False(t, ok)
}

// testExactlyOnce runs the ledger itself on the store: g goroutines apply n
// transactions each on one member, every key twice (the second time from
// another goroutine), plus debits that must never take the member below zero.
func testExactlyOnce(t *testing.T, s ledger.Store, g, n int) {
	ctx := context.Background()
	l, err := ledger.New(s, mock.New(nil), nil)
	require.NoError(t, err)
	_, err = l.CreateMember(ctx, "m1", "")
	require.NoError(t, err)

	start := time.Now()
	var mu sync.Mutex
	first := map[string]int64{} // the Seq of the transaction each key first returned
	var fresh, replays, refused atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < g; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i <= n; i++ {
				// Goroutine w applies its own key i and repeats goroutine
				// (w+1)'s key i-1, so every key is applied twice, concurrently.
				var keys []string
				if i < n {
					keys = append(keys, fmt.Sprintf("g%d-%d", w, i))
				}
				if i > 0 {
					keys = append(keys, fmt.Sprintf("g%d-%d", (w+1)%g, i-1))
				}
				for _, key := range keys {
					req := requestFor(key)
					tx, err := l.Apply(ctx, req)
					switch {
					case errors.Is(err, ledger.ErrInsufficientFunds):
						refused.Add(1)
						continue
					case !assert.NoError(t, err):
						return
					}
					if tx.Replayed {
						replays.Add(1)
					} else {
						fresh.Add(1)
					}
					mu.Lock()
					if seq, ok := first[key]; ok {
						assert.Equal(t, seq, tx.Seq, "key %s: a repeat returns the original transaction", key)
					} else {
						first[key] = tx.Seq
					}
					mu.Unlock()
				}
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)

	// Every key is recorded once; the member is the sum of what was applied.
	var want card.Points
	var applied, refusedKeys int
	var after int64
	seen := map[string]bool{}
	for {
		page, err := l.Transactions(ctx, "m1", ledger.TransactionQuery{AfterSeq: after, Limit: 1000})
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		for _, tx := range page {
			require.False(t, seen[tx.Key], "key %s recorded twice", tx.Key)
			seen[tx.Key] = true
			switch tx.Status {
			case ledger.StatusApplied:
				applied++
				if tx.Op == ledger.CreditPoints {
					want += tx.Points
				} else {
					want -= tx.Points
				}
				require.GreaterOrEqual(t, int64(tx.After.Points), int64(0))
			case ledger.StatusRefused:
				refusedKeys++
			}
		}
		after = page[len(page)-1].Seq
	}
	assert.Len(t, seen, g*n, "every key recorded exactly once")
	m, err := l.Member(ctx, "m1")
	require.NoError(t, err)
	assert.Equal(t, want, m.Points, "the member holds exactly the applied transactions")
	assert.Equal(t, int64(applied), m.Version)
	// Every applied key was applied by one call and replayed by the other;
	// a refused key was refused both times.
	assert.Equal(t, int64(applied), fresh.Load(), "applied once per key")
	assert.Equal(t, int64(applied), replays.Load(), "the repeat of an applied key returns it")
	assert.Equal(t, int64(2*refusedKeys), refused.Load(), "the repeat of a refused key is refused again")
	t.Logf("%d goroutines × %d transactions (each key applied twice): %d applied, %d refused, %d replays answered, %v, %.0f Apply calls/s",
		g, n, applied, refusedKeys, replays.Load(), elapsed.Round(time.Millisecond), float64(fresh.Load()+replays.Load()+refused.Load())/elapsed.Seconds())
}

// requestFor derives a request from its key: mostly credits, every fifth a
// debit (some of which are refused when the member is short).
func requestFor(key string) ledger.Request {
	var w, i int
	_, _ = fmt.Sscanf(key, "g%d-%d", &w, &i)
	req := ledger.Request{Key: key, MemberID: "m1", Op: ledger.CreditPoints, Points: card.Points(100 + (w*7+i)%50), Actor: "storetest"}
	if i%5 == 4 {
		req.Op, req.Points = ledger.DebitPoints, card.Points(400+(w*13+i)%300)
	}
	return req
}
