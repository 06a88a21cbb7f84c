package card_test

import (
	"context"
	"errors"
	"fmt"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/mock"
)

func ExampleParseMoney() {
	m, _ := card.ParseMoney("128.88")
	fmt.Println(m.Fen(), m, m+card.Yuan(1))
	_, err := card.ParseMoney("1.005")
	fmt.Println(err != nil)
	// Output:
	// 12888 128.88 129.88
	// true
}

func ExampleParsePoints() {
	p, _ := card.ParsePoints("88.50") // Alipay may send decimal points
	whole, ok := p.Whole()
	fmt.Println(p, whole, ok)
	// Output: 88.5 88 false
}

// Errors are checked by kind with errors.Is; the *card.Error says where.
func ExampleError() {
	ctx := context.Background()
	var p card.MemberCard = mock.New(nil)
	_, err := p.Get(ctx, card.Ref{Provider: card.Mock, TemplateID: "tpl", CardNo: "404"})
	var ce *card.Error
	if errors.Is(err, card.ErrNotFound) && errors.As(err, &ce) {
		fmt.Println(ce.Provider, ce.Op, ce.Kind)
	}
	_, err = p.Open(ctx, card.OpenRequest{TemplateID: "tpl"})
	fmt.Println(err)
	// Output:
	// mock Get not found
	// mock Open: invalid argument: ExternalNo: is required
}

func ExampleUpdateRequest() {
	req := card.UpdateRequest{
		Ref:     card.Ref{Provider: card.WeChat, TemplateID: "pXYZ", CardNo: "123456789012"},
		Points:  card.Ptr(card.WholePoints(120)),
		Balance: card.Ptr(card.Money(12888)),
		Note:    "消费 128.88 元",
	}
	fmt.Println(req.Validate(), *req.Balance)
	// Output: <nil> 128.88
}
