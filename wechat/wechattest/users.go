package wechattest

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// Error is a WeChat business error returned by the simulation methods
// (Claim, SubmitMemberForm, …). Code is the errcode the API would answer.
type Error struct {
	Code    int
	Message string
}

// Error formats the errcode and message.
func (e *Error) Error() string { return fmt.Sprintf("wechattest: errcode %d: %s", e.Code, e.Message) }

func (e *apiError) export() error {
	if e == nil {
		return nil
	}
	return &Error{Code: e.code, Message: e.msg}
}

// Member is a snapshot of one issued code of a card: the holder, the
// member-card data and the code's status.
type Member struct {
	CardID, Code, OpenID, MembershipNumber string
	Activated                              bool
	Bonus, Balance                         int64
	CustomFieldValues                      [3]string
	// Status is NORMAL, CONSUMED, DELETE, UNAVAILABLE or EXPIRE.
	Status string
	// OuterStr is the channel value the code was claimed with.
	OuterStr string
	// BackgroundPicURL is the per-user background set by activate or updateuser.
	BackgroundPicURL string
	// BeginTime and EndTime are the code's validity window (unix seconds, 0 = open).
	BeginTime, EndTime int64
	// Fields holds the activation-form values the user submitted
	// (USER_FORM_INFO_FLAG_* names and custom names).
	Fields map[string]string
	// Ticket holds the last boarding-pass / meeting / movie ticket update.
	Ticket map[string]any
}

// Member returns the state of code on cardID.
func (s *Server) Member(cardID, code string) (Member, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.codes[code][cardID]
	if r == nil {
		return Member{}, false
	}
	m := Member{
		CardID: cardID, Code: r.code, OpenID: r.openid, MembershipNumber: r.membershipNumber,
		Activated: r.activated, Bonus: r.bonus, Balance: r.balance, CustomFieldValues: r.custom,
		Status: r.effectiveStatus(s.now().Unix()), OuterStr: r.outerStr, BackgroundPicURL: r.background,
		BeginTime: r.begin, EndTime: r.end,
	}
	if len(r.common)+len(r.customFields) > 0 {
		m.Fields = map[string]string{}
		for _, f := range append(append([]formField{}, r.common...), r.customFields...) {
			v := f.Value
			if v == "" && len(f.ValueList) > 0 {
				v = strings.Join(f.ValueList, ",")
			}
			m.Fields[f.Name] = v
		}
	}
	if r.ticketInfo != nil {
		m.Ticket = make(map[string]any, len(r.ticketInfo))
		for k, v := range r.ticketInfo {
			m.Ticket[k] = v
		}
	}
	return m, true
}

// Stock returns the remaining sku quantity of a card (false if unknown).
func (s *Server) Stock(cardID string) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.st.cards[cardID]
	if c == nil {
		return 0, false
	}
	return c.quantity, true
}

// CardStatus returns a card's review status (CARD_STATUS_…), false if unknown.
func (s *Server) CardStatus(cardID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.st.cards[cardID]
	if c == nil {
		return "", false
	}
	if c.deleted {
		return StatusDelete, true
	}
	return c.status, true
}

// Claim simulates a user taking a card (scanning its QR, wx.addCard …). The
// card must exist, be approved (or openid be on the test whitelist: 40078
// otherwise) and have stock (45031); a user may hold at most get_limit codes of
// it (45033). Stock drops by one. The code comes from the deposited codes for
// GET_CUSTOM_CODE_MODE_DEPOSIT cards and from a counter otherwise. An
// auto_activate member card is activated at once with the code as
// membership_number. When an event URL is set, user_get_card is pushed before
// Claim returns; if that push fails the claim stands and the error says so.
func (s *Server) Claim(cardID, openid, outerStr string) (code string, err error) {
	s.mu.Lock()
	code, evs, e := s.claimLocked(cardID, openid, outerStr, "")
	s.mu.Unlock()
	if e != nil {
		return "", e.export()
	}
	return code, s.pushAll(evs)
}

func (s *Server) claimLocked(cardID, openid, outerStr, code string) (string, []Event, *apiError) {
	st := s.st
	if openid == "" {
		return "", nil, errm(40003, "invalid openid: empty")
	}
	c, e := st.card(cardID)
	if e != nil {
		return "", nil, e
	}
	if !c.approved() && !st.whitelist[openid] {
		return "", nil, errm(40078, "invalid card status: %s (only whitelisted users may take a card under review)", c.status)
	}
	if c.claimedBy[openid] >= c.getLimit {
		return "", nil, errc(45033)
	}
	if c.quantity <= 0 {
		return "", nil, errc(45031)
	}
	switch {
	case c.deposit:
		code = ""
		for c.depNext < len(c.depCodes) {
			cand := c.depCodes[c.depNext]
			c.depNext++
			if !c.depState[cand] {
				code = cand
				break
			}
		}
		if code == "" {
			return "", nil, errm(45031, "stock is out of limit: no deposited code left")
		}
		c.depState[code] = true
	case code != "":
		if st.codes[code][c.id] != nil {
			return "", nil, errm(40116, "invalid code: %q was already issued", code)
		}
	default:
		for code == "" || st.codes[code][c.id] != nil {
			code = st.nextCode()
		}
	}
	now := s.now()
	r := &codeRec{card: c, code: code, openid: openid, outerStr: outerStr, status: CodeNormal, claimed: now.Unix()}
	r.begin, r.end = c.window(now)
	if c.autoActivate {
		r.activated, r.membershipNumber = true, code
	}
	m := st.codes[code]
	if m == nil {
		m = map[string]*codeRec{}
		st.codes[code] = m
	}
	m[c.id] = r
	st.byUser[openid] = append(st.byUser[openid], r)
	c.quantity--
	c.claimedBy[openid]++
	d := st.day(now, c.id)
	d.receive++
	d.receiveU[openid] = true
	if c.autoActivate {
		d.active++
		d.activeU[openid] = true
	}
	evs := []Event{{FromUserName: openid, Event: "user_get_card", CardId: c.id, UserCardCode: code, OuterStr: outerStr}}
	if c.total > 200 && c.quantity <= 100 && now.Sub(c.lastRemind) >= 12*time.Hour {
		c.lastRemind = now
		evs = append(evs, Event{FromUserName: "", Event: "card_sku_remind", CardId: c.id,
			Detail: fmt.Sprintf("the card's quantity is equal to %d", c.quantity)})
	}
	return code, evs, nil
}

// SubmitMemberForm simulates the user filling in a member card's activation
// form (开卡组件) for a code they hold. fields maps USER_FORM_INFO_FLAG_*
// names (and custom field names) to values; they become the user_info of
// /card/membercard/userinfo/get and the info of activatetempinfo/get for the
// returned activate_ticket. A wx_activate card without
// wx_activate_after_submit is activated at once (membership_number = code).
// submit_membercard_user_info is pushed when an event URL is set.
func (s *Server) SubmitMemberForm(cardID, code, openid string, fields map[string]string) (activateTicket string, err error) {
	s.mu.Lock()
	r, e := memberCode(s.st, cardID, code, "MEMBER_CARD")
	if e == nil && r.openid != openid {
		e = errm(40003, "invalid openid: code %s belongs to another user", code)
	}
	if e == nil {
		e = r.usable(s.now().Unix())
	}
	if e != nil {
		s.mu.Unlock()
		return "", e.export()
	}
	var common, custom []formField
	for _, k := range sortedKeys(fields) {
		f := formField{Name: k, Value: fields[k]}
		if strings.HasPrefix(k, "USER_FORM_INFO_FLAG_") {
			common = append(common, f)
		} else {
			custom = append(custom, f)
		}
	}
	r.common, r.customFields = common, custom
	b := make([]byte, 33)
	_, _ = rand.Read(b)
	activateTicket = base64.StdEncoding.EncodeToString(b)
	s.st.temp[activateTicket] = &tempInfo{cardID: cardID, code: code, openid: openid, common: common, custom: custom}
	if r.card.wxActivate && !r.card.afterSubmit && !r.activated {
		r.activated, r.membershipNumber = true, r.code
		d := s.st.day(s.now(), cardID)
		d.active++
		d.activeU[openid] = true
	}
	evs := []Event{{FromUserName: openid, Event: "submit_membercard_user_info", CardId: cardID, UserCardCode: code}}
	s.mu.Unlock()
	return activateTicket, s.pushAll(evs)
}

// DeleteByUser simulates the user deleting the card from their WeChat card
// pack: the code's status becomes DELETE and user_del_card is pushed.
func (s *Server) DeleteByUser(cardID, code string) error {
	s.mu.Lock()
	r := s.st.codes[code][cardID]
	var e *apiError
	switch {
	case s.st.cards[cardID] == nil:
		e = errc(40073)
	case r == nil:
		e = errc(40056)
	case r.status == CodeDelete:
		e = errc(40127)
	}
	if e != nil {
		s.mu.Unlock()
		return e.export()
	}
	r.status = CodeDelete
	evs := []Event{{FromUserName: r.openid, Event: "user_del_card", CardId: cardID, UserCardCode: code}}
	s.mu.Unlock()
	return s.pushAll(evs)
}

// ViewCard simulates the user opening the card; user_view_card is pushed
// (WeChat pushes it only for need_push_on_view cards; this method always does).
func (s *Server) ViewCard(cardID, code string) error {
	s.mu.Lock()
	r := s.st.codes[code][cardID]
	if r == nil {
		s.mu.Unlock()
		return errc(40056).export()
	}
	d := s.st.day(s.now(), cardID)
	d.view++
	d.viewU[r.openid] = true
	evs := []Event{{FromUserName: r.openid, Event: "user_view_card", CardId: cardID, UserCardCode: code, OuterStr: r.outerStr}}
	s.mu.Unlock()
	return s.pushAll(evs)
}

// PayWithPayCell simulates the user paying fee (fen; originalFee before the
// card's discount) with 微信买单 on the card: the card must have the pay cell
// open (/card/paycell/set) and the code must be usable. It pushes
// user_pay_from_pay_cell with a new TransId and the card's first location id.
// The code is not consumed.
func (s *Server) PayWithPayCell(cardID, code string, fee, originalFee int64) error {
	s.mu.Lock()
	r := s.st.codes[code][cardID]
	var e *apiError
	switch {
	case s.st.cards[cardID] == nil:
		e = errc(40073)
	case r == nil:
		e = errc(40056)
	case !r.card.payCell:
		e = errm(40107, "invalid card id: the pay cell is not open for card %s", cardID)
	case fee <= 0 || originalFee < fee:
		e = errm(40097, "invalid args: need 0 < fee <= originalFee")
	default:
		e = r.usable(s.now().Unix())
	}
	if e != nil {
		s.mu.Unlock()
		return e.export()
	}
	s.st.transSeq++
	ev := Event{FromUserName: r.openid, Event: "user_pay_from_pay_cell", CardId: cardID, UserCardCode: code,
		TransId: fmt.Sprintf("4200%020d", s.st.transSeq), LocationId: r.card.firstLoc, Fee: fee, OriginalFee: originalFee}
	s.mu.Unlock()
	return s.pushAll([]Event{ev})
}

// Approve passes a card's review (CARD_STATUS_VERIFY_OK) and pushes card_pass_check.
func (s *Server) Approve(cardID string) error { return s.review(cardID, true, "") }

// Reject fails a card's review (CARD_STATUS_VERIFY_FAIL) and pushes
// card_not_pass_check with reason as RefuseReason.
func (s *Server) Reject(cardID, reason string) error { return s.review(cardID, false, reason) }

func (s *Server) review(cardID string, pass bool, reason string) error {
	s.mu.Lock()
	c, e := s.st.card(cardID)
	if e != nil {
		s.mu.Unlock()
		return e.export()
	}
	ev := Event{Event: "card_pass_check", CardId: cardID}
	if pass {
		c.status = StatusVerifyOK
	} else {
		c.status, c.refuse = StatusVerifyFail, reason
		ev.Event, ev.RefuseReason = "card_not_pass_check", reason
	}
	c.updated = s.now().Unix()
	s.mu.Unlock()
	return s.pushAll([]Event{ev})
}

// SetEventURL sets where event pushes go (the merchant's callback handler);
// "" turns pushes off.
func (s *Server) SetEventURL(u string) {
	s.mu.Lock()
	s.st.eventURL = u
	s.mu.Unlock()
}

func (s *Server) eventURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.eventURL
}
