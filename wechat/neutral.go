package wechat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/internal/retry"
)

// Compile-time checks: the neutral interfaces the Provider implements.
var (
	_ card.MemberCard      = (*Provider)(nil)
	_ card.Consumer        = (*Provider)(nil)
	_ card.TemplateManager = (*Provider)(nil)
)

// DefaultTemplateStock is the quantity CreateTemplate gives a card when TemplateSpec.Stock is 0.
const DefaultTemplateStock = 100000

// admit is the entry check of the neutral methods: the request's own
// Validate, then forUs (card.CheckProvider or card.CheckRef for WeChat);
// either failure is a KindInvalidArgument error for op.
func (p *Provider) admit(op string, req validatable, forUs error) error {
	if err := req.Validate(); err != nil {
		return p.invalid(op, err)
	}
	if forUs != nil {
		return p.invalid(op, forUs)
	}
	return nil
}

// checkLevel checks a level against the custom-field value limit.
func checkLevel(level string) error {
	var v cv
	v.customValue("Level", level)
	return v.err()
}

func wholePoints(pts card.Points) (int64, error) {
	n, ok := pts.Whole()
	if !ok {
		return 0, card.InvalidArgument("Points", "WeChat bonus is a whole number, got %s", pts)
	}
	return n, nil
}

// Open activates a claimed WeChat member card (POST /card/membercard/activate).
//
// It needs OpenRequest.Code, the code the user received when claiming the
// card (from user_get_card, wx.addCard or DecryptCode). ExternalNo becomes
// membership_number, Points (whole points only) init_bonus, Balance (fen)
// init_balance (both sent only when non-zero), Level the custom field
// Options.LevelField, ValidUntil activate_end_time; activate_begin_time is
// now, and is what Get reports as OpenedAt. The returned card's Holder is the
// openid WeChat reports for the code (OpenRequest.Holder is informational
// and used only if WeChat reports none). WeChat documents no length for membership_number; it "may equal
// the code", which is at most 20 bytes, so Open (like ActivateMemberCard and
// wechattest) accepts an ExternalNo of at most 20 bytes, stricter than the
// neutral 64. The whole activate request is validated before anything is
// sent, and a validation error names the OpenRequest field (ExternalNo,
// Level, Points, Balance, ValidUntil, Code, TemplateID).
//
// Open is idempotent: it first reads userinfo/get; a code already active with
// the same membership_number is returned as it is (no second activation), one
// active with another number is card.ErrAlreadyExists. When activate answers
// errcode -1 (system busy), Open reads userinfo/get again and sends activate
// again only if the code is still not active. WeChat has no request
// key for activation, so OpenRequest.IdempotencyKey is not sent.
func (p *Provider) Open(ctx context.Context, req card.OpenRequest) (*card.Card, error) {
	const op = "Open"
	if err := p.admit(op, req, card.CheckProvider(ProviderName, req.Provider)); err != nil {
		return nil, err
	}
	if req.Code == "" {
		return nil, p.invalid(op, card.InvalidArgument("Code", "WeChat activates the code the user claimed; OpenRequest.Code is required"))
	}
	bonus, err := wholePoints(req.Points)
	if err != nil {
		return nil, p.invalid(op, err)
	}
	if err := checkLevel(req.Level); err != nil {
		return nil, p.invalid(op, err)
	}
	now := p.now()
	if !req.ValidUntil.IsZero() && !req.ValidUntil.After(now) {
		return nil, p.invalid(op, card.InvalidArgument("ValidUntil", "must be in the future"))
	}
	act := ActivateMemberCardRequest{
		MembershipNumber:  req.ExternalNo,
		Code:              req.Code,
		CardID:            req.TemplateID,
		ActivateBeginTime: now.Unix(),
	}
	// init_bonus / init_balance only when non-zero: a card without
	// supply_bonus / supply_balance (or an account without that permission,
	// 43011 / 43010) must not be refused for an explicit 0.
	if bonus != 0 {
		act.InitBonus = &bonus
	}
	if req.Balance != 0 {
		act.InitBalance = card.Ptr(req.Balance.Fen())
	}
	if !req.ValidUntil.IsZero() {
		act.ActivateEndTime = req.ValidUntil.Unix()
	}
	switch p.levelField {
	case 1:
		act.InitCustomFieldValue1 = req.Level
	case 2:
		act.InitCustomFieldValue2 = req.Level
	case 3:
		act.InitCustomFieldValue3 = req.Level
	}
	if err := act.Validate(); err != nil {
		return nil, p.invalid(op, renameField(err, openFields))
	}
	ref := card.Ref{Provider: ProviderName, TemplateID: req.TemplateID, CardNo: req.Code}

	c, info, err := p.existing(ctx, op, ref, req.ExternalNo)
	if c != nil || err != nil {
		return c, err
	}
	// activate is not idempotent on the wire, so errcode -1 is not resent
	// blindly: after a -1 (or a 40127 from a concurrent Open) userinfo/get
	// tells whether the code is active now, and only a code still not
	// activated is sent again (-1, with Options.Retry).
	var done *card.Card
	err = retry.Do(ctx, p.retry, isBusy, func(ctx context.Context) error {
		_, err := invoke[struct{}](ctx, p, op, "/card/membercard/activate", act)
		if err == nil {
			return nil
		}
		if code, ok := errcodeOf(err); ok && (code == 40127 || code == -1) {
			c, _, err2 := p.existing(ctx, op, ref, req.ExternalNo)
			if c != nil || err2 != nil {
				done = c
				return err2
			}
		}
		return err
	})
	if err != nil {
		return nil, wrapCtx(ctx, op, err)
	}
	if done != nil {
		return done, nil
	}
	holder := info.OpenID // the code's owner as WeChat knows it
	if holder == "" {
		holder = req.Holder
	}
	c = &card.Card{
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
		c.ValidUntil = time.Unix(req.ValidUntil.Unix(), 0).In(card.Beijing())
	}
	return c, nil
}

// claimLinkFields maps the CreateQRCodeRequest fields ClaimLink fills to
// the ClaimLinkRequest fields they come from.
var claimLinkFields = map[string]string{
	"Card.CardID":   "TemplateID",
	"Card.OpenID":   "Holder",
	"Card.OuterStr": "Channel",
	"ExpireSeconds": "ExpiresIn",
}

// openFields maps the ActivateMemberCardRequest fields Open fills to the
// OpenRequest fields they come from.
var openFields = map[string]string{
	"MembershipNumber":      "ExternalNo",
	"Code":                  "Code",
	"CardID":                "TemplateID",
	"ActivateEndTime":       "ValidUntil",
	"InitBonus":             "Points",
	"InitBalance":           "Balance",
	"InitCustomFieldValue1": "Level",
	"InitCustomFieldValue2": "Level",
	"InitCustomFieldValue3": "Level",
}

// renameField renames the Field of a wire request's validation error to the
// neutral request field the caller set (names maps wire → neutral).
func renameField(err error, names map[string]string) error {
	var ce *card.Error
	if !errors.As(err, &ce) {
		return err
	}
	c := *ce
	if f, ok := names[c.Field]; ok {
		c.Field = f
	}
	return &c
}

// existing reads ref with userinfo/get. When the code is already activated
// it returns the card (same number) or ErrAlreadyExists (another number);
// otherwise a nil card, nil error and the userinfo/get answer.
func (p *Provider) existing(ctx context.Context, op string, ref card.Ref, number string) (*card.Card, *MemberUserInfo, error) {
	info, err := p.userInfo(ctx, op, ref)
	if err != nil {
		return nil, nil, err
	}
	if !bool(info.HasActive) {
		return nil, info, nil
	}
	if info.MembershipNumber != number {
		return nil, nil, &card.Error{Provider: ProviderName, Op: op, Kind: card.KindAlreadyExists, Field: "Code",
			Message: "the code is already activated with another membership_number"}
	}
	c, err := p.getWith(ctx, op, ref, info)
	if err != nil {
		return nil, nil, err
	}
	return c, info, nil
}

// userInfo is GetMemberUserInfo reported as op.
func (p *Provider) userInfo(ctx context.Context, op string, ref card.Ref) (*MemberUserInfo, error) {
	return invoke[MemberUserInfo](ctx, p, op, "/card/membercard/userinfo/get", GetMemberUserInfoRequest{CardID: ref.TemplateID, Code: ref.CardNo})
}

// Get reads a card: membercard/userinfo/get for the number, points and
// balance, then code/get (check_consume false) for the status and validity.
// A deleted or unavailable card is card.ErrNotFound. Level is filled only when
// WeChat's answer carries the custom-field values (userinfo/get does not
// document them; wechattest does not send them).
func (p *Provider) Get(ctx context.Context, ref card.Ref) (*card.Card, error) {
	const op = "Get"
	if err := checkRefFor(ref); err != nil {
		return nil, p.invalid(op, err)
	}
	info, err := p.userInfo(ctx, op, ref)
	if err != nil {
		return nil, err
	}
	return p.getWith(ctx, op, ref, info)
}

func (p *Provider) getWith(ctx context.Context, op string, ref card.Ref, info *MemberUserInfo) (*card.Card, error) {
	code, err := invoke[GetCodeResponse](ctx, p, op, "/card/code/get", GetCodeRequest{Code: ref.CardNo, CardID: ref.TemplateID, CheckConsume: card.Ptr(false)})
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
	switch p.levelField {
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
		return nil, &card.Error{Provider: ProviderName, Op: op, Kind: card.KindNotFound, Code: status,
			Message: "the card was deleted or made unavailable"}
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

func checkRefFor(ref card.Ref) error {
	if err := ref.Validate(); err != nil {
		return err
	}
	return card.CheckRef(ProviderName, ref)
}

// Update sets points (whole only), balance and level to absolute values with
// one POST /card/membercard/updateuser: bonus and balance are sent as
// absolute values (never add_*), so repeating an update is harmless; Level
// goes to custom_field_value<LevelField>; Note becomes record_bonus and/or
// record_balance (≤ 14 characters on WeChat). The returned card carries what
// updateuser answers (points, balance, holder) plus the level sent; its
// Status is left empty, because updateuser does not report the card's state
// (WeChat also updates a claimed card that is not activated yet). Call Get
// for the status, membership number and validity.
func (p *Provider) Update(ctx context.Context, req card.UpdateRequest) (*card.Card, error) {
	const op = "Update"
	u, err := p.updateRequest(req)
	if err != nil {
		return nil, p.invalid(op, err)
	}
	out, err := invoke[UpdateMemberUserResponse](ctx, p, op, "/card/membercard/updateuser", u)
	if err != nil {
		return nil, err
	}
	c := &card.Card{
		Ref:     req.Ref,
		Holder:  out.OpenID,
		Points:  card.WholePoints(out.ResultBonus),
		Balance: card.Fen(out.ResultBalance),
	}
	if req.Level != nil {
		c.Level = *req.Level
	}
	return c, nil
}

func (p *Provider) updateRequest(req card.UpdateRequest) (*UpdateMemberUserRequest, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if err := card.CheckRef(ProviderName, req.Ref); err != nil {
		return nil, err
	}
	var v cv
	v.record("Note", req.Note)
	if err := v.err(); err != nil {
		return nil, err
	}
	u := &UpdateMemberUserRequest{Code: req.Ref.CardNo, CardID: req.Ref.TemplateID}
	if req.Points != nil {
		n, err := wholePoints(*req.Points)
		if err != nil {
			return nil, err
		}
		u.Bonus = &n
		u.RecordBonus = req.Note
	}
	if req.Balance != nil {
		u.Balance = card.Ptr(req.Balance.Fen())
		u.RecordBalance = req.Note
	}
	if req.Level != nil {
		if err := checkLevel(*req.Level); err != nil {
			return nil, err
		}
		switch p.levelField {
		case 1:
			u.CustomFieldValue1 = req.Level
		case 2:
			u.CustomFieldValue2 = req.Level
		case 3:
			u.CustomFieldValue3 = req.Level
		}
	}
	return u, nil // invoke validates u
}

// Delete makes the card's code unavailable (POST /card/code/unavailable), with
// DeleteRequest.Reason (default CANCEL) as the reason. Afterwards Get and
// Update return card.ErrNotFound. It cannot be undone. A -1 (system busy)
// answer is handled as in UnavailableCode.
func (p *Provider) Delete(ctx context.Context, req card.DeleteRequest) error {
	const op = "Delete"
	if err := p.admit(op, req, card.CheckRef(ProviderName, req.Ref)); err != nil {
		return err
	}
	reason := req.Reason
	if reason == "" {
		reason = card.ReasonCancel
	}
	u := UnavailableCodeRequest{Code: req.Ref.CardNo, CardID: req.Ref.TemplateID, Reason: string(reason)}
	if err := u.Validate(); err != nil {
		return p.invalid(op, err)
	}
	return p.unavailable(ctx, op, u)
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
	const op = "ClaimLink"
	if err := p.admit(op, req, card.CheckProvider(ProviderName, req.Provider)); err != nil {
		return nil, err
	}
	secs := int(req.ExpiresIn / time.Second)
	if req.ExpiresIn != 0 && (req.ExpiresIn%time.Second != 0 || secs < MinQRExpireSeconds || secs > MaxQRExpireSeconds) {
		return nil, p.invalid(op, card.InvalidArgument("ExpiresIn", "WeChat card QR codes live %d–%d whole seconds, got %v", MinQRExpireSeconds, MaxQRExpireSeconds, req.ExpiresIn))
	}
	qr := CreateQRCodeRequest{ExpireSeconds: secs, Card: &QRCard{CardID: req.TemplateID, OpenID: req.Holder, OuterStr: req.Channel}}
	if err := qr.Validate(); err != nil {
		return nil, p.invalid(op, renameField(err, claimLinkFields))
	}
	now := p.now()
	out, err := invoke[CreateQRCodeResponse](ctx, p, op, "/card/qrcode/create", qr)
	if err != nil {
		return nil, err
	}
	// WeChat's own samples carry stray spaces around url and show_qrcode_url.
	out.Ticket, out.URL, out.ShowQRCodeURL = strings.TrimSpace(out.Ticket), strings.TrimSpace(out.URL), strings.TrimSpace(out.ShowQRCodeURL)
	l := &card.ClaimLink{
		Provider: ProviderName, TemplateID: req.TemplateID,
		URL: out.URL, Ticket: out.Ticket, QRCodeURL: out.ShowQRCodeURL,
	}
	if out.Ticket != "" {
		l.QRCodeURL = p.ShowQRCodeURL(out.Ticket)
	}
	if out.ExpireSeconds > 0 {
		l.ExpiresAt = now.Add(time.Duration(out.ExpireSeconds) * time.Second).In(card.Beijing())
	} else if secs > 0 {
		l.ExpiresAt = now.Add(time.Duration(secs) * time.Second).In(card.Beijing())
	}
	return l, nil
}

// Consume redeems the card's code once (POST /card/code/consume). A code
// consumed before is card.ErrConflict (errcode 40099). When WeChat answers
// errcode -1 (system busy) the consume is sent again, and a repeat answered
// 40099 for a code that code/get then reports CONSUMED counts as success (the
// first attempt was applied; see ConsumeCode for the one ambiguity).
func (p *Provider) Consume(ctx context.Context, req card.ConsumeRequest) error {
	const op = "Consume"
	if err := p.admit(op, req, card.CheckRef(ProviderName, req.Ref)); err != nil {
		return err
	}
	c := ConsumeCodeRequest{Code: req.Ref.CardNo, CardID: req.Ref.TemplateID}
	if err := c.Validate(); err != nil {
		return p.invalid(op, err)
	}
	_, err := p.consume(ctx, op, c)
	return err
}

// Defaults CreateTemplate uses for fields WeChat requires and TemplateSpec leaves empty.
const (
	defaultTemplateColor  = "Color010"
	defaultTemplateNotice = "出示会员卡"
)

// specField maps a Go path of CreateCardRequest that CreateTemplate fills
// from a TemplateSpec back to the spec's field name, so a validation error
// names the field the caller set.
func specField(path string) (string, bool) {
	switch path {
	case "Card.MemberCard.BaseInfo.LogoURL":
		return "LogoURL", true
	case "Card.MemberCard.BaseInfo.BrandName":
		return "BrandName", true
	case "Card.MemberCard.BaseInfo.Title":
		return "Title", true
	case "Card.MemberCard.BaseInfo.Color":
		return "Color", true
	case "Card.MemberCard.BaseInfo.Notice":
		return "Notice", true
	case "Card.MemberCard.BaseInfo.Description", "Card.MemberCard.Prerogative":
		return "Description", true
	case "Card.MemberCard.BaseInfo.ServicePhone":
		return "ServicePhone", true
	case "Card.MemberCard.BaseInfo.SKU.Quantity":
		return "Stock", true
	case "Card.MemberCard.BackgroundPicURL":
		return "BackgroundURL", true
	}
	return "", false
}

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

// CreateTemplate creates a MEMBER_CARD (POST /card/create, through
// CreateCard and its full validation) from the neutral spec: supply_bonus =
// Points, supply_balance = Balance, custom_field<LevelField>
// FIELD_NAME_TYPE_LEVEL when Levels are given, sku.quantity = Stock (default
// DefaultTemplateStock), code_type CODE_TYPE_QRCODE, date_info
// DATE_TYPE_PERMANENT, colour Color010 and notice 出示会员卡 unless given,
// prerogative = Description or Title. WeChat requires LogoURL (an image
// uploaded to WeChat first) and a BrandName of ≤ 12 Chinese characters. The
// template is pending until WeChat approves it (event card_pass_check); use
// CreateCard for every other field.
//
// Once card/create has succeeded the template is always returned with its
// card_id and a nil error: the follow-up card/get that reads the review
// status is best effort, and when it fails the result is pending with the
// Title and Stock that were sent. (Returning an error there would make a
// caller's retry create a second card.)
func (p *Provider) CreateTemplate(ctx context.Context, spec card.TemplateSpec) (*card.Template, error) {
	const op = "CreateTemplate"
	if err := p.admit(op, spec, card.CheckProvider(ProviderName, spec.Provider)); err != nil {
		return nil, err
	}
	if spec.LogoURL == "" {
		return nil, p.invalid(op, card.InvalidArgument("LogoURL", "WeChat requires a logo: upload a JPG or PNG with (*wechat.Provider).UploadImage (POST /cgi-bin/media/uploadimg) and pass the URL it returns"))
	}
	for _, l := range spec.Levels {
		if err := checkLevel(l); err != nil {
			return nil, p.invalid(op, card.InvalidArgument("Levels", "each level must be ≤ %d bytes on WeChat, %q is not", MaxCustomFieldValueBytes, l))
		}
	}
	req := p.templateRequest(spec)
	if err := req.Validate(); err != nil {
		var ce *card.Error
		if errors.As(err, &ce) {
			c := *ce
			if f, ok := specField(c.Field); ok {
				c.Field = f
			}
			err = &c
		}
		return nil, p.invalid(op, err)
	}
	out, err := p.CreateCard(ctx, req)
	if err != nil {
		return nil, relabel(op, err)
	}
	if out.CardID == "" {
		return nil, &card.Error{Provider: ProviderName, Op: op, Kind: card.KindUnavailable, Message: "card/create answered no card_id"}
	}
	// The card exists from here on: never lose its card_id, or a retry of
	// CreateTemplate would create a second card. The read that fills in the
	// review status is best effort; when it fails the template is returned
	// as pending with the title and stock that were sent.
	t, err := p.GetTemplate(ctx, ProviderName, out.CardID)
	if err != nil {
		return &card.Template{Provider: ProviderName, ID: out.CardID, Title: spec.Title,
			Status: card.TemplatePending, Stock: req.Card.MemberCard.BaseInfo.SKU.Quantity}, nil
	}
	return t, nil
}

// relabel names the neutral operation in an error from a typed method.
func relabel(op string, err error) error {
	var ce *card.Error
	if !errors.As(err, &ce) {
		return err
	}
	c := *ce
	c.Op = op
	return &c
}

// GetTemplate reads a card (POST /card/get): CARD_STATUS_VERIFY_OK and
// CARD_STATUS_(USER_)DISPATCH are approved, CARD_STATUS_NOT_VERIFY (or no
// status) pending, CARD_STATUS_VERIFY_FAIL rejected; a deleted card
// (CARD_STATUS_DELETE, CARD_STATUS_USER_DELETE) is card.ErrNotFound, and any
// other status a KindUnavailable error rather than a guess.
// Stock is sku.quantity.
func (p *Provider) GetTemplate(ctx context.Context, provider, id string) (*card.Template, error) {
	const op = "GetTemplate"
	if err := card.CheckProvider(ProviderName, provider); err != nil {
		return nil, p.invalid(op, err)
	}
	var v cv
	if v.cardID("ID", id, true); v.first != nil {
		return nil, p.invalid(op, v.first)
	}
	out, err := p.GetCard(ctx, GetCardRequest{CardID: id})
	if err != nil {
		return nil, relabel(op, err)
	}
	mc := out.Card.MemberCard
	if mc == nil || mc.BaseInfo == nil {
		return nil, &card.Error{Provider: ProviderName, Op: op, Kind: card.KindNotFound, Field: "ID",
			Message: "card " + id + " is a " + string(out.Card.CardType) + ", not a MEMBER_CARD"}
	}
	t := &card.Template{Provider: ProviderName, ID: id, Title: mc.BaseInfo.Title}
	if mc.BaseInfo.SKU != nil {
		t.Stock = mc.BaseInfo.SKU.Quantity
	}
	st, deleted, ok := templateStatus(mc.BaseInfo.Status)
	switch {
	case deleted:
		return nil, &card.Error{Provider: ProviderName, Op: op, Kind: card.KindNotFound, Field: "ID", Message: "the card was deleted"}
	case !ok:
		return nil, &card.Error{Provider: ProviderName, Op: op, Kind: card.KindUnavailable,
			Message: fmt.Sprintf("card/get answered an unknown card status %q", mc.BaseInfo.Status)}
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
