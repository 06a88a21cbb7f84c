package mock

import (
	"context"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	card "github.com/walletcard/card"
)

// The WeChat adapter's limits, which the WeChat flavour applies too so that a
// merchant's tests on the mock fail where production would (a test in this
// package checks they match package wechat).
const (
	// WeChatMaxNoteRunes bounds UpdateRequest.Note (record_bonus / record_balance).
	WeChatMaxNoteRunes = 14
	// WeChatMaxLevelBytes bounds a level (it is a member-card custom field value).
	WeChatMaxLevelBytes = 12
	// WeChatMaxExternalNoBytes bounds OpenRequest.ExternalNo (membership_number).
	WeChatMaxExternalNoBytes = 20
)

// validateOpen applies the neutral rules plus the flavour's own.
func (p *Provider) validateOpen(req card.OpenRequest) error {
	if err := req.Validate(); err != nil {
		return err
	}
	if err := card.CheckProvider(p.name, req.Provider); err != nil {
		return err
	}
	switch p.name {
	case card.Alipay:
		if req.AuthToken == "" {
			return card.InvalidArgument("AuthToken", "Alipay opens a card with the user's auth_token from OAuth with scope auth_ecard")
		}
		if req.Holder == "" {
			return card.InvalidArgument("Holder", "Alipay needs the user's id (user_uni_id)")
		}
	case card.WeChat:
		if req.Code == "" {
			return card.InvalidArgument("Code", "WeChat activates the code the user received when claiming the card")
		}
		if _, whole := req.Points.Whole(); !whole {
			return card.InvalidArgument("Points", "WeChat bonus is a whole number, got %s", req.Points)
		}
		if len(req.ExternalNo) > WeChatMaxExternalNoBytes {
			return card.InvalidArgument("ExternalNo", "is %d bytes; WeChat's membership_number allows %d", len(req.ExternalNo), WeChatMaxExternalNoBytes)
		}
		if len(req.Level) > WeChatMaxLevelBytes {
			return card.InvalidArgument("Level", "is %d bytes; a WeChat custom field value allows %d", len(req.Level), WeChatMaxLevelBytes)
		}
	}
	if !req.ValidUntil.IsZero() && !req.ValidUntil.After(p.clock()) {
		return card.InvalidArgument("ValidUntil", "is in the past")
	}
	return nil
}

// checkUpdate applies the flavour's rules to an update.
func (p *Provider) checkUpdate(req card.UpdateRequest) error {
	if err := p.checkUpdatePoints(req.Points); err != nil {
		return err
	}
	if p.name != card.WeChat {
		return nil
	}
	if n := utf8.RuneCountInString(req.Note); n > WeChatMaxNoteRunes {
		return card.InvalidArgument("Note", "is %d characters; WeChat's record_bonus allows %d", n, WeChatMaxNoteRunes)
	}
	if req.Level != nil && len(*req.Level) > WeChatMaxLevelBytes {
		return card.InvalidArgument("Level", "is %d bytes; a WeChat custom field value allows %d", len(*req.Level), WeChatMaxLevelBytes)
	}
	return nil
}

func (p *Provider) checkUpdatePoints(pts *card.Points) error {
	if pts == nil || p.name != card.WeChat {
		return nil
	}
	if _, whole := pts.Whole(); !whole {
		return card.InvalidArgument("Points", "WeChat bonus is a whole number, got %s", *pts)
	}
	return nil
}

// Open opens a card. See card.MemberCard.
func (p *Provider) Open(ctx context.Context, req card.OpenRequest) (*card.Card, error) {
	ref := card.Ref{Provider: p.name, TemplateID: req.TemplateID}
	if err := p.validateOpen(req); err != nil {
		return nil, p.reject(OpOpen, ref, err)
	}
	if err := p.begin(ctx, OpOpen, ref); err != nil {
		return nil, err
	}
	c, ev, err := p.open(req)
	if c != nil {
		ref = c.Ref
	}
	if err != nil {
		return nil, p.end(OpOpen, ref, err)
	}
	return c, p.end(OpOpen, ref, nil, ev...)
}

// open does the work of Open with p.mu held.
func (p *Provider) open(req card.OpenRequest) (*card.Card, []card.Event, error) {
	switch {
	case req.AuthToken == AuthTokenInvalid:
		return nil, nil, card.Errorf(card.KindUnauthenticated, "auth token is invalid or expired; it must come from OAuth with scope auth_ecard")
	case req.Holder == HolderRateLimited:
		return nil, nil, card.Errorf(card.KindRateLimited, "too many requests")
	case req.Holder == HolderUnavailable:
		return nil, nil, card.Errorf(card.KindUnavailable, "system busy")
	case req.Holder == HolderPermissionDenied:
		return nil, nil, card.Errorf(card.KindPermissionDenied, "app lacks the member-card permission")
	}
	if req.IdempotencyKey != "" {
		if k, ok := p.byKey[req.IdempotencyKey]; ok {
			e := p.cards[k]
			if e.c.Ref.TemplateID != req.TemplateID || e.c.ExternalNo != req.ExternalNo ||
				(req.Holder != "" && p.name != card.WeChat && e.c.Holder != req.Holder) ||
				(p.name == card.WeChat && e.c.Ref.CardNo != req.Code) {
				return nil, nil, card.Errorf(card.KindConflict, "idempotency key %q was used for another open", req.IdempotencyKey)
			}
			// The same open again: the card as it is now (it may have been deleted since).
			c := e.c
			return &c, nil, nil
		}
	}
	tpl, ok := p.templates[req.TemplateID]
	if !ok {
		return nil, nil, card.Errorf(card.KindNotFound, "template %q does not exist", req.TemplateID)
	}
	if tpl.t.Status != card.TemplateApproved {
		return nil, nil, card.Errorf(card.KindConflict, "template %q is %s, not approved", req.TemplateID, tpl.t.Status)
	}
	if req.Level != "" && len(tpl.levels) > 0 && !tpl.levels[req.Level] {
		return nil, nil, &card.Error{Kind: card.KindInvalidArgument, Field: "Level", Message: "level " + req.Level + " is not defined by the template"}
	}
	holder := req.Holder
	var no, channel string
	if p.name == card.WeChat {
		cd, ok := p.codes[key(req.TemplateID, req.Code)]
		if !ok {
			return nil, nil, card.Errorf(card.KindNotFound, "code %q was not claimed for template %q", req.Code, req.TemplateID)
		}
		if cd.used {
			e, live := p.cards[key(req.TemplateID, req.Code)]
			if live && e.c.Status == card.StatusActive && e.c.ExternalNo == req.ExternalNo {
				c := e.c
				return &c, nil, nil
			}
			if !live || e.c.Status == card.StatusDeleted {
				return nil, nil, card.Errorf(card.KindNotFound, "code %q was deleted", req.Code)
			}
			return nil, nil, card.Errorf(card.KindAlreadyExists, "code %q is already activated", req.Code)
		}
		cd.used = true
		no, holder, channel = req.Code, cd.holder, cd.channel
	} else {
		if holder != "" {
			if k, ok := p.byHolder[key(req.TemplateID, holder)]; ok {
				if p.cards[k].c.Status == card.StatusDeleted {
					return nil, nil, card.Errorf(card.KindAlreadyExists, "holder's card %s was cancelled (CANCEL) and cannot be opened again", p.cards[k].c.Ref.CardNo)
				}
				return nil, nil, card.Errorf(card.KindAlreadyExists, "holder already has card %s", p.cards[k].c.Ref.CardNo)
			}
		}
		no = p.nextNo()
	}
	c := card.Card{
		Ref:        card.Ref{Provider: p.name, TemplateID: req.TemplateID, CardNo: no},
		ExternalNo: req.ExternalNo,
		Holder:     holder,
		Level:      req.Level,
		Points:     req.Points,
		Balance:    req.Balance,
		OpenedAt:   p.now().Truncate(time.Second),
		Status:     card.StatusActive,
	}
	if !req.ValidUntil.IsZero() {
		c.ValidUntil = req.ValidUntil.In(card.Beijing()).Truncate(time.Second)
	}
	k := key(req.TemplateID, no)
	p.cards[k] = &entry{c: c}
	if req.IdempotencyKey != "" {
		p.byKey[req.IdempotencyKey] = k
	}
	if holder != "" {
		p.byHolder[key(req.TemplateID, holder)] = k
	}
	out := c
	return &out, []card.Event{p.event(card.EventCardOpened, c.Ref, holder, channel)}, nil
}

// lookup returns the live card for ref; p.mu must be held.
func (p *Provider) lookup(ref card.Ref) (*entry, error) {
	e, ok := p.cards[key(ref.TemplateID, ref.CardNo)]
	if !ok || e.c.Status == card.StatusDeleted {
		return nil, card.Errorf(card.KindNotFound, "card %s does not exist", ref.CardNo)
	}
	if !e.c.ValidUntil.IsZero() && p.now().After(e.c.ValidUntil) {
		e.c.Status = card.StatusExpired
	}
	return e, nil
}

func (p *Provider) checkRef(ref card.Ref) error {
	if err := ref.Validate(); err != nil {
		return err
	}
	return card.CheckRef(p.name, ref)
}

// Get returns a card. See card.MemberCard.
func (p *Provider) Get(ctx context.Context, ref card.Ref) (*card.Card, error) {
	if err := p.checkRef(ref); err != nil {
		return nil, p.reject(OpGet, ref, err)
	}
	if err := p.begin(ctx, OpGet, ref); err != nil {
		return nil, err
	}
	e, err := p.lookup(ref)
	if err != nil {
		return nil, p.end(OpGet, ref, err)
	}
	c := e.c
	return &c, p.end(OpGet, ref, nil)
}

// Update sets level, points and balance. See card.MemberCard.
func (p *Provider) Update(ctx context.Context, req card.UpdateRequest) (*card.Card, error) {
	err := req.Validate()
	if err == nil {
		err = card.CheckRef(p.name, req.Ref)
	}
	if err == nil {
		err = p.checkUpdate(req)
	}
	if err != nil {
		return nil, p.reject(OpUpdate, req.Ref, err)
	}
	if err := p.begin(ctx, OpUpdate, req.Ref); err != nil {
		return nil, err
	}
	e, err := p.lookup(req.Ref)
	if err == nil && e.c.Status == card.StatusExpired {
		err = card.Errorf(card.KindConflict, "card %s expired at %s", req.Ref.CardNo, card.FormatWalletTime(e.c.ValidUntil))
	}
	if err == nil && req.Level != nil {
		if tpl := p.templates[req.Ref.TemplateID]; tpl != nil && len(tpl.levels) > 0 && !tpl.levels[*req.Level] {
			err = &card.Error{Kind: card.KindInvalidArgument, Field: "Level", Message: "level " + *req.Level + " is not defined by the template"}
		}
	}
	if err != nil {
		return nil, p.end(OpUpdate, req.Ref, err)
	}
	if req.Level != nil {
		e.c.Level = *req.Level
	}
	if req.Points != nil {
		e.c.Points = *req.Points
	}
	if req.Balance != nil {
		e.c.Balance = *req.Balance
	}
	c := e.c
	return &c, p.end(OpUpdate, req.Ref, nil)
}

// Delete deletes a card. See card.MemberCard.
func (p *Provider) Delete(ctx context.Context, req card.DeleteRequest) error {
	err := req.Validate()
	if err == nil {
		err = card.CheckRef(p.name, req.Ref)
	}
	if err != nil {
		return p.reject(OpDelete, req.Ref, err)
	}
	if err := p.begin(ctx, OpDelete, req.Ref); err != nil {
		return err
	}
	e, err := p.lookup(req.Ref)
	if err != nil {
		return p.end(OpDelete, req.Ref, err)
	}
	e.c.Status = card.StatusDeleted
	if req.Reason == card.ReasonUserUnbound {
		// The user may bind again; CANCEL (the default) keeps them blocked.
		delete(p.byHolder, key(req.Ref.TemplateID, e.c.Holder))
	}
	return p.end(OpDelete, req.Ref, nil, p.event(card.EventCardDeleted, e.c.Ref, e.c.Holder, ""))
}

// ClaimLink returns a link to claim a card of the template. The URL has the
// scheme "mock:" and carries the template id and channel; pass them to Claim
// to simulate a user following it.
func (p *Provider) ClaimLink(ctx context.Context, req card.ClaimLinkRequest) (*card.ClaimLink, error) {
	ref := card.Ref{Provider: p.name, TemplateID: req.TemplateID}
	err := req.Validate()
	if err == nil {
		err = card.CheckProvider(p.name, req.Provider)
	}
	if err != nil {
		return nil, p.reject(OpClaimLink, ref, err)
	}
	if err := p.begin(ctx, OpClaimLink, ref); err != nil {
		return nil, err
	}
	tpl, ok := p.templates[req.TemplateID]
	if !ok {
		return nil, p.end(OpClaimLink, ref, card.Errorf(card.KindNotFound, "template %q does not exist", req.TemplateID))
	}
	if tpl.t.Status != card.TemplateApproved {
		return nil, p.end(OpClaimLink, ref, card.Errorf(card.KindConflict, "template %q is %s, not approved", req.TemplateID, tpl.t.Status))
	}
	q := url.Values{"template_id": {req.TemplateID}}
	if req.Channel != "" {
		q.Set("channel", req.Channel)
	}
	if req.Holder != "" {
		q.Set("holder", req.Holder)
	}
	link := &card.ClaimLink{Provider: p.name, TemplateID: req.TemplateID, URL: "mock://claim?" + q.Encode()}
	if req.ExpiresIn > 0 {
		link.ExpiresAt = p.now().Add(req.ExpiresIn)
	}
	return link, p.end(OpClaimLink, ref, nil)
}

// Claim simulates a user claiming a card of the template (WeChat
// user_get_card): it takes one from the stock and returns the code the user
// now holds, which OpenRequest.Code activates. Out of stock is ErrConflict.
func (p *Provider) Claim(ctx context.Context, templateID, holder, channel string) (string, error) {
	ref := card.Ref{Provider: p.name, TemplateID: templateID}
	if templateID == "" {
		return "", p.reject(OpClaim, ref, card.InvalidArgument("TemplateID", "is required"))
	}
	if err := p.begin(ctx, OpClaim, ref); err != nil {
		return "", err
	}
	tpl, ok := p.templates[templateID]
	switch {
	case !ok:
		return "", p.end(OpClaim, ref, card.Errorf(card.KindNotFound, "template %q does not exist", templateID))
	case tpl.t.Status != card.TemplateApproved:
		return "", p.end(OpClaim, ref, card.Errorf(card.KindConflict, "template %q is not approved", templateID))
	case tpl.t.Stock == 0:
		return "", p.end(OpClaim, ref, card.Errorf(card.KindConflict, "template %q is out of stock", templateID))
	}
	if tpl.t.Stock > 0 {
		tpl.t.Stock--
	}
	no := p.nextNo()
	p.codes[key(templateID, no)] = &code{holder: holder, channel: channel}
	ref.CardNo = no
	return no, p.end(OpClaim, ref, nil, p.event(card.EventCardClaimed, ref, holder, channel))
}

// Consume redeems the card's code once; a second time is ErrConflict.
func (p *Provider) Consume(ctx context.Context, req card.ConsumeRequest) error {
	err := req.Validate()
	if err == nil {
		err = card.CheckRef(p.name, req.Ref)
	}
	if err != nil {
		return p.reject(OpConsume, req.Ref, err)
	}
	if err := p.begin(ctx, OpConsume, req.Ref); err != nil {
		return err
	}
	e, err := p.lookup(req.Ref)
	if err == nil && e.c.Status == card.StatusExpired {
		err = card.Errorf(card.KindConflict, "card %s expired at %s", req.Ref.CardNo, card.FormatWalletTime(e.c.ValidUntil))
	}
	if err == nil && e.consumed {
		err = card.Errorf(card.KindConflict, "code %s was already consumed", req.Ref.CardNo)
	}
	if err != nil {
		return p.end(OpConsume, req.Ref, err)
	}
	e.consumed = true
	return p.end(OpConsume, req.Ref, nil, p.event(card.EventCodeConsumed, e.c.Ref, e.c.Holder, ""))
}

// CreateTemplate creates a template; it is approved at once unless
// Options.ManualReview is set. Stock 0 means unlimited.
func (p *Provider) CreateTemplate(ctx context.Context, spec card.TemplateSpec) (*card.Template, error) {
	ref := card.Ref{Provider: p.name}
	err := spec.Validate()
	if err == nil {
		err = card.CheckProvider(p.name, spec.Provider)
	}
	if err != nil {
		return nil, p.reject(OpCreateTemplate, ref, err)
	}
	if err := p.begin(ctx, OpCreateTemplate, ref); err != nil {
		return nil, err
	}
	if spec.IdempotencyKey != "" {
		if k, ok := p.byKey["tpl/"+spec.IdempotencyKey]; ok {
			t := p.templates[k].t
			return &t, p.end(OpCreateTemplate, ref, nil)
		}
	}
	p.seq++
	id := "mocktpl" + strconv.FormatUint(p.seq, 10)
	t := &template{t: card.Template{Provider: p.name, ID: id, Title: spec.Title, Status: card.TemplateApproved, Stock: -1}}
	if spec.Stock > 0 {
		t.t.Stock = spec.Stock
	}
	if p.review {
		t.t.Status = card.TemplatePending
	}
	if len(spec.Levels) > 0 {
		t.levels = map[string]bool{}
		for _, l := range spec.Levels {
			t.levels[l] = true
		}
	}
	p.templates[id] = t
	if spec.IdempotencyKey != "" {
		p.byKey["tpl/"+spec.IdempotencyKey] = id
	}
	ref.TemplateID = id
	out := t.t
	return &out, p.end(OpCreateTemplate, ref, nil)
}

// GetTemplate returns a template; an unknown id is ErrNotFound.
func (p *Provider) GetTemplate(ctx context.Context, provider, id string) (*card.Template, error) {
	ref := card.Ref{Provider: p.name, TemplateID: id}
	err := card.CheckProvider(p.name, provider)
	if err == nil && id == "" {
		err = card.InvalidArgument("TemplateID", "is required")
	}
	if err != nil {
		return nil, p.reject(OpGetTemplate, ref, err)
	}
	if err := p.begin(ctx, OpGetTemplate, ref); err != nil {
		return nil, err
	}
	t, ok := p.templates[id]
	if !ok {
		return nil, p.end(OpGetTemplate, ref, card.Errorf(card.KindNotFound, "template %q does not exist", id))
	}
	out := t.t
	return &out, p.end(OpGetTemplate, ref, nil)
}

// Approve approves a pending template (as wallet review would) and emits
// EventTemplateApproved.
func (p *Provider) Approve(templateID string) error {
	return p.review1(templateID, card.TemplateApproved)
}

// Reject rejects a template and emits EventTemplateRejected.
func (p *Provider) Reject(templateID string) error {
	return p.review1(templateID, card.TemplateRejected)
}

func (p *Provider) review1(id string, st card.TemplateStatus) error {
	p.mu.Lock()
	t, ok := p.templates[id]
	if !ok {
		p.mu.Unlock()
		return &card.Error{Provider: p.name, Op: "Review", Kind: card.KindNotFound, Message: "template " + id + " does not exist"}
	}
	t.t.Status = st
	typ := card.EventTemplateApproved
	if st == card.TemplateRejected {
		typ = card.EventTemplateRejected
	}
	ev := p.event(typ, card.Ref{Provider: p.name, TemplateID: id}, "", "")
	p.mu.Unlock()
	p.emit([]card.Event{ev})
	return nil
}
