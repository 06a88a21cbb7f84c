package driver_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
)

// ledgerWallet is a toy wallet: a driver holds only the mapping to its
// wallet; validation, keys, retries and errors are the pipeline's.
type ledgerWallet struct{ points map[string]card.Points }

func (w *ledgerWallet) Open(_ context.Context, _ driver.Call, req card.OpenRequest) (*card.Card, error) {
	w.points[req.ExternalNo] = req.Points
	return &card.Card{Ref: card.Ref{Provider: "toy", TemplateID: req.TemplateID, CardNo: req.ExternalNo}, Points: req.Points}, nil
}
func (w *ledgerWallet) Get(_ context.Context, _ driver.Call, ref card.Ref) (*card.Card, error) {
	p, ok := w.points[ref.CardNo]
	if !ok {
		return nil, driver.Errorf(card.KindNotFound, "card %s does not exist", ref.CardNo)
	}
	return &card.Card{Ref: ref, Points: p}, nil
}
func (w *ledgerWallet) Update(ctx context.Context, c driver.Call, req card.UpdateRequest) (*card.Card, error) {
	if req.Points != nil {
		w.points[req.Ref.CardNo] = *req.Points
	}
	return w.Get(ctx, c, req.Ref)
}
func (w *ledgerWallet) Delete(_ context.Context, _ driver.Call, req card.DeleteRequest) error {
	delete(w.points, req.Ref.CardNo)
	return nil
}
func (w *ledgerWallet) ClaimLink(_ context.Context, _ driver.Call, req card.ClaimLinkRequest) (*card.ClaimLink, error) {
	return &card.ClaimLink{Provider: "toy", TemplateID: req.TemplateID, URL: "toy://claim/" + req.TemplateID}, nil
}
func (w *ledgerWallet) As(any) bool { return false }

// A provider author writes the wallet mapping and wallet rules; the
// pipeline makes a card.MemberCard of them.
func ExampleNewPipeline() {
	rules := driver.Rules{
		Open: func(req card.OpenRequest, _ time.Time) error {
			if _, whole := req.Points.Whole(); !whole {
				return driver.InvalidArgument("Points", "this wallet keeps whole points")
			}
			return nil
		},
	}
	var wallet card.MemberCard = driver.NewPipeline("toy", &ledgerWallet{points: map[string]card.Points{}}, &driver.Options{Rules: rules})

	ctx := context.Background()
	c, err := wallet.Open(ctx, card.OpenRequest{TemplateID: "gold", ExternalNo: "M1", Points: card.WholePoints(12)})
	fmt.Println(c.Ref, c.Points, err)

	_, err = wallet.Open(ctx, card.OpenRequest{TemplateID: "gold", ExternalNo: "M2", Points: 150})
	var ce *card.Error
	fmt.Println(errors.As(err, &ce), ce.Provider, ce.Op, ce.Field)

	_, err = wallet.Get(ctx, card.Ref{Provider: "toy", TemplateID: "gold", CardNo: "M9"})
	fmt.Println(errors.Is(err, card.ErrNotFound))
	// Output:
	// toy/gold/M1 12 <nil>
	// true toy Open Points
	// true
}
