package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat/wechattest"
)

// catClock is a settable clock shared by the fake and the test.
type catClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *catClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *catClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func TestCivilDate(t *testing.T) {
	// 2026-03-01 20:30 UTC is already 2026-03-02 in Beijing.
	d := DateOf(time.Date(2026, 3, 1, 20, 30, 0, 0, time.UTC))
	if d.String() != "2026-03-02" {
		t.Errorf("DateOf = %s", d)
	}
	b, err := json.Marshal(GetMemberCardDetailRequest{BeginDate: d, EndDate: d, CardID: "c"})
	if err != nil || string(b) != `{"begin_date":"2026-03-02","end_date":"2026-03-02","card_id":"c"}` {
		t.Errorf("wire = %s %v", b, err)
	}
	b, _ = json.Marshal(GetCardBizUinInfoRequest{BeginDate: d, EndDate: d})
	if string(b) != `{"begin_date":"2026-03-02","end_date":"2026-03-02","cond_source":0}` {
		t.Errorf("cond_source 0 must be sent: %s", b)
	}
	if _, err := ParseCivilDate("2026-02-30"); err == nil {
		t.Error("2026-02-30 parsed")
	}
	if (CivilDate{2026, 2, 30}).Valid() {
		t.Error("Feb 30 valid")
	}
	if _, err := json.Marshal(CivilDate{2026, 13, 1}); err == nil {
		t.Error("month 13 encoded")
	}
	// A date an answer leaves out survives a round trip as "".
	if b, err := json.Marshal(struct{ D CivilDate }{}); err != nil || string(b) != `{"D":""}` {
		t.Fatalf("zero date: %s %v", b, err)
	}
	var z struct{ D CivilDate }
	if err := json.Unmarshal([]byte(`{"D":""}`), &z); err != nil || !z.D.IsZero() {
		t.Fatalf("empty date: %+v %v", z, err)
	}
	var x CivilDate
	if err := json.Unmarshal([]byte(`"2015-06-23"`), &x); err != nil || x != (CivilDate{2015, 6, 23}) {
		t.Errorf("unmarshal = %v %v", x, err)
	}
	if !x.Time().Equal(time.Date(2015, 6, 22, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("Time = %v", x.Time())
	}
}

func TestDatacubeValidation(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	d1, d2 := CivilDate{2026, 1, 2}, CivilDate{2026, 1, 1}
	_, err := p.GetCardBizUinInfo(ctx, GetCardBizUinInfoRequest{BeginDate: d1, EndDate: d2})
	catWantInvalid(t, err, "GetCardBizUinInfo", "EndDate")
	_, err = p.GetCardBizUinInfo(ctx, GetCardBizUinInfoRequest{EndDate: d2})
	catWantInvalid(t, err, "GetCardBizUinInfo", "BeginDate")
	_, err = p.GetCardCardInfo(ctx, GetCardCardInfoRequest{BeginDate: d2, EndDate: d1, CondSource: 2})
	catWantInvalid(t, err, "GetCardCardInfo", "CondSource")
	_, err = p.GetMemberCardInfo(ctx, GetMemberCardInfoRequest{BeginDate: CivilDate{2026, 2, 30}, EndDate: d1})
	catWantInvalid(t, err, "GetMemberCardInfo", "BeginDate")
	_, err = p.GetMemberCardDetail(ctx, GetMemberCardDetailRequest{BeginDate: d2, EndDate: d1})
	catWantInvalid(t, err, "GetMemberCardDetail", "CardID")
	if s.CallCount("") != 0 {
		t.Errorf("%d calls reached the server", s.CallCount(""))
	}
}

func TestDatacube(t *testing.T) {
	clk := &catClock{t: time.Date(2026, 5, 10, 10, 0, 0, 0, card.Beijing())}
	p, s := newTestProvider(t, &wechattest.Options{Clock: clk.Now, AllowLegacyCoupons: true})
	ctx := context.Background()
	member := catCreate(t, p, nil)
	gift, err := p.CreateCard(ctx, CreateCardRequest{Card: CardDefinition{CardType: CardTypeGift, Gift: &GiftData{BaseInfo: catBase(), Gift: "咖啡"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"oCube0000000000000000000000001", "oCube0000000000000000000000002"} {
		if _, err := s.Claim(member, u, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Claim(gift.CardID, "oCube0000000000000000000000001", ""); err != nil {
		t.Fatal(err)
	}
	clk.Set(clk.Now().Add(24 * time.Hour)) // statistics are ready the next day
	day := CivilDate{2026, 5, 10}
	prev := CivilDate{2026, 5, 9}

	biz, err := p.GetCardBizUinInfo(ctx, GetCardBizUinInfoRequest{BeginDate: prev, EndDate: day, CondSource: CondSourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	if len(biz.List) != 2 || biz.List[1].RefDate != day || biz.List[1].ReceiveCnt != 3 || biz.List[1].ReceiveUser != 2 || biz.List[0].ReceiveCnt != 0 {
		t.Errorf("bizuin = %+v", biz.List)
	}

	ci, err := p.GetCardCardInfo(ctx, GetCardCardInfoRequest{BeginDate: day, EndDate: day, CondSource: CondSourceAPI, CardID: gift.CardID})
	if err != nil {
		t.Fatal(err)
	}
	if len(ci.List) != 1 || ci.List[0].CardID != gift.CardID || ci.List[0].CardType != 2 || ci.List[0].ReceiveCnt != 1 {
		t.Errorf("cardinfo = %+v", ci.List)
	}

	mi, err := p.GetMemberCardInfo(ctx, GetMemberCardInfoRequest{BeginDate: day, EndDate: day, CondSource: CondSourceAPI})
	if err != nil {
		t.Fatal(err)
	}
	if len(mi.List) != 1 || mi.List[0].ReceiveUser != 2 || mi.List[0].TotalUser != 2 {
		t.Errorf("member info = %+v", mi.List)
	}

	md, err := p.GetMemberCardDetail(ctx, GetMemberCardDetailRequest{BeginDate: day, EndDate: day, CardID: member})
	if err != nil {
		t.Fatal(err)
	}
	if len(md.List) != 1 || md.List[0].CardID != member || md.List[0].ReceiveCnt != 2 || md.List[0].MerchantType != 1 {
		t.Errorf("member detail = %+v", md.List)
	}

	// today's data is not ready: WeChat's own error comes back
	_, err = p.GetMemberCardInfo(ctx, GetMemberCardInfoRequest{BeginDate: DateOf(clk.Now()), EndDate: DateOf(clk.Now())})
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Code == "" {
		t.Errorf("today: %v", err)
	}
}

// TestMemberCardDetailSample decodes the official sample with its odd casing.
func TestMemberCardDetailSample(t *testing.T) {
	const sample = `{"list":[{"ref_date":"2016-07-06","merchanttype":2,"cardid":"p4WkzwieuDBzzn7Jed6SBO0-ZgaU","submerchantid":0,"view_cnt":2,"view_user":1,"receive_cnt":1,"receive_user":1,"verify_cnt":0,"verify_user":0,"active_cnt":1,"active_user":1,"total_user":249,"new_user":0,"payOriginalFee":1250,"fee":1000}]}`
	var r GetMemberCardDetailResponse
	if err := json.Unmarshal([]byte(sample), &r); err != nil {
		t.Fatal(err)
	}
	m := r.List[0]
	if m.RefDate != (CivilDate{2016, 7, 6}) || m.CardID != "p4WkzwieuDBzzn7Jed6SBO0-ZgaU" || m.MerchantType != 2 || m.ViewCnt != 2 ||
		m.TotalUser != 249 || m.PayOriginalFee != card.Fen(1250) || m.Fee != card.Yuan(10) {
		t.Errorf("decoded = %+v", m)
	}
}

// Dates for the statistics calls are Beijing calendar days.
func ExampleDateOf() {
	t := time.Date(2026, 3, 1, 20, 30, 0, 0, time.UTC) // already March 2nd in Beijing
	fmt.Println(DateOf(t))
	// Output: 2026-03-02
}
