package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
)

func TestOpenShowsTheMembersValuesUnderEachWalletsRules(t *testing.T) {
	e := newEnv(t, nil)
	e.member("m1")
	e.credit("c1", "m1", 1250) // 12.50 points
	e.apply(ledger.Request{Key: "t1", MemberID: "m1", Op: ledger.TopUp, Amount: card.Yuan(30)})

	a := e.openAlipay("m1", 0)
	w := e.openWeChat("m1", 0)
	noBalance := e.openWeChat("m1", ledger.ShowPoints|ledger.ShowLevel)

	ac := e.card(a)
	assert.Equal(t, card.Points(1250), ac.Points, "Alipay keeps two decimals")
	assert.Equal(t, card.Yuan(30), ac.Balance)
	wc := e.card(w)
	assert.Equal(t, card.WholePoints(12), wc.Points, "WeChat shows the whole part")
	assert.Equal(t, card.Yuan(30), wc.Balance)
	nb := e.card(noBalance)
	assert.Zero(t, nb.Balance, "a template without stored value is never sent a balance")

	for _, ref := range []card.Ref{a, w, noBalance} {
		l := e.link(ref)
		assert.False(t, l.Pending(), "%v shows the current version already", ref)
		assert.Equal(t, "m1", l.MemberID)
	}
	assert.Equal(t, ledger.ShowPoints|ledger.ShowLevel, e.link(noBalance).Fields)

	// Later changes follow the same rules.
	e.credit("c2", "m1", 1275) // 25.25 points
	e.apply(ledger.Request{Key: "s1", MemberID: "m1", Op: ledger.Spend, Amount: card.Yuan(5)})
	sum := e.sync()
	assert.Equal(t, 3, sum.Pushed)
	assert.Equal(t, card.Points(2525), e.card(a).Points)
	assert.Equal(t, card.WholePoints(25), e.card(w).Points)
	assert.Equal(t, card.Yuan(25), e.card(w).Balance)
	assert.Zero(t, e.card(noBalance).Balance)
	for _, u := range e.rec.of(noBalance) {
		assert.Nil(t, u.Req.Balance, "no balance is ever sent to a card without stored value")
	}

	// A change WeChat cannot show is not a failure and sends nothing there.
	e.credit("c3", "m1", 50) // 25.75: WeChat still shows 25
	before := len(e.rec.of(w))
	sum = e.sync()
	assert.Equal(t, 1, sum.Pushed, "only Alipay needs the new value")
	assert.Equal(t, 2, sum.Unchanged)
	assert.Len(t, e.rec.of(w), before)
	assert.Empty(t, sum.Failures)
	assert.False(t, e.link(w).Pending())
}

func TestOpenRefusesValuesTheLedgerSets(t *testing.T) {
	e := newEnv(t, nil)
	e.member("m1")
	_, _, err := e.l.Open(e.ctx, ledger.OpenRequest{MemberID: "m1", Card: card.OpenRequest{Provider: card.Alipay, TemplateID: e.atpl, ExternalNo: "m1", Points: 5}})
	var ce *card.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "Card.Points", ce.Field)
	_, _, err = e.l.Open(e.ctx, ledger.OpenRequest{MemberID: "m1", Card: card.OpenRequest{TemplateID: e.atpl, ExternalNo: "m1"}})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "Card.Provider", ce.Field)
	_, _, err = e.l.Open(e.ctx, ledger.OpenRequest{MemberID: "ghost", Card: card.OpenRequest{Provider: card.Alipay, TemplateID: e.atpl, ExternalNo: "m1"}})
	require.ErrorIs(t, err, card.ErrNotFound)
	assert.Zero(t, e.alipay.CallCount(card.OpOpen), "nothing reached the wallet")
}

func TestBothCardsReachTheSameTotal(t *testing.T) {
	e := newEnv(t, nil)
	e.member("m1")
	a := e.openAlipay("m1", 0)
	w := e.openWeChat("m1", 0)
	for i, p := range []int64{12, 30, 8} {
		e.credit("order-"+string(rune('a'+i)), "m1", card.WholePoints(p))
	}
	e.apply(ledger.Request{Key: "level", MemberID: "m1", Op: ledger.SetLevel, Level: "GOLD"})
	e.sync()
	m, err := e.l.Member(e.ctx, "m1")
	require.NoError(t, err)
	for _, ref := range []card.Ref{a, w} {
		c := e.card(ref)
		assert.Equal(t, card.WholePoints(50), c.Points, ref.Provider)
		assert.Equal(t, "GOLD", c.Level)
		l := e.link(ref)
		assert.Equal(t, m.Version, l.DoneVersion)
		assert.False(t, l.Pending())
	}
}

// Twenty quick transactions reach each card as fewer updates, and the
// values a card receives only ever grow (no older version after a newer).
func TestSyncCoalescesAndNeverSendsAnOlderValue(t *testing.T) {
	e := newEnv(t, nil)
	e.alipay.SetLatency(card.OpUpdate, 15*time.Millisecond)
	e.wechat.SetLatency(card.OpUpdate, 15*time.Millisecond)
	e.member("m1")
	a := e.openAlipay("m1", 0)
	w := e.openWeChat("m1", 0)
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- e.l.Run(ctx) }()
	for i := 0; i < 20; i++ {
		e.credit("k"+string(rune('a'+i)), "m1", card.WholePoints(1))
		time.Sleep(2 * time.Millisecond)
	}
	require.Eventually(t, func() bool {
		return e.card(a).Points == card.WholePoints(20) && e.card(w).Points == card.WholePoints(20)
	}, 10*time.Second, 5*time.Millisecond)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	for _, ref := range []card.Ref{a, w} {
		ups := e.rec.of(ref)
		assert.Less(t, len(ups), 20, "%s: coalesced", ref.Provider)
		var last card.Points
		for _, u := range ups {
			require.NotNil(t, u.Req.Points)
			assert.Greater(t, *u.Req.Points, last, "%s: a newer value follows an older one", ref.Provider)
			require.NotNil(t, u.Req.PointsChange)
			assert.Equal(t, *u.Req.Points-last, *u.Req.PointsChange, "the change since the value the card last showed")
			last = *u.Req.Points
		}
	}
}

func TestNotesSayWhatChanged(t *testing.T) {
	e := newEnv(t, nil)
	e.member("m1")
	w := e.openWeChat("m1", 0)
	a := e.openAlipay("m1", 0)

	// One transaction behind the push: its own note.
	e.apply(ledger.Request{Key: "k1", MemberID: "m1", Op: ledger.CreditPoints, Points: card.WholePoints(12), Note: "咖啡消费积分+12"})
	e.sync()
	assert.Equal(t, "咖啡消费积分+12", e.rec.of(w)[0].Req.Note)
	assert.Equal(t, card.WholePoints(12), *e.rec.of(a)[0].Req.PointsChange)

	// Several transactions: a summary of the change since the card last showed.
	e.credit("k2", "m1", card.WholePoints(8))
	e.apply(ledger.Request{Key: "k3", MemberID: "m1", Op: ledger.TopUp, Amount: card.Yuan(50)})
	e.apply(ledger.Request{Key: "k4", MemberID: "m1", Op: ledger.Spend, Amount: card.Money(550), Note: "储值支付"})
	e.sync()
	ws, as := e.rec.of(w), e.rec.of(a)
	assert.Equal(t, "积分+8 余额+44.50", ws[1].Req.Note)
	assert.Equal(t, "积分+8 余额+44.50", as[1].Req.Note)
	assert.Equal(t, card.WholePoints(8), *as[1].Req.PointsChange)

	// WeChat shows 14 characters at most.
	e.apply(ledger.Request{Key: "k5", MemberID: "m1", Op: ledger.DebitPoints, Points: card.WholePoints(3), Note: "兑换一杯美式咖啡扣减积分三分之一的活动"})
	e.sync()
	ws, as = e.rec.of(w), e.rec.of(a)
	assert.Equal(t, 14, utf8.RuneCountInString(ws[2].Req.Note))
	assert.Equal(t, "兑换一杯美式咖啡扣减积分三分之一的活动", as[2].Req.Note, "Alipay takes 64")
	assert.Equal(t, card.WholePoints(-3), *as[2].Req.PointsChange)
	assert.Nil(t, ws[2].Req.Balance, "only what changed is sent")
}

// A lost answer (the wallet applied the update, the answer never came) is
// resolved by sending the absolute values again: the points are not doubled.
func TestLostAnswerIsResolvedBySendingTheAbsoluteValueAgain(t *testing.T) {
	e := newEnv(t, nil)
	e.member("m1")
	w := e.openWeChat("m1", 0)
	a := e.openAlipay("m1", 0)
	e.wechat.LoseAnswerNext(card.OpUpdate, 1)
	e.alipay.LoseAnswerNext(card.OpUpdate, 2)
	e.credit("k1", "m1", card.WholePoints(12))
	sum := e.sync()
	assert.Equal(t, 2, sum.Pushed)
	assert.Equal(t, 3, sum.Retried)
	for _, ref := range []card.Ref{a, w} {
		assert.Equal(t, card.WholePoints(12), e.card(ref).Points, "%s: credited once", ref.Provider)
		for _, u := range e.rec.of(ref) {
			assert.Equal(t, card.WholePoints(12), *u.Req.Points, "every attempt sends the same absolute value")
		}
	}
	assert.Len(t, e.rec.of(a), 3)
	assert.Zero(t, e.link(a).Attempts)
}

func TestTransientFailuresAreRetriedWithBackoff(t *testing.T) {
	e := newEnv(t, nil)
	e.member("m1")
	a := e.openAlipay("m1", 0)
	e.alipay.FailNext(card.OpUpdate, card.KindRateLimited, 3)
	e.credit("k1", "m1", card.WholePoints(7))
	start := time.Now()
	sum := e.sync()
	assert.Equal(t, 3, sum.Retried)
	assert.Equal(t, 1, sum.Pushed)
	assert.Equal(t, card.WholePoints(7), e.card(a).Points)
	ups := e.rec.of(a)
	require.Len(t, ups, 4)
	for i := 1; i < len(ups); i++ {
		assert.GreaterOrEqual(t, ups[i].At.Sub(ups[i-1].At), 3*time.Millisecond, "backoff between attempts")
	}
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestPermanentFailuresParkWithTheirReasonUntilRetried(t *testing.T) {
	e := newEnv(t, nil)
	e.member("m1")
	e.member("m2")
	a := e.openAlipay("m1", 0)
	w := e.openWeChat("m2", 0)
	e.alipay.FailNext(card.OpUpdate, card.KindPermissionDenied, 1)
	e.credit("k1", "m1", card.WholePoints(5))
	e.credit("k2", "m2", card.WholePoints(6))
	var progress []ledger.Progress
	sum, err := e.l.SyncPending(e.ctx, func(p ledger.Progress) { progress = append(progress, p) })
	require.NoError(t, err)
	assert.Equal(t, 1, sum.Parked)
	require.Len(t, sum.Failures, 1)
	assert.Equal(t, a, sum.Failures[0].Ref)
	assert.Contains(t, sum.Failures[0].Reason, "permission denied")
	last := progress[len(progress)-1]
	assert.Equal(t, ledger.Progress{Phase: "sync", Done: 2, Failed: 1, Total: 2}, last)

	parked, err := e.l.Parked(e.ctx, card.Ref{}, 0)
	require.NoError(t, err)
	require.Len(t, parked, 1)
	assert.Equal(t, a, parked[0].Ref)
	assert.Equal(t, ledger.LinkParked, parked[0].State)
	assert.Contains(t, parked[0].ParkReason, "permission denied")
	assert.Equal(t, card.WholePoints(6), e.card(w).Points, "other cards carry on")

	// More transactions while parked; the operator retries: the latest values go out.
	e.credit("k3", "m1", card.WholePoints(1))
	assert.Zero(t, e.sync().Pushed, "a parked card is not pushed")
	require.NoError(t, e.l.RetryParked(e.ctx, a))
	assert.Equal(t, 1, e.sync().Pushed)
	assert.Equal(t, card.WholePoints(6), e.card(a).Points)
	parked, err = e.l.Parked(e.ctx, card.Ref{}, 0)
	require.NoError(t, err)
	assert.Empty(t, parked)
	require.ErrorIs(t, e.l.RetryParked(e.ctx, card.Ref{Provider: "mock", TemplateID: "x", CardNo: "y"}), card.ErrNotFound)
}

// unclassified fails every Update with a plain error no wallet classified.
type unclassified struct{ card.MemberCard }

func (unclassified) Update(context.Context, card.UpdateRequest) (*card.Card, error) {
	return nil, errors.New("weird answer")
}

func TestUnclassifiedErrorsParkAfterMaxAttempts(t *testing.T) {
	e := newEnv(t, nil)
	e.member("m1")
	a := e.openAlipay("m1", 0)
	l, err := ledger.New(e.store, unclassified{e.rec}, &ledger.Options{MaxAttempts: 3, RetryBase: time.Millisecond, RetryMax: 2 * time.Millisecond, PollInterval: 10 * time.Millisecond})
	require.NoError(t, err)
	e.credit("k1", "m1", 100)
	sum, err := l.SyncPending(e.ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, sum.Retried)
	assert.Equal(t, 1, sum.Parked)
	link := e.link(a)
	assert.Equal(t, ledger.LinkParked, link.State)
	assert.Equal(t, "gave up after 3 attempts: weird answer", link.ParkReason)
}

func TestACardTheWalletLostIsUnlinked(t *testing.T) {
	e := newEnv(t, nil)
	e.member("m1")
	a := e.openAlipay("m1", 0)
	w := e.openWeChat("m1", 0)
	require.NoError(t, e.l.Unlink(e.ctx, w, ""))           // merchant unlinks the WeChat card
	e.alipay.FailNext(card.OpUpdate, card.KindNotFound, 1) // the wallet lost the card, no event came
	e.credit("k1", "m1", 100)
	sum := e.sync()
	assert.Equal(t, 1, sum.Unlinked)
	la := e.link(a)
	assert.Equal(t, ledger.LinkUnlinked, la.State)
	assert.Contains(t, la.UnlinkReason, "does not know the card")
	lw := e.link(w)
	assert.Equal(t, ledger.LinkUnlinked, lw.State)
	assert.Equal(t, "unlinked by the merchant", lw.UnlinkReason)
	assert.Empty(t, e.rec.of(w), "an unlinked card is not pushed")
	require.ErrorIs(t, e.l.Unlink(e.ctx, card.Ref{Provider: "x", TemplateID: "y", CardNo: "z"}, ""), ledger.ErrLinkNotFound)
}

func TestAWalletEventUnlinksADeletedCard(t *testing.T) {
	e := newEnv(t, nil)
	e.member("m1")
	w := e.openWeChat("m1", 0)
	a := e.openAlipay("m1", 0)
	// The user deletes the WeChat card: the wallet's event reaches HandleEvent.
	require.NoError(t, e.wechat.Delete(e.ctx, card.DeleteRequest{Ref: w, Reason: card.ReasonUserUnbound}))
	lw := e.link(w)
	assert.Equal(t, ledger.LinkUnlinked, lw.State)
	assert.Contains(t, lw.UnlinkReason, "deleted in the wallet")
	// The merchant deletes the Alipay card through the ledger.
	require.NoError(t, e.l.Delete(e.ctx, card.DeleteRequest{Ref: a}))
	assert.Equal(t, ledger.LinkUnlinked, e.link(a).State)
	e.credit("k1", "m1", 100)
	sum := e.sync()
	assert.Zero(t, sum.Pushed+sum.Unlinked+sum.Parked)
	assert.Zero(t, e.rec.count())
	// Events about other things, or unknown cards, are ignored.
	require.NoError(t, e.l.HandleEvent(e.ctx, card.Event{Type: card.EventCardClaimed, Ref: w}))
	require.NoError(t, e.l.HandleEvent(e.ctx, card.Event{Type: card.EventCardDeleted, Provider: card.WeChat, Ref: card.Ref{TemplateID: "t", CardNo: "unknown"}}))
}

func TestLinkAnExistingCardPushesTheDifference(t *testing.T) {
	e := newEnv(t, nil)
	e.member("m1")
	e.credit("k1", "m1", card.WholePoints(40))
	// A card opened before the ledger existed, showing 10 points.
	c, err := e.alipay.Open(e.ctx, card.OpenRequest{TemplateID: e.atpl, ExternalNo: "m1", Holder: "2088000000000099", AuthToken: "t", Points: card.WholePoints(10)})
	require.NoError(t, err)
	link, err := e.l.Link(e.ctx, ledger.LinkRequest{MemberID: "m1", Ref: c.Ref, Fields: ledger.ShowPoints})
	require.NoError(t, err)
	assert.True(t, link.Pending())
	assert.Equal(t, card.WholePoints(10), link.Shown.Points)
	e.sync()
	assert.Equal(t, card.WholePoints(40), e.card(c.Ref).Points)
	ups := e.rec.of(c.Ref)
	require.Len(t, ups, 1)
	assert.Equal(t, card.WholePoints(30), *ups[0].Req.PointsChange)
	assert.Nil(t, ups[0].Req.Balance)

	// Linking it again to the same member is a no-op; to another member a conflict.
	_, err = e.l.Link(e.ctx, ledger.LinkRequest{MemberID: "m1", Ref: c.Ref})
	require.NoError(t, err)
	e.member("m2")
	_, err = e.l.Link(e.ctx, ledger.LinkRequest{MemberID: "m2", Ref: c.Ref})
	require.ErrorIs(t, err, ledger.ErrLinkConflict)
	require.ErrorIs(t, err, card.ErrAlreadyExists)
	_, err = e.l.Link(e.ctx, ledger.LinkRequest{MemberID: "m1", Ref: card.Ref{Provider: card.Alipay, TemplateID: e.atpl, CardNo: "nope"}})
	require.ErrorIs(t, err, card.ErrNotFound)
}

// entered signals each Update as it starts.
type entered struct {
	card.MemberCard
	c chan struct{}
}

func (e entered) Update(ctx context.Context, req card.UpdateRequest) (*card.Card, error) {
	select {
	case e.c <- struct{}{}:
	default:
	}
	return e.MemberCard.Update(ctx, req)
}

func TestRunStopsWhenItsContextEnds(t *testing.T) {
	e := newEnv(t, nil)
	e.member("m1")
	a := e.openAlipay("m1", 0)
	e.alipay.SetLatency(card.OpUpdate, time.Hour)
	e.credit("k1", "m1", 100)
	started := make(chan struct{}, 1)
	l, err := ledger.New(e.store, entered{e.rec, started}, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("no push started")
	}
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
	// The interrupted push released the card: it is due again at once.
	link := e.link(a)
	assert.True(t, link.Pending())
	assert.Zero(t, link.Attempts)
	assert.Contains(t, link.LastError, "interrupted")
	e.alipay.SetLatency(card.OpUpdate, 0)
	e.sync()
	assert.Equal(t, card.Points(100), e.card(a).Points)
}

func TestRateLimitPerWallet(t *testing.T) {
	e := newEnv(t, func(o *ledger.Options) {
		o.Wallets = map[string]ledger.WalletRules{card.Alipay: {RateLimit: 50, Burst: 1}}
	})
	const n = 20
	var refs []card.Ref
	for i := 0; i < n; i++ {
		id := "m" + string(rune('A'+i))
		e.member(id)
		refs = append(refs, e.openAlipay(id, 0))
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		e.credit("k"+string(rune('A'+i)), "m"+string(rune('A'+i)), 100)
	}
	sum := e.sync()
	elapsed := time.Since(start)
	assert.Equal(t, n, sum.Pushed)
	// 20 opens and 20 updates at 50/s with a burst of 1: the updates alone take ≥ 19/50 s.
	assert.GreaterOrEqual(t, elapsed, 350*time.Millisecond)
	var wg sync.WaitGroup
	for _, r := range refs {
		wg.Add(1)
		go func(r card.Ref) { defer wg.Done(); assert.Equal(t, card.Points(100), e.card(r).Points) }(r)
	}
	wg.Wait()
}

// claimCounter is a ledger.Store that counts Claim calls.
type claimCounter struct {
	ledger.Store
	calls, ones atomic.Int64
}

func (c *claimCounter) Claim(ctx context.Context, owner string, max int, lease time.Duration) ([]ledger.Job, error) {
	c.calls.Add(1)
	if max == 1 {
		c.ones.Add(1)
	}
	return c.Store.Claim(ctx, owner, max, lease)
}

// With every slot busy, the worker claims a batch of cards at a time, not
// one card per finished push.
func TestSyncClaimsInBatches(t *testing.T) {
	const cards, conc = 500, 16
	e := newEnv(t, nil)
	for i := range cards {
		id := fmt.Sprintf("m%03d", i)
		e.member(id)
		e.openAlipay(id, 0)
		e.credit("k"+id, id, 100)
	}
	e.alipay.SetLatency(card.OpUpdate, 20*time.Millisecond)
	store := &claimCounter{Store: e.store}
	l, err := ledger.New(store, e.rec, &ledger.Options{Concurrency: conc, PollInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	start := time.Now()
	sum, err := l.SyncPending(e.ctx, nil)
	require.NoError(t, err)
	require.Equal(t, cards, sum.Pushed)
	calls, ones := store.calls.Load(), store.ones.Load()
	t.Logf("%d cards, concurrency %d: %d claims (%d with max=1) in %v", cards, conc, calls, ones, time.Since(start))
	assert.LessOrEqual(t, calls, int64(4*cards/conc), "claims in batches of about concurrency/2")
}

// An invalid card reference is refused before the store is asked, as an
// invalid-argument error of the ledger naming the operation and the field.
func TestAnInvalidRefIsRefusedNamingTheField(t *testing.T) {
	e := newEnv(t, nil)
	_, err := e.l.LinkOf(e.ctx, card.Ref{Provider: card.Alipay, TemplateID: "t"})
	var ce *card.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, ledger.Name, ce.Provider)
	assert.Equal(t, "LinkOf", ce.Op)
	assert.Equal(t, "Ref.CardNo", ce.Field)
	assert.Equal(t, card.KindInvalidArgument, ce.Kind)
	err = e.l.Unlink(e.ctx, card.Ref{TemplateID: "t", CardNo: "c"}, "")
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "Unlink", ce.Op)
	assert.Equal(t, "Ref.Provider", ce.Field)
}
