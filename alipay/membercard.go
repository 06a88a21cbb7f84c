package alipay

import (
	"context"
	"errors"
	"strings"

	card "github.com/walletcard/card"
)

// Open opens a card with alipay.marketing.card.open. OpenRequest.AuthToken
// (the user's token from OAuth with scope auth_ecard) and Holder (the Alipay
// user id 2088…, or the user's open_id) are required. IdempotencyKey becomes
// out_serial_no (generated when empty) and is reused on every retry; every
// *card.Error returned carries it (errors.As with *KeyError), so that the
// caller can open again with the same key. When ctx ends, Open returns the
// bare ctx.Err() with no key: set IdempotencyKey yourself if you may need to
// repeat a canceled call. A client timeout (http.Client.Timeout) while ctx
// is live is an unavailable *card.Error with the key, retried with it.
//
// Alipay does not document what a repeated out_serial_no does; an open
// answered CARD_HAS_OPENED on a retry, or when IdempotencyKey was set (a
// repeat), is reconciled by looking the user's card up by ExternalNo (see
// CardOpen). open_date is not sent (Alipay records when it opened the card),
// so that a repeat with the same key sends the same biz_content; valid_date
// is ValidUntil in Beijing time. Zero Points and Balance are not sent (the
// template's CONST rules apply). If Alipay's success answer cannot be fully
// decoded, Open returns the card (its Ref set, other fields possibly
// missing) together with an error whose Code is CodePartialResponse.
func (p *Provider) Open(ctx context.Context, req card.OpenRequest) (*card.Card, error) {
	const op = "Open"
	if err := precheck(op, p.checkOpen(req)); err != nil {
		return nil, err
	}
	key := req.IdempotencyKey
	if key == "" {
		key = card.NewIdempotencyKey()
	}
	native := CardOpenRequest{
		AuthToken:      req.AuthToken,
		OutSerialNo:    key,
		CardTemplateID: req.TemplateID,
		CardUserInfo:   holderInfo(req.Holder),
		CardExtInfo: MerchantCard{
			ExternalCardNo: req.ExternalNo,
			ValidDate:      req.ValidUntil,
			Level:          req.Level,
		},
	}
	// Zero points or balance are not sent, so that the template's field
	// rules (CONST, or a default) apply instead of being overwritten by 0.
	if points := req.Points; points != 0 {
		native.CardExtInfo.Point = &points
	}
	if balance := req.Balance; balance != 0 {
		native.CardExtInfo.Balance = &balance
	}
	res, err := p.CardOpen(ctx, native)
	if res == nil {
		return nil, renameOp(err, op)
	}
	c := toCard(req.TemplateID, res.CardInfo)
	c.Holder = req.Holder
	if c.ExternalNo == "" {
		c.ExternalNo = req.ExternalNo
	}
	if err != nil {
		// PARTIAL_RESPONSE: the card exists; Ref is set, the rest may be
		// missing (read it with Get).
		return c, renameOp(err, op)
	}
	return c, nil
}

func (p *Provider) checkOpen(req card.OpenRequest) error {
	if err := card.CheckProvider(Name, req.Provider); err != nil {
		return err
	}
	if err := req.Validate(); err != nil {
		return err
	}
	ck := checker{}
	if req.AuthToken == "" {
		ck.fail("AuthToken", "is required on Alipay: the user's access token from OAuth with scope auth_ecard (see AuthorizeURL and ExchangeCode)")
	}
	ck.optional("AuthToken", req.AuthToken, maxAuthTokenLen)
	if req.Holder == "" {
		ck.fail("Holder", "is required on Alipay: the user's Alipay user id (2088…) or open_id, as returned with the token")
	}
	ck.optional("Holder", req.Holder, 128)
	if isUID(req.Holder) {
		ck.optional("Holder", req.Holder, 32)
	}
	ck.optional("TemplateID", req.TemplateID, 32)
	return ck.err()
}

// isUID reports whether s looks like an Alipay user id: digits starting 2088.
func isUID(s string) bool {
	if !strings.HasPrefix(s, "2088") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func holderInfo(holder string) CardUserInfo {
	if isUID(holder) {
		return CardUserInfo{UserUniID: holder, UserUniIDType: UserIDTypeUID}
	}
	return CardUserInfo{OpenID: holder, UserUniIDType: UserIDTypeUID}
}

// toCard converts Alipay card data to the neutral card.
func toCard(templateID string, m MerchantCard) *card.Card {
	c := &card.Card{
		Ref:        card.Ref{Provider: Name, TemplateID: templateID, CardNo: m.BizCardNo},
		ExternalNo: m.ExternalCardNo,
		Level:      m.Level,
		OpenedAt:   m.OpenDate,
		ValidUntil: m.ValidDate,
		Status:     card.StatusActive,
	}
	if m.Point != nil {
		c.Points = *m.Point
	}
	if m.Balance != nil {
		c.Balance = *m.Balance
	}
	return c
}

// precheck returns the first of the results of a neutral operation's
// checks, wrapped as an invalid argument of op, or nil. Nothing is sent when
// it fails.
func precheck(op string, results ...error) error {
	for _, err := range results {
		if err != nil {
			return card.Wrap(Name, op, card.KindInvalidArgument, err)
		}
	}
	return nil
}

// renameOp gives an error from a native method the neutral operation name.
func renameOp(err error, op string) error {
	if e, ok := err.(*card.Error); ok {
		c := *e
		c.Op = op + " (" + e.Op + ")"
		return &c
	}
	return err
}

// Get reads a card with alipay.marketing.card.query (BIZ_CARD). Alipay does
// not report the holder, so Card.Holder is empty.
func (p *Provider) Get(ctx context.Context, ref card.Ref) (*card.Card, error) {
	const op = "Get"
	if err := precheck(op, checkRef(ref)); err != nil {
		return nil, err
	}
	res, err := p.CardQuery(ctx, CardQueryRequest{TargetCardNo: ref.CardNo, TargetCardNoType: CardNoBiz, TemplateID: ref.TemplateID})
	if err != nil {
		return nil, renameOp(err, op)
	}
	return toCard(ref.TemplateID, res.CardInfo), nil
}

func checkRef(ref card.Ref) error {
	if err := card.CheckRef(Name, ref); err != nil {
		return err
	}
	if err := ref.Validate(); err != nil {
		return err
	}
	ck := checker{}
	ck.optional("Ref.TemplateID", ref.TemplateID, 32)
	ck.optional("Ref.CardNo", ref.CardNo, 32)
	return ck.err()
}

// Update sets absolute values with alipay.marketing.card.update (occur_time
// now, Beijing time) and then reads the card back with card.query. Note is
// not sent: Alipay's merchant_card_msg_info carries only numeric changes.
func (p *Provider) Update(ctx context.Context, req card.UpdateRequest) (*card.Card, error) {
	const op = "Update"
	if err := precheck(op, checkRef(req.Ref), req.Validate()); err != nil {
		return nil, err
	}
	info := MerchantCard{Point: req.Points, Balance: req.Balance}
	if req.Level != nil {
		info.Level = *req.Level
	}
	u := CardUpdateRequest{TargetCardNo: req.Ref.CardNo, CardInfo: info}
	if req.PointsChange != nil {
		u.MerchantCardMsgInfo = &MerchantCardMsgInfo{ChangedPoint: req.PointsChange}
	}
	if _, err := p.CardUpdate(ctx, u); err != nil {
		return nil, renameOp(err, op)
	}
	return p.Get(ctx, req.Ref)
}

// Delete deletes a card with alipay.marketing.card.delete. IdempotencyKey
// becomes out_serial_no (generated when empty) and is reused on retries;
// every *card.Error returned carries it (KeyError). When ctx ends Delete
// returns the bare ctx.Err() without the key: set IdempotencyKey yourself if
// you may need to repeat a canceled call. Deleting a deleted card is
// ErrNotFound, unless a retry of this call finds it deleted after an attempt
// whose outcome was unknown (see CardDelete). Reason defaults to CANCEL.
func (p *Provider) Delete(ctx context.Context, req card.DeleteRequest) error {
	const op = "Delete"
	if err := precheck(op, checkRef(req.Ref), req.Validate()); err != nil {
		return err
	}
	reason := string(req.Reason)
	if reason == "" {
		reason = ReasonCancel
	}
	_, err := p.CardDelete(ctx, CardDeleteRequest{OutSerialNo: req.IdempotencyKey, TargetCardNo: req.Ref.CardNo, ReasonCode: reason})
	if err != nil {
		return renameOp(err, op)
	}
	return nil
}

// ClaimLink returns the activation-form link of a template
// (alipay.marketing.card.activateurl.apply). Channel becomes out_string; the
// callback and follow app come from Options. Holder and ExpiresIn are not
// supported by Alipay and are ignored.
func (p *Provider) ClaimLink(ctx context.Context, req card.ClaimLinkRequest) (*card.ClaimLink, error) {
	const op = "ClaimLink"
	if err := precheck(op, card.CheckProvider(Name, req.Provider), req.Validate()); err != nil {
		return nil, err
	}
	res, err := p.ActivateURLApply(ctx, ActivateURLApplyRequest{
		TemplateID:  req.TemplateID,
		OutString:   req.Channel,
		Callback:    p.callbackURL,
		FollowAppID: p.followAppID,
	})
	if err != nil {
		return nil, renameOp(err, op)
	}
	return &card.ClaimLink{Provider: Name, TemplateID: req.TemplateID, URL: res.ApplyCardURL}, nil
}

// CreateTemplate creates a member-card template with
// alipay.marketing.card.template.create: Title is card_show_name, BrandName
// brand_name. LogoURL and BackgroundURL must be image ids returned by
// ImageUpload (logo_id, background_id): Alipay takes no image URLs, so an
// http(s) URL is refused (Field "LogoURL" / "BackgroundURL") — upload the
// image first. Color is bg_color, written "#rrggbb" (converted to Alipay's
// "rgb(r,g,b)") or "rgb(r,g,b)". Errors name the TemplateSpec fields. Points and Balance add POINT and BALANCE columns whose values come from
// card.open, Levels become card_level_conf. So that ClaimLink works at once,
// it also sets an activation form asking for the mobile number
// (formtemplate.set). Alipay templates need no review, so the template is
// approved at once; Stock is -1 (no limit). Title is read back from Alipay
// (template.query). When template.create succeeded but formtemplate.set
// failed (after its retries), CreateTemplate returns the template together
// with an error of Code CodeFormNotSet that names the template id; repeat
// CreateTemplate with the same IdempotencyKey (request_id), or call
// FormTemplateSet. If ctx ends after the template was created, the template
// is returned with the bare ctx.Err(). Use TemplateCreate and
// FormTemplateSet for everything else.
func (p *Provider) CreateTemplate(ctx context.Context, spec card.TemplateSpec) (*card.Template, error) {
	const op = "CreateTemplate"
	if err := precheck(op, card.CheckProvider(Name, spec.Provider), spec.Validate()); err != nil {
		return nil, err
	}
	spec.Color = hexToRGB(spec.Color)
	req := TemplateCreateRequest{
		RequestID: spec.IdempotencyKey,
		TemplateConfig: TemplateConfig{
			BizNoSuffixLen: 20,
			WriteOffType:   "qrcode",
			TemplateStyleInfo: TemplateStyleInfo{
				CardShowName: spec.Title,
				BrandName:    spec.BrandName,
				LogoID:       spec.LogoURL,
				BackgroundID: spec.BackgroundURL,
				BgColor:      spec.Color,
			},
		},
	}
	for _, s := range []string{spec.Notice, spec.Description} {
		if s != "" {
			req.TemplateStyleInfo.FeatureDescriptions = append(req.TemplateStyleInfo.FeatureDescriptions, s)
		}
	}
	if spec.Points {
		req.ColumnInfoList = append(req.ColumnInfoList, TemplateColumnInfo{Code: ColumnPoint, Title: "积分"})
		req.FieldRuleList = append(req.FieldRuleList, TemplateFieldRule{FieldName: "Point", RuleName: "ASSIGN_FROM_REQUEST", RuleValue: "Point"})
	}
	if spec.Balance {
		req.ColumnInfoList = append(req.ColumnInfoList, TemplateColumnInfo{Code: ColumnBalance, Title: "余额"})
		req.FieldRuleList = append(req.FieldRuleList, TemplateFieldRule{FieldName: "Balance", RuleName: "ASSIGN_FROM_REQUEST", RuleValue: "Balance"})
	}
	if len(spec.Levels) > 0 {
		req.ColumnInfoList = append(req.ColumnInfoList, TemplateColumnInfo{Code: ColumnLevel, Title: "等级"})
		req.FieldRuleList = append(req.FieldRuleList, TemplateFieldRule{FieldName: "Level", RuleName: "ASSIGN_FROM_REQUEST", RuleValue: "Level"})
		for _, l := range spec.Levels {
			req.CardLevelConf = append(req.CardLevelConf, TemplateCardLevelConf{Level: l, LevelShowName: l})
		}
	}
	if spec.ServicePhone != "" {
		req.ColumnInfoList = append(req.ColumnInfoList, TemplateColumnInfo{Code: ColumnTelephone, Title: "客服电话", Value: spec.ServicePhone})
	}
	if req.RequestID == "" {
		req.RequestID = card.NewIdempotencyKey()
	}
	req.CardType = orDefault(req.CardType, CardTypeOutMember)
	if err := req.Validate(); err != nil {
		return nil, precheck(op, neutralField(err, templateSpecFields))
	}
	res, err := p.TemplateCreate(ctx, req)
	if err != nil {
		return nil, renameOp(err, op)
	}
	tpl := &card.Template{Provider: Name, ID: res.TemplateID, Title: spec.Title, Status: card.TemplateApproved, Stock: -1}
	// formtemplate.set is idempotent and retried (Options.Retry) like any
	// other unavailable call.
	if err := p.FormTemplateSet(ctx, FormTemplateSetRequest{TemplateID: res.TemplateID, Required: []string{FormFieldMobile}}); err != nil {
		return tpl, formNotSet(op, res.TemplateID, err)
	}
	// The title is what Alipay stored (a replayed request_id answers with
	// the template it created); the spec's when the read fails.
	if q, err := p.TemplateQuery(ctx, TemplateQueryRequest{TemplateID: res.TemplateID}); err == nil && q.TemplateStyleInfo.CardShowName != "" {
		tpl.Title = q.TemplateStyleInfo.CardShowName
	}
	return tpl, nil
}

// CodeFormNotSet is the Code of the error CreateTemplate returns, together
// with the created template, when the template was created but its
// activation form could not be set (formtemplate.set).
const CodeFormNotSet = "FORM_TEMPLATE_NOT_SET"

// formNotSet is the error of a CreateTemplate whose template exists but
// whose form was not set: it names the template, keeps the failure as its
// cause and its kind when that is transient (retry CreateTemplate with the
// same IdempotencyKey, or call FormTemplateSet); a refusal is KindUnknown,
// never InvalidArgument (the spec was accepted). A caller's ended ctx stays
// bare.
func formNotSet(op, templateID string, err error) error {
	if !errors.As(err, new(*card.Error)) {
		return err // the caller's ctx ended
	}
	kind := card.KindOf(err)
	switch kind {
	case card.KindUnavailable, card.KindRateLimited, card.KindUnauthenticated, card.KindPermissionDenied:
	default:
		kind = card.KindUnknown
	}
	return &card.Error{Provider: Name, Op: op, Kind: kind, Code: CodeFormNotSet,
		Message: "template " + templateID + " was created but its activation form was not set; call FormTemplateSet with template id " +
			templateID + ", or CreateTemplate again with the same IdempotencyKey", Err: err}
}

// GetTemplate reads a template with alipay.marketing.card.template.query.
func (p *Provider) GetTemplate(ctx context.Context, provider, id string) (*card.Template, error) {
	const op = "GetTemplate"
	if err := precheck(op, card.CheckProvider(Name, provider)); err != nil {
		return nil, err
	}
	res, err := p.TemplateQuery(ctx, TemplateQueryRequest{TemplateID: id})
	if err != nil {
		return nil, renameOp(err, op)
	}
	return &card.Template{Provider: Name, ID: id, Title: res.TemplateStyleInfo.CardShowName, Status: card.TemplateApproved, Stock: -1}, nil
}

// templateSpecFields maps the native fields CreateTemplate fills to the
// card.TemplateSpec fields they come from.
var templateSpecFields = map[string]string{
	"TemplateStyleInfo.CardShowName": "Title",
	"TemplateStyleInfo.BrandName":    "BrandName",
	"TemplateStyleInfo.LogoID":       "LogoURL",
	"TemplateStyleInfo.BackgroundID": "BackgroundURL",
	"TemplateStyleInfo.BgColor":      "Color",
	"RequestID":                      "IdempotencyKey",
}

// neutralField renames the Field of a validation error of a native request
// built by a neutral call to the neutral field it came from.
func neutralField(err error, names map[string]string) error {
	if ce, ok := err.(*card.Error); ok {
		if n, ok := names[ce.Field]; ok {
			c := *ce
			c.Field = n
			return &c
		}
	}
	return err
}
