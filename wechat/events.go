package wechat

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"

	card "github.com/walletcard/card"
)

// EventName is the Event value of a WeChat card event push.
type EventName string

// The 13 card events (reference §4).
const (
	EventCardPassCheck            EventName = "card_pass_check"
	EventCardNotPassCheck         EventName = "card_not_pass_check"
	EventUserGetCard              EventName = "user_get_card"
	EventUserGiftingCard          EventName = "user_gifting_card"
	EventUserDelCard              EventName = "user_del_card"
	EventUserConsumeCard          EventName = "user_consume_card"
	EventUserPayFromPayCell       EventName = "user_pay_from_pay_cell"
	EventUserViewCard             EventName = "user_view_card"
	EventUserEnterSessionFromCard EventName = "user_enter_session_from_card"
	EventUpdateMemberCard         EventName = "update_member_card"
	EventCardSkuRemind            EventName = "card_sku_remind"
	EventCardPayOrder             EventName = "card_pay_order"
	EventSubmitMembercardUserInfo EventName = "submit_membercard_user_info"
)

// CardEventNames lists the 13 card events in reference order, in a new slice
// on every call.
func CardEventNames() []EventName {
	return []EventName{
		EventCardPassCheck, EventCardNotPassCheck, EventUserGetCard, EventUserGiftingCard,
		EventUserDelCard, EventUserConsumeCard, EventUserPayFromPayCell, EventUserViewCard,
		EventUserEnterSessionFromCard, EventUpdateMemberCard, EventCardSkuRemind, EventCardPayOrder,
		EventSubmitMembercardUserInfo,
	}
}

// IsCardEvent reports whether n is one of the 13 card events.
func IsCardEvent(n EventName) bool {
	for _, k := range CardEventNames() {
		if k == n {
			return true
		}
	}
	return false
}

// CardEvent is a card event push with typed fields. Fields that an event does
// not carry are zero. Strings are trimmed of the whitespace WeChat pads
// values with; 0/1 flags are bools; amounts are int64 (fen).
type CardEvent struct {
	// Envelope.
	ToUserName   string    // the official account (gh_…)
	FromUserName string    // the user's openid (a system account for review events)
	CreateTime   time.Time // in Beijing time
	MsgType      string    // "event"
	Event        EventName

	// Card and code.
	CardID       string // CardId
	UserCardCode string
	OuterStr     string
	OuterID      int64 // OuterId (legacy)
	UnionID      string

	// user_get_card / user_gifting_card.
	IsGiveByFriend      bool
	FriendUserName      string
	OldUserCardCode     string
	IsRestoreMemberCard bool
	IsRecommendByFriend bool
	IsReturnBack        bool
	IsChatRoom          bool

	// user_consume_card.
	ConsumeSource string // FROM_API, FROM_MP, FROM_MOBILE_HELPER
	LocationName  string
	StaffOpenID   string
	VerifyCode    string
	RemarkAmount  string

	// user_pay_from_pay_cell.
	TransID     string
	LocationID  int64
	Fee         int64 // fen
	OriginalFee int64 // fen

	// update_member_card.
	ModifyBonus   int64
	ModifyBalance int64 // fen

	// card_sku_remind, card_not_pass_check.
	Detail       string
	RefuseReason string

	// card_pay_order (coin ledger).
	OrderID             string
	Status              string
	CreateOrderTime     time.Time
	PayFinishTime       time.Time
	Desc                string
	FreeCoinCount       int64
	PayCoinCount        int64
	RefundFreeCoinCount int64
	RefundPayCoinCount  int64
	OrderType           string
	Memo                string
	ReceiptInfo         string
}

// rawEvent is the XML as strings: WeChat pads numbers with spaces and CDATA,
// which encoding/xml does not accept for numeric fields.
type rawEvent struct {
	XMLName             xml.Name `xml:"xml"`
	ToUserName          string   `xml:"ToUserName"`
	FromUserName        string   `xml:"FromUserName"`
	CreateTime          string   `xml:"CreateTime"`
	MsgType             string   `xml:"MsgType"`
	Event               string   `xml:"Event"`
	Encrypt             string   `xml:"Encrypt"`
	CardID              string   `xml:"CardId"`
	UserCardCode        string   `xml:"UserCardCode"`
	OuterStr            string   `xml:"OuterStr"`
	OuterID             string   `xml:"OuterId"`
	UnionID             string   `xml:"UnionId"`
	IsGiveByFriend      string   `xml:"IsGiveByFriend"`
	FriendUserName      string   `xml:"FriendUserName"`
	OldUserCardCode     string   `xml:"OldUserCardCode"`
	IsRestoreMemberCard string   `xml:"IsRestoreMemberCard"`
	IsRecommendByFriend string   `xml:"IsRecommendByFriend"`
	IsReturnBack        string   `xml:"IsReturnBack"`
	IsChatRoom          string   `xml:"IsChatRoom"`
	ConsumeSource       string   `xml:"ConsumeSource"`
	LocationName        string   `xml:"LocationName"`
	StaffOpenID         string   `xml:"StaffOpenId"`
	VerifyCode          string   `xml:"VerifyCode"`
	RemarkAmount        string   `xml:"RemarkAmount"`
	TransID             string   `xml:"TransId"`
	LocationID          string   `xml:"LocationId"`
	Fee                 string   `xml:"Fee"`
	OriginalFee         string   `xml:"OriginalFee"`
	ModifyBonus         string   `xml:"ModifyBonus"`
	ModifyBalance       string   `xml:"ModifyBalance"`
	Detail              string   `xml:"Detail"`
	RefuseReason        string   `xml:"RefuseReason"`
	OrderID             string   `xml:"OrderId"`
	Status              string   `xml:"Status"`
	CreateOrderTime     string   `xml:"CreateOrderTime"`
	PayFinishTime       string   `xml:"PayFinishTime"`
	Desc                string   `xml:"Desc"`
	FreeCoinCount       string   `xml:"FreeCoinCount"`
	PayCoinCount        string   `xml:"PayCoinCount"`
	RefundFreeCoinCount string   `xml:"RefundFreeCoinCount"`
	RefundPayCoinCount  string   `xml:"RefundPayCoinCount"`
	OrderType           string   `xml:"OrderType"`
	Memo                string   `xml:"Memo"`
	ReceiptInfo         string   `xml:"ReceiptInfo"`
}

// maxEventBytes bounds an event push body.
const maxEventBytes = 1 << 20

// decodeRaw parses the XML of a push (plain message or the safe-mode envelope).
func decodeRaw(b []byte) (*rawEvent, error) {
	if len(b) > maxEventBytes {
		return nil, fmt.Errorf("event body larger than %d bytes", maxEventBytes)
	}
	var r rawEvent
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	if err := d.Decode(&r); err != nil {
		return nil, fmt.Errorf("decode event XML: %w", err)
	}
	return &r, nil
}

// ParseEvent parses the plain (decrypted) XML of an event push. It does not
// verify signatures; Handler does. Non-card events (subscribe, menu clicks …)
// parse too: check IsCardEvent(ev.Event).
func ParseEvent(b []byte) (*CardEvent, error) {
	r, err := decodeRaw(b)
	if err != nil {
		return nil, err
	}
	return r.typed()
}

func (r *rawEvent) typed() (*CardEvent, error) {
	p := fieldParser{}
	ev := &CardEvent{
		ToUserName:          clean(r.ToUserName),
		FromUserName:        clean(r.FromUserName),
		CreateTime:          p.unix("CreateTime", r.CreateTime),
		MsgType:             clean(r.MsgType),
		Event:               EventName(clean(r.Event)),
		CardID:              clean(r.CardID),
		UserCardCode:        clean(r.UserCardCode),
		OuterStr:            clean(r.OuterStr),
		OuterID:             p.int("OuterId", r.OuterID),
		UnionID:             clean(r.UnionID),
		IsGiveByFriend:      p.flag("IsGiveByFriend", r.IsGiveByFriend),
		FriendUserName:      clean(r.FriendUserName),
		OldUserCardCode:     clean(r.OldUserCardCode),
		IsRestoreMemberCard: p.flag("IsRestoreMemberCard", r.IsRestoreMemberCard),
		IsRecommendByFriend: p.flag("IsRecommendByFriend", r.IsRecommendByFriend),
		IsReturnBack:        p.flag("IsReturnBack", r.IsReturnBack),
		IsChatRoom:          p.flag("IsChatRoom", r.IsChatRoom),
		ConsumeSource:       clean(r.ConsumeSource),
		LocationName:        clean(r.LocationName),
		StaffOpenID:         clean(r.StaffOpenID),
		VerifyCode:          clean(r.VerifyCode),
		RemarkAmount:        clean(r.RemarkAmount),
		TransID:             clean(r.TransID),
		LocationID:          p.int("LocationId", r.LocationID),
		Fee:                 p.int("Fee", r.Fee),
		OriginalFee:         p.int("OriginalFee", r.OriginalFee),
		ModifyBonus:         p.int("ModifyBonus", r.ModifyBonus),
		ModifyBalance:       p.int("ModifyBalance", r.ModifyBalance),
		Detail:              clean(r.Detail),
		RefuseReason:        clean(r.RefuseReason),
		OrderID:             clean(r.OrderID),
		Status:              clean(r.Status),
		CreateOrderTime:     p.unix("CreateOrderTime", r.CreateOrderTime),
		PayFinishTime:       p.unix("PayFinishTime", r.PayFinishTime),
		Desc:                clean(r.Desc),
		FreeCoinCount:       p.int("FreeCoinCount", r.FreeCoinCount),
		PayCoinCount:        p.int("PayCoinCount", r.PayCoinCount),
		RefundFreeCoinCount: p.int("RefundFreeCoinCount", r.RefundFreeCoinCount),
		RefundPayCoinCount:  p.int("RefundPayCoinCount", r.RefundPayCoinCount),
		OrderType:           clean(r.OrderType),
		Memo:                clean(r.Memo),
		ReceiptInfo:         clean(r.ReceiptInfo),
	}
	if p.err != nil {
		return nil, p.err
	}
	if ev.Event == "" && ev.MsgType == "event" {
		return nil, fmt.Errorf("event push without Event")
	}
	return ev, nil
}

func clean(s string) string { return strings.TrimSpace(s) }

// fieldParser converts numeric fields, keeping the first error.
type fieldParser struct{ err error }

func (p *fieldParser) int(name, s string) int64 {
	s = clean(s)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("event field %s: %q is not an integer", name, s)
	}
	return n
}

func (p *fieldParser) flag(name, s string) bool {
	switch clean(s) {
	case "", "0", "false":
		return false
	case "1", "true":
		return true
	}
	if p.err == nil {
		p.err = fmt.Errorf("event field %s: %q is not 0 or 1", name, clean(s))
	}
	return false
}

func (p *fieldParser) unix(name, s string) time.Time {
	n := p.int(name, s)
	if n <= 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).In(card.Beijing())
}

// ID identifies the push for de-duplication. WeChat redelivers a push it
// thinks was not handled with the same FromUserName and CreateTime (its own
// advice for de-duplicating event messages); the event name, card and code
// are added so that distinct events in the same second stay distinct.
func (e *CardEvent) ID() string {
	ts := ""
	if !e.CreateTime.IsZero() {
		ts = strconv.FormatInt(e.CreateTime.Unix(), 10)
	}
	return e.FromUserName + "|" + ts + "|" + string(e.Event) + "|" + e.CardID + "|" + e.UserCardCode
}

// Neutral returns the provider-neutral form of the event:
//
//	user_get_card               → card.EventCardClaimed (Channel = OuterStr)
//	submit_membercard_user_info → card.EventMemberInfoSubmitted
//	user_del_card               → card.EventCardDeleted
//	user_consume_card           → card.EventCodeConsumed (Channel = OuterStr)
//	card_pass_check             → card.EventTemplateApproved (no CardNo, no Holder)
//	card_not_pass_check         → card.EventTemplateRejected (no CardNo, no Holder)
//	the other seven             → card.EventOther
//
// Ref is {"wechat", CardId, UserCardCode}; Holder is FromUserName (the
// user's openid) except for the review, stock and coin-order events, which
// come from a system account. Native is the *CardEvent. WeChat has no event
// for an activation made through the API; card.EventCardOpened is not produced.
func (e *CardEvent) Neutral() card.Event {
	ev := card.Event{
		ID:       e.ID(),
		Type:     card.EventOther,
		Provider: Name,
		Ref:      card.Ref{Provider: Name, TemplateID: e.CardID, CardNo: e.UserCardCode},
		Holder:   e.FromUserName,
		Channel:  e.OuterStr,
		Time:     e.CreateTime,
		Native:   e,
	}
	switch e.Event {
	case EventUserGetCard:
		ev.Type = card.EventCardClaimed
	case EventSubmitMembercardUserInfo:
		ev.Type = card.EventMemberInfoSubmitted
	case EventUserDelCard:
		ev.Type = card.EventCardDeleted
	case EventUserConsumeCard:
		ev.Type = card.EventCodeConsumed
	case EventCardPassCheck:
		ev.Type = card.EventTemplateApproved
		ev.Holder = ""
	case EventCardNotPassCheck:
		ev.Type = card.EventTemplateRejected
		ev.Holder = ""
	case EventCardSkuRemind, EventCardPayOrder:
		ev.Holder = ""
	}
	return ev
}
