package wechat

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat/wechattest"
)

// injector makes the next request to path fail in one of the ways WeChat
// and the network fail, with probability 0.3: before applying (-1, rate
// limit), or after applying (the answer lost, or -1 after doing the work).
func injector(s *wechattest.Server, rng *rand.Rand) func(path string) {
	return func(path string) {
		if rng.Float64() >= 0.3 {
			return
		}
		switch rng.IntN(4) {
		case 0:
			s.FailNext(path, card.KindUnavailable, 1)
		case 1:
			s.FailNext(path, card.KindRateLimited, 1)
		case 2:
			s.LoseAnswerNext(path, 1)
		default:
			s.ApplyThenFailNext(path, -1, 1)
		}
	}
}

// clearFaults drops the faults still pending on path.
func clearFaults(s *wechattest.Server, path string) {
	s.FailNext(path, card.KindUnavailable, 0)
	s.LoseAnswerNext(path, 0)
	s.ApplyThenFailNext(path, -1, 0)
}

// TestFaultsSoak: 30 % injected faults over 200 operations of each kind.
// Opens end with one card per code, absolute point writes neither lose nor
// add points, and Consume never reports two successes for one code nor a
// conflict for a redemption it may have made: what it cannot know is
// reported as an unknown outcome.
func TestFaultsSoak(t *testing.T) {
	const n = 200
	ctx := context.Background()
	_, s := newTestProvider(t, nil)
	p := newProviderFor(t, s, &Options{Retry: card.RetryPolicy{Attempts: 3, Base: time.Microsecond, Max: time.Microsecond}})
	id := newCardID(t, p)
	rng := rand.New(rand.NewPCG(7, 11))
	inject := injector(s, rng)

	// Opens: a caller repeats an open until it is not retryable.
	refs := make([]card.Ref, 0, n)
	for i := 0; i < n; i++ {
		code := claim(t, s, id, fmt.Sprintf("oSoak%04d", i))
		req := card.OpenRequest{TemplateID: id, ExternalNo: fmt.Sprintf("S%06d", i), Code: code, Points: card.WholePoints(10)}
		var c *card.Card
		var err error
		for try := 0; try < 10; try++ {
			inject("/card/membercard/activate")
			if c, err = p.Open(ctx, req); err == nil || !(card.IsRetryable(err) || errors.Is(err, card.ErrOutcomeUnknown)) {
				break
			}
		}
		clearFaults(s, "/card/membercard/activate")
		require.NoError(t, err, "open %d", i)
		refs = append(refs, c.Ref)
	}
	for _, r := range refs {
		m := member(t, s, id, r.CardNo)
		assert.True(t, m.Activated, "card %s activated once", r.CardNo)
	}

	// Points: the merchant's own total, written as absolute values.
	want := map[string]int64{}
	lostOrExtra := 0
	for i := 0; i < n; i++ {
		r := refs[i%len(refs)]
		total := want[r.CardNo] + 10 + int64(rng.IntN(50))
		var err error
		for try := 0; try < 10; try++ {
			inject("/card/membercard/updateuser")
			if _, err = p.Update(ctx, card.UpdateRequest{Ref: r, Points: card.Ptr(card.WholePoints(total)), Note: "消费积分"}); err == nil ||
				!(card.IsRetryable(err) || errors.Is(err, card.ErrOutcomeUnknown)) {
				break
			}
		}
		clearFaults(s, "/card/membercard/updateuser")
		require.NoError(t, err)
		want[r.CardNo] = total
	}
	for no, total := range want {
		if got := member(t, s, id, no).Bonus; got != total {
			lostOrExtra++
			t.Errorf("card %s holds %d points, the merchant's total is %d", no, got, total)
		}
	}

	// Consumes: each code is redeemed once; an unknown outcome is not
	// retried (the caller checks the user_consume_card event instead).
	successes, unknown, ownConflicts := 0, 0, 0
	for i := 0; i < n; i++ {
		r := refs[i]
		inject("/card/code/consume")
		err := p.Consume(ctx, card.ConsumeRequest{Ref: r})
		clearFaults(s, "/card/code/consume")
		switch {
		case err == nil:
			successes++
		case errors.Is(err, card.ErrOutcomeUnknown):
			assert.False(t, card.IsRetryable(err))
			unknown++
		case errors.Is(err, card.ErrConflict):
			ownConflicts++ // the code was unconsumed before this call: a conflict here would be its own redemption
		case card.IsRetryable(err):
			// never applied: the code must still be unconsumed
			assert.Equal(t, "NORMAL", member(t, s, id, r.CardNo).Status)
		default:
			t.Errorf("consume %d: %v", i, err)
		}
		// A second cashier consuming the same code afterwards never succeeds
		// when the first call succeeded or may have.
		if err == nil || errors.Is(err, card.ErrOutcomeUnknown) {
			second := p.Consume(ctx, card.ConsumeRequest{Ref: r})
			if second == nil {
				t.Errorf("code %s: two successes for one redemption", r.CardNo)
			}
		}
	}
	assert.Zero(t, ownConflicts, "own consumes reported as conflict")
	assert.Zero(t, lostOrExtra, "cards with lost or extra points")
	t.Logf("200 opens, 200 point writes, 200 consumes under 30%% faults: %d consumes succeeded, %d unknown outcomes, %d own conflicts, %d lost or extra point totals",
		successes, unknown, ownConflicts, lostOrExtra)
}
