package alipay

import (
	"bytes"
	"context"
	"encoding/json"

	alipaysdk "github.com/smartwalle/alipay/v3"
	card "github.com/walletcard/card"
)

// Alipay method names.
const (
	MethodTemplateCreate     = "alipay.marketing.card.template.create"
	MethodTemplateModify     = "alipay.marketing.card.template.modify"
	MethodTemplateQuery      = "alipay.marketing.card.template.query"
	MethodTemplateBatchQuery = "alipay.marketing.card.template.batchquery"
	MethodFormTemplateSet    = "alipay.marketing.card.formtemplate.set"
	MethodActivateURLApply   = "alipay.marketing.card.activateurl.apply"
	MethodActivateFormQuery  = "alipay.marketing.card.activateform.query"
	MethodCardOpen           = "alipay.marketing.card.open"
	MethodCardQuery          = "alipay.marketing.card.query"
	MethodCardUpdate         = "alipay.marketing.card.update"
	MethodCardDelete         = "alipay.marketing.card.delete"
	MethodConsumeSync        = "alipay.marketing.card.consume.sync"
	MethodMessageNotify      = "alipay.marketing.card.message.notify"
	MethodBenefitCreate      = "alipay.marketing.card.benefit.create"
	MethodBenefitModify      = "alipay.marketing.card.benefit.modify"
	MethodBenefitQuery       = "alipay.marketing.card.benefit.query"
	MethodBenefitDelete      = "alipay.marketing.card.benefit.delete"
	MethodImageUpload        = "alipay.offline.material.image.upload"
	MethodOAuthToken         = "alipay.system.oauth.token"
	MethodUserInfoShare      = "alipay.user.info.share"
)

// validate runs v and finishes its error at the boundary.
func validate(method string, v interface{ Validate() error }) error {
	if err := v.Validate(); err != nil {
		return card.Wrap(Name, method, card.KindInvalidArgument, err)
	}
	return nil
}

// bizFields returns a payload builder for method whose biz_content is the
// JSON object v (a struct with json tags), added field by field.
func bizFields(method string, v any) (func() *alipaysdk.Payload, error) {
	b, err := json.Marshal(v)
	var fields map[string]json.RawMessage
	if err == nil {
		err = json.Unmarshal(b, &fields)
	}
	if err != nil {
		return nil, card.Wrap(Name, method, card.KindInvalidArgument, card.InvalidArgument("", "cannot encode the request: %v", err))
	}
	return func() *alipaysdk.Payload {
		pl := alipaysdk.NewPayload(method)
		pl.Encrypt = false
		for k, f := range fields {
			pl.AddBizField(k, f)
		}
		return pl
	}, nil
}

// doBiz sends method with biz_content v.
func (p *Provider) doBiz(ctx context.Context, method string, v any, retry bool, out any) error {
	build, err := bizFields(method, v)
	if err != nil {
		return err
	}
	return p.do(ctx, call{method: method, payload: build, retry: retry}, out)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// CardOpen calls alipay.marketing.card.open with the user's auth_token. An
// empty OutSerialNo is generated; the same serial number is sent on every
// retry and returned in the response.
func (p *Provider) CardOpen(ctx context.Context, req CardOpenRequest) (*CardOpenResponse, error) {
	if req.OutSerialNo == "" {
		req.OutSerialNo = card.NewIdempotencyKey()
	}
	req.CardUserInfo = req.CardUserInfo.withDefaults()
	if err := validate(MethodCardOpen, req); err != nil {
		return nil, err
	}
	var out CardOpenResponse
	err := p.do(ctx, call{
		method: MethodCardOpen,
		payload: func() *alipaysdk.Payload {
			pl := alipaysdk.NewPayload(MethodCardOpen)
			pl.Encrypt = false
			pl.AddParam("auth_token", req.AuthToken)
			pl.AddBizField("out_serial_no", req.OutSerialNo)
			pl.AddBizField("card_template_id", req.CardTemplateID)
			pl.AddBizField("card_user_info", req.CardUserInfo)
			pl.AddBizField("card_ext_info", req.CardExtInfo)
			if req.MemberExtInfo != nil {
				pl.AddBizField("member_ext_info", req.MemberExtInfo)
			}
			if req.OpenCardChannel != "" {
				pl.AddBizField("open_card_channel", req.OpenCardChannel)
			}
			if req.OpenCardChannelID != "" {
				pl.AddBizField("open_card_channel_id", req.OpenCardChannelID)
			}
			return pl
		},
		secrets:   []string{req.AuthToken},
		retry:     true,
		tokenCall: true,
	}, &out)
	if err != nil {
		return nil, err
	}
	out.OutSerialNo = req.OutSerialNo
	return &out, nil
}

// CardQuery calls alipay.marketing.card.query.
func (p *Provider) CardQuery(ctx context.Context, req CardQueryRequest) (*CardQueryResponse, error) {
	req.TargetCardNoType = orDefault(req.TargetCardNoType, CardNoBiz)
	if err := validate(MethodCardQuery, req); err != nil {
		return nil, err
	}
	var out CardQueryResponse
	err := p.do(ctx, call{
		method: MethodCardQuery,
		payload: func() *alipaysdk.Payload {
			pl := alipaysdk.NewPayload(MethodCardQuery)
			pl.Encrypt = false
			pl.AddBizField("target_card_no", req.TargetCardNo)
			pl.AddBizField("target_card_no_type", req.TargetCardNoType)
			if req.CardUserInfo != nil {
				pl.AddBizField("card_user_info", req.CardUserInfo.withDefaults())
			}
			if req.TemplateID != "" {
				pl.AddBizField("template_id", req.TemplateID)
			}
			if req.ExtInfo != "" {
				pl.AddBizField("ext_info", req.ExtInfo)
			}
			return pl
		},
		retry: true,
	}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CardUpdate calls alipay.marketing.card.update. CardInfo carries absolute
// values; a zero OccurTime is now (Options.Clock), sent in Beijing time.
// Absolute updates are idempotent, so unavailable errors are retried.
func (p *Provider) CardUpdate(ctx context.Context, req CardUpdateRequest) (*CardUpdateResponse, error) {
	req.TargetCardNoType = orDefault(req.TargetCardNoType, CardNoBiz)
	if req.OccurTime.IsZero() {
		req.OccurTime = p.clock()
	}
	if err := validate(MethodCardUpdate, req); err != nil {
		return nil, err
	}
	var out CardUpdateResponse
	err := p.do(ctx, call{
		method: MethodCardUpdate,
		payload: func() *alipaysdk.Payload {
			pl := alipaysdk.NewPayload(MethodCardUpdate)
			pl.Encrypt = false
			pl.AddBizField("target_card_no", req.TargetCardNo)
			pl.AddBizField("target_card_no_type", req.TargetCardNoType)
			pl.AddBizField("occur_time", card.FormatWalletTime(req.OccurTime))
			pl.AddBizField("card_info", req.CardInfo)
			if req.MerchantCardMsgInfo != nil {
				pl.AddBizField("merchant_card_msg_info", req.MerchantCardMsgInfo)
			}
			if req.ExtInfo != "" {
				pl.AddBizField("ext_info", req.ExtInfo)
			}
			return pl
		},
		retry: true,
	}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CardDelete calls alipay.marketing.card.delete. An empty OutSerialNo is
// generated and reused on every retry. ExtInfo is sent as JSON text.
func (p *Provider) CardDelete(ctx context.Context, req CardDeleteRequest) (*CardDeleteResponse, error) {
	req.TargetCardNoType = orDefault(req.TargetCardNoType, CardNoBiz)
	if req.OutSerialNo == "" {
		req.OutSerialNo = card.NewIdempotencyKey()
	}
	if err := validate(MethodCardDelete, req); err != nil {
		return nil, err
	}
	var extInfo string
	if req.ExtInfo != nil {
		b, _ := json.Marshal(req.ExtInfo)
		extInfo = string(b)
	}
	var out CardDeleteResponse
	err := p.do(ctx, call{
		method: MethodCardDelete,
		payload: func() *alipaysdk.Payload {
			pl := alipaysdk.NewPayload(MethodCardDelete)
			pl.Encrypt = false
			pl.AddBizField("out_serial_no", req.OutSerialNo)
			pl.AddBizField("target_card_no", req.TargetCardNo)
			pl.AddBizField("target_card_no_type", req.TargetCardNoType)
			pl.AddBizField("reason_code", req.ReasonCode)
			if extInfo != "" {
				pl.AddBizField("ext_info", extInfo)
			}
			return pl
		},
		retry: true,
	}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// TemplateCreate calls alipay.marketing.card.template.create. An empty
// RequestID is generated and reused on retries; CardType defaults to
// OUT_MEMBER_CARD.
func (p *Provider) TemplateCreate(ctx context.Context, req TemplateCreateRequest) (*TemplateCreateResponse, error) {
	if req.RequestID == "" {
		req.RequestID = card.NewIdempotencyKey()
	}
	req.CardType = orDefault(req.CardType, CardTypeOutMember)
	if err := validate(MethodTemplateCreate, req); err != nil {
		return nil, err
	}
	build, err := bizFields(MethodTemplateCreate, req)
	if err != nil {
		return nil, err
	}
	var out TemplateCreateResponse
	err = p.do(ctx, call{
		method: MethodTemplateCreate,
		payload: func() *alipaysdk.Payload {
			pl := build()
			if req.NotifyURL != "" {
				pl.AddParam("notify_url", req.NotifyURL)
			}
			return pl
		},
		retry: true,
	}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// TemplateModify calls alipay.marketing.card.template.modify. An empty
// RequestID is generated and reused on retries.
func (p *Provider) TemplateModify(ctx context.Context, req TemplateModifyRequest) (*TemplateModifyResponse, error) {
	if req.RequestID == "" {
		req.RequestID = card.NewIdempotencyKey()
	}
	if err := validate(MethodTemplateModify, req); err != nil {
		return nil, err
	}
	var out TemplateModifyResponse
	if err := p.doBiz(ctx, MethodTemplateModify, req, true, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// TemplateQuery calls alipay.marketing.card.template.query.
func (p *Provider) TemplateQuery(ctx context.Context, req TemplateQueryRequest) (*TemplateQueryResponse, error) {
	if err := validate(MethodTemplateQuery, req); err != nil {
		return nil, err
	}
	var out TemplateQueryResponse
	if err := p.doBiz(ctx, MethodTemplateQuery, req, true, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// TemplateBatchQuery calls alipay.marketing.card.template.batchquery.
func (p *Provider) TemplateBatchQuery(ctx context.Context, req TemplateBatchQueryRequest) (*TemplateBatchQueryResponse, error) {
	if req.PageNo == 0 {
		req.PageNo = 1
	}
	if req.PageSize == 0 {
		req.PageSize = 20
	}
	if err := validate(MethodTemplateBatchQuery, req); err != nil {
		return nil, err
	}
	var out TemplateBatchQueryResponse
	if err := p.doBiz(ctx, MethodTemplateBatchQuery, req, true, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// FormTemplateSet calls alipay.marketing.card.formtemplate.set.
func (p *Provider) FormTemplateSet(ctx context.Context, req FormTemplateSetRequest) error {
	if err := validate(MethodFormTemplateSet, req); err != nil {
		return err
	}
	fields := req.fields()
	return p.do(ctx, call{
		method: MethodFormTemplateSet,
		payload: func() *alipaysdk.Payload {
			pl := alipaysdk.NewPayload(MethodFormTemplateSet)
			pl.Encrypt = false
			pl.AddBizField("template_id", req.TemplateID)
			pl.AddBizField("fields", fields)
			return pl
		},
		retry: true,
	}, nil)
}

// ActivateURLApply calls alipay.marketing.card.activateurl.apply and returns
// the claim link, URL-decoded.
func (p *Provider) ActivateURLApply(ctx context.Context, req ActivateURLApplyRequest) (*ActivateURLApplyResponse, error) {
	if err := validate(MethodActivateURLApply, req); err != nil {
		return nil, err
	}
	var out ActivateURLApplyResponse
	if err := p.doBiz(ctx, MethodActivateURLApply, req, true, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ActivateFormQuery calls alipay.marketing.card.activateform.query with the
// user's auth_token and returns what the user submitted.
func (p *Provider) ActivateFormQuery(ctx context.Context, req ActivateFormQueryRequest) (*ActivateFormQueryResponse, error) {
	req.BizType = orDefault(req.BizType, BizTypeMemberCard)
	if err := validate(MethodActivateFormQuery, req); err != nil {
		return nil, err
	}
	build, err := bizFields(MethodActivateFormQuery, req)
	if err != nil {
		return nil, err
	}
	var out ActivateFormQueryResponse
	err = p.do(ctx, call{
		method: MethodActivateFormQuery,
		payload: func() *alipaysdk.Payload {
			pl := build()
			pl.AddParam("auth_token", req.AuthToken)
			return pl
		},
		secrets:   []string{req.AuthToken},
		retry:     true,
		tokenCall: true,
	}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ConsumeSync calls alipay.marketing.card.consume.sync. It is not retried
// (Alipay documents no idempotency key for it).
func (p *Provider) ConsumeSync(ctx context.Context, req ConsumeSyncRequest) (*ConsumeSyncResponse, error) {
	req.TargetCardNoType = orDefault(req.TargetCardNoType, CardNoBiz)
	if err := validate(MethodConsumeSync, req); err != nil {
		return nil, err
	}
	w := struct {
		TargetCardNo     string              `json:"target_card_no"`
		TargetCardNoType string              `json:"target_card_no_type"`
		TradeType        string              `json:"trade_type"`
		TradeNo          string              `json:"trade_no"`
		TradeTime        string              `json:"trade_time"`
		TradeName        string              `json:"trade_name,omitempty"`
		TradeAmount      *card.Money         `json:"trade_amount,omitempty"`
		ActPayAmount     *card.Money         `json:"act_pay_amount,omitempty"`
		CardInfo         *MerchantCard       `json:"card_info,omitempty"`
		GainBenefitList  []BenefitInfoDetail `json:"gain_benefit_list,omitempty"`
		UseBenefitList   []BenefitInfoDetail `json:"use_benefit_list,omitempty"`
		ShopCode         string              `json:"shop_code,omitempty"`
		Memo             string              `json:"memo,omitempty"`
		SwipeCertType    string              `json:"swipe_cert_type,omitempty"`
	}{req.TargetCardNo, req.TargetCardNoType, req.TradeType, req.TradeNo, card.FormatWalletTime(req.TradeTime),
		req.TradeName, req.TradeAmount, req.ActPayAmount, req.CardInfo, req.GainBenefitList, req.UseBenefitList,
		req.ShopCode, req.Memo, req.SwipeCertType}
	var out ConsumeSyncResponse
	if err := p.doBiz(ctx, MethodConsumeSync, w, false, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// MessageNotify calls alipay.marketing.card.message.notify. An empty
// NotifyNo (its idempotency key) is generated and reused on retries.
func (p *Provider) MessageNotify(ctx context.Context, req MessageNotifyRequest) (*MessageNotifyResponse, error) {
	req.TargetCardNoType = orDefault(req.TargetCardNoType, CardNoBiz)
	req.NotifyType = orDefault(req.NotifyType, NotifyTypePointRemind)
	if req.NotifyNo == "" {
		req.NotifyNo = card.NewIdempotencyKey()
	}
	if req.OccurTime.IsZero() {
		req.OccurTime = p.clock()
	}
	if err := validate(MethodMessageNotify, req); err != nil {
		return nil, err
	}
	w := struct {
		TargetCardNo     string      `json:"target_card_no"`
		TargetCardNoType string      `json:"target_card_no_type"`
		OccurTime        string      `json:"occur_time"`
		NotifyType       string      `json:"notify_type"`
		NotifyNo         string      `json:"notify_no"`
		NotifyInfo       *NotifyInfo `json:"notify_info,omitempty"`
	}{req.TargetCardNo, req.TargetCardNoType, card.FormatWalletTime(req.OccurTime), req.NotifyType, req.NotifyNo, req.NotifyInfo}
	var out MessageNotifyResponse
	if err := p.doBiz(ctx, MethodMessageNotify, w, true, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// BenefitCreate calls alipay.marketing.card.benefit.create (not retried:
// it has no idempotency key).
func (p *Provider) BenefitCreate(ctx context.Context, req BenefitCreateRequest) (*BenefitCreateResponse, error) {
	if err := validate(MethodBenefitCreate, req); err != nil {
		return nil, err
	}
	w := struct {
		B Benefit `json:"mcard_template_benefit"`
	}{req.Benefit}
	var out BenefitCreateResponse
	if err := p.doBiz(ctx, MethodBenefitCreate, w, false, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// BenefitModify calls alipay.marketing.card.benefit.modify.
func (p *Provider) BenefitModify(ctx context.Context, req BenefitModifyRequest) (*BenefitResult, error) {
	if err := validate(MethodBenefitModify, req); err != nil {
		return nil, err
	}
	w := struct {
		ID string  `json:"benefit_id"`
		B  Benefit `json:"mcard_template_benefit"`
	}{req.BenefitID, req.Benefit}
	var out BenefitResult
	if err := p.doBiz(ctx, MethodBenefitModify, w, true, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// BenefitQuery calls alipay.marketing.card.benefit.query.
func (p *Provider) BenefitQuery(ctx context.Context, req BenefitQueryRequest) (*BenefitQueryResponse, error) {
	if err := validate(MethodBenefitQuery, req); err != nil {
		return nil, err
	}
	var out BenefitQueryResponse
	if err := p.doBiz(ctx, MethodBenefitQuery, req, true, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// BenefitDelete calls alipay.marketing.card.benefit.delete.
func (p *Provider) BenefitDelete(ctx context.Context, req BenefitDeleteRequest) (*BenefitResult, error) {
	if err := validate(MethodBenefitDelete, req); err != nil {
		return nil, err
	}
	var out BenefitResult
	if err := p.doBiz(ctx, MethodBenefitDelete, req, true, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ImageUpload calls alipay.offline.material.image.upload, sending the image as
// a multipart file part (image_content) with image_type and image_name as
// plain parameters; there is no biz_content. Not retried.
func (p *Provider) ImageUpload(ctx context.Context, req ImageUploadRequest) (*ImageUploadResponse, error) {
	if err := validate(MethodImageUpload, req); err != nil {
		return nil, err
	}
	var out ImageUploadResponse
	err := p.do(ctx, call{
		method: MethodImageUpload,
		payload: func() *alipaysdk.Payload {
			pl := alipaysdk.NewPayload(MethodImageUpload)
			pl.Encrypt = false
			pl.AddParam("image_type", req.ImageType)
			pl.AddParam("image_name", req.ImageName)
			if req.ImagePID != "" {
				pl.AddParam("image_pid", req.ImagePID)
			}
			pl.AddObject("image_content", req.ImageName, bytes.NewReader(req.Content))
			return pl
		},
	}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// OAuthToken calls alipay.system.oauth.token (grant_type, code and
// refresh_token are top-level parameters). Not retried: an auth_code is
// single-use. ExchangeCode and RefreshToken are shorthands.
func (p *Provider) OAuthToken(ctx context.Context, req OAuthTokenRequest) (*Token, error) {
	if err := validate(MethodOAuthToken, req); err != nil {
		return nil, err
	}
	var out Token
	err := p.do(ctx, call{
		method: MethodOAuthToken,
		payload: func() *alipaysdk.Payload {
			pl := alipaysdk.NewPayload(MethodOAuthToken)
			pl.Encrypt = false
			pl.AddParam("grant_type", req.GrantType)
			if req.Code != "" {
				pl.AddParam("code", req.Code)
			}
			if req.RefreshToken != "" {
				pl.AddParam("refresh_token", req.RefreshToken)
			}
			return pl
		},
		secrets: []string{req.Code, req.RefreshToken},
		noCode:  true,
	}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ExchangeCode redeems the auth_code Alipay sent to the redirect URI (or to
// the activation-form callback) for the user's Token.
func (p *Provider) ExchangeCode(ctx context.Context, authCode string) (*Token, error) {
	return p.OAuthToken(ctx, OAuthTokenRequest{GrantType: GrantAuthorizationCode, Code: authCode})
}

// RefreshToken renews a user's Token with its refresh token.
func (p *Provider) RefreshToken(ctx context.Context, refreshToken string) (*Token, error) {
	return p.OAuthToken(ctx, OAuthTokenRequest{GrantType: GrantRefreshToken, RefreshToken: refreshToken})
}

// UserInfoShare calls alipay.user.info.share with the user's auth_token
// (needs scope auth_user).
func (p *Provider) UserInfoShare(ctx context.Context, authToken string) (*UserInfo, error) {
	ck := checker{}
	ck.required("AuthToken", authToken, maxAuthTokenLen)
	if err := ck.err(); err != nil {
		return nil, card.Wrap(Name, MethodUserInfoShare, card.KindInvalidArgument, err)
	}
	var out UserInfo
	err := p.do(ctx, call{
		method: MethodUserInfoShare,
		payload: func() *alipaysdk.Payload {
			pl := alipaysdk.NewPayload(MethodUserInfoShare)
			pl.Encrypt = false
			pl.AddParam("auth_token", authToken)
			return pl
		},
		secrets:   []string{authToken},
		retry:     true,
		tokenCall: true,
	}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}
