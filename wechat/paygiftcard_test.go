package wechat

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	card "github.com/walletcard/card"
)

func catRule(cardID string) PayGiftRuleInfo {
	now := time.Now().Truncate(time.Second)
	return PayGiftRuleInfo{
		Type:       PayGiftRulePayMemberCard,
		BaseInfo:   PayGiftBaseInfo{MchIDList: []string{"1230000109", "1230000110"}, BeginTime: now, EndTime: now.Add(30 * 24 * time.Hour)},
		MemberRule: &PayGiftCardRule{CardID: cardID, LeastCost: card.Yuan(10), MaxCost: card.Yuan(200), JumpURL: "https://example.com/pay"},
	}
}

func TestPayGiftCard(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := catCreate(t, p, nil)

	add, err := p.PayGiftCardAdd(ctx, PayGiftCardAddRequest{RuleInfo: catRule(id)})
	if err != nil {
		t.Fatal(err)
	}
	if add.RuleID == "" || len(add.SuccMchIDList) != 2 || len(add.FailMchIDList) != 0 {
		t.Fatalf("add = %+v", add)
	}
	got, err := p.PayGiftCardGetByID(ctx, PayGiftCardGetByIDRequest{RuleID: add.RuleID})
	if err != nil {
		t.Fatal(err)
	}
	r := got.RuleInfo
	if r.Type != PayGiftRulePayMemberCard || r.MemberRule == nil || r.MemberRule.CardID != id || r.MemberRule.LeastCost != card.Yuan(10) ||
		r.MemberRule.MaxCost != card.Yuan(200) || len(r.BaseInfo.MchIDList) != 2 || r.BaseInfo.EndTime.IsZero() {
		t.Errorf("rule = %+v / %+v", r, r.MemberRule)
	}
	add2, err := p.PayGiftCardAdd(ctx, PayGiftCardAddRequest{RuleInfo: catRule(id)})
	if err != nil {
		t.Fatal(err)
	}
	list, err := p.PayGiftCardBatchGet(ctx, PayGiftCardBatchGetRequest{Type: PayGiftRulePayMemberCard, Effective: true, Count: 10})
	if err != nil {
		t.Fatal(err)
	}
	if list.TotalCount != 2 || len(list.RuleList) != 2 || list.RuleList[1].RuleID != add2.RuleID || list.RuleList[0].MemberRule.CardID != id {
		t.Errorf("batchget = %+v", list)
	}
	if _, err := p.PayGiftCardDelete(ctx, PayGiftCardDeleteRequest{RuleID: add.RuleID}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.PayGiftCardGetByID(ctx, PayGiftCardGetByIDRequest{RuleID: add.RuleID}); err == nil {
		t.Error("deleted rule still readable")
	}

	calls := s.CallCount("")
	for _, tc := range []struct {
		mod   func(*PayGiftRuleInfo)
		field string
	}{
		{func(r *PayGiftRuleInfo) { r.Type = "RULE_TYPE_ALWAYS" }, "RuleInfo.Type"},
		{func(r *PayGiftRuleInfo) { r.BaseInfo.MchIDList = nil }, "RuleInfo.BaseInfo.MchIDList"},
		{func(r *PayGiftRuleInfo) { r.BaseInfo.MchIDList = []string{"12a"} }, "RuleInfo.BaseInfo.MchIDList[0]"},
		{func(r *PayGiftRuleInfo) { r.BaseInfo.EndTime = r.BaseInfo.BeginTime }, "RuleInfo.BaseInfo.EndTime"},
		{func(r *PayGiftRuleInfo) { r.MemberRule = nil }, "RuleInfo.MemberRule"},
		{func(r *PayGiftRuleInfo) { r.SinglePay = &PayGiftCardRule{CardID: id, MaxCost: 1} }, "RuleInfo.SinglePay"},
		{func(r *PayGiftRuleInfo) { r.MemberRule.MaxCost = card.Yuan(5) }, "RuleInfo.MemberRule.MaxCost"},
		{func(r *PayGiftRuleInfo) { r.MemberRule.CardID = "" }, "RuleInfo.MemberRule.CardID"},
	} {
		ri := catRule(id)
		tc.mod(&ri)
		_, err := p.PayGiftCardAdd(ctx, PayGiftCardAddRequest{RuleInfo: ri})
		catWantInvalid(t, err, "PayGiftCardAdd", tc.field)
	}
	_, err = p.PayGiftCardBatchGet(ctx, PayGiftCardBatchGetRequest{Type: PayGiftRuleSinglePay, Count: 101})
	catWantInvalid(t, err, "PayGiftCardBatchGet", "Count")
	_, err = p.PayGiftCardDelete(ctx, PayGiftCardDeleteRequest{})
	catWantInvalid(t, err, "PayGiftCardDelete", "RuleID")
	if s.CallCount("") != calls {
		t.Error("an invalid rule was sent")
	}
}

func TestPayGiftWire(t *testing.T) {
	ri := catRule("pCard")
	ri.BaseInfo.BeginTime, ri.BaseInfo.EndTime = time.Unix(1480317217, 0), time.Unix(1580317217, 0)
	b, err := json.Marshal(PayGiftCardAddRequest{RuleInfo: ri})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"rule_info":{"type":"RULE_TYPE_PAY_MEMBER_CARD","base_info":{"mchid_list":["1230000109","1230000110"],"begin_time":1480317217,"end_time":1580317217},"member_rule":{"card_id":"pCard","jump_url":"https://example.com/pay","least_cost":1000,"max_cost":20000}}}`
	if string(b) != want {
		t.Errorf("wire =\n%s\nwant\n%s", b, want)
	}
	// numeric ids are tolerated on the way back
	var r PayGiftCardAddResponse
	if err := json.Unmarshal([]byte(`{"rule_id":1234,"succ_mchid_list":[1230000109],"fail_mchid_list":[{"mchid":"1230000110","errcode":72001,"errmsg":"occupied","occupy_rule_id":55,"occupy_appid":"wx1"}]}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.RuleID != "1234" || r.SuccMchIDList[0] != "1230000109" || r.FailMchIDList[0].OccupyRuleID != "55" || r.FailMchIDList[0].ErrCode != 72001 {
		t.Errorf("decoded = %+v", r)
	}
}
