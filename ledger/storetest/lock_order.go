package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/walletcard/card/ledger"
)

// testApplyAndFinishTogether runs Apply (which marks every link of the
// member pending) beside workers that Finish many links of the same member
// at once, in the opposite order to the one they were claimed in. Neither
// may fail: a store that locks rows must take them in one order whatever
// the order of Finish's outcomes (on PostgreSQL a lock cycle is a
// "deadlock detected" error for one of the two).
func testApplyAndFinishTogether(t *testing.T, s ledger.Store) {
	const links, applies, workers = 24, 150, 2
	ctx := context.Background()
	mustMember(t, s, "m1")
	for i := 0; i < links; i++ {
		mustLink(t, s, "m1", i)
	}
	var (
		wg       sync.WaitGroup
		applied  atomic.Bool
		finished atomic.Int64
		mu       sync.Mutex
		errs     []error
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer applied.Store(true)
		for i := 0; i < applies; i++ {
			key := fmt.Sprintf("k%d", i)
			if _, _, err := s.Apply(ctx, "m1", key, credit(key, 100)); err != nil {
				fail(fmt.Errorf("apply %s: %w", key, err))
			}
		}
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprintf("w%d", w)
			for !applied.Load() {
				jobs, err := s.Claim(ctx, owner, links, time.Minute)
				if err != nil {
					fail(fmt.Errorf("claim: %w", err))
					return
				}
				outs := make([]ledger.Outcome, 0, len(jobs))
				for _, j := range jobs {
					outs = append(outs, ledger.Outcome{Ref: j.Link.Ref, Token: j.Token, Kind: ledger.OutcomeDone, Version: j.Member.Version, Shown: j.Member.Values})
				}
				slices.Reverse(outs)
				n, err := s.Finish(ctx, outs)
				if err != nil {
					fail(fmt.Errorf("finish: %w", err))
					return
				}
				finished.Add(int64(n))
			}
		}()
	}
	wg.Wait()
	assert.Empty(t, errs)
	assert.Positive(t, finished.Load(), "the workers recorded outcomes while Apply ran")
}
