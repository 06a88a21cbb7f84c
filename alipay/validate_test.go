package alipay_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
)

// TestValidationSendsNothing: every typed method rejects a request that
// breaks a documented rule with ErrInvalidArgument naming the field, and
// nothing reaches the gateway.
func TestValidationSendsNothing(t *testing.T) {
	s := newServer(t)
	p := newProvider(t, s, nil)
	c := ctx(t)
	neg := card.Points(-1)
	long := func(n int) string { return strings.Repeat("x", n) }
	okOpen := alipay.CardOpenRequest{AuthToken: "tok", CardTemplateID: "t", CardUserInfo: alipay.CardUserInfo{UserUniID: "2088000000000009"},
		CardExtInfo: alipay.MerchantCard{ExternalCardNo: "e"}}
	withOpen := func(f func(*alipay.CardOpenRequest)) error {
		r := okOpen
		f(&r)
		_, err := p.CardOpen(c, r)
		return err
	}
	style := alipay.TemplateStyleInfo{CardShowName: "x"}
	for _, tc := range []struct {
		field string
		err   error
	}{
		{"AuthToken", withOpen(func(r *alipay.CardOpenRequest) { r.AuthToken = "" })},
		{"AuthToken", withOpen(func(r *alipay.CardOpenRequest) { r.AuthToken = long(41) })},
		{"OutSerialNo", withOpen(func(r *alipay.CardOpenRequest) { r.OutSerialNo = long(65) })},
		{"CardTemplateID", withOpen(func(r *alipay.CardOpenRequest) { r.CardTemplateID = long(33) })},
		{"CardUserInfo.UserUniID", withOpen(func(r *alipay.CardOpenRequest) { r.CardUserInfo = alipay.CardUserInfo{} })},
		{"CardExtInfo.ExternalCardNo", withOpen(func(r *alipay.CardOpenRequest) { r.CardExtInfo.ExternalCardNo = "" })},
		{"CardExtInfo.BizCardNo", withOpen(func(r *alipay.CardOpenRequest) { r.CardExtInfo.BizCardNo = "1" })},
		{"CardExtInfo.Point", withOpen(func(r *alipay.CardOpenRequest) { r.CardExtInfo.Point = &neg })},
		{"CardExtInfo.FrontTextList", withOpen(func(r *alipay.CardOpenRequest) { r.CardExtInfo.FrontTextList = make([]alipay.FrontText, 5) })},
		{"MemberExtInfo.Birth", withOpen(func(r *alipay.CardOpenRequest) { r.MemberExtInfo = &alipay.MemberExtInfo{Birth: "1990/01/01"} })},
		{"OpenCardChannel", withOpen(func(r *alipay.CardOpenRequest) { r.OpenCardChannel = "a-b" })},
		{"TargetCardNo", func() error { _, err := p.CardQuery(c, alipay.CardQueryRequest{}); return err }()},
		{"TargetCardNoType", func() error {
			_, err := p.CardQuery(c, alipay.CardQueryRequest{TargetCardNo: "1", TargetCardNoType: "PHONE"})
			return err
		}()},
		{"CardInfo.OpenDate", func() error {
			_, err := p.CardUpdate(c, alipay.CardUpdateRequest{TargetCardNo: "1", CardInfo: alipay.MerchantCard{OpenDate: time.Now()}})
			return err
		}()},
		{"TargetCardNo", func() error { _, err := p.CardUpdate(c, alipay.CardUpdateRequest{TargetCardNo: long(33)}); return err }()},
		{"ReasonCode", func() error { _, err := p.CardDelete(c, alipay.CardDeleteRequest{TargetCardNo: "1"}); return err }()},
		{"ReasonCode", func() error {
			_, err := p.CardDelete(c, alipay.CardDeleteRequest{TargetCardNo: "1", ReasonCode: "LOST"})
			return err
		}()},
		{"OutSerialNo", func() error {
			_, err := p.CardDelete(c, alipay.CardDeleteRequest{TargetCardNo: "1", ReasonCode: "CANCEL", OutSerialNo: long(33)})
			return err
		}()},
		{"TemplateStyleInfo.CardShowName", func() error {
			_, err := p.TemplateCreate(c, alipay.TemplateCreateRequest{TemplateConfig: alipay.TemplateConfig{BizNoSuffixLen: 10}})
			return err
		}()},
		{"BizNoSuffixLen", func() error {
			_, err := p.TemplateCreate(c, alipay.TemplateCreateRequest{TemplateConfig: alipay.TemplateConfig{TemplateStyleInfo: style}})
			return err
		}()},
		{"BizNoPrefix", func() error {
			_, err := p.TemplateCreate(c, alipay.TemplateCreateRequest{TemplateConfig: alipay.TemplateConfig{BizNoPrefix: long(11), BizNoSuffixLen: 10, TemplateStyleInfo: style}})
			return err
		}()},
		{"CardActionList", func() error {
			_, err := p.TemplateCreate(c, alipay.TemplateCreateRequest{TemplateConfig: alipay.TemplateConfig{BizNoSuffixLen: 10, TemplateStyleInfo: style,
				CardActionList: make([]alipay.TemplateActionInfo, 4)}})
			return err
		}()},
		{"TemplateID", func() error { _, err := p.TemplateModify(c, alipay.TemplateModifyRequest{}); return err }()},
		{"TemplateID", func() error { _, err := p.TemplateQuery(c, alipay.TemplateQueryRequest{}); return err }()},
		{"PageSize", func() error {
			_, err := p.TemplateBatchQuery(c, alipay.TemplateBatchQueryRequest{PageSize: 21})
			return err
		}()},
		{"Required", p.FormTemplateSet(c, alipay.FormTemplateSetRequest{TemplateID: "t"})},
		{"Optional", p.FormTemplateSet(c, alipay.FormTemplateSetRequest{TemplateID: "t", Required: []string{alipay.FormFieldName}, Optional: []string{alipay.FormFieldName}})},
		{"Callback", func() error {
			_, err := p.ActivateURLApply(c, alipay.ActivateURLApplyRequest{TemplateID: "t", Callback: "https://a.example/cb?x=1"})
			return err
		}()},
		{"OutString", func() error {
			_, err := p.ActivateURLApply(c, alipay.ActivateURLApplyRequest{TemplateID: "t", OutString: long(257)})
			return err
		}()},
		{"RequestID", func() error {
			_, err := p.ActivateFormQuery(c, alipay.ActivateFormQueryRequest{AuthToken: "t", TemplateID: "t"})
			return err
		}()},
		{"TradeType", func() error {
			_, err := p.ConsumeSync(c, alipay.ConsumeSyncRequest{TargetCardNo: "1", TradeNo: "n", TradeTime: time.Now()})
			return err
		}()},
		{"TradeTime", func() error {
			_, err := p.ConsumeSync(c, alipay.ConsumeSyncRequest{TargetCardNo: "1", TradeNo: "n", TradeType: alipay.TradeTrade})
			return err
		}()},
		{"NotifyType", func() error {
			_, err := p.MessageNotify(c, alipay.MessageNotifyRequest{TargetCardNo: "1", NotifyType: "BIRTHDAY"})
			return err
		}()},
		{"Benefit.Title", func() error {
			_, err := p.BenefitCreate(c, alipay.BenefitCreateRequest{Benefit: alipay.Benefit{TemplateID: "t"}})
			return err
		}()},
		{"Benefit.ExtInfo", func() error {
			_, err := p.BenefitCreate(c, alipay.BenefitCreateRequest{Benefit: alipay.Benefit{TemplateID: "t", Title: "x", ExtInfo: "{"}})
			return err
		}()},
		{"BenefitID", func() error { _, err := p.BenefitModify(c, alipay.BenefitModifyRequest{}); return err }()},
		{"TemplateID", func() error { _, err := p.BenefitQuery(c, alipay.BenefitQueryRequest{}); return err }()},
		{"BenefitID", func() error { _, err := p.BenefitDelete(c, alipay.BenefitDeleteRequest{TemplateID: "t"}); return err }()},
		{"ImageType", func() error {
			_, err := p.ImageUpload(c, alipay.ImageUploadRequest{ImageType: "exe", ImageName: "a", Content: []byte{1}})
			return err
		}()},
		{"Content", func() error {
			_, err := p.ImageUpload(c, alipay.ImageUploadRequest{ImageType: "png", ImageName: "a"})
			return err
		}()},
		{"GrantType", func() error { _, err := p.OAuthToken(c, alipay.OAuthTokenRequest{}); return err }()},
		{"Code", func() error { _, err := p.ExchangeCode(c, ""); return err }()},
		{"RefreshToken", func() error { _, err := p.RefreshToken(c, long(41)); return err }()},
		{"AuthToken", func() error { _, err := p.UserInfoShare(c, ""); return err }()},
		{"RedirectURI", func() error { _, err := p.AuthorizeURL(alipay.AuthorizeRequest{RedirectURI: "/relative"}); return err }()},
		{"Scopes", func() error {
			_, err := p.AuthorizeURL(alipay.AuthorizeRequest{RedirectURI: "https://a.example/", Scopes: []string{"a,b"}})
			return err
		}()},
		{"Ref.CardNo", func() error {
			_, err := p.Get(c, card.Ref{Provider: "alipay", TemplateID: "t", CardNo: long(33)})
			return err
		}()},
		{"TemplateID", func() error {
			_, err := p.Open(c, card.OpenRequest{TemplateID: long(33), ExternalNo: "e", Holder: "2088000000000009", AuthToken: "t"})
			return err
		}()},
	} {
		var ce *card.Error
		if !errors.Is(tc.err, card.ErrInvalidArgument) || !errors.As(tc.err, &ce) || ce.Field != tc.field || ce.Provider != "alipay" || ce.Op == "" {
			t.Errorf("want invalid %s, got %v", tc.field, tc.err)
		}
	}
	if n := s.CallCount(""); n != 0 {
		t.Errorf("%d invalid requests reached the gateway", n)
	}
}
