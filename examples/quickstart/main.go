// Command quickstart runs the member-card lifecycle on Alipay and WeChat
// through one card.MemberCard code path and prints what happened.
//
//	go run ./examples/quickstart
//
// With no credentials it runs on the in-memory mock.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/mock"
	"github.com/walletcard/card/provider"
)

// wallet is one provider plus the way a real user would get what Open needs:
// on Alipay an auth_token from OAuth with scope auth_ecard, on WeChat the
// code they received when claiming the card.
type wallet struct {
	name      string
	provider  card.MemberCard
	newMember func(ctx context.Context, templateID string, n int) (card.OpenRequest, error)
	close     func()
}

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	wallets, err := setup()
	if err != nil {
		return err
	}
	defer func() {
		for _, w := range wallets {
			w.close()
		}
	}()
	var ps []card.MemberCard
	for _, w := range wallets {
		ps = append(ps, w.provider)
	}
	router, err := provider.NewRouter(ps...)
	if err != nil {
		return err
	}
	for i, w := range wallets {
		fmt.Printf("== %s (%s)\n", w.name, w.provider.Name())
		if err := lifecycle(ctx, router, w, i+1); err != nil {
			return fmt.Errorf("%s: %w", w.name, err)
		}
	}
	return nil
}

// lifecycle is the one code path both wallets go through.
func lifecycle(ctx context.Context, mc card.MemberCard, w wallet, n int) error {
	tm, ok := mc.(card.TemplateManager)
	if !ok {
		return fmt.Errorf("provider cannot create templates")
	}
	tpl, err := tm.CreateTemplate(ctx, card.TemplateSpec{
		Provider: w.provider.Name(), Title: "金卡", BrandName: "Walletcard Coffee",
		Levels: []string{"SILVER", "GOLD"}, Points: true, Balance: true, Stock: 1000,
		Notice: "出示会员卡", Description: "Earn 1 point per yuan.",
	})
	if err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	fmt.Printf("template   %s (%s)\n", tpl.ID, tpl.Status)

	link, err := mc.ClaimLink(ctx, card.ClaimLinkRequest{Provider: w.provider.Name(), TemplateID: tpl.ID, Channel: "quickstart"})
	if err != nil {
		return fmt.Errorf("claim link: %w", err)
	}
	fmt.Printf("claim link %s\n", link.URL)

	req, err := w.newMember(ctx, tpl.ID, n)
	if err != nil {
		return fmt.Errorf("new member: %w", err)
	}
	req.Provider, req.Level, req.Points, req.Balance = w.provider.Name(), "SILVER", card.WholePoints(10), card.Yuan(50)
	c, err := mc.Open(ctx, req)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	fmt.Printf("opened     %s  external=%s level=%s points=%s balance=%s\n", c.Ref.CardNo, c.ExternalNo, c.Level, c.Points, c.Balance)

	again, err := mc.Open(ctx, req) // a retry with the same idempotency key
	if err != nil {
		return fmt.Errorf("open retry: %w", err)
	}
	fmt.Printf("retried    same card: %v\n", again.Ref == c.Ref)

	c, err = mc.Update(ctx, card.UpdateRequest{Ref: c.Ref, Level: card.Ptr("GOLD"), Points: card.Ptr(card.WholePoints(138)), Balance: card.Ptr(card.Money(12888)), Note: "消费128元"})
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	fmt.Printf("updated    level=%s points=%s balance=%s\n", c.Level, c.Points, c.Balance)

	got, err := mc.Get(ctx, c.Ref)
	if err != nil {
		return fmt.Errorf("get: %w", err)
	}
	fmt.Printf("read back  level=%s points=%s balance=%s status=%s\n", got.Level, got.Points, got.Balance, got.Status)

	if err := mc.Delete(ctx, card.DeleteRequest{Ref: c.Ref, Reason: card.ReasonCancel}); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	_, err = mc.Get(ctx, c.Ref)
	fmt.Printf("deleted    get → %v\n", err)
	return nil
}

// setup builds the two wallets: the in-memory mock in each wallet's flavour.
func setup() ([]wallet, error) {
	if os.Getenv("ALIPAY_APP_ID") != "" || os.Getenv("WECHAT_APP_ID") != "" {
		fmt.Println("(credentials found, but this build of the quickstart runs on the mock only)")
	}
	ali := mock.New(&mock.Options{Name: card.Alipay})
	wx := mock.New(&mock.Options{Name: card.WeChat})
	return []wallet{
		{
			name: "Alipay (mock)", provider: ali, close: func() {},
			newMember: func(_ context.Context, tpl string, n int) (card.OpenRequest, error) {
				return card.OpenRequest{TemplateID: tpl, ExternalNo: fmt.Sprintf("A%06d", n), Holder: "2088000000000001", AuthToken: "mock-auth-ecard-token", IdempotencyKey: card.NewIdempotencyKey()}, nil
			},
		},
		{
			name: "WeChat (mock)", provider: wx, close: func() {},
			newMember: func(ctx context.Context, tpl string, n int) (card.OpenRequest, error) {
				code, err := wx.Claim(ctx, tpl, "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "quickstart")
				return card.OpenRequest{TemplateID: tpl, ExternalNo: fmt.Sprintf("W%06d", n), Code: code, IdempotencyKey: card.NewIdempotencyKey()}, err
			},
		},
	}, nil
}
