package alipay

import (
	"context"
	"errors"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
	"github.com/walletcard/card/internal/walletrules"
)

// The neutral methods run the pipeline of package driver (validation with
// Alipay's rules from internal/walletrules, idempotency keys, retries,
// errors, logging and hooks) around cardDriver, which holds only the
// mapping to alipay.marketing.card.*.

// Open opens a card with alipay.marketing.card.open. OpenRequest.AuthToken
// (the user's token from OAuth with scope auth_ecard) and Holder (the Alipay
// user id 2088…, or the user's open_id) are required; ExternalNo is at most
// 32 characters, the length by which a lost open can be reconciled.
// IdempotencyKey becomes out_serial_no (generated when empty) and is reused
// on every retry; every *card.Error returned carries it (errors.As with
// *KeyError), so that the caller can open again with the same key. When ctx
// ends, Open returns the bare ctx.Err() with no key: set IdempotencyKey
// yourself if you may need to repeat a canceled call. A client timeout
// (http.Client.Timeout) while ctx is live is an unavailable *card.Error with
// the key, retried with it.
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
	return p.pipe.Open(ctx, req)
}

// Get reads a card with alipay.marketing.card.query (BIZ_CARD). Alipay does
// not report the holder, so Card.Holder is empty.
func (p *Provider) Get(ctx context.Context, ref card.Ref) (*card.Card, error) {
	return p.pipe.Get(ctx, ref)
}

// Update sets absolute values with alipay.marketing.card.update (occur_time
// now, Beijing time) and then reads the card back with card.query. Alipay's
// card.update answer echoes nothing of its request, so the read-back binds
// it: when the card does not show every value just written (another
// writer's update came in between, or the success answer was not this
// update's), Update sends the same values again (without the member
// message) and reads back, up to three times in all; then it returns an
// error of Code CodeUpdateNotConfirmed whose outcome is unknown
// (card.ErrOutcomeUnknown), never success. A failed read-back is returned
// with its kind and its outcome unknown (card.update was answered success,
// so the values may be set); an unavailable one is retried by sending
// card.update again, without the member message. Updates of one card
// through one Provider run one at a time, so that they never make each
// other unconfirmed; writers elsewhere (other processes) can, and then the
// last to confirm its values wins.
// PointsChange becomes merchant_card_msg_info.changed_point, the message
// Alipay shows the member; it is sent on the first attempt only, so a retry
// after a lost answer never shows the member the message twice. Note is not
// sent: Alipay's message carries only the points change.
func (p *Provider) Update(ctx context.Context, req card.UpdateRequest) (*card.Card, error) {
	return p.pipe.Update(ctx, req)
}

// Delete deletes a card with alipay.marketing.card.delete. IdempotencyKey
// becomes out_serial_no (generated when empty) and is reused on retries;
// every *card.Error returned carries it (KeyError). When ctx ends Delete
// returns the bare ctx.Err() without the key: set IdempotencyKey yourself if
// you may need to repeat a canceled call. Deleting a deleted card is
// ErrNotFound, except for a repeat: a retry after an attempt whose outcome
// was unknown, or a call carrying your own IdempotencyKey (repeating a keyed
// delete whose card is gone is success). Reason defaults to CANCEL.
func (p *Provider) Delete(ctx context.Context, req card.DeleteRequest) error {
	return p.pipe.Delete(ctx, req)
}

// ClaimLink returns the activation-form link of a template
// (alipay.marketing.card.activateurl.apply). Channel becomes out_string; the
// callback and follow app come from Options. Holder and ExpiresIn are not
// supported by Alipay and are ignored.
func (p *Provider) ClaimLink(ctx context.Context, req card.ClaimLinkRequest) (*card.ClaimLink, error) {
	return p.pipe.ClaimLink(ctx, req)
}

// CreateTemplate creates a member-card template with
// alipay.marketing.card.template.create: Title is card_show_name, BrandName
// brand_name. LogoURL and BackgroundURL must be image ids returned by
// ImageUpload (logo_id, background_id): Alipay takes no image URLs, so an
// http(s) URL is refused (Field "LogoURL" / "BackgroundURL") — upload the
// image first. Color is bg_color, written "#rrggbb" (converted to Alipay's
// "rgb(r,g,b)") or "rgb(r,g,b)". Errors name the TemplateSpec fields. Points
// and Balance add POINT and BALANCE columns whose values come from
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
	return p.pipe.CreateTemplate(ctx, spec)
}

// GetTemplate reads a template with alipay.marketing.card.template.query.
func (p *Provider) GetTemplate(ctx context.Context, provider, id string) (*card.Template, error) {
	return p.pipe.GetTemplate(ctx, provider, id)
}

// cardDriver maps the neutral requests to alipay.marketing.card.* (the
// driver.Driver of the pipeline). Every wire call is sent once (once: the
// pipeline retries) and is not validated again.
type cardDriver struct{ p *Provider }

var (
	_ driver.Driver         = cardDriver{}
	_ driver.TemplateDriver = cardDriver{}
)

func (d cardDriver) As(target any) bool { return d.p.As(target) }

// neutral gives an error of a wire call to the pipeline, which names the
// neutral operation: the wire method moves into the message.
func neutral(err error) error {
	ce, ok := err.(*card.Error)
	if !ok || ce.Op == "" {
		return err
	}
	c := *ce
	if c.Message == "" {
		c.Message = c.Op
	} else {
		c.Message = c.Op + ": " + c.Message
	}
	c.Op = ""
	return &c
}

func (d cardDriver) Open(ctx context.Context, c driver.Call, req card.OpenRequest) (*card.Card, error) {
	native := CardOpenRequest{
		AuthToken:      req.AuthToken,
		OutSerialNo:    req.IdempotencyKey,
		CardTemplateID: req.TemplateID,
		CardUserInfo:   holderInfo(req.Holder).withDefaults(),
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
	wire := native.call()
	wire.once = true
	res, err := d.p.cardOpen(ctx, native, wire, c.OutcomeUnknown || !c.KeyGenerated)
	if res == nil {
		return nil, neutral(err)
	}
	out := toCard(req.TemplateID, res.CardInfo)
	out.Holder = req.Holder
	if out.ExternalNo == "" {
		out.ExternalNo = req.ExternalNo
	}
	// With a PARTIAL_RESPONSE error the card exists; Ref is set, the rest
	// may be missing (read it with Get).
	return out, neutral(err)
}

func holderInfo(holder string) CardUserInfo {
	if walletrules.IsAlipayUID(holder) {
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

func (d cardDriver) Get(ctx context.Context, _ driver.Call, ref card.Ref) (*card.Card, error) {
	return d.query(ctx, ref)
}

// query reads a card by its Alipay number.
func (d cardDriver) query(ctx context.Context, ref card.Ref) (*card.Card, error) {
	wire := CardQueryRequest{TargetCardNo: ref.CardNo, TargetCardNoType: CardNoBiz, TemplateID: ref.TemplateID}.call()
	wire.once = true
	res, err := send[CardQueryResponse](ctx, d.p, wire)
	if err != nil {
		return nil, neutral(err)
	}
	return toCard(ref.TemplateID, res.CardInfo), nil
}

func (d cardDriver) Update(ctx context.Context, c driver.Call, req card.UpdateRequest) (*card.Card, error) {
	info := MerchantCard{Point: req.Points, Balance: req.Balance}
	if req.Level != nil {
		info.Level = *req.Level
	}
	u := d.p.updateDefaults(CardUpdateRequest{TargetCardNo: req.Ref.CardNo, CardInfo: info})
	if req.PointsChange != nil && !c.OutcomeUnknown {
		u.MerchantCardMsgInfo = &MerchantCardMsgInfo{ChangedPoint: req.PointsChange}
	}
	// Absolute values: repeating the update is safe (the message goes with
	// the first attempt only).
	unlock, err := d.p.updates.lock(ctx, req.Ref.CardNo)
	if err != nil {
		return nil, err
	}
	defer unlock()
	for try := 1; ; try++ {
		wire := call{method: MethodCardUpdate, biz: u.wire(), retry: true, once: true}
		if _, err := send[CardUpdateResponse](ctx, d.p, wire); err != nil {
			if try > 1 {
				// An earlier card.update of this call was answered success.
				return nil, neutral(outcome(err, wire, true))
			}
			return nil, neutral(err)
		}
		got, err := d.query(ctx, req.Ref)
		if err != nil {
			// card.update was answered success: whatever the read-back
			// says, the update may have been applied. Its kind stays (an
			// unavailable read-back is retried, without the message).
			return nil, outcome(err, wire, true)
		}
		field := unconfirmed(req, got)
		if field == "" {
			return got, nil
		}
		if try == updateConfirmations || ctx.Err() != nil {
			return nil, &card.Error{Kind: card.KindUnknown, Code: CodeUpdateNotConfirmed, Field: field, OutcomeUnknown: true,
				Message: MethodCardUpdate + " answered success but " + MethodCardQuery + " shows another " + field +
					": the answer may not be this update's (Alipay's card.update answer carries nothing of its request), " +
					"or other updates keep coming in between; the outcome is unknown, read the card before repeating the update"}
		}
		// Another writer, or an answer that was not this update's: send the
		// same absolute values again, without the member message.
		u.MerchantCardMsgInfo = nil
	}
}

// updateConfirmations is how many times Update sends card.update and reads
// the card back before it reports CodeUpdateNotConfirmed.
const updateConfirmations = 3

// CodeUpdateNotConfirmed is the Code of the error of an Update whose
// card.update was answered success but whose read-back (card.query) does
// not show every value it set (Field names the first that differs). The
// outcome is unknown (card.ErrOutcomeUnknown): card.update's answer node
// echoes nothing of its request, so a genuine success answer of another
// update, replayed by someone on the path, looks exactly like this one's;
// another writer may also have changed the card in between.
const CodeUpdateNotConfirmed = "UPDATE_NOT_CONFIRMED"

// unconfirmed returns the name of the first value req sets that c does not
// show, or "".
func unconfirmed(req card.UpdateRequest, c *card.Card) string {
	switch {
	case req.Level != nil && c.Level != *req.Level:
		return "Level"
	case req.Points != nil && c.Points != *req.Points:
		return "Points"
	case req.Balance != nil && c.Balance != *req.Balance:
		return "Balance"
	}
	return ""
}

func (d cardDriver) Delete(ctx context.Context, c driver.Call, req card.DeleteRequest) error {
	reason := string(req.Reason)
	if reason == "" {
		reason = ReasonCancel
	}
	wire := CardDeleteRequest{OutSerialNo: req.IdempotencyKey, TargetCardNo: req.Ref.CardNo, ReasonCode: reason}.call()
	wire.once = true
	_, err := send[CardDeleteResponse](ctx, d.p, wire)
	if err != nil && codeOf(err) == "CARD_IS_DELETED_ALREADY" && (c.OutcomeUnknown || !c.KeyGenerated) {
		return nil // this delete, repeated: the card is gone
	}
	return neutral(err)
}

func (d cardDriver) ClaimLink(ctx context.Context, _ driver.Call, req card.ClaimLinkRequest) (*card.ClaimLink, error) {
	wire := ActivateURLApplyRequest{
		TemplateID:  req.TemplateID,
		OutString:   req.Channel,
		Callback:    d.p.callbackURL,
		FollowAppID: d.p.followAppID,
	}.call()
	wire.once = true
	res, err := send[ActivateURLApplyResponse](ctx, d.p, wire)
	if err != nil {
		return nil, neutral(err)
	}
	return &card.ClaimLink{Provider: Name, TemplateID: req.TemplateID, URL: res.ApplyCardURL}, nil
}

func (d cardDriver) CreateTemplate(ctx context.Context, _ driver.Call, spec card.TemplateSpec) (*card.Template, error) {
	req := TemplateCreateRequest{
		RequestID: spec.IdempotencyKey,
		CardType:  CardTypeOutMember,
		TemplateConfig: TemplateConfig{
			BizNoSuffixLen: 20,
			WriteOffType:   "qrcode",
			TemplateStyleInfo: TemplateStyleInfo{
				CardShowName: spec.Title,
				BrandName:    spec.BrandName,
				LogoID:       spec.LogoURL,
				BackgroundID: spec.BackgroundURL,
				BgColor:      walletrules.HexToRGB(spec.Color),
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
	wire := req.call()
	wire.once = true
	res, err := send[TemplateCreateResponse](ctx, d.p, wire)
	if err != nil {
		return nil, neutral(err)
	}
	tpl := &card.Template{Provider: Name, ID: res.TemplateID, Title: spec.Title, Status: card.TemplateApproved, Stock: -1}
	// formtemplate.set is idempotent: it keeps the wire layer's retries
	// (Options.Retry), so that a transient failure here does not make the
	// pipeline send template.create again.
	form := FormTemplateSetRequest{TemplateID: res.TemplateID, Required: []string{FormFieldMobile}}.call()
	if _, err := send[struct{}](ctx, d.p, form); err != nil {
		return tpl, formNotSet(res.TemplateID, err)
	}
	// The title is what Alipay stored (a replayed request_id answers with
	// the template it created); the spec's when the read fails.
	q := TemplateQueryRequest{TemplateID: res.TemplateID}.call()
	q.once = true
	if got, err := send[TemplateQueryResponse](ctx, d.p, q); err == nil && got.TemplateStyleInfo.CardShowName != "" {
		tpl.Title = got.TemplateStyleInfo.CardShowName
	}
	return tpl, nil
}

// CodeFormNotSet is the Code of the error CreateTemplate returns, together
// with the created template, when the template was created but its
// activation form could not be set (formtemplate.set).
const CodeFormNotSet = "FORM_TEMPLATE_NOT_SET"

// formNotSet is the error of a CreateTemplate whose template exists but
// whose form was not set: it names the template, keeps the failure as its
// cause and its kind when that is transient or an authorization problem
// (the pipeline then repeats CreateTemplate with the same request_id, which
// Alipay answers with the same template); a refusal is KindUnknown, never
// InvalidArgument (the spec was accepted). A caller's ended ctx stays bare.
func formNotSet(templateID string, err error) error {
	if !errors.As(err, new(*card.Error)) {
		return err // the caller's ctx ended
	}
	kind := card.KindOf(err)
	switch kind {
	case card.KindUnavailable, card.KindRateLimited, card.KindUnauthenticated, card.KindPermissionDenied:
	default:
		kind = card.KindUnknown
	}
	return &card.Error{Kind: kind, Code: CodeFormNotSet,
		Message: "template " + templateID + " was created but its activation form was not set; call FormTemplateSet with template id " +
			templateID + ", or CreateTemplate again with the same IdempotencyKey", Err: err}
}

func (d cardDriver) GetTemplate(ctx context.Context, _ driver.Call, id string) (*card.Template, error) {
	q := TemplateQueryRequest{TemplateID: id}.call()
	q.once = true
	res, err := send[TemplateQueryResponse](ctx, d.p, q)
	if err != nil {
		return nil, neutral(err)
	}
	return &card.Template{Provider: Name, ID: id, Title: res.TemplateStyleInfo.CardShowName, Status: card.TemplateApproved, Stock: -1}, nil
}
