package alipay_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
)

func TestTemplateMethods(t *testing.T) {
	s := newServer(t)
	p := newProvider(t, s, nil)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, card.Beijing())
	cr, err := p.TemplateCreate(ctx(t), alipay.TemplateCreateRequest{
		TemplateConfig: alipay.TemplateConfig{
			BizNoPrefix:    "wc",
			BizNoSuffixLen: 12,
			WriteOffType:   "dqrcode",
			TemplateStyleInfo: alipay.TemplateStyleInfo{CardShowName: "金卡", LogoID: "logo1", BackgroundID: "bg1",
				BgColor: "rgb(55,112,179)", FeatureDescriptions: []string{"全场九折"}},
			TemplateBenefitInfo: []alipay.TemplateBenefitInfo{{Title: "折扣", BenefitDesc: []string{"九折"}, StartDate: start, EndDate: start.AddDate(1, 0, 0)}},
			ColumnInfoList:      []alipay.TemplateColumnInfo{{Code: alipay.ColumnPoint, Title: "积分"}, {Code: "COLUMN_1", Title: "官网", OperateType: "openWeb", MoreInfo: &alipay.ColumnMoreInfo{URL: "https://example.com"}}},
			FieldRuleList:       []alipay.TemplateFieldRule{{FieldName: "Point", RuleName: "ASSIGN_FROM_REQUEST", RuleValue: "Point"}},
			CardActionList:      []alipay.TemplateActionInfo{{Code: "ACT_1", Text: "去看看", URLType: "url", URL: "https://example.com"}},
			CardLevelConf:       []alipay.TemplateCardLevelConf{{Level: "GOLD", LevelShowName: "金卡"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	q, err := p.TemplateQuery(ctx(t), alipay.TemplateQueryRequest{TemplateID: cr.TemplateID})
	if err != nil {
		t.Fatal(err)
	}
	if q.CardType != alipay.CardTypeOutMember || q.BizNoPrefix != "wc" || q.BizNoSuffixLen != 12 ||
		q.TemplateStyleInfo.CardShowName != "金卡" || len(q.CardLevelConfs) != 1 || q.CardLevelConfs[0].Level != "GOLD" ||
		len(q.ColumnInfoList) != 2 || len(q.TemplateBenefitInfo) != 1 || !q.TemplateBenefitInfo[0].StartDate.Equal(start) {
		t.Errorf("template.query = %+v", q)
	}
	// biz_card_no follows prefix and suffix length.
	uid, tok := member(s)
	open, err := p.CardOpen(ctx(t), alipay.CardOpenRequest{AuthToken: tok, CardTemplateID: cr.TemplateID,
		CardUserInfo: alipay.CardUserInfo{UserUniID: uid}, CardExtInfo: alipay.MerchantCard{ExternalCardNo: "x1", Level: "GOLD"}})
	if err != nil {
		t.Fatal(err)
	}
	if no := open.CardInfo.BizCardNo; !strings.HasPrefix(no, "wc") || len(no) != 14 {
		t.Errorf("biz_card_no = %q, want wc + 12 digits", no)
	}

	if _, err := p.TemplateModify(ctx(t), alipay.TemplateModifyRequest{TemplateID: cr.TemplateID,
		TemplateConfig: alipay.TemplateConfig{TemplateStyleInfo: alipay.TemplateStyleInfo{CardShowName: "白金卡"}}}); err != nil {
		t.Fatal(err)
	}
	q, err = p.TemplateQuery(ctx(t), alipay.TemplateQueryRequest{TemplateID: cr.TemplateID})
	if err != nil || q.TemplateStyleInfo.CardShowName != "白金卡" {
		t.Fatalf("after modify: %+v %v", q, err)
	}
	newTemplate(t, p)
	b, err := p.TemplateBatchQuery(ctx(t), alipay.TemplateBatchQueryRequest{PageSize: 1, PageNo: 2})
	if err != nil {
		t.Fatal(err)
	}
	if b.Total != 2 || len(b.Templates) != 1 || b.Templates[0].TemplateID == cr.TemplateID || b.Templates[0].TemplateID == "" {
		t.Errorf("batchquery = %+v", b)
	}
	_, err = p.TemplateQuery(ctx(t), alipay.TemplateQueryRequest{TemplateID: "20990101000000000000000000000000"})
	if !errors.Is(err, card.ErrNotFound) {
		t.Errorf("missing template: %v", err)
	}
	// Validation happens before the wire.
	before := s.CallCount("")
	_, err = p.TemplateCreate(ctx(t), alipay.TemplateCreateRequest{TemplateConfig: alipay.TemplateConfig{BizNoSuffixLen: 40,
		TemplateStyleInfo: alipay.TemplateStyleInfo{CardShowName: "x"}}})
	if !errors.Is(err, card.ErrInvalidArgument) || s.CallCount("") != before {
		t.Errorf("bad suffix len: %v", err)
	}
}

// TestActivationFormFlow runs template.create → formtemplate.set →
// activateurl.apply → the user submits → callback parsing → oauth.token →
// activateform.query → card.open.
func TestActivationFormFlow(t *testing.T) {
	s := newServer(t)
	p := newProvider(t, s, nil)
	cr, err := p.TemplateCreate(ctx(t), alipay.TemplateCreateRequest{TemplateConfig: alipay.TemplateConfig{
		BizNoSuffixLen: 10, TemplateStyleInfo: alipay.TemplateStyleInfo{CardShowName: "表单卡"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.FormTemplateSet(ctx(t), alipay.FormTemplateSetRequest{TemplateID: cr.TemplateID,
		Required: []string{alipay.FormFieldMobile, alipay.FormFieldName}, Optional: []string{alipay.FormFieldBirthday}}); err != nil {
		t.Fatal(err)
	}
	link, err := p.ActivateURLApply(ctx(t), alipay.ActivateURLApplyRequest{TemplateID: cr.TemplateID,
		OutString: "poster-7", Callback: "https://merchant.example/card/callback"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(link.ApplyCardURL, "template_id="+cr.TemplateID) || link.RawApplyCardURL == link.ApplyCardURL {
		t.Errorf("apply link = %+v", link)
	}
	uid := s.NewUser()
	q, err := s.SubmitActivationForm(cr.TemplateID, uid, map[string]string{
		alipay.FormFieldMobile: "13552319194", alipay.FormFieldName: "李飞", alipay.FormFieldBirthday: "1990-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	cb, err := alipay.ParseActivationCallbackURL("https://merchant.example/card/callback?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if cb.TemplateID != cr.TemplateID || cb.RequestID == "" || cb.OutString != "poster-7" || !cb.HasScope(alipay.ScopeECard) {
		t.Fatalf("callback = %+v", cb)
	}
	if err := p.CheckCallback(cb, ""); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(cb.String(), cb.AuthCode) {
		t.Error("callback String shows the auth code")
	}
	tok, err := p.ExchangeCode(ctx(t), cb.AuthCode)
	if err != nil {
		t.Fatal(err)
	}
	if tok.UserID != uid || tok.ExpiresIn != alipaytest.AccessTokenTTL || tok.AuthStart.IsZero() {
		t.Errorf("token = %v", tok)
	}
	form, err := p.ActivateFormQuery(ctx(t), alipay.ActivateFormQueryRequest{AuthToken: tok.AccessToken,
		TemplateID: cb.TemplateID, RequestID: cb.RequestID})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := form.Get(alipay.FormFieldName); v != "李飞" {
		t.Errorf("form = %+v", form)
	}
	if v, _ := form.Get(alipay.FormFieldMobile); v != "13552319194" {
		t.Errorf("form = %+v", form)
	}
	mobile, _ := form.Get(alipay.FormFieldMobile)
	name, _ := form.Get(alipay.FormFieldName)
	open, err := p.CardOpen(ctx(t), alipay.CardOpenRequest{AuthToken: tok.AccessToken, CardTemplateID: cb.TemplateID,
		CardUserInfo:  alipay.CardUserInfo{UserUniID: tok.UserID},
		CardExtInfo:   alipay.MerchantCard{ExternalCardNo: "F0001"},
		MemberExtInfo: &alipay.MemberExtInfo{Name: name, Cell: mobile}})
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := s.Card(open.CardInfo.BizCardNo); !ok || st.UserID != uid {
		t.Errorf("card = %+v", st)
	}
	// A code is single-use.
	if _, err := p.ExchangeCode(ctx(t), cb.AuthCode); !errors.Is(err, card.ErrUnauthenticated) {
		t.Errorf("second exchange: %v", err)
	}
}

// TestOAuthFlow follows the authorization page redirect with net/http,
// exchanges and refreshes the token and opens a card with it.
func TestOAuthFlow(t *testing.T) {
	s, p, tpl := setup(t)
	au, err := p.AuthorizeURL(alipay.AuthorizeRequest{RedirectURI: "https://merchant.example/oauth", State: "st8", Scopes: []string{alipay.ScopeUser, alipay.ScopeECard}})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(au)
	if got := u.Query().Get("scope"); got != "auth_ecard,auth_user" {
		t.Errorf("scope = %q", got)
	}
	if u.Query().Get("app_id") != s.AppID() || !strings.HasPrefix(au, s.AuthorizeURL()+"?") {
		t.Errorf("authorize url = %s", au)
	}
	// Without extra scopes the URL still asks for auth_ecard.
	plain, _ := p.AuthorizeURL(alipay.AuthorizeRequest{RedirectURI: "https://merchant.example/oauth"})
	if pu, _ := url.Parse(plain); pu.Query().Get("scope") != alipay.ScopeECard {
		t.Errorf("plain authorize url %s", plain)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(au)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cb, err := alipay.ParseActivationCallbackURL(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("redirect %q: %v", resp.Header.Get("Location"), err)
	}
	if err := p.CheckCallback(cb, "st8"); err != nil {
		t.Fatal(err)
	}
	if err := p.CheckCallback(cb, "other"); !errors.Is(err, card.ErrInvalidArgument) {
		t.Errorf("state mismatch: %v", err)
	}
	tok, err := p.ExchangeCode(ctx(t), cb.AuthCode)
	if err != nil {
		t.Fatal(err)
	}
	if tok.UserID != alipaytest.DemoUserID || tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("token %v", tok)
	}
	info, err := p.UserInfoShare(ctx(t), tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if info.UserID != tok.UserID {
		t.Errorf("user info %+v", info)
	}
	fresh, err := p.RefreshToken(ctx(t), tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.AccessToken == tok.AccessToken || fresh.UserID != tok.UserID {
		t.Errorf("refreshed %v", fresh)
	}
	if _, err := p.RefreshToken(ctx(t), tok.RefreshToken); !errors.Is(err, card.ErrUnauthenticated) {
		t.Errorf("reused refresh token: %v", err)
	}
	c, err := p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "O1", Holder: fresh.UserID, AuthToken: fresh.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Card(c.Ref.CardNo); st.UserID != alipaytest.DemoUserID {
		t.Errorf("card holder %q", st.UserID)
	}
}

// TestTokenWithoutECardScope: a token of another scope is rejected as
// unauthenticated, and the error tells where a valid token comes from.
func TestTokenWithoutECardScope(t *testing.T) {
	s, p, tpl := setup(t)
	uid := s.NewUser()
	tok := s.IssueToken(uid, alipay.ScopeBase)
	_, err := p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "E", Holder: uid, AuthToken: tok})
	if !errors.Is(err, card.ErrUnauthenticated) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"auth_ecard", "alipay.system.oauth.token", "aop.invalid-auth-token"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	if ae := sdkError(t, err); ae.Code != "20001" {
		t.Errorf("vendor error %+v", ae)
	}
	// A token of another user is USER_AUTH_FAIL, also unauthenticated.
	_, other := member(s)
	_, err = p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "E", Holder: uid, AuthToken: other})
	if !errors.Is(err, card.ErrUnauthenticated) || !strings.Contains(err.Error(), "USER_AUTH_FAIL") || !strings.Contains(err.Error(), "auth_ecard") {
		t.Errorf("other user's token: %v", err)
	}
}

func TestConsumeAndMessage(t *testing.T) {
	s, p, tpl := setup(t)
	c := openCard(t, s, p, tpl)
	when := time.Date(2026, 5, 1, 12, 0, 0, 0, card.Beijing())
	amt, paid := card.Money(12888), card.Money(10000)
	res, err := p.ConsumeSync(ctx(t), alipay.ConsumeSyncRequest{TargetCardNo: c.Ref.CardNo, TradeType: alipay.TradeTrade,
		TradeNo: "2026050122001", TradeTime: when, TradeName: "咖啡", TradeAmount: &amt, ActPayAmount: &paid,
		GainBenefitList: []alipay.BenefitInfoDetail{{BenefitType: "POINT", Amount: "10"}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExternalCardNo != c.ExternalNo {
		t.Errorf("consume.sync external_card_no = %q, want %q", res.ExternalCardNo, c.ExternalNo)
	}
	cons := s.Consumptions(c.Ref.CardNo)
	if len(cons) != 1 || cons[0].TradeAmount != "128.88" || cons[0].ActPayAmount != "100.00" || !cons[0].TradeTime.Equal(when) {
		t.Errorf("consumptions = %+v", cons)
	}
	exp := card.WholePoints(30)
	if _, err := p.MessageNotify(ctx(t), alipay.MessageNotifyRequest{TargetCardNo: c.Ref.CardNo, NotifyNo: "n-1",
		NotifyInfo: &alipay.NotifyInfo{ExpiredPoint: &exp, ExpiredTime: when}}); err != nil {
		t.Fatal(err)
	}
	msgs := s.Messages(c.Ref.CardNo)
	if len(msgs) != 1 || msgs[0].NotifyNo != "n-1" || msgs[0].NotifyType != alipay.NotifyTypePointRemind || msgs[0].Info["expired_point"] != "30" {
		t.Errorf("messages = %+v", msgs)
	}
}

func TestBenefits(t *testing.T) {
	_, p, tpl := setup(t)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, card.Beijing())
	cr, err := p.BenefitCreate(ctx(t), alipay.BenefitCreateRequest{Benefit: alipay.Benefit{TemplateID: tpl, Title: "生日礼",
		BenefitDesc: []string{"生日当天双倍积分"}, StartDate: start, EndDate: start.AddDate(1, 0, 0), ExtInfo: `{"openUrl":"https://example.com"}`}})
	if err != nil {
		t.Fatal(err)
	}
	q, err := p.BenefitQuery(ctx(t), alipay.BenefitQueryRequest{TemplateID: tpl})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Benefits) != 1 || q.Benefits[0].BenefitID != cr.BenefitID || q.Benefits[0].Title != "生日礼" || !q.Benefits[0].StartDate.Equal(start) {
		t.Fatalf("benefit.query = %+v", q)
	}
	m, err := p.BenefitModify(ctx(t), alipay.BenefitModifyRequest{BenefitID: cr.BenefitID, Benefit: alipay.Benefit{TemplateID: tpl, Title: "生日大礼", BenefitDesc: []string{"三倍积分"}, StartDate: start, EndDate: start.AddDate(2, 0, 0)}})
	if err != nil || !m.Result {
		t.Fatalf("modify %+v %v", m, err)
	}
	q, _ = p.BenefitQuery(ctx(t), alipay.BenefitQueryRequest{BenefitID: cr.BenefitID, TemplateID: tpl})
	if len(q.Benefits) != 1 || q.Benefits[0].Title != "生日大礼" {
		t.Errorf("after modify %+v", q)
	}
	d, err := p.BenefitDelete(ctx(t), alipay.BenefitDeleteRequest{TemplateID: tpl, BenefitID: cr.BenefitID})
	if err != nil || !d.Result {
		t.Fatalf("delete %+v %v", d, err)
	}
	if _, err := p.BenefitDelete(ctx(t), alipay.BenefitDeleteRequest{TemplateID: tpl, BenefitID: cr.BenefitID}); !errors.Is(err, card.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func TestImageUpload(t *testing.T) {
	s := newServer(t)
	p := newProvider(t, s, nil)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
	res, err := p.ImageUpload(ctx(t), alipay.ImageUploadRequest{ImageType: "png", ImageName: "logo.png", Content: png})
	if err != nil {
		t.Fatal(err)
	}
	got, ok := s.Image(res.ImageID)
	if !ok || !bytes.Equal(got, png) || res.ImageURL == "" {
		t.Errorf("stored image %v %d bytes, url %q", ok, len(got), res.ImageURL)
	}
	before := s.CallCount("")
	_, err = p.ImageUpload(ctx(t), alipay.ImageUploadRequest{ImageType: "png", ImageName: "big.png", Content: make([]byte, alipay.MaxImageSize+1)})
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Field != "Content" || s.CallCount("") != before {
		t.Errorf("oversized image: %v", err)
	}
}

// TestOpenByOpenID: a Holder that is not a 2088… user id is sent as
// card_user_info.open_id. The token's open_id (as oauth.token returns it)
// opens the card for that user, and a foreign open_id is refused by the
// gateway without a card.
func TestOpenByOpenID(t *testing.T) {
	s, p, tpl := setup(t)
	uid := s.NewUser()
	tok, err := p.ExchangeCode(ctx(t), s.Authorize(uid, alipay.ScopeECard))
	if err != nil {
		t.Fatal(err)
	}
	oid, _ := s.OpenID(uid)
	if tok.OpenID != oid || oid == "" {
		t.Fatalf("token open_id %q, want %q", tok.OpenID, oid)
	}
	other, _ := s.OpenID(alipaytest.DemoUserID)
	_, err = p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "OID0", Holder: other, AuthToken: tok.AccessToken})
	if !errors.Is(err, card.ErrUnauthenticated) || s.CardCount() != 0 {
		t.Fatalf("open for another user's open_id: %v (cards %d)", err, s.CardCount())
	}
	c, err := p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "OID1", Holder: tok.OpenID, AuthToken: tok.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := s.Card(c.Ref.CardNo); !ok || st.UserID != uid || st.ExternalCardNo != "OID1" {
		t.Fatalf("card %+v, want holder %s", st, uid)
	}
	if c.Holder != tok.OpenID {
		t.Errorf("Holder %q, want the open_id", c.Holder)
	}
	// The same member by user id already holds a card of this template.
	_, err = p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "OID2", Holder: uid, AuthToken: tok.AccessToken})
	if !errors.Is(err, card.ErrAlreadyExists) {
		t.Fatalf("second card by user id: %v", err)
	}
	// card.query filtered by open_id finds the card.
	res, err := p.CardQuery(ctx(t), alipay.CardQueryRequest{TargetCardNo: c.Ref.CardNo, CardUserInfo: &alipay.CardUserInfo{OpenID: tok.OpenID}})
	if err != nil || res.CardInfo.BizCardNo != c.Ref.CardNo {
		t.Fatalf("query by open_id: %+v %v", res, err)
	}
}
