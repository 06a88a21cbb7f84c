package wechattest

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/silenceper/wechat/v2/util"
)

// Event is a card event push (wire reference §4). The field names are the XML
// element names. String fields are written as CDATA; a field is written when
// it is set or when the event's reference sample always carries it.
type Event struct {
	ToUserName   string `xml:"ToUserName"`   // default: Options.OriginalID
	FromUserName string `xml:"FromUserName"` // the user's openid
	CreateTime   int64  `xml:"CreateTime"`   // default: the server clock
	MsgType      string `xml:"MsgType"`      // default "event"
	Event        string `xml:"Event"`        // user_get_card, user_consume_card, …

	CardId              string `xml:"CardId"`
	UserCardCode        string `xml:"UserCardCode"`
	OuterStr            string `xml:"OuterStr"`
	OuterId             int64  `xml:"OuterId"`
	IsGiveByFriend      int    `xml:"IsGiveByFriend"`
	FriendUserName      string `xml:"FriendUserName"`
	OldUserCardCode     string `xml:"OldUserCardCode"`
	IsRestoreMemberCard int    `xml:"IsRestoreMemberCard"`
	IsRecommendByFriend int    `xml:"IsRecommendByFriend"`
	UnionId             string `xml:"UnionId"`
	IsReturnBack        int    `xml:"IsReturnBack"`
	IsChatRoom          int    `xml:"IsChatRoom"`
	ConsumeSource       string `xml:"ConsumeSource"` // FROM_API, FROM_MP, FROM_MOBILE_HELPER
	LocationName        string `xml:"LocationName"`
	StaffOpenId         string `xml:"StaffOpenId"`
	VerifyCode          string `xml:"VerifyCode"`
	RemarkAmount        string `xml:"RemarkAmount"`
	TransId             string `xml:"TransId"`
	LocationId          int64  `xml:"LocationId"`
	Fee                 int64  `xml:"Fee"`         // fen
	OriginalFee         int64  `xml:"OriginalFee"` // fen
	Detail              string `xml:"Detail"`
	RefuseReason        string `xml:"RefuseReason"`
	ModifyBonus         int64  `xml:"ModifyBonus"`
	ModifyBalance       int64  `xml:"ModifyBalance"`
	PageId              string `xml:"PageId"`
	OrderId             string `xml:"OrderId"`
	// card_pay_order (券点) fields
	Status              string `xml:"Status"`
	CreateOrderTime     int64  `xml:"CreateOrderTime"`
	PayFinishTime       int64  `xml:"PayFinishTime"`
	Desc                string `xml:"Desc"`
	FreeCoinCount       int64  `xml:"FreeCoinCount"`
	PayCoinCount        int64  `xml:"PayCoinCount"`
	RefundFreeCoinCount int64  `xml:"RefundFreeCoinCount"`
	RefundPayCoinCount  int64  `xml:"RefundPayCoinCount"`
	OrderType           string `xml:"OrderType"`
	Memo                string `xml:"Memo"`
	ReceiptInfo         string `xml:"ReceiptInfo"`
}

type evField struct {
	name string
	str  func(*Event) string
	num  func(*Event) int64
}

var evFields = []evField{
	{name: "CardId", str: func(e *Event) string { return e.CardId }},
	{name: "UserCardCode", str: func(e *Event) string { return e.UserCardCode }},
	{name: "IsGiveByFriend", num: func(e *Event) int64 { return int64(e.IsGiveByFriend) }},
	{name: "FriendUserName", str: func(e *Event) string { return e.FriendUserName }},
	{name: "OuterId", num: func(e *Event) int64 { return e.OuterId }},
	{name: "OldUserCardCode", str: func(e *Event) string { return e.OldUserCardCode }},
	{name: "OuterStr", str: func(e *Event) string { return e.OuterStr }},
	{name: "IsRestoreMemberCard", num: func(e *Event) int64 { return int64(e.IsRestoreMemberCard) }},
	{name: "IsRecommendByFriend", num: func(e *Event) int64 { return int64(e.IsRecommendByFriend) }},
	{name: "UnionId", str: func(e *Event) string { return e.UnionId }},
	{name: "IsReturnBack", num: func(e *Event) int64 { return int64(e.IsReturnBack) }},
	{name: "IsChatRoom", num: func(e *Event) int64 { return int64(e.IsChatRoom) }},
	{name: "ConsumeSource", str: func(e *Event) string { return e.ConsumeSource }},
	{name: "LocationName", str: func(e *Event) string { return e.LocationName }},
	{name: "StaffOpenId", str: func(e *Event) string { return e.StaffOpenId }},
	{name: "VerifyCode", str: func(e *Event) string { return e.VerifyCode }},
	{name: "RemarkAmount", str: func(e *Event) string { return e.RemarkAmount }},
	{name: "TransId", str: func(e *Event) string { return e.TransId }},
	{name: "LocationId", num: func(e *Event) int64 { return e.LocationId }},
	{name: "Fee", num: func(e *Event) int64 { return e.Fee }},
	{name: "OriginalFee", num: func(e *Event) int64 { return e.OriginalFee }},
	{name: "Detail", str: func(e *Event) string { return e.Detail }},
	{name: "RefuseReason", str: func(e *Event) string { return e.RefuseReason }},
	{name: "ModifyBonus", num: func(e *Event) int64 { return e.ModifyBonus }},
	{name: "ModifyBalance", num: func(e *Event) int64 { return e.ModifyBalance }},
	{name: "PageId", str: func(e *Event) string { return e.PageId }},
	{name: "OrderId", str: func(e *Event) string { return e.OrderId }},
	{name: "Status", str: func(e *Event) string { return e.Status }},
	{name: "CreateOrderTime", num: func(e *Event) int64 { return e.CreateOrderTime }},
	{name: "PayFinishTime", num: func(e *Event) int64 { return e.PayFinishTime }},
	{name: "Desc", str: func(e *Event) string { return e.Desc }},
	{name: "FreeCoinCount", num: func(e *Event) int64 { return e.FreeCoinCount }},
	{name: "PayCoinCount", num: func(e *Event) int64 { return e.PayCoinCount }},
	{name: "RefundFreeCoinCount", num: func(e *Event) int64 { return e.RefundFreeCoinCount }},
	{name: "RefundPayCoinCount", num: func(e *Event) int64 { return e.RefundPayCoinCount }},
	{name: "OrderType", str: func(e *Event) string { return e.OrderType }},
	{name: "Memo", str: func(e *Event) string { return e.Memo }},
	{name: "ReceiptInfo", str: func(e *Event) string { return e.ReceiptInfo }},
}

// always lists, per event, the fields the reference samples carry even when empty.
var always = map[string]string{
	"user_get_card":                "CardId IsGiveByFriend UserCardCode FriendUserName OuterId OldUserCardCode OuterStr IsRestoreMemberCard IsRecommendByFriend",
	"user_consume_card":            "CardId UserCardCode ConsumeSource LocationName StaffOpenId VerifyCode RemarkAmount OuterStr",
	"user_del_card":                "CardId UserCardCode",
	"user_view_card":               "CardId UserCardCode OuterStr",
	"user_enter_session_from_card": "CardId UserCardCode",
	"user_gifting_card":            "CardId UserCardCode IsReturnBack FriendUserName IsChatRoom",
	"update_member_card":           "CardId UserCardCode ModifyBonus ModifyBalance",
	"submit_membercard_user_info":  "CardId UserCardCode",
	"card_pass_check":              "CardId",
	"card_not_pass_check":          "CardId RefuseReason",
	"card_sku_remind":              "CardId Detail",
	"user_pay_from_pay_cell":       "CardId UserCardCode TransId LocationId Fee OriginalFee",
}

func cdata(b *bytes.Buffer, name, v string) {
	b.WriteString("<" + name + "><![CDATA[")
	b.WriteString(strings.ReplaceAll(v, "]]>", "]]]]><![CDATA[>"))
	b.WriteString("]]></" + name + ">")
}

// XML renders the event as WeChat's plain-text (明文) push body. Zero
// ToUserName, CreateTime and MsgType are written as they are; Push fills them.
func (e *Event) XML() []byte {
	var b bytes.Buffer
	b.WriteString("<xml>")
	cdata(&b, "ToUserName", e.ToUserName)
	cdata(&b, "FromUserName", e.FromUserName)
	b.WriteString("<CreateTime>" + strconv.FormatInt(e.CreateTime, 10) + "</CreateTime>")
	cdata(&b, "MsgType", e.MsgType)
	cdata(&b, "Event", e.Event)
	need := " " + always[e.Event] + " "
	for _, f := range evFields {
		must := strings.Contains(need, " "+f.name+" ")
		if f.str != nil {
			if v := f.str(e); v != "" || must {
				cdata(&b, f.name, v)
			}
		} else if v := f.num(e); v != 0 || must {
			b.WriteString("<" + f.name + ">" + strconv.FormatInt(v, 10) + "</" + f.name + ">")
		}
	}
	b.WriteString("</xml>")
	return b.Bytes()
}

// pushError is the type of the package's constant push errors.
type pushError string

func (e pushError) Error() string { return string(e) }

// ErrNoEventURL is returned by Push when no event URL is set. It is a
// constant, so no code can replace it.
const ErrNoEventURL = pushError("wechattest: no event URL set")

// ErrServerClosed is the error Pushes records for an automatic push an API
// call started after Close began: it is not sent.
const ErrServerClosed = pushError("wechattest: server closed; push not sent")

// Push sends ev to the event URL as WeChat does: POST with the query
// parameters signature (sha1 of the sorted PushToken, timestamp and nonce),
// timestamp, nonce and openid; in safe mode (EncodingAESKey set) the body is
// the <Encrypt> envelope and encrypt_type=aes and msg_signature are added.
// Empty ToUserName, CreateTime (from Options.Clock) and MsgType are filled
// in; the signed timestamp follows Options.PushClock (default the wall
// clock, not Options.Clock). It returns an error
// when the handler does not answer 2xx with "", "success" or an XML reply.
func (s *Server) Push(ctx context.Context, ev Event) error {
	target := s.eventURL()
	if target == "" {
		return ErrNoEventURL
	}
	if ev.ToUserName == "" {
		ev.ToUserName = s.opts.OriginalID
	}
	if ev.CreateTime == 0 {
		ev.CreateTime = s.now().Unix()
	}
	if ev.MsgType == "" {
		ev.MsgType = "event"
	}
	body := ev.XML()
	ts := strconv.FormatInt(s.opts.PushClock().Unix(), 10) // wall clock by default, not Clock
	nonce := randomDigits(10)
	q := url.Values{
		"signature": {util.Signature(s.opts.PushToken, ts, nonce)},
		"timestamp": {ts},
		"nonce":     {nonce},
	}
	if ev.FromUserName != "" {
		q.Set("openid", ev.FromUserName)
	}
	if s.opts.EncodingAESKey != "" {
		random := make([]byte, 16)
		_, _ = rand.Read(random)
		enc, err := util.EncryptMsg(random, body, s.opts.AppID, s.opts.EncodingAESKey)
		if err != nil {
			return fmt.Errorf("wechattest: encrypt push: %w", err)
		}
		var b bytes.Buffer
		b.WriteString("<xml>")
		cdata(&b, "ToUserName", ev.ToUserName)
		cdata(&b, "Encrypt", string(enc))
		b.WriteString("</xml>")
		body = b.Bytes()
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", util.Signature(s.opts.PushToken, ts, nonce, string(enc)))
	}
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target+sep+q.Encode(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("wechattest: push %s: %w", ev.Event, err)
	}
	req.Header.Set("Content-Type", "text/xml")
	resp, err := s.pushC.Do(req)
	if err != nil {
		return fmt.Errorf("wechattest: push %s: %w", ev.Event, err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("wechattest: push %s: handler answered HTTP %d", ev.Event, resp.StatusCode)
	}
	r := strings.TrimSpace(string(reply))
	if r != "" && r != "success" && !strings.HasPrefix(r, "<xml") {
		return fmt.Errorf("wechattest: push %s: handler answered %.64q, want \"success\", \"\" or an XML reply", ev.Event, r)
	}
	return nil
}

// PushResult is one automatic push and how it went.
type PushResult struct {
	Event Event
	Err   error
}

// Pushes returns the automatic pushes made so far (by Claim, consume,
// updateuser …), in completion order. Pushes made by an API call are sent
// asynchronously after the response, as WeChat does; call WaitPushes first.
func (s *Server) Pushes() []PushResult {
	s.meta.Lock()
	defer s.meta.Unlock()
	return append([]PushResult(nil), s.pushLog...)
}

// WaitPushes blocks until every asynchronous push started so far is done.
// It may be called while other goroutines start pushes.
func (s *Server) WaitPushes() { s.pushW.wait() }

// pushAll pushes evs synchronously (for the simulation methods); it does
// nothing without an event URL. It returns the first error.
func (s *Server) pushAll(evs []Event) error {
	if len(evs) == 0 || s.eventURL() == "" {
		return nil
	}
	var first error
	for _, ev := range evs {
		err := s.Push(context.Background(), ev)
		s.logPush(ev, err)
		if err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		return fmt.Errorf("wechattest: the state changed but the event push failed: %w", first)
	}
	return nil
}

// pushAsync pushes ev in the background (for API-triggered events).
func (s *Server) pushAsync(ev Event) {
	if s.eventURL() == "" {
		return
	}
	if !s.pushW.start() {
		s.logPush(ev, ErrServerClosed)
		return
	}
	go func() {
		defer s.pushW.done()
		s.logPush(ev, s.Push(context.Background(), ev))
	}()
}

func (s *Server) logPush(ev Event, err error) {
	s.meta.Lock()
	s.pushLog = append(s.pushLog, PushResult{Event: ev, Err: err})
	s.meta.Unlock()
}

func randomDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}
