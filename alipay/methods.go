package alipay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
	"github.com/walletcard/card/internal/walletrules"
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

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Each typed method below fills the request's defaults and hands it to
// invoke (provider.go) with the call's wire shape: biz_content is the
// request itself (json tags) or its unexported wire form, top-level
// parameters and the user's auth_token go in call.

// CardOpen calls alipay.marketing.card.open with the user's auth_token. An
// empty OutSerialNo is generated; the same serial number is sent on every
// retry, returned in the response and put on every *card.Error returned
// (KeyError, reachable with errors.As). When ctx ends the bare ctx.Err() is
// returned, without the key: pass your own OutSerialNo if you may need to
// repeat a canceled call. A client timeout (Options.HTTPClient) while ctx is
// live is unavailable, retried with the same serial and carries the key.
//
// Alipay does not document what a repeated out_serial_no does. When the
// open is refused with CARD_HAS_OPENED on a retry after an attempt whose
// outcome was unknown (transport failure, lost answer), or on any
// attempt when the caller supplied OutSerialNo (a repeat of an earlier
// call), CardOpen reconciles: it looks the card up with card.query by
// EXTERNAL_CARD (CardExtInfo.ExternalCardNo, the template and the user) and,
// when that card exists, returns it as the result of the open (its
// OpenCardChannel fields are then empty). Otherwise the CARD_HAS_OPENED
// error is returned, joined with the reconciliation's error if it failed.
// Leave CardExtInfo.OpenDate zero (Alipay records the opening time) so that
// a repeat sends the same biz_content.
//
// When Alipay answers success but card_info cannot be decoded, CardOpen
// returns both a response holding what was readable (CardInfo.BizCardNo,
// ExternalCardNo) and an error with Code CodePartialResponse: the card
// exists.
func (p *Provider) CardOpen(ctx context.Context, req CardOpenRequest) (*CardOpenResponse, error) {
	callerKey := req.OutSerialNo != ""
	if !callerKey {
		req.OutSerialNo = card.NewIdempotencyKey()
	}
	req.CardUserInfo = req.CardUserInfo.withDefaults()
	if err := req.Validate(); err != nil {
		return nil, driver.Wrap(Name, MethodCardOpen, card.KindInvalidArgument, err)
	}
	return p.cardOpen(ctx, req, req.call(), callerKey)
}

func (r CardOpenRequest) call() call {
	ext := r.CardExtInfo.ExternalCardNo
	return call{method: MethodCardOpen, biz: r, authToken: r.AuthToken, retry: true, keyParam: "out_serial_no", key: r.OutSerialNo,
		bind: allOf(presentMember("card_info.biz_card_no"), echoes("card_info.external_card_no", ext, ext != ""))}
}

// cardOpen sends card.open as c and reconciles a CARD_HAS_OPENED answer to
// a repeat (an attempt after a lost answer, or repeat: the key may have
// been used before) by looking the card up by external number.
func (p *Provider) cardOpen(ctx context.Context, req CardOpenRequest, c call, repeat bool) (*CardOpenResponse, error) {
	lost := false
	c.lost = &lost
	out, err := send[CardOpenResponse](ctx, p, c)
	if err != nil && (lost || repeat) && codeOf(err) == "CARD_HAS_OPENED" && req.CardExtInfo.ExternalCardNo != "" {
		user := req.CardUserInfo
		qc := CardQueryRequest{TargetCardNo: req.CardExtInfo.ExternalCardNo, TargetCardNoType: CardNoExternal,
			TemplateID: req.CardTemplateID, CardUserInfo: &user}.call()
		qc.once = c.once
		q, qerr := send[CardQueryResponse](ctx, p, qc)
		switch {
		case qerr == nil: // the EXTERNAL_CARD binder checked both numbers
			out, err = &CardOpenResponse{CardInfo: q.CardInfo}, nil
		case qerr != nil && ctx.Err() != nil && driver.IsContextError(qerr):
			return nil, ctx.Err()
		case qerr != nil:
			err = joinCause(err, "reconciling with "+MethodCardQuery+" by external_card_no failed", qerr)
		}
	}
	if out != nil {
		out.OutSerialNo = req.OutSerialNo
	}
	if err != nil {
		// out is non-nil only with a PARTIAL_RESPONSE error.
		return out, err
	}
	return out, nil
}

// joinCause returns a copy of err (a *card.Error) whose cause also holds
// other, described by what; other kinds of err are joined as they are.
func joinCause(err error, what string, other error) error {
	more := fmt.Errorf("%s: %w", what, other)
	if ce, ok := err.(*card.Error); ok {
		cp := *ce
		cp.Err = errors.Join(ce.Err, more)
		return &cp
	}
	return errors.Join(err, more)
}

// CardQuery calls alipay.marketing.card.query.
func (p *Provider) CardQuery(ctx context.Context, req CardQueryRequest) (*CardQueryResponse, error) {
	return invoke[CardQueryResponse](ctx, p, req, req.call())
}

// call fills the request's defaults and describes it on the wire.
func (r CardQueryRequest) call() call {
	r.TargetCardNoType = orDefault(r.TargetCardNoType, CardNoBiz)
	if u := r.CardUserInfo; u != nil {
		d := u.withDefaults()
		r.CardUserInfo = &d
	}
	var target binder // D_QR_CODE and D_BAR_CODE answers echo nothing of the code
	switch r.TargetCardNoType {
	case CardNoBiz:
		target = echoes("card_info.biz_card_no", r.TargetCardNo, true)
	case CardNoExternal:
		target = allOf(presentMember("card_info.biz_card_no"), echoes("card_info.external_card_no", r.TargetCardNo, true))
	}
	return call{method: MethodCardQuery, biz: r, retry: true, read: true,
		bind: allOf(target, echoes("card_info.template_id", r.TemplateID, false))}
}

// CardUpdate calls alipay.marketing.card.update. CardInfo carries absolute
// values; a zero OccurTime is now (Options.Clock), sent in Beijing time.
// Absolute updates are idempotent, so unavailable errors are retried —
// except when MerchantCardMsgInfo is set: card.update has no idempotency key
// and a repeat would send the user the change message again.
func (p *Provider) CardUpdate(ctx context.Context, req CardUpdateRequest) (*CardUpdateResponse, error) {
	req = p.updateDefaults(req)
	return invoke[CardUpdateResponse](ctx, p, req, call{method: MethodCardUpdate, biz: req.wire(), retry: req.MerchantCardMsgInfo == nil})
}

func (p *Provider) updateDefaults(req CardUpdateRequest) CardUpdateRequest {
	req.TargetCardNoType = orDefault(req.TargetCardNoType, CardNoBiz)
	if req.OccurTime.IsZero() {
		req.OccurTime = p.clock()
	}
	return req
}

// CardDelete calls alipay.marketing.card.delete. An empty OutSerialNo is
// generated, reused on every retry and put on every *card.Error returned
// (KeyError); when ctx ends the bare ctx.Err() is returned instead, without
// the key (pass your own OutSerialNo if you may need to repeat it). Alipay
// does not document a repeated out_serial_no, so a retry answered
// CARD_IS_DELETED_ALREADY counts as success only when an earlier attempt's
// outcome was unknown (transport failure or timeout, lost or unreadable
// answer): that attempt deleted the card. After a signed answer (e.g. 20000)
// it stays an error, as on a first attempt. The response's BizSerialNo is
// then empty. ExtInfo is sent as JSON text.
func (p *Provider) CardDelete(ctx context.Context, req CardDeleteRequest) (*CardDeleteResponse, error) {
	if req.OutSerialNo == "" {
		req.OutSerialNo = card.NewIdempotencyKey()
	}
	return invoke[CardDeleteResponse](ctx, p, req, req.call())
}

func (r CardDeleteRequest) call() call {
	r.TargetCardNoType = orDefault(r.TargetCardNoType, CardNoBiz)
	return call{method: MethodCardDelete, biz: r.wire(), retry: true,
		keyParam: "out_serial_no", key: r.OutSerialNo, doneIfRepeated: []string{"CARD_IS_DELETED_ALREADY"},
		bind: presentMember("biz_serial_no")}
}

// TemplateCreate calls alipay.marketing.card.template.create. An empty
// RequestID is generated and reused on retries, and is on every *card.Error
// returned (KeyError); CardType defaults to OUT_MEMBER_CARD.
func (p *Provider) TemplateCreate(ctx context.Context, req TemplateCreateRequest) (*TemplateCreateResponse, error) {
	if req.RequestID == "" {
		req.RequestID = card.NewIdempotencyKey()
	}
	req.CardType = orDefault(req.CardType, CardTypeOutMember)
	return invoke[TemplateCreateResponse](ctx, p, req, req.call())
}

func (r TemplateCreateRequest) call() call {
	return call{method: MethodTemplateCreate, biz: r, params: []string{"notify_url", r.NotifyURL}, retry: true, keyParam: "request_id", key: r.RequestID,
		bind: presentMember("template_id")}
}

// TemplateModify calls alipay.marketing.card.template.modify. An empty
// RequestID is generated and reused on retries, and is on every *card.Error
// returned (KeyError).
func (p *Provider) TemplateModify(ctx context.Context, req TemplateModifyRequest) (*TemplateModifyResponse, error) {
	if req.RequestID == "" {
		req.RequestID = card.NewIdempotencyKey()
	}
	return invoke[TemplateModifyResponse](ctx, p, req, call{method: MethodTemplateModify, biz: req, retry: true,
		keyParam: "request_id", key: req.RequestID, bind: echoes("template_id", req.TemplateID, true)})
}

// TemplateQuery calls alipay.marketing.card.template.query.
func (p *Provider) TemplateQuery(ctx context.Context, req TemplateQueryRequest) (*TemplateQueryResponse, error) {
	return invoke[TemplateQueryResponse](ctx, p, req, req.call())
}

func (r TemplateQueryRequest) call() call {
	return call{method: MethodTemplateQuery, biz: r, retry: true, read: true,
		bind: allOf(hasObject("template_style_info"), echoes("template_id", r.TemplateID, false))}
}

// TemplateBatchQuery calls alipay.marketing.card.template.batchquery.
func (p *Provider) TemplateBatchQuery(ctx context.Context, req TemplateBatchQueryRequest) (*TemplateBatchQueryResponse, error) {
	if req.PageNo == 0 {
		req.PageNo = 1
	}
	if req.PageSize == 0 {
		req.PageSize = 20
	}
	return invoke[TemplateBatchQueryResponse](ctx, p, req, call{method: MethodTemplateBatchQuery, biz: req, retry: true, read: true})
}

// FormTemplateSet calls alipay.marketing.card.formtemplate.set.
func (p *Provider) FormTemplateSet(ctx context.Context, req FormTemplateSetRequest) error {
	_, err := invoke[struct{}](ctx, p, req, req.call())
	return err
}

func (r FormTemplateSetRequest) call() call {
	return call{method: MethodFormTemplateSet, biz: r.wire(), retry: true}
}

// ActivateURLApply calls alipay.marketing.card.activateurl.apply and returns
// the claim link, URL-decoded.
func (p *Provider) ActivateURLApply(ctx context.Context, req ActivateURLApplyRequest) (*ActivateURLApplyResponse, error) {
	return invoke[ActivateURLApplyResponse](ctx, p, req, req.call())
}

func (r ActivateURLApplyRequest) call() call {
	return call{method: MethodActivateURLApply, biz: r, retry: true, bind: applyURLTemplate(r.TemplateID)}
}

// ActivateFormQuery calls alipay.marketing.card.activateform.query with the
// user's auth_token and returns what the user submitted.
func (p *Provider) ActivateFormQuery(ctx context.Context, req ActivateFormQueryRequest) (*ActivateFormQueryResponse, error) {
	req.BizType = orDefault(req.BizType, BizTypeMemberCard)
	return invoke[ActivateFormQueryResponse](ctx, p, req, call{method: MethodActivateFormQuery, biz: req, authToken: req.AuthToken, retry: true, read: true,
		bind: presentMember("infos")})
}

// ConsumeSync calls alipay.marketing.card.consume.sync. It is not retried
// (Alipay documents no idempotency key for it).
func (p *Provider) ConsumeSync(ctx context.Context, req ConsumeSyncRequest) (*ConsumeSyncResponse, error) {
	req.TargetCardNoType = orDefault(req.TargetCardNoType, CardNoBiz)
	ext := "" // the external number the answer must echo, when the request knows it
	if req.CardInfo != nil {
		ext = req.CardInfo.ExternalCardNo
	}
	return invoke[ConsumeSyncResponse](ctx, p, req, call{method: MethodConsumeSync, biz: req.wire(),
		bind: echoes("external_card_no", ext, true)})
}

// MessageNotify calls alipay.marketing.card.message.notify. An empty
// NotifyNo (its idempotency key) is generated and reused on retries, and is
// on every *card.Error returned (KeyError).
func (p *Provider) MessageNotify(ctx context.Context, req MessageNotifyRequest) (*MessageNotifyResponse, error) {
	req.TargetCardNoType = orDefault(req.TargetCardNoType, CardNoBiz)
	req.NotifyType = orDefault(req.NotifyType, NotifyTypePointRemind)
	if req.NotifyNo == "" {
		req.NotifyNo = card.NewIdempotencyKey()
	}
	if req.OccurTime.IsZero() {
		req.OccurTime = p.clock()
	}
	return invoke[MessageNotifyResponse](ctx, p, req, call{method: MethodMessageNotify, biz: req.wire(), retry: true,
		keyParam: "notify_no", key: req.NotifyNo})
}

// BenefitCreate calls alipay.marketing.card.benefit.create (not retried:
// it has no idempotency key).
func (p *Provider) BenefitCreate(ctx context.Context, req BenefitCreateRequest) (*BenefitCreateResponse, error) {
	return invoke[BenefitCreateResponse](ctx, p, req, call{method: MethodBenefitCreate, biz: req})
}

// BenefitModify calls alipay.marketing.card.benefit.modify.
func (p *Provider) BenefitModify(ctx context.Context, req BenefitModifyRequest) (*BenefitResult, error) {
	return invoke[BenefitResult](ctx, p, req, call{method: MethodBenefitModify, biz: req, retry: true, bind: presentMember("result")})
}

// BenefitQuery calls alipay.marketing.card.benefit.query.
func (p *Provider) BenefitQuery(ctx context.Context, req BenefitQueryRequest) (*BenefitQueryResponse, error) {
	return invoke[BenefitQueryResponse](ctx, p, req, call{method: MethodBenefitQuery, biz: req, retry: true, read: true,
		bind: benefitsOf(req.TemplateID, req.BenefitID)})
}

// BenefitDelete calls alipay.marketing.card.benefit.delete. Not retried: a
// repeat of a delete whose answer was lost is answered BENEFIT_NOT_EXIST,
// which cannot be told apart from a wrong benefit id.
func (p *Provider) BenefitDelete(ctx context.Context, req BenefitDeleteRequest) (*BenefitResult, error) {
	return invoke[BenefitResult](ctx, p, req, call{method: MethodBenefitDelete, biz: req, bind: presentMember("result")})
}

// ImageUpload calls alipay.offline.material.image.upload, sending the image as
// a multipart file part (image_content) with image_type and image_name as
// plain parameters; there is no biz_content. Not retried.
func (p *Provider) ImageUpload(ctx context.Context, req ImageUploadRequest) (*ImageUploadResponse, error) {
	return invoke[ImageUploadResponse](ctx, p, req, call{method: MethodImageUpload,
		params: []string{"image_type", req.ImageType, "image_name", req.ImageName, "image_pid", req.ImagePID},
		file:   &filePart{param: "image_content", filename: req.ImageName, content: req.Content}})
}

// OAuthToken calls alipay.system.oauth.token (grant_type, code and
// refresh_token are top-level parameters). Not retried: an auth_code is
// single-use. ExchangeCode and RefreshToken are shorthands.
func (p *Provider) OAuthToken(ctx context.Context, req OAuthTokenRequest) (*Token, error) {
	return invoke[Token](ctx, p, req, call{method: MethodOAuthToken,
		params:  []string{"grant_type", req.GrantType, "code", req.Code, "refresh_token", req.RefreshToken},
		secrets: []string{req.Code, req.RefreshToken}, noCode: true})
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
	return invoke[UserInfo](ctx, p, userTokenRequest(authToken), call{method: MethodUserInfoShare, authToken: authToken, scope: ScopeUser, retry: true, read: true})
}

// userTokenRequest is a request made of the user's auth_token alone.
type userTokenRequest string

// Validate checks the token is present and within the documented length.
func (t userTokenRequest) Validate() error {
	ck := checker{}
	ck.required("AuthToken", string(t), walletrules.AlipayMaxAuthTokenRunes)
	return ck.err()
}

// The unexported wire forms of requests whose biz_content differs from
// their Go shape (times as wallet text, JSON-in-a-string, nested lists).

func (r CardUpdateRequest) wire() any {
	return struct {
		TargetCardNo        string               `json:"target_card_no"`
		TargetCardNoType    string               `json:"target_card_no_type"`
		OccurTime           string               `json:"occur_time"`
		CardInfo            MerchantCard         `json:"card_info"`
		MerchantCardMsgInfo *MerchantCardMsgInfo `json:"merchant_card_msg_info,omitempty"`
		ExtInfo             string               `json:"ext_info,omitempty"`
	}{r.TargetCardNo, r.TargetCardNoType, driver.FormatWalletTime(r.OccurTime), r.CardInfo, r.MerchantCardMsgInfo, r.ExtInfo}
}

func (r CardDeleteRequest) wire() any {
	var extInfo string
	if r.ExtInfo != nil {
		b, _ := json.Marshal(r.ExtInfo)
		extInfo = string(b)
	}
	return struct {
		OutSerialNo      string `json:"out_serial_no"`
		TargetCardNo     string `json:"target_card_no"`
		TargetCardNoType string `json:"target_card_no_type"`
		ReasonCode       string `json:"reason_code"`
		ExtInfo          string `json:"ext_info,omitempty"`
	}{r.OutSerialNo, r.TargetCardNo, r.TargetCardNoType, r.ReasonCode, extInfo}
}

func (r FormTemplateSetRequest) wire() any {
	type commonFields struct {
		CommonFields []string `json:"common_fields"`
	}
	w := struct {
		TemplateID string `json:"template_id"`
		Fields     struct {
			Required commonFields  `json:"required"`
			Optional *commonFields `json:"optional,omitempty"`
		} `json:"fields"`
	}{TemplateID: r.TemplateID}
	w.Fields.Required.CommonFields = r.Required
	if len(r.Optional) > 0 {
		w.Fields.Optional = &commonFields{r.Optional}
	}
	return w
}

func (r ConsumeSyncRequest) wire() any {
	return struct {
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
	}{r.TargetCardNo, r.TargetCardNoType, r.TradeType, r.TradeNo, driver.FormatWalletTime(r.TradeTime),
		r.TradeName, r.TradeAmount, r.ActPayAmount, r.CardInfo, r.GainBenefitList, r.UseBenefitList,
		r.ShopCode, r.Memo, r.SwipeCertType}
}

func (r MessageNotifyRequest) wire() any {
	return struct {
		TargetCardNo     string      `json:"target_card_no"`
		TargetCardNoType string      `json:"target_card_no_type"`
		OccurTime        string      `json:"occur_time"`
		NotifyType       string      `json:"notify_type"`
		NotifyNo         string      `json:"notify_no"`
		NotifyInfo       *NotifyInfo `json:"notify_info,omitempty"`
	}{r.TargetCardNo, r.TargetCardNoType, driver.FormatWalletTime(r.OccurTime), r.NotifyType, r.NotifyNo, r.NotifyInfo}
}
