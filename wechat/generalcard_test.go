package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	card "github.com/walletcard/card"
)

func TestGeneralCard(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	res, err := p.CreateCard(ctx, CreateCardRequest{Card: CardDefinition{CardType: CardTypeGeneralCard,
		GeneralCard: &GeneralCardData{BaseInfo: catBase(), Prerogative: "通用卡特权", SupplyBonus: card.Ptr(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	id := res.CardID
	code, err := s.Claim(id, "oGen00000000000000000000000001", "")
	if err != nil {
		t.Fatal(err)
	}
	act := GeneralCardActivateRequest{CardID: id, Code: code, MembershipNumber: "G0001", InitBonus: card.Ptr(int64(50)),
		InitBalance: card.Ptr(card.Yuan(20)), InitCustomFieldValue1: "金卡"}
	if _, err := p.GeneralCardActivate(ctx, act); err != nil {
		t.Fatal(err)
	}
	m, ok := s.Member(id, code)
	if !ok || !m.Activated || m.MembershipNumber != "G0001" || m.Bonus != 50 || m.Balance != 2000 || m.CustomFieldValues[0] != "金卡" {
		t.Fatalf("member after activate = %+v", m)
	}

	up, err := p.GeneralCardUpdateUser(ctx, GeneralCardUpdateUserRequest{CardID: id, Code: code, AddBonus: card.Ptr(int64(5)),
		Balance: card.Ptr(card.Yuan(15)), RecordBalance: "消费5元", NotifyOptional: &GeneralCardNotify{IsNotifyBalance: card.Ptr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	if up.ResultBonus != 55 || up.ResultBalance != card.Yuan(15) || up.OpenID != "oGen00000000000000000000000001" {
		t.Errorf("update = %+v", up)
	}

	if _, err := p.GeneralCardUnactivate(ctx, GeneralCardUnactivateRequest{CardID: id, Code: code}); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.Member(id, code); m.Activated {
		t.Error("still activated")
	}
	// unactivating twice is refused by WeChat
	if _, err := p.GeneralCardUnactivate(ctx, GeneralCardUnactivateRequest{CardID: id, Code: code}); err == nil {
		t.Error("second unactivate succeeded")
	}

	b, _ := json.Marshal(GeneralCardUpdateUserRequest{CardID: "c", Code: "1", Balance: card.Ptr(card.Yuan(1)), AddBalance: card.Ptr(card.Fen(-30))})
	if string(b) != `{"code":"1","card_id":"c","balance":100,"add_balance":-30}` {
		t.Errorf("updateuser wire = %s", b)
	}
	b, _ = json.Marshal(act)
	if !strings.Contains(string(b), `"init_balance":2000`) || strings.Contains(string(b), "activate_begin_time") {
		t.Errorf("activate wire = %s", b)
	}

	calls := s.CallCount("")
	for _, tc := range []struct {
		err   error
		op    string
		field string
	}{
		{func() error { _, err := p.GeneralCardActivate(ctx, GeneralCardActivateRequest{CardID: id}); return err }(), "GeneralCardActivate", "Code"},
		{func() error {
			_, err := p.GeneralCardActivate(ctx, GeneralCardActivateRequest{Code: code, InitCustomFieldValue2: "超过四个汉字"})
			return err
		}(), "GeneralCardActivate", "InitCustomFieldValue2"},
		{func() error {
			_, err := p.GeneralCardActivate(ctx, GeneralCardActivateRequest{Code: code, MembershipNumber: strings.Repeat("9", 21)})
			return err
		}(), "GeneralCardActivate", "MembershipNumber"},
		{func() error {
			_, err := p.GeneralCardActivate(ctx, GeneralCardActivateRequest{Code: code, InitBalance: card.Ptr(card.Money(-1))})
			return err
		}(), "GeneralCardActivate", "InitBalance"},
		{func() error {
			_, err := p.GeneralCardUnactivate(ctx, GeneralCardUnactivateRequest{Code: code})
			return err
		}(), "GeneralCardUnactivate", "CardID"},
		{func() error {
			_, err := p.GeneralCardUpdateUser(ctx, GeneralCardUpdateUserRequest{CardID: id, Code: code, RecordBonus: strings.Repeat("积", 15)})
			return err
		}(), "GeneralCardUpdateUser", "RecordBonus"},
		{func() error {
			_, err := p.GeneralCardUpdateUser(ctx, GeneralCardUpdateUserRequest{CardID: id, Code: code, Bonus: card.Ptr(int64(-1))})
			return err
		}(), "GeneralCardUpdateUser", "Bonus"},
	} {
		catWantInvalid(t, tc.err, tc.op, tc.field)
	}
	if s.CallCount("") != calls {
		t.Error("an invalid general-card request was sent")
	}

	// a member card's code is not a general card's
	mid := catCreate(t, p, nil)
	mcode, _ := s.Claim(mid, "oGen00000000000000000000000002", "")
	_, err = p.GeneralCardUnactivate(ctx, GeneralCardUnactivateRequest{CardID: mid, Code: mcode})
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Code == "" {
		t.Errorf("member card through generalcard: %v", err)
	}
}
