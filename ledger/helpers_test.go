package ledger_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/sqlitestore"
	"github.com/walletcard/card/mock"
	"github.com/walletcard/card/provider"
)

// env is a ledger on a temp-dir SQLite file with two mock wallets (Alipay
// and WeChat rules) behind a Router, and a recorder of every update.
type env struct {
	t      *testing.T
	ctx    context.Context
	l      *ledger.Ledger
	store  *sqlitestore.Store
	alipay *mock.Provider
	wechat *mock.Provider
	rec    *recorder
	atpl   string // Alipay template (points, balance, levels)
	wtpl   string // WeChat template
	n      atomic.Int64
}

// recorder is a card.MemberCard that records every Update.
type recorder struct {
	card.MemberCard
	mu      sync.Mutex
	updates []update
}

type update struct {
	Req card.UpdateRequest
	Err error
	At  time.Time
}

func (r *recorder) Update(ctx context.Context, req card.UpdateRequest) (*card.Card, error) {
	c, err := r.MemberCard.Update(ctx, req)
	r.mu.Lock()
	r.updates = append(r.updates, update{Req: req, Err: err, At: time.Now()})
	r.mu.Unlock()
	return c, err
}

// of returns the updates sent to ref, in order.
func (r *recorder) of(ref card.Ref) []update {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []update
	for _, u := range r.updates {
		if u.Req.Ref == ref {
			out = append(out, u)
		}
	}
	return out
}

// all returns every update, in order.
func (r *recorder) all() []update {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]update(nil), r.updates...)
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.updates)
}

// newEnv builds an env; tweak adjusts the ledger options (may be nil).
func newEnv(t *testing.T, tweak func(*ledger.Options)) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, ctx: ctx}
	var lp atomic.Pointer[ledger.Ledger]
	onEvent := func(ev card.Event) {
		if l := lp.Load(); l != nil {
			_ = l.HandleEvent(ctx, ev)
		}
	}
	e.alipay = mock.New(&mock.Options{Name: card.Alipay, OnEvent: onEvent})
	e.wechat = mock.New(&mock.Options{Name: card.WeChat, OnEvent: onEvent})
	atpl, err := e.alipay.CreateTemplate(ctx, card.TemplateSpec{Title: "Gold", BrandName: "Coffee", Points: true, Balance: true})
	require.NoError(t, err)
	wtpl, err := e.wechat.CreateTemplate(ctx, card.TemplateSpec{Title: "Gold", BrandName: "Coffee", LogoURL: "https://mmbiz.qpic.cn/mmbiz/logo.png", Points: true, Balance: true})
	require.NoError(t, err)
	e.atpl, e.wtpl = atpl.ID, wtpl.ID
	router, err := provider.NewRouter(e.alipay, e.wechat)
	require.NoError(t, err)
	e.rec = &recorder{MemberCard: router}
	e.store, err = sqlitestore.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.store.Close() })
	opts := &ledger.Options{PollInterval: 20 * time.Millisecond, RetryBase: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond}
	if tweak != nil {
		tweak(opts)
	}
	e.l, err = ledger.New(e.store, e.rec, opts)
	require.NoError(t, err)
	lp.Store(e.l)
	return e
}

func (e *env) member(id string) {
	e.t.Helper()
	_, err := e.l.CreateMember(e.ctx, id, "")
	require.NoError(e.t, err)
}

// openAlipay opens an Alipay card for the member through the ledger.
func (e *env) openAlipay(memberID string, fields ledger.Fields) card.Ref {
	e.t.Helper()
	n := e.n.Add(1)
	link, c, err := e.l.Open(e.ctx, ledger.OpenRequest{MemberID: memberID, Fields: fields, Card: card.OpenRequest{
		Provider: card.Alipay, TemplateID: e.atpl, ExternalNo: memberID, Holder: fmt.Sprintf("2088%012d", n), AuthToken: "token",
	}})
	require.NoError(e.t, err)
	require.Equal(e.t, c.Ref, link.Ref)
	return c.Ref
}

// openWeChat has the user claim a WeChat card and opens it through the ledger.
func (e *env) openWeChat(memberID string, fields ledger.Fields) card.Ref {
	e.t.Helper()
	n := e.n.Add(1)
	code, err := e.wechat.Claim(e.ctx, e.wtpl, fmt.Sprintf("openid%d", n), "")
	require.NoError(e.t, err)
	_, c, err := e.l.Open(e.ctx, ledger.OpenRequest{MemberID: memberID, Fields: fields, Card: card.OpenRequest{
		Provider: card.WeChat, TemplateID: e.wtpl, ExternalNo: memberID, Code: code,
	}})
	require.NoError(e.t, err)
	return c.Ref
}

func (e *env) apply(req ledger.Request) *ledger.Transaction {
	e.t.Helper()
	tx, err := e.l.Apply(e.ctx, req)
	require.NoError(e.t, err)
	return tx
}

func (e *env) credit(key, memberID string, pts card.Points) *ledger.Transaction {
	e.t.Helper()
	return e.apply(ledger.Request{Key: key, MemberID: memberID, Op: ledger.CreditPoints, Points: pts})
}

// sync runs SyncPending with a deadline.
func (e *env) sync() ledger.SyncSummary {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	sum, err := e.l.SyncPending(ctx, nil)
	require.NoError(e.t, err)
	return sum
}

// wallet returns the mock holding ref.
func (e *env) wallet(ref card.Ref) *mock.Provider {
	if ref.Provider == card.WeChat {
		return e.wechat
	}
	return e.alipay
}

// card reads a card straight from its mock.
func (e *env) card(ref card.Ref) *card.Card {
	e.t.Helper()
	c, err := e.wallet(ref).Get(e.ctx, ref)
	require.NoError(e.t, err)
	return c
}

func (e *env) link(ref card.Ref) *ledger.Link {
	e.t.Helper()
	l, err := e.l.LinkOf(e.ctx, ref)
	require.NoError(e.t, err)
	return l
}
