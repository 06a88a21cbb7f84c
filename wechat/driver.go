package wechat

import (
	"context"
	"fmt"
	"strings"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
)

// Compile-time checks: the neutral interfaces the Provider implements.
var (
	_ card.MemberCard      = (*Provider)(nil)
	_ card.Consumer        = (*Provider)(nil)
	_ card.TemplateManager = (*Provider)(nil)
)

// DefaultTemplateStock is the quantity CreateTemplate gives a card when TemplateSpec.Stock is 0.
const DefaultTemplateStock = 100000

// The neutral methods run the pipeline of package driver (validation with
// WeChat's rules from internal/walletrules, retries, errors, logging and
// hooks) around cardDriver, which holds only the mapping to the 卡券 API.

// Open activates a claimed WeChat member card (POST /card/membercard/activate).
//
// It needs OpenRequest.Code, the code the user received when claiming the
// card (from user_get_card, wx.addCard or DecryptCode). ExternalNo becomes
// membership_number (at most 20 bytes: WeChat documents no length, it "may
// equal the code", which is at most 20 bytes), Points (whole points only)
// init_bonus, Balance (fen) init_balance (both sent only when non-zero),
// Level the custom field Options.LevelField, ValidUntil activate_end_time;
// activate_begin_time is now, and is what Get reports as OpenedAt. The
// returned card's Holder is the openid WeChat reports for the code
// (OpenRequest.Holder is informational and used only if WeChat reports
// none). A validation error names the OpenRequest field.
//
// Open is idempotent: it first reads userinfo/get; a code already active with
// the same membership_number is returned as it is (no second activation), one
// active with another number is card.ErrAlreadyExists. When activate answers
// errcode -1 (system busy) or its answer is lost, the pipeline tries again,
// and the next attempt reads userinfo/get first and activates only a code
// still not active. WeChat has no request key for activation, so
// OpenRequest.IdempotencyKey is not sent.
func (p *Provider) Open(ctx context.Context, req card.OpenRequest) (*card.Card, error) {
	return p.pipe.Open(ctx, req)
}

// Get reads a card: membercard/userinfo/get for the number, points and
// balance, then code/get (check_consume false) for the status and validity.
// A deleted or unavailable card is card.ErrNotFound. Level is filled only when
// WeChat's answer carries the custom-field values (userinfo/get does not
// document them; wechattest does not send them).
func (p *Provider) Get(ctx context.Context, ref card.Ref) (*card.Card, error) {
	return p.pipe.Get(ctx, ref)
}

// Update sets points (whole only), balance and level to absolute values with
// one POST /card/membercard/updateuser: bonus and balance are sent as
// absolute values (never add_*), so repeating an update is harmless; Level
// goes to custom_field_value<LevelField>; Note becomes record_bonus and/or
// record_balance (≤ 14 汉字, i.e. 42 bytes, on WeChat). PointsChange is not
// sent (WeChat shows Note). The returned card carries what updateuser
// answers (points, balance, holder) plus the level sent; its Status is left
// empty, because updateuser does not report the card's state (WeChat also
// updates a claimed card that is not activated yet). Call Get for the
// status, membership number and validity.
func (p *Provider) Update(ctx context.Context, req card.UpdateRequest) (*card.Card, error) {
	return p.pipe.Update(ctx, req)
}

// Delete makes the card's code unavailable (POST /card/code/unavailable), with
// DeleteRequest.Reason (default CANCEL) as the reason. Afterwards Get and
// Update return card.ErrNotFound. It cannot be undone. When WeChat answers
// -1 or the answer is lost, the pipeline tries again, and a repeat that
// finds the code already unavailable (40127, confirmed by code/get) is this
// delete's success. Deleting a deleted card is otherwise card.ErrNotFound:
// WeChat keeps no key that would tell a caller's own repeat apart.
func (p *Provider) Delete(ctx context.Context, req card.DeleteRequest) error {
	return p.pipe.Delete(ctx, req)
}

// ClaimLink creates a QR_CARD QR code (POST /card/qrcode/create) for the
// template: outer_str = Channel, openid = Holder (only that user may scan),
// expire_seconds = ExpiresIn (60 s – 30 min on WeChat; zero leaves it out,
// which WeChat treats as 365 days). URL is the text of the QR code, QRCodeURL
// the showqrcode image and Ticket the QR ticket.
//
// For other entry points use the typed methods: CreateLandingPage for a
// landing page (货架) listing several cards, GetActivateURL for WeChat's
// activation component (开卡组件), and CardExt for the JS-SDK wx.addCard.
func (p *Provider) ClaimLink(ctx context.Context, req card.ClaimLinkRequest) (*card.ClaimLink, error) {
	return p.pipe.ClaimLink(ctx, req)
}

// Consume redeems the card's code once (POST /card/code/consume). A code
// consumed before is card.ErrConflict (errcode 40099).
//
// Consume reports success only when WeChat answered success to this call,
// and conflict only when no attempt of this call can have consumed the
// code. When WeChat answers -1 or the answer is lost, code/get tells what
// happened: a code still unconsumed was not consumed by this call, which is
// sent again; a consumed code may have been consumed by this call or by
// another one (WeChat keeps no record of which), so Consume returns an
// error matching card.ErrOutcomeUnknown (kind card.KindUnknown, not
// retryable): check your own records (the user_consume_card event names the
// code) before redeeming the benefit again.
func (p *Provider) Consume(ctx context.Context, req card.ConsumeRequest) error {
	return p.pipe.Consume(ctx, req)
}

// CreateTemplate creates a MEMBER_CARD (POST /card/create) from the neutral
// spec: supply_bonus = Points, supply_balance = Balance,
// custom_field<LevelField> FIELD_NAME_TYPE_LEVEL when Levels are given,
// sku.quantity = Stock (default DefaultTemplateStock), code_type
// CODE_TYPE_QRCODE, date_info DATE_TYPE_PERMANENT, colour Color010 and notice
// 出示会员卡 unless given, prerogative = Description or Title. WeChat requires
// LogoURL — an image uploaded to WeChat first with UploadImage
// (media/uploadimg) — and a BrandName of ≤ 12 汉字. The template is pending
// until WeChat approves it (event card_pass_check); use CreateCard for every
// other field.
//
// Once card/create has succeeded the template is always returned with its
// card_id and a nil error: the follow-up card/get that reads the review
// status is best effort, and when it fails the result is pending with the
// Title and Stock that were sent. (Returning an error there would make a
// caller's retry create a second card.)
func (p *Provider) CreateTemplate(ctx context.Context, spec card.TemplateSpec) (*card.Template, error) {
	return p.pipe.CreateTemplate(ctx, spec)
}

// GetTemplate reads a card (POST /card/get): CARD_STATUS_VERIFY_OK and
// CARD_STATUS_(USER_)DISPATCH are approved, CARD_STATUS_NOT_VERIFY (or no
// status) pending, CARD_STATUS_VERIFY_FAIL rejected; a deleted card
// (CARD_STATUS_DELETE, CARD_STATUS_USER_DELETE) is card.ErrNotFound, and any
// other status a KindUnavailable error rather than a guess.
// Stock is sku.quantity.
func (p *Provider) GetTemplate(ctx context.Context, provider, id string) (*card.Template, error) {
	return p.pipe.GetTemplate(ctx, provider, id)
}

// cardDriver maps the neutral requests to the 卡券 API (the driver.Driver
// of the pipeline). Every wire call is sent once (postOnce: the pipeline
// retries) and is not validated again, except the code/get read-back of
// consume and codeStatus, a read that is resent after errcode -1.
type cardDriver struct{ p *Provider }

var (
	_ driver.Driver         = cardDriver{}
	_ driver.TemplateDriver = cardDriver{}
	_ driver.ConsumeDriver  = cardDriver{}
)

func (d cardDriver) As(target any) bool { return d.p.As(target) }

// post sends in to path once and decodes the answer into a new Resp.
func post[Resp any](ctx context.Context, d cardDriver, op card.Op, path string, in any) (*Resp, error) {
	var out Resp
	if err := d.p.postOnce(ctx, string(op), path, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// repeatable marks err (a lost answer or -1 of a call whose driver method
// checks the wallet's state before sending it again) as safe to repeat:
// kind KindUnavailable, the outcome still unknown.
func repeatable(err error) error {
	ce, ok := err.(*card.Error)
	if !ok || !ce.OutcomeUnknown {
		return err
	}
	c := *ce
	c.Kind = card.KindUnavailable
	c.Message = "WeChat may have applied the call; the next attempt checks before sending it again"
	return &c
}

func (d cardDriver) Open(ctx context.Context, c driver.Call, req card.OpenRequest) (*card.Card, error) {
	now := d.p.now()
	act := ActivateMemberCardRequest{
		MembershipNumber:  req.ExternalNo,
		Code:              req.Code,
		CardID:            req.TemplateID,
		ActivateBeginTime: now.Unix(),
	}
	// init_bonus / init_balance only when non-zero: a card without
	// supply_bonus / supply_balance (or an account without that permission,
	// 43011 / 43010) must not be refused for an explicit 0.
	bonus, _ := req.Points.Whole()
	if bonus != 0 {
		act.InitBonus = &bonus
	}
	if req.Balance != 0 {
		act.InitBalance = card.Ptr(req.Balance.Fen())
	}
	if !req.ValidUntil.IsZero() {
		act.ActivateEndTime = req.ValidUntil.Unix()
	}
	switch d.p.levelField {
	case 1:
		act.InitCustomFieldValue1 = req.Level
	case 2:
		act.InitCustomFieldValue2 = req.Level
	case 3:
		act.InitCustomFieldValue3 = req.Level
	}
	ref := card.Ref{Provider: Name, TemplateID: req.TemplateID, CardNo: req.Code}
	existing, info, err := d.existing(ctx, c.Op, ref, req.ExternalNo)
	if existing != nil || err != nil {
		return existing, err
	}
	// activate is not idempotent on the wire: after a -1 or a lost answer
	// the pipeline's next attempt reads userinfo/get first (above), and only
	// a code still not activated is sent again. A 40127 means a concurrent
	// Open activated it.
	if _, err := post[struct{}](ctx, d, c.Op, "/card/membercard/activate", act); err != nil {
		if code, ok := errcodeOf(err); ok && code == 40127 {
			if existing, _, err2 := d.existing(ctx, c.Op, ref, req.ExternalNo); existing != nil || err2 != nil {
				return existing, err2
			}
		}
		return nil, repeatable(err)
	}
	holder := info.OpenID // the code's owner as WeChat knows it
	if holder == "" {
		holder = req.Holder
	}
	out := &card.Card{
		Ref:        ref,
		ExternalNo: req.ExternalNo,
		Holder:     holder,
		Level:      req.Level,
		Points:     card.WholePoints(bonus),
		Balance:    req.Balance,
		OpenedAt:   time.Unix(now.Unix(), 0).In(card.Beijing()),
		Status:     card.StatusActive,
	}
	if !req.ValidUntil.IsZero() {
		out.ValidUntil = time.Unix(req.ValidUntil.Unix(), 0).In(card.Beijing())
	}
	return out, nil
}

// existing reads ref with userinfo/get. When the code is already activated
// it returns the card (same number) or ErrAlreadyExists (another number);
// otherwise a nil card, nil error and the userinfo/get answer.
func (d cardDriver) existing(ctx context.Context, op card.Op, ref card.Ref, number string) (*card.Card, *MemberUserInfo, error) {
	info, err := d.userInfo(ctx, op, ref)
	if err != nil {
		return nil, nil, err
	}
	if !bool(info.HasActive) {
		return nil, info, nil
	}
	if info.MembershipNumber != number {
		return nil, nil, &card.Error{Kind: card.KindAlreadyExists, Field: "Code",
			Message: "the code is already activated with another membership_number"}
	}
	c, err := d.getWith(ctx, op, ref, info)
	if err != nil {
		return nil, nil, err
	}
	return c, info, nil
}

func (d cardDriver) userInfo(ctx context.Context, op card.Op, ref card.Ref) (*MemberUserInfo, error) {
	return post[MemberUserInfo](ctx, d, op, "/card/membercard/userinfo/get", GetMemberUserInfoRequest{CardID: ref.TemplateID, Code: ref.CardNo})
}

func (d cardDriver) codeGet(ctx context.Context, op card.Op, ref card.Ref) (*GetCodeResponse, error) {
	return post[GetCodeResponse](ctx, d, op, "/card/code/get", GetCodeRequest{Code: ref.CardNo, CardID: ref.TemplateID, CheckConsume: card.Ptr(false)})
}

func (d cardDriver) Get(ctx context.Context, c driver.Call, ref card.Ref) (*card.Card, error) {
	info, err := d.userInfo(ctx, c.Op, ref)
	if err != nil {
		return nil, err
	}
	return d.getWith(ctx, c.Op, ref, info)
}

func (d cardDriver) getWith(ctx context.Context, op card.Op, ref card.Ref, info *MemberUserInfo) (*card.Card, error) {
	code, err := d.codeGet(ctx, op, ref)
	if err != nil {
		return nil, err
	}
	status := info.UserCardStatus
	if code.UserCardStatus != "" {
		status = code.UserCardStatus
	}
	c := &card.Card{
		Ref:        ref,
		ExternalNo: info.MembershipNumber,
		Holder:     info.OpenID,
		Points:     card.WholePoints(info.Bonus),
		Balance:    card.Fen(info.Balance),
	}
	if c.Holder == "" {
		c.Holder = code.OpenID
	}
	switch d.p.levelField {
	case 1:
		c.Level = info.CustomFieldValue1
	case 2:
		c.Level = info.CustomFieldValue2
	case 3:
		c.Level = info.CustomFieldValue3
	}
	if code.Card.BeginTime > 0 {
		c.OpenedAt = time.Unix(code.Card.BeginTime, 0).In(card.Beijing())
	}
	if code.Card.EndTime > 0 {
		c.ValidUntil = time.Unix(code.Card.EndTime, 0).In(card.Beijing())
	}
	switch status {
	case "DELETE", "UNAVAILABLE":
		return nil, &card.Error{Kind: card.KindNotFound, Code: status, Message: "the card was deleted or made unavailable"}
	case "EXPIRE", "CONSUMED":
		c.Status = card.StatusExpired
	default: // NORMAL, GIFTING, GIFT_TIMEOUT
		if bool(info.HasActive) {
			c.Status = card.StatusActive
		} else {
			c.Status = card.StatusClaimed
		}
	}
	return c, nil
}

func (d cardDriver) Update(ctx context.Context, c driver.Call, req card.UpdateRequest) (*card.Card, error) {
	u := UpdateMemberUserRequest{Code: req.Ref.CardNo, CardID: req.Ref.TemplateID}
	if req.Points != nil {
		n, _ := req.Points.Whole()
		u.Bonus = &n
		u.RecordBonus = req.Note
	}
	if req.Balance != nil {
		u.Balance = card.Ptr(req.Balance.Fen())
		u.RecordBalance = req.Note
	}
	if req.Level != nil {
		switch d.p.levelField {
		case 1:
			u.CustomFieldValue1 = req.Level
		case 2:
			u.CustomFieldValue2 = req.Level
		case 3:
			u.CustomFieldValue3 = req.Level
		}
	}
	out, err := post[UpdateMemberUserResponse](ctx, d, c.Op, "/card/membercard/updateuser", u)
	if err != nil {
		return nil, err
	}
	res := &card.Card{
		Ref:     req.Ref,
		Holder:  out.OpenID,
		Points:  card.WholePoints(out.ResultBonus),
		Balance: card.Fen(out.ResultBalance),
	}
	if req.Level != nil {
		res.Level = *req.Level
	}
	return res, nil
}

func (d cardDriver) Delete(ctx context.Context, c driver.Call, req card.DeleteRequest) error {
	reason := req.Reason
	if reason == "" {
		reason = card.ReasonCancel
	}
	u := UnavailableCodeRequest{Code: req.Ref.CardNo, CardID: req.Ref.TemplateID, Reason: string(reason)}
	_, err := post[struct{}](ctx, d, c.Op, "/card/code/unavailable", u)
	if err == nil {
		return nil
	}
	if code, ok := errcodeOf(err); ok && code == 40127 && c.OutcomeUnknown {
		// The code is gone: if code/get says UNAVAILABLE, the attempt whose
		// answer was lost did it.
		if st, gerr := d.p.codeStatus(ctx, string(c.Op), req.Ref.CardNo, req.Ref.TemplateID); gerr == nil && st == "UNAVAILABLE" {
			return nil
		}
	}
	return repeatable(err)
}

func (d cardDriver) ClaimLink(ctx context.Context, c driver.Call, req card.ClaimLinkRequest) (*card.ClaimLink, error) {
	secs := int(req.ExpiresIn / time.Second)
	qr := CreateQRCodeRequest{ExpireSeconds: secs, Card: &QRCard{CardID: req.TemplateID, OpenID: req.Holder, OuterStr: req.Channel}}
	now := d.p.now()
	out, err := post[CreateQRCodeResponse](ctx, d, c.Op, "/card/qrcode/create", qr)
	if err != nil {
		return nil, repeatable(err) // a second QR code is harmless
	}
	// WeChat's own samples carry stray spaces around url and show_qrcode_url.
	out.Ticket, out.URL, out.ShowQRCodeURL = strings.TrimSpace(out.Ticket), strings.TrimSpace(out.URL), strings.TrimSpace(out.ShowQRCodeURL)
	l := &card.ClaimLink{
		Provider: Name, TemplateID: req.TemplateID,
		URL: out.URL, Ticket: out.Ticket, QRCodeURL: out.ShowQRCodeURL,
	}
	if out.Ticket != "" {
		l.QRCodeURL = d.p.ShowQRCodeURL(out.Ticket)
	}
	if out.ExpireSeconds > 0 {
		l.ExpiresAt = now.Add(time.Duration(out.ExpireSeconds) * time.Second).In(card.Beijing())
	} else if secs > 0 {
		l.ExpiresAt = now.Add(time.Duration(secs) * time.Second).In(card.Beijing())
	}
	return l, nil
}

func (d cardDriver) Consume(ctx context.Context, c driver.Call, req card.ConsumeRequest) error {
	_, err := d.p.consume(ctx, string(c.Op), ConsumeCodeRequest{Code: req.Ref.CardNo, CardID: req.Ref.TemplateID}, true)
	return err
}

// Defaults CreateTemplate uses for fields WeChat requires and TemplateSpec leaves empty.
const (
	defaultTemplateColor  = "Color010"
	defaultTemplateNotice = "出示会员卡"
)

// templateRequest builds the MEMBER_CARD create request for spec.
func (p *Provider) templateRequest(spec card.TemplateSpec) CreateCardRequest {
	stock := spec.Stock
	if stock == 0 {
		stock = DefaultTemplateStock
	}
	mc := &MemberCardData{
		BackgroundPicURL: spec.BackgroundURL,
		BaseInfo: &BaseInfo{
			LogoURL: spec.LogoURL, BrandName: spec.BrandName, CodeType: CodeTypeQRCode, Title: spec.Title,
			Color: spec.Color, Notice: spec.Notice, Description: spec.Description, ServicePhone: spec.ServicePhone,
			SKU: &SKU{Quantity: stock}, DateInfo: &DateInfo{Type: DateTypePermanent},
		},
		Prerogative:   spec.Description,
		SupplyBonus:   card.Ptr(spec.Points),
		SupplyBalance: card.Ptr(spec.Balance),
	}
	if mc.BaseInfo.Color == "" {
		mc.BaseInfo.Color = defaultTemplateColor
	}
	if mc.BaseInfo.Notice == "" {
		mc.BaseInfo.Notice = defaultTemplateNotice
	}
	if mc.BaseInfo.Description == "" {
		mc.BaseInfo.Description = spec.Title
	}
	if mc.Prerogative == "" {
		mc.Prerogative = spec.Title
	}
	if len(spec.Levels) > 0 {
		f := &CustomField{NameType: FieldNameTypeLevel}
		switch p.levelField {
		case 1:
			mc.CustomField1 = f
		case 2:
			mc.CustomField2 = f
		case 3:
			mc.CustomField3 = f
		}
	}
	return CreateCardRequest{Card: CardDefinition{CardType: CardTypeMemberCard, MemberCard: mc}}
}

func (d cardDriver) CreateTemplate(ctx context.Context, c driver.Call, spec card.TemplateSpec) (*card.Template, error) {
	req := d.p.templateRequest(spec)
	out, err := post[CreateCardResponse](ctx, d, c.Op, "/card/create", req)
	if err != nil {
		return nil, err // not repeatable: a second card/create makes a second card
	}
	if out.CardID == "" {
		return nil, &card.Error{Kind: card.KindUnknown, OutcomeUnknown: true, Message: "card/create answered success with no card_id; a card may have been created"}
	}
	// The card exists from here on: never lose its card_id, or a retry of
	// CreateTemplate would create a second card. The read that fills in the
	// review status is best effort; when it fails the template is returned
	// as pending with the title and stock that were sent.
	t, err := d.GetTemplate(ctx, c, out.CardID)
	if err != nil {
		return &card.Template{Provider: Name, ID: out.CardID, Title: spec.Title,
			Status: card.TemplatePending, Stock: req.Card.MemberCard.BaseInfo.SKU.Quantity}, nil
	}
	return t, nil
}

func (d cardDriver) GetTemplate(ctx context.Context, c driver.Call, id string) (*card.Template, error) {
	out, err := post[GetCardResponse](ctx, d, c.Op, "/card/get", GetCardRequest{CardID: id})
	if err != nil {
		return nil, err
	}
	mc := out.Card.MemberCard
	if mc == nil || mc.BaseInfo == nil {
		return nil, &card.Error{Kind: card.KindNotFound, Field: "ID",
			Message: "card " + id + " is a " + string(out.Card.CardType) + ", not a MEMBER_CARD"}
	}
	t := &card.Template{Provider: Name, ID: id, Title: mc.BaseInfo.Title}
	if mc.BaseInfo.SKU != nil {
		t.Stock = mc.BaseInfo.SKU.Quantity
	}
	st, deleted, ok := templateStatus(mc.BaseInfo.Status)
	switch {
	case deleted:
		return nil, &card.Error{Kind: card.KindNotFound, Field: "ID", Message: "the card was deleted"}
	case !ok:
		return nil, &card.Error{Kind: card.KindUnavailable, Message: fmt.Sprintf("card/get answered an unknown card status %q", mc.BaseInfo.Status)}
	}
	t.Status = st
	return t, nil
}

// templateStatus maps base_info.status to a review state (wire reference
// §3.5, including the spellings other SDKs use): *_DELETE (CARD_STATUS_DELETE,
// CARD_STATUS_USER_DELETE) is deleted; VERIFY_OK and *DISPATCH
// (CARD_STATUS_DISPATCH, CARD_STATUS_USER_DISPATCH) approved; VERIFY_FAIL
// and its VERIFY_FALL misspelling rejected; NOT_VERIFY, and an absent status,
// pending. ok is false for any other value.
func templateStatus(s CardStatus) (st card.TemplateStatus, deleted, ok bool) {
	v := string(s)
	switch {
	case strings.HasSuffix(v, "_DELETE"):
		return "", true, true
	case s == CardStatusVerifyOK || strings.HasSuffix(v, "DISPATCH"):
		return card.TemplateApproved, false, true
	case s == CardStatusVerifyFail || v == "CARD_STATUS_VERIFY_FALL":
		return card.TemplateRejected, false, true
	case s == CardStatusNotVerify || v == "":
		return card.TemplatePending, false, true
	}
	return "", false, false
}
