package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/sqlitestore"
	"github.com/walletcard/card/mock"
	"github.com/walletcard/card/provider"
)

// A member with a card in each wallet buys a coffee: 12.5 points are
// credited once, even though the purchase webhook arrives twice, and both
// cards show the new total (WeChat shows whole points).
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "ledger-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// The wallets: in-memory mocks with each wallet's rules, behind one Router.
	alipayWallet := mock.NewAlipay(nil)
	wechatWallet := mock.NewWeChat(nil)
	atpl, _ := alipayWallet.CreateTemplate(ctx, card.TemplateSpec{Title: "Gold", BrandName: "Coffee"})
	wtpl, _ := wechatWallet.CreateTemplate(ctx, card.TemplateSpec{Title: "Gold", BrandName: "Coffee", LogoURL: "https://mmbiz.qpic.cn/mmbiz/logo.png"})
	router, err := provider.NewRouter(alipayWallet, wechatWallet)
	if err != nil {
		log.Fatal(err)
	}

	// The ledger on an embedded SQLite file.
	store, err := sqlitestore.Open(ctx, filepath.Join(dir, "ledger.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	l, err := ledger.New(store, router, nil)
	if err != nil {
		log.Fatal(err)
	}

	// A member and their two cards.
	if _, err := l.CreateMember(ctx, "M0001", "SILVER"); err != nil {
		log.Fatal(err)
	}
	_, acard, err := l.Open(ctx, ledger.OpenRequest{MemberID: "M0001", Card: card.OpenRequest{
		Provider: card.Alipay, TemplateID: atpl.ID, ExternalNo: "M0001", Holder: "2088000000000001", AuthToken: "token-from-oauth"}})
	if err != nil {
		log.Fatal(err)
	}
	code, _ := wechatWallet.Claim(ctx, wtpl.ID, "openid-1", "") // the member claims the WeChat card
	_, wcard, err := l.Open(ctx, ledger.OpenRequest{MemberID: "M0001", Card: card.OpenRequest{
		Provider: card.WeChat, TemplateID: wtpl.ID, ExternalNo: "M0001", Code: code}})
	if err != nil {
		log.Fatal(err)
	}

	// The purchase webhook, delivered twice.
	buy := ledger.Request{Key: "order-20240501-0042", MemberID: "M0001", Op: ledger.CreditPoints, Points: 1250, Actor: "webhook", Reason: "latte", Note: "拿铁积分+12.5"}
	for range 2 {
		tx, err := l.Apply(ctx, buy)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("applied=%v replayed=%v points=%s\n", tx.Status == ledger.StatusApplied, tx.Replayed, tx.After.Points)
	}

	// A debit below zero is refused with its own error.
	_, err = l.Apply(ctx, ledger.Request{Key: "redeem-1", MemberID: "M0001", Op: ledger.DebitPoints, Points: card.WholePoints(100)})
	fmt.Println("insufficient:", errors.Is(err, ledger.ErrInsufficientFunds))

	// The sync worker (normally `go l.Run(ctx)`) pushes the new total.
	if _, err := l.SyncPending(ctx, nil); err != nil {
		log.Fatal(err)
	}
	a, _ := alipayWallet.Get(ctx, acard.Ref)
	w, _ := wechatWallet.Get(ctx, wcard.Ref)
	fmt.Println("alipay card:", a.Points)
	fmt.Println("wechat card:", w.Points)
	// Output:
	// applied=true replayed=false points=12.5
	// applied=true replayed=true points=12.5
	// insufficient: true
	// alipay card: 12.5
	// wechat card: 12
}

// Parked cards are listed with their reasons, and retried by the operator.
func ExampleLedger_Parked() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "ledger-example")
	defer os.RemoveAll(dir)
	wallet := mock.New(nil)
	tpl, _ := wallet.CreateTemplate(ctx, card.TemplateSpec{Title: "Gold", BrandName: "Coffee"})
	store, err := sqlitestore.Open(ctx, filepath.Join(dir, "ledger.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	l, _ := ledger.New(store, wallet, nil)
	_, _ = l.CreateMember(ctx, "M1", "")
	_, c, _ := l.Open(ctx, ledger.OpenRequest{MemberID: "M1", Card: card.OpenRequest{Provider: card.Mock, TemplateID: tpl.ID, ExternalNo: "M1"}})

	wallet.FailNext(card.OpUpdate, card.KindPermissionDenied, 1) // the app lost a permission
	_, _ = l.Apply(ctx, ledger.Request{Key: "k1", MemberID: "M1", Op: ledger.TopUp, Amount: card.Yuan(20)})
	sum, _ := l.SyncPending(ctx, nil)
	fmt.Println("parked:", sum.Parked)

	parked, _ := l.Parked(ctx, card.Ref{}, 10)
	for _, p := range parked {
		fmt.Println(p.Ref == c.Ref, p.ParkReason)
		_ = l.RetryParked(ctx, p.Ref) // once the permission is back
	}
	_, _ = l.SyncPending(ctx, nil)
	got, _ := wallet.Get(ctx, c.Ref)
	fmt.Println("balance:", got.Balance)
	// Output:
	// parked: 1
	// true mock Update: permission denied: injected by mock.FailNext
	// balance: 20.00
}
