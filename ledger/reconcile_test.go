package ledger_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
)

func TestReconcileRepairsDriftAndReportsProgress(t *testing.T) {
	e := newEnv(t, func(o *ledger.Options) { o.Concurrency = 1 }) // one read at a time: deterministic fault order
	for _, id := range []string{"m1", "m2", "m3"} {
		e.member(id)
	}
	a1 := e.openAlipay("m1", 0)
	w1 := e.openWeChat("m1", 0)
	a2 := e.openAlipay("m2", 0)
	w3 := e.openWeChat("m3", 0)
	e.credit("k1", "m1", card.WholePoints(20))
	e.apply(ledger.Request{Key: "k2", MemberID: "m1", Op: ledger.TopUp, Amount: card.Yuan(8)})
	e.credit("k3", "m2", card.WholePoints(3))
	e.credit("k4", "m3", card.WholePoints(9))
	e.sync()

	// Someone changes the Alipay card outside the ledger.
	_, err := e.alipay.Update(e.ctx, card.UpdateRequest{Ref: a1, Points: card.Ptr(card.WholePoints(999)), Balance: card.Ptr(card.Money(1))})
	require.NoError(t, err)
	// The WeChat wallet lost w3 (and sends no event); m2 has a push pending.
	e.wechat.FailNext(card.OpGet, card.KindNotFound, 1)
	e.credit("k5", "m2", card.WholePoints(1))

	var progress []ledger.Progress
	sum, err := e.l.Reconcile(e.ctx, &ledger.ReconcileOptions{Progress: func(p ledger.Progress) { progress = append(progress, p) }})
	require.NoError(t, err)
	assert.Equal(t, 4, sum.Total)
	assert.Equal(t, 4, sum.Checked)
	assert.Equal(t, 1, sum.Drifted, "a1")
	assert.Equal(t, 1, sum.Pending, "a2")
	assert.Equal(t, 1, sum.Unlinked, "w1 or w3, whichever the wallet reported lost")
	assert.Equal(t, 1, sum.InSync)
	assert.Zero(t, sum.Failed)
	require.Len(t, sum.Failures, 1)
	assert.Contains(t, sum.Failures[0].Reason, "not found")
	assert.Equal(t, 2, sum.Repair.Pushed, "the drifted card and the pending one")

	// Progress: reconcile phase 0..4 then the repair.
	require.NotEmpty(t, progress)
	assert.Equal(t, ledger.Progress{Phase: "reconcile", Total: 4}, progress[0])
	var lastReconcile ledger.Progress
	for i, p := range progress {
		if p.Phase == "reconcile" {
			if i > 0 {
				assert.GreaterOrEqual(t, p.Done, lastReconcile.Done)
			}
			lastReconcile = p
		}
	}
	assert.Equal(t, ledger.Progress{Phase: "reconcile", Done: 4, Total: 4}, lastReconcile)
	assert.Equal(t, "sync", progress[len(progress)-1].Phase)

	// The drifted card shows the ledger again; the note says what it changed.
	c := e.card(a1)
	assert.Equal(t, card.WholePoints(20), c.Points)
	assert.Equal(t, card.Yuan(8), c.Balance)
	ups := e.rec.of(a1)
	last := ups[len(ups)-1]
	assert.Equal(t, card.WholePoints(20-999), *last.Req.PointsChange)
	assert.Equal(t, card.WholePoints(4), e.card(a2).Points)

	// One of the WeChat cards was reported lost and is unlinked.
	unlinked := 0
	for _, ref := range []card.Ref{w1, w3} {
		if e.link(ref).State == ledger.LinkUnlinked {
			unlinked++
		}
	}
	assert.Equal(t, 1, unlinked)

	// A second reconcile finds everything in sync.
	sum, err = e.l.Reconcile(e.ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, ledger.ReconcileSummary{Total: 3, Checked: 3, InSync: 3}, sum)
}

func TestReconcileCountsCardsItCannotRead(t *testing.T) {
	e := newEnv(t, nil)
	e.member("m1")
	a := e.openAlipay("m1", 0)
	e.alipay.FailNext(card.OpGet, card.KindUnavailable, 1)
	sum, err := e.l.Reconcile(e.ctx, &ledger.ReconcileOptions{NoRepair: true})
	require.NoError(t, err)
	assert.Equal(t, 1, sum.Failed)
	require.Len(t, sum.Failures, 1)
	assert.Equal(t, a, sum.Failures[0].Ref)
	assert.Contains(t, sum.Failures[0].Reason, "unavailable")
	assert.Equal(t, ledger.LinkActive, e.link(a).State)
}
