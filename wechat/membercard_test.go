package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat/wechattest"
)

var testSpec = card.TemplateSpec{
	Title: "会员卡", BrandName: "测试商户", LogoURL: "https://mmbiz.qpic.cn/logo.png",
	Points: true, Balance: true, Levels: []string{"金卡", "银卡"}, Stock: 1000,
}

// newCardID creates an approved member card on s through CreateTemplate.
func newCardID(t testing.TB, p *Provider) string {
	t.Helper()
	tpl, err := p.CreateTemplate(context.Background(), testSpec)
	if err != nil {
		t.Fatal(err)
	}
	return tpl.ID
}

func claim(t testing.TB, s *wechattest.Server, cardID, openid string) string {
	t.Helper()
	code, err := s.Claim(cardID, openid, "")
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func member(t testing.TB, s *wechattest.Server, cardID, code string) wechattest.Member {
	t.Helper()
	m, ok := s.Member(cardID, code)
	if !ok {
		t.Fatalf("no member %s/%s", cardID, code)
	}
	return m
}

func TestActivateMemberCard(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := newCardID(t, p)
	code := claim(t, s, id, "oUSER1")
	end := time.Now().Add(48 * time.Hour).Unix()
	err := p.ActivateMemberCard(ctx, ActivateMemberCardRequest{
		MembershipNumber: "M-0001", Code: code, CardID: id, ActivateEndTime: end,
		InitBonus: card.Ptr(int64(10)), InitBonusRecord: "开卡赠送", InitBalance: card.Ptr(int64(500)), InitCustomFieldValue1: "金卡",
	})
	if err != nil {
		t.Fatal(err)
	}
	m := member(t, s, id, code)
	if !m.Activated || m.MembershipNumber != "M-0001" || m.Bonus != 10 || m.Balance != 500 || m.CustomFieldValues[0] != "金卡" || m.EndTime != end {
		t.Fatalf("member after activate: %+v", m)
	}
	info, err := p.GetMemberUserInfo(ctx, GetMemberUserInfoRequest{CardID: id, Code: code})
	if err != nil {
		t.Fatal(err)
	}
	if info.OpenID != "oUSER1" || info.MembershipNumber != "M-0001" || info.Bonus != 10 || info.Balance != 500 || !bool(info.HasActive) || info.UserCardStatus != "NORMAL" {
		t.Fatalf("userinfo: %+v", info)
	}
}

func TestMemberCardValidation(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	long := strings.Repeat("积", 15)
	for _, tc := range []struct {
		field string
		req   validatable
	}{
		{"MembershipNumber", ActivateMemberCardRequest{Code: "1"}},
		{"Code", ActivateMemberCardRequest{MembershipNumber: "1"}},
		{"InitBonusRecord", ActivateMemberCardRequest{MembershipNumber: "1", Code: "1", InitBonusRecord: long}},
		{"InitCustomFieldValue2", ActivateMemberCardRequest{MembershipNumber: "1", Code: "1", InitCustomFieldValue2: "钻石会员卡"}},
		{"ActivateEndTime", ActivateMemberCardRequest{MembershipNumber: "1", Code: "1", ActivateBeginTime: 10, ActivateEndTime: 5}},
		{"RecordBonus", UpdateMemberUserRequest{Code: "1", CardID: "c", Bonus: card.Ptr(int64(1)), RecordBonus: long}},
		{"RecordBalance", UpdateMemberUserRequest{Code: "1", CardID: "c", AddBalance: card.Ptr(int64(1)), RecordBalance: long}},
		{"CustomFieldValue3", UpdateMemberUserRequest{Code: "1", CardID: "c", CustomFieldValue3: card.Ptr("0123456789abc")}},
		{"Bonus", UpdateMemberUserRequest{Code: "1", CardID: "c"}},
		{"Balance", UpdateMemberUserRequest{Code: "1", CardID: "c", Balance: card.Ptr(int64(-1))}},
		{"CardID", GetMemberUserInfoRequest{Code: "1"}},
		{"RequiredForm.CommonFieldIDList", SetActivateUserFormRequest{CardID: "c", RequiredForm: &UserForm{CommonFieldIDList: []string{"USER_FORM_INFO_FLAG_SHOE_SIZE"}}}},
		{"ActivateTicket", GetActivateTempInfoRequest{}},
		{"CardID", GetActivateURLRequest{}},
		{"EncryptCode", DecryptCodeRequest{}},
		{"Code", ConsumeCodeRequest{}},
		{"Code", GetCodeRequest{}},
		{"Code", UnavailableCodeRequest{}},
	} {
		op, err := sendTyped(ctx, p, tc.req)
		catWantInvalid(t, err, op, tc.field)
	}
	if n := s.CallCount(""); n != 0 {
		t.Fatalf("%d requests reached the server", n)
	}
}

func TestUpdateMemberUser(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := newCardID(t, p)
	code := claim(t, s, id, "oUSER2")
	if err := p.ActivateMemberCard(ctx, ActivateMemberCardRequest{MembershipNumber: "M2", Code: code, CardID: id, InitBalance: card.Ptr(int64(500))}); err != nil {
		t.Fatal(err)
	}
	// Absolute bonus wins over add_bonus; a balance delta applies.
	out, err := p.UpdateMemberUser(ctx, UpdateMemberUserRequest{
		Code: code, CardID: id, Bonus: card.Ptr(int64(100)), AddBonus: card.Ptr(int64(5)), RecordBonus: "消费30元获得3积分",
		AddBalance: card.Ptr(int64(-200)), RecordBalance: "购买咖啡", CustomFieldValue2: card.Ptr("VIP"),
		NotifyOptional: &NotifyOptional{IsNotifyBonus: card.Ptr(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.ResultBonus != 100 || out.ResultBalance != 300 || out.OpenID != "oUSER2" {
		t.Fatalf("updateuser answer %+v", out)
	}
	m := member(t, s, id, code)
	if m.Bonus != 100 || m.Balance != 300 || m.CustomFieldValues[1] != "VIP" {
		t.Fatalf("member %+v", m)
	}
}

func TestActivationFormFlow(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := newCardID(t, p)
	err := p.SetActivateUserForm(ctx, SetActivateUserFormRequest{
		CardID:       id,
		RequiredForm: &UserForm{CanModify: false, CommonFieldIDList: []string{"USER_FORM_INFO_FLAG_MOBILE"}, CustomFieldList: []string{"兴趣"}},
		OptionalForm: &UserForm{RichFieldList: []RichField{{Type: "FORM_FIELD_RADIO", Name: "性别", Values: []string{"男", "女"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	code := claim(t, s, id, "oUSER3")
	ticket, err := s.SubmitMemberForm(id, code, "oUSER3", map[string]string{"USER_FORM_INFO_FLAG_MOBILE": "13800000000", "兴趣": "钢琴"})
	if err != nil {
		t.Fatal(err)
	}
	info, err := p.GetActivateTempInfo(ctx, GetActivateTempInfoRequest{ActivateTicket: ticket})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range append(info.Info.CommonFieldList, info.Info.CustomFieldList...) {
		got[f.Name] = f.Value
	}
	if got["USER_FORM_INFO_FLAG_MOBILE"] != "13800000000" || got["兴趣"] != "钢琴" {
		t.Fatalf("temp info %+v", info)
	}
	u, err := p.GetActivateURL(ctx, GetActivateURLRequest{CardID: id, OuterStr: "web"})
	if err != nil || !strings.HasPrefix(u.URL, "http") {
		t.Fatalf("activate url %+v %v", u, err)
	}
}

func TestCodes(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := newCardID(t, p)
	code := claim(t, s, id, "oUSER4")
	g, err := p.GetCode(ctx, GetCodeRequest{Code: code, CardID: id})
	if err != nil {
		t.Fatal(err)
	}
	if g.OpenID != "oUSER4" || g.Card.CardID != id || g.UserCardStatus != "NORMAL" || !bool(g.CanConsume) {
		t.Fatalf("code/get %+v", g)
	}
	d, err := p.DecryptCode(ctx, DecryptCodeRequest{EncryptCode: s.EncryptCode(id, code)})
	if err != nil || d.Code != code {
		t.Fatalf("decrypt: %+v %v", d, err)
	}
	if _, err := p.DecryptCode(ctx, DecryptCodeRequest{EncryptCode: "not-an-encrypt-code"}); !errors.Is(err, card.ErrInvalidArgument) {
		t.Fatalf("bad encrypt_code: %v", err)
	}
	c, err := p.ConsumeCode(ctx, ConsumeCodeRequest{Code: code, CardID: id})
	if err != nil || c.OpenID != "oUSER4" || c.Card.CardID != id {
		t.Fatalf("consume: %+v %v", c, err)
	}
	if m := member(t, s, id, code); m.Status != "CONSUMED" {
		t.Fatalf("status after consume %q", m.Status)
	}
	if _, err := p.ConsumeCode(ctx, ConsumeCodeRequest{Code: code, CardID: id}); !errors.Is(err, card.ErrConflict) {
		t.Fatalf("second consume: %v", err)
	}
	if _, err := p.GetCode(ctx, GetCodeRequest{Code: code, CardID: id}); !errors.Is(err, card.ErrConflict) {
		t.Fatalf("code/get consumed with check_consume: %v", err)
	}
	g, err = p.GetCode(ctx, GetCodeRequest{Code: code, CardID: id, CheckConsume: card.Ptr(false)})
	if err != nil || g.UserCardStatus != "CONSUMED" || bool(g.CanConsume) {
		t.Fatalf("code/get check_consume=false: %+v %v", g, err)
	}
	if _, err := p.GetCode(ctx, GetCodeRequest{Code: "000000000000"}); !errors.Is(err, card.ErrNotFound) {
		t.Fatalf("unknown code: %v", err)
	}

	code2 := claim(t, s, id, "oUSER5")
	if err := p.UnavailableCode(ctx, UnavailableCodeRequest{Code: code2, CardID: id, Reason: "closed"}); err != nil {
		t.Fatal(err)
	}
	if m := member(t, s, id, code2); m.Status != "UNAVAILABLE" {
		t.Fatalf("status after unavailable %q", m.Status)
	}
	if _, err := p.GetCode(ctx, GetCodeRequest{Code: code2, CardID: id}); !errors.Is(err, card.ErrNotFound) {
		t.Fatalf("code/get unavailable: %v", err)
	}
}

func TestFlexBoolAndUserInfoDecoding(t *testing.T) {
	var g GetCodeResponse
	for in, want := range map[string]bool{`{"can_consume":true}`: true, `{"can_consume":"true"}`: true, `{"can_consume":0}`: false, `{"can_consume":"false"}`: false} {
		g = GetCodeResponse{CanConsume: !FlexBool(want)}
		if err := json.Unmarshal([]byte(in), &g); err != nil || bool(g.CanConsume) != want {
			t.Errorf("%s: %v %v", in, g.CanConsume, err)
		}
	}
	if err := json.Unmarshal([]byte(`{"can_consume":"yes"}`), &g); err == nil {
		t.Error("can_consume \"yes\" accepted")
	}
	// Reference §6 sample of userinfo/get.
	var info MemberUserInfo
	sample := `{"errcode":0,"errmsg":"ok","openid":"obLatjjwDolFj******wNqRXw","nickname":"*******","membership_number":"658*****445","bonus":995,"sex":"MALE","user_info":{"common_field_list":[{"name":"USER_FORM_INFO_FLAG_MOBILE","value":"15*****518"}],"custom_field_list":[{"name":"职业","value":"","value_list":["赛车手","旅行家"]}]},"user_card_status":"NORMAL","has_active":false}`
	if err := json.Unmarshal([]byte(sample), &info); err != nil || info.Bonus != 995 || info.Sex != "MALE" || bool(info.HasActive) ||
		len(info.UserInfo.CustomFieldList) != 1 || info.UserInfo.CustomFieldList[0].ValueList[1] != "旅行家" {
		t.Fatalf("%+v %v", info, err)
	}
}

// TestNotifyOptionalWire: only the notification flags that are set are sent,
// so a partly filled NotifyOptional does not send the others as false.
func TestNotifyOptionalWire(t *testing.T) {
	b, err := json.Marshal(UpdateMemberUserRequest{Code: "c", CardID: "x", Bonus: new(int64), NotifyOptional: &NotifyOptional{IsNotifyBonus: card.Ptr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `"notify_optional":{"is_notify_bonus":true}`; !strings.Contains(string(b), want) {
		t.Fatalf("wire %s, want %s", b, want)
	}
	b, err = json.Marshal(GeneralCardUpdateUserRequest{Code: "c", CardID: "x", NotifyOptional: &GeneralCardNotify{IsNotifyBalance: card.Ptr(false)}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `"notify_optional":{"is_notify_balance":false}`; !strings.Contains(string(b), want) {
		t.Fatalf("wire %s, want %s", b, want)
	}
}
