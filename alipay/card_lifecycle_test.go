package alipay_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	alipaysdk "github.com/smartwalle/alipay/v3"
	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// TestCardLifecycle drives open → query → update → delete through the typed
// methods and checks the gateway's state after each step, so a broken wire
// format (field names, number or time formats) fails here.
func TestCardLifecycle(t *testing.T) {
	s, p, tpl := setup(t)
	uid, tok := member(s)
	pts, bal := card.Points(8850), card.Money(1234)
	valid := time.Date(2030, 1, 2, 3, 4, 5, 0, card.Beijing())
	open, err := p.CardOpen(ctx(t), alipay.CardOpenRequest{
		AuthToken:      tok,
		CardTemplateID: tpl,
		CardUserInfo:   alipay.CardUserInfo{UserUniID: uid},
		CardExtInfo: alipay.MerchantCard{ExternalCardNo: "M001", Level: "VIP1", Point: &pts, Balance: &bal,
			ValidDate: valid},
		MemberExtInfo:     &alipay.MemberExtInfo{Name: "张三", Gender: "MALE", Birth: "1990-01-01", Cell: "13800000000"},
		OpenCardChannel:   "QR",
		OpenCardChannelID: "shop_1",
	})
	if err != nil {
		t.Fatal(err)
	}
	no := open.CardInfo.BizCardNo
	if no == "" || open.OutSerialNo == "" || open.OpenCardChannel != "QR" || open.OpenCardChannelID != "shop_1" {
		t.Fatalf("open = %+v", open)
	}
	if open.CardInfo.Point == nil || *open.CardInfo.Point != pts || open.CardInfo.Balance == nil || *open.CardInfo.Balance != bal {
		t.Errorf("open card_info point/balance = %v/%v, want %v/%v", open.CardInfo.Point, open.CardInfo.Balance, pts, bal)
	}
	if !open.CardInfo.ValidDate.Equal(valid) {
		t.Errorf("valid_date = %v, want %v", open.CardInfo.ValidDate, valid)
	}
	st, ok := s.Card(no)
	if !ok || st.UserID != uid || st.Point != "88.5" || st.Balance != "12.34" || st.ExternalCardNo != "M001" || st.Level != "VIP1" {
		t.Fatalf("gateway card = %+v", st)
	}
	if m := st.Member; m["name"] != "张三" || m["gende"] != "MALE" || m["birth"] != "1990-01-01" || m["cell"] != "13800000000" {
		t.Errorf("gateway member_ext_info = %v", m)
	}

	q, err := p.CardQuery(ctx(t), alipay.CardQueryRequest{TargetCardNo: no})
	if err != nil {
		t.Fatal(err)
	}
	if q.CardInfo.BizCardNo != no || q.SchemaURL == "" || q.PassID == "" || !strings.Contains(q.SchemaURL, q.PassID) {
		t.Errorf("query = %+v", q)
	}
	if *q.CardInfo.Point != pts || *q.CardInfo.Balance != bal || q.CardInfo.ExternalCardNo != "M001" {
		t.Errorf("query card_info = %+v", q.CardInfo)
	}

	// Update: absolute values, front text, mdcode and a message.
	newPts, newBal, change := card.Points(100), card.Money(5), card.Points(-8750)
	_, err = p.CardUpdate(ctx(t), alipay.CardUpdateRequest{
		TargetCardNo: no,
		CardInfo: alipay.MerchantCard{Level: "VIP2", Point: &newPts, Balance: &newBal, FrontImageID: "face1",
			FrontTextList: []alipay.FrontText{{Label: "积分", Value: "1"}},
			MdCodeInfo:    &alipay.MdCodeInfo{CodeStatus: "SUCCESS", CodeValue: "123456", ExpireTime: time.Now().Add(time.Minute), TimeStamp: time.Now().Unix()}},
		MerchantCardMsgInfo: &alipay.MerchantCardMsgInfo{ChangedPoint: &change},
	})
	if err != nil {
		t.Fatal(err)
	}
	st, _ = s.Card(no)
	if st.Point != "1" || st.Balance != "0.05" || st.Level != "VIP2" {
		t.Errorf("after update gateway card = %+v", st)
	}
	if st.FrontImageID != "face1" || len(st.FrontText) != 1 || st.FrontText[0] != (alipaytest.FrontText{Label: "积分", Value: "1"}) ||
		st.MdCodeStatus != "SUCCESS" || st.MdCodeValue != "123456" {
		t.Errorf("after update gateway card face = %+v", st)
	}

	// Template switch.
	tpl2 := newTemplate(t, p)
	if _, err := p.CardUpdate(ctx(t), alipay.CardUpdateRequest{TargetCardNo: no, CardInfo: alipay.MerchantCard{TemplateID: tpl2}}); err != nil {
		t.Fatal(err)
	}
	if st, _ = s.Card(no); st.TemplateID != tpl2 {
		t.Errorf("template switch: gateway template = %q, want %q", st.TemplateID, tpl2)
	}

	del, err := p.CardDelete(ctx(t), alipay.CardDeleteRequest{TargetCardNo: no, ReasonCode: alipay.ReasonPresent,
		ExtInfo: &alipay.DeleteExtInfo{NewCardNo: "12345", DoneeUserID: "2088102130652460"}})
	if err != nil {
		t.Fatal(err)
	}
	if del.BizSerialNo == "" {
		t.Error("delete: biz_serial_no is empty")
	}
	if st, _ = s.Card(no); !st.Deleted || st.DeleteReason != alipay.ReasonPresent ||
		st.DeleteExtInfo["new_card_no"] != "12345" || st.DeleteExtInfo["donee_user_id"] != "2088102130652460" {
		t.Errorf("after delete gateway card = %+v", st)
	}
	_, err = p.CardQuery(ctx(t), alipay.CardQueryRequest{TargetCardNo: no})
	if !errors.Is(err, card.ErrNotFound) {
		t.Fatalf("query after delete: %v, want not found", err)
	}
	if ae := sdkError(t, err); ae.SubCode != "CARD_NOT_EXIT" || ae.Code != "40004" {
		t.Errorf("vendor error = %+v", ae)
	}
}

func TestNeutralMemberCard(t *testing.T) {
	s, p, tpl := setup(t)
	c := openCard(t, s, p, tpl)
	if c.Ref.Provider != "alipay" || c.Ref.TemplateID != tpl || c.Status != card.StatusActive || c.Points != card.WholePoints(10) || c.Balance != card.Yuan(5) || c.Level != "VIP1" {
		t.Fatalf("opened %+v", c)
	}
	up, err := p.Update(ctx(t), card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.Points(1050)), Note: "奖励"})
	if err != nil {
		t.Fatal(err)
	}
	if up.Points != 1050 || up.Balance != card.Yuan(5) || up.Level != "VIP1" {
		t.Errorf("after update %+v", up)
	}
	link, err := p.ClaimLink(ctx(t), card.ClaimLinkRequest{TemplateID: tpl, Channel: "poster"})
	if err != nil {
		t.Fatal(err)
	}
	// apply_card_url comes URL-encoded; the link is decoded.
	if !strings.HasPrefix(link.URL, "http://") || !strings.Contains(link.URL, "out_string=poster") || link.TemplateID != tpl {
		t.Errorf("claim link %+v", link)
	}
	withCallback := newProvider(t, s, func(o *alipay.Options) { o.ClaimCallbackURL = "https://shop.example/card/done" })
	link, err = withCallback.ClaimLink(ctx(t), card.ClaimLinkRequest{TemplateID: tpl})
	if err != nil || !strings.Contains(link.URL, "callback=https") {
		t.Errorf("claim link with callback %+v %v", link, err)
	}
	if _, err := alipay.New(mustClient(t, s), &alipay.Options{ClaimCallbackURL: "https://shop.example/cb?x=1"}); !errors.Is(err, card.ErrInvalidArgument) {
		t.Errorf("callback with a query accepted: %v", err)
	}
	gt, err := p.GetTemplate(ctx(t), "", tpl)
	if err != nil || gt.Title != "测试会员卡" || gt.Status != card.TemplateApproved {
		t.Fatalf("GetTemplate = %+v, %v", gt, err)
	}
	if err := p.Delete(ctx(t), card.DeleteRequest{Ref: c.Ref, Reason: card.ReasonUserUnbound}); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Card(c.Ref.CardNo); st.DeleteReason != "USER_UNBUND" {
		t.Errorf("delete reason on the wire = %q", st.DeleteReason)
	}
	if _, err := p.Get(ctx(t), c.Ref); !errors.Is(err, card.ErrNotFound) {
		t.Errorf("Get after delete: %v", err)
	}
}

func TestOpenRequiresAuthTokenAndHolder(t *testing.T) {
	s := newServer(t)
	p := newProvider(t, s, nil)
	uid, tok := member(s)
	for _, tc := range []struct {
		field string
		req   card.OpenRequest
	}{
		{"AuthToken", card.OpenRequest{TemplateID: "t1", ExternalNo: "e", Holder: uid}},
		{"Holder", card.OpenRequest{TemplateID: "t1", ExternalNo: "e", AuthToken: tok}},
	} {
		_, err := p.Open(ctx(t), tc.req)
		var ce *card.Error
		if !errors.Is(err, card.ErrInvalidArgument) || !errors.As(err, &ce) || ce.Field != tc.field || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("missing %s: %v", tc.field, err)
		}
	}
	if n := s.CallCount(""); n != 0 {
		t.Errorf("%d calls reached the gateway", n)
	}
}

func TestAs(t *testing.T) {
	s := newServer(t)
	p := newProvider(t, s, nil)
	var c *alipaysdk.Client
	if !p.As(&c) || c == nil {
		t.Fatal("As(**alipaysdk.Client) failed")
	}
	var pp *alipay.Provider
	if !p.As(&pp) || pp != p {
		t.Error("As(**Provider) failed")
	}
	if p.As(nil) {
		t.Error("As(nil) = true")
	}
	var s2 *string
	if p.As(&s2) {
		t.Error("As(**string) = true")
	}
}
