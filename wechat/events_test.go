package wechat

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/util"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat/wechattest"
)

// Samples from reference §4 (whitespace and CDATA as WeChat sends them).
const (
	sampleUserGetCard = `<xml> <ToUserName> <![CDATA[gh_fc0a06a20993]]> </ToUserName>
 <FromUserName> <![CDATA[oZI8Fj040-be6rlDohc6gkoPOQTQ]]> </FromUserName>
 <CreateTime>1472551036</CreateTime> <MsgType> <![CDATA[event]]> </MsgType>
 <Event> <![CDATA[user_get_card]]> </Event> <CardId> <![CDATA[pZI8Fjwsy5fVPRBeD78J4RmqVvBc]]> </CardId>
 <IsGiveByFriend>0</IsGiveByFriend> <UserCardCode> <![CDATA[226009850808]]> </UserCardCode>
 <FriendUserName> <![CDATA[]]> </FriendUserName> <OuterId>0</OuterId>
 <OldUserCardCode> <![CDATA[]]> </OldUserCardCode> <OuterStr> <![CDATA[12b]]> </OuterStr>
 <IsRestoreMemberCard>0</IsRestoreMemberCard> <IsRecommendByFriend>0</IsRecommendByFriend>
 <UnionId>o6_bmasdasdsad6_2sgVt7hMZOPfL</UnionId> </xml>`
	samplePayCell = `<xml> <ToUserName><![CDATA[gh_e2243xxxxxxx]]></ToUserName> <FromUserName><![CDATA[oo2VNuOUuZGMxxxxxxxx]]></FromUserName>
 <CreateTime>1442390947</CreateTime> <MsgType><![CDATA[event]]></MsgType>
 <Event><![CDATA[user_pay_from_pay_cell]]></Event> <CardId><![CDATA[po2VNuCuRo-8sxxxxxxxxxxx]]></CardId>
 <UserCardCode><![CDATA[38050000000]]></UserCardCode> <TransId><![CDATA[10022403432015000000000]]></TransId>
 <LocationId>291710000</LocationId> <Fee><![CDATA[10000]]></Fee> <OriginalFee><![CDATA[10000]]> </OriginalFee> </xml>`
	sampleUpdateMember = `<xml> <ToUserName><![CDATA[gh_9e1765b5568e]]></ToUserName> <FromUserName><![CDATA[ojZ8YtyVyr30HheH3CM73y7h4jJE]]></FromUserName>
 <CreateTime>1445507140</CreateTime> <MsgType><![CDATA[event]]></MsgType> <Event><![CDATA[update_member_card]]></Event>
 <CardId><![CDATA[pjZ8Ytx-nwvpCRyQneH3Ncmh6N94]]></CardId> <UserCardCode><![CDATA[485027611252]]></UserCardCode>
 <ModifyBonus>3</ModifyBonus> <ModifyBalance>0</ModifyBalance> </xml>`
	samplePayOrder = `<xml> <ToUserName><![CDATA[gh_7223c83d4be5]]></ToUserName> <FromUserName><![CDATA[ob5E7s-HoN9tslQY3-0I4qmgluHk]]></FromUserName>
 <CreateTime>1453295737</CreateTime> <MsgType><![CDATA[event]]></MsgType> <Event><![CDATA[card_pay_order]]></Event>
 <OrderId><![CDATA[404091456]]></OrderId> <Status><![CDATA[ORDER_STATUS_FINANCE_SUCC]]></Status>
 <CreateOrderTime>1453295737</CreateOrderTime> <PayFinishTime>0</PayFinishTime> <Desc><![CDATA[]]></Desc>
 <FreeCoinCount><![CDATA[200]]></FreeCoinCount> <PayCoinCount><![CDATA[0]]></PayCoinCount>
 <RefundFreeCoinCount><![CDATA[0]]></RefundFreeCoinCount> <RefundPayCoinCount><![CDATA[0]]></RefundPayCoinCount>
 <OrderType><![CDATA[ORDER_TYPE_SYS_ADD]]></OrderType> <Memo><![CDATA[开通账户奖励]]></Memo>
 <ReceiptInfo><![CDATA[]]></ReceiptInfo> </xml>`
	sampleConsume = `<xml> <ToUserName> <![CDATA[gh_fc0a06a20993]]> </ToUserName>
 <FromUserName> <![CDATA[oZI8Fj040-be6rlDohc6gkoPOQTQ]]> </FromUserName> <CreateTime>1472549042</CreateTime>
 <MsgType> <![CDATA[event]]> </MsgType> <Event> <![CDATA[user_consume_card]]> </Event>
 <CardId> <![CDATA[pZI8Fj8y-E8hpvho2d1ZvpGwQBvA]]> </CardId> <UserCardCode> <![CDATA[452998530302]]> </UserCardCode>
 <ConsumeSource> <![CDATA[FROM_API]]> </ConsumeSource> <LocationName> <![CDATA[]]> </LocationName>
 <StaffOpenId> <![CDATA[oZ********nJ3bPJu_Rtjkw4c]]> </StaffOpenId> <VerifyCode> <![CDATA[]]> </VerifyCode>
 <RemarkAmount> <![CDATA[]]> </RemarkAmount> <OuterStr> <![CDATA[xxxxx]]> </OuterStr> </xml>`
	sampleNotPass = `<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName>
<CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[card_not_pass_check]]></Event><CardId><![CDATA[cardid]]></CardId>
<RefuseReason><![CDATA[非法代制]]></RefuseReason></xml>`
)

func TestParseEventSamples(t *testing.T) {
	ev, err := ParseEvent([]byte(sampleUserGetCard))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Event != EventUserGetCard || ev.ToUserName != "gh_fc0a06a20993" || ev.FromUserName != "oZI8Fj040-be6rlDohc6gkoPOQTQ" ||
		ev.CardID != "pZI8Fjwsy5fVPRBeD78J4RmqVvBc" || ev.UserCardCode != "226009850808" || ev.OuterStr != "12b" ||
		ev.UnionID != "o6_bmasdasdsad6_2sgVt7hMZOPfL" || ev.IsGiveByFriend || ev.CreateTime.Unix() != 1472551036 ||
		ev.CreateTime.Location() != card.Beijing() {
		t.Fatalf("user_get_card %+v", ev)
	}
	n := ev.Neutral()
	if n.Type != card.EventCardClaimed || n.Ref != (card.Ref{Provider: "wechat", TemplateID: "pZI8Fjwsy5fVPRBeD78J4RmqVvBc", CardNo: "226009850808"}) ||
		n.Holder != "oZI8Fj040-be6rlDohc6gkoPOQTQ" || n.Channel != "12b" || n.Native != ev {
		t.Fatalf("neutral %+v", n)
	}

	ev, err = ParseEvent([]byte(samplePayCell))
	if err != nil || ev.Fee != 10000 || ev.OriginalFee != 10000 || ev.LocationID != 291710000 || ev.TransID != "10022403432015000000000" {
		t.Fatalf("pay cell %+v %v", ev, err)
	}
	ev, err = ParseEvent([]byte(sampleUpdateMember))
	if err != nil || ev.ModifyBonus != 3 || ev.ModifyBalance != 0 || ev.Neutral().Type != card.EventOther {
		t.Fatalf("update_member_card %+v %v", ev, err)
	}
	ev, err = ParseEvent([]byte(samplePayOrder))
	if err != nil || ev.OrderID != "404091456" || ev.FreeCoinCount != 200 || ev.Memo != "开通账户奖励" || ev.OrderType != "ORDER_TYPE_SYS_ADD" ||
		!ev.PayFinishTime.IsZero() || ev.CreateOrderTime.Unix() != 1453295737 || ev.Neutral().Holder != "" {
		t.Fatalf("card_pay_order %+v %v", ev, err)
	}
	ev, err = ParseEvent([]byte(sampleConsume))
	if err != nil || ev.ConsumeSource != "FROM_API" || ev.StaffOpenID != "oZ********nJ3bPJu_Rtjkw4c" || ev.Neutral().Type != card.EventCodeConsumed || ev.Neutral().Channel != "xxxxx" {
		t.Fatalf("consume %+v %v", ev, err)
	}
	ev, err = ParseEvent([]byte(sampleNotPass))
	if err != nil || ev.RefuseReason != "非法代制" || ev.Neutral().Type != card.EventTemplateRejected || ev.Neutral().Holder != "" || ev.Neutral().Ref.CardNo != "" {
		t.Fatalf("not pass %+v %v", ev, err)
	}
	for _, bad := range []string{"", "<xml>", "<xml><Fee>ten</Fee></xml>", "<xml><IsChatRoom>2</IsChatRoom></xml>", "not xml"} {
		if _, err := ParseEvent([]byte(bad)); err == nil {
			t.Errorf("ParseEvent(%q) = nil error", bad)
		}
	}
}

// eventServer mounts h on an httptest server and points s's pushes at it.
func eventServer(t *testing.T, s *wechattest.Server, h http.Handler) string {
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	s.SetEventURL(hs.URL + "/wechat/events")
	return hs.URL + "/wechat/events"
}

type recorder struct {
	mu      sync.Mutex
	typed   []*CardEvent
	neutral []card.Event
	hooked  []EventName
}

func (r *recorder) attach(h *Handler) {
	h.OnCardEvent(func(_ context.Context, ev *CardEvent) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.typed = append(r.typed, ev)
		return nil
	})
	h.OnEvent(func(_ context.Context, ev card.Event) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.neutral = append(r.neutral, ev)
		return nil
	})
	for _, n := range CardEventNames() {
		h.On(n, func(_ context.Context, ev *CardEvent) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			if ev.Event != n {
				return errors.New("hook called for the wrong event")
			}
			r.hooked = append(r.hooked, n)
			return nil
		})
	}
}

func TestHandlerEndToEnd(t *testing.T) {
	for _, safe := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "safe mode"}[safe]
		t.Run(name, func(t *testing.T) {
			opts := &wechattest.Options{}
			if safe {
				opts.EncodingAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
			}
			p, s := newTestProvider(t, opts)
			h, herr := p.NewHandler(&HandlerOptions{EncodingAESKey: opts.EncodingAESKey})
			require.NoError(t, herr)
			var rec recorder
			rec.attach(h)
			eventServer(t, s, h)
			ctx := context.Background()

			id := newCardID(t, p) // pushes card_pass_check? (only under manual review)
			code := claim(t, s, id, "oEVENT")
			if err := p.ActivateMemberCard(ctx, ActivateMemberCardRequest{MembershipNumber: "E1", Code: code, CardID: id}); err != nil {
				t.Fatal(err)
			}
			if _, err := p.ConsumeCode(ctx, ConsumeCodeRequest{Code: code, CardID: id}); err != nil {
				t.Fatal(err)
			}
			s.WaitPushes()
			rec.mu.Lock()
			var claimed, consumed *card.Event
			for i := range rec.neutral {
				switch rec.neutral[i].Type {
				case card.EventCardClaimed:
					claimed = &rec.neutral[i]
				case card.EventCodeConsumed:
					consumed = &rec.neutral[i]
				}
			}
			rec.mu.Unlock()
			want := card.Ref{Provider: "wechat", TemplateID: id, CardNo: code}
			if claimed == nil || claimed.Ref != want || claimed.Holder != "oEVENT" {
				t.Fatalf("claim event %+v", claimed)
			}
			if consumed == nil || consumed.Ref != want || consumed.Native.(*CardEvent).ConsumeSource != "FROM_API" {
				t.Fatalf("consume event %+v", consumed)
			}

			// Every one of the 13 card events reaches its hook, the typed and the neutral callback.
			rec = recorder{}
			rec.attach(h)
			for _, n := range CardEventNames() {
				if err := s.Push(ctx, wechattest.Event{Event: string(n), FromUserName: "oX", CardId: id, UserCardCode: code}); err != nil {
					t.Fatalf("push %s: %v", n, err)
				}
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.typed) != 13 || len(rec.neutral) != 13 || len(rec.hooked) != 13 {
				t.Fatalf("typed %d neutral %d hooked %d, want 13 each", len(rec.typed), len(rec.neutral), len(rec.hooked))
			}
			for i, n := range CardEventNames() {
				if rec.typed[i].Event != n || rec.hooked[i] != n || rec.typed[i].CardID != id {
					t.Errorf("event %d: %+v", i, rec.typed[i])
				}
			}
		})
	}
}

func TestHandlerRejectsBadSignatures(t *testing.T) {
	p, s := newTestProvider(t, nil)
	h, herr := p.NewHandler(nil)
	require.NoError(t, herr)
	called := 0
	h.OnEvent(func(context.Context, card.Event) error { called++; return nil })
	url := eventServer(t, s, h)

	// A push signed with another token.
	forged := wechattest.NewServer(&wechattest.Options{PushToken: "attacker-token"})
	defer forged.Close()
	forged.SetEventURL(url)
	err := forged.Push(context.Background(), wechattest.Event{Event: "user_get_card", FromUserName: "o", CardId: "c", UserCardCode: "1"})
	if err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("forged push: %v, want HTTP 403", err)
	}
	// No signature at all.
	resp, err := http.Post(url, "text/xml", strings.NewReader(sampleUserGetCard))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("unsigned push: HTTP %d", resp.StatusCode)
	}
	if called != 0 {
		t.Fatalf("callback called %d times for bad pushes", called)
	}
	// The genuine server's push gets through.
	if err := s.Push(context.Background(), wechattest.Event{Event: "user_get_card", FromUserName: "o", CardId: "c", UserCardCode: "1"}); err != nil || called != 1 {
		t.Fatalf("genuine push: %v, called %d", err, called)
	}
	// GET echostr verification (inside the replay window; its pair is used up).
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sig := util.Signature("test-push-token", ts, "n0nce")
	for _, tc := range []struct {
		sig    string
		status int
		body   string
	}{{"0000", 403, ""}, {sig, 200, "echo-123"}, {sig, 403, ""}} {
		resp, err := http.Get(url + "?signature=" + tc.sig + "&timestamp=" + ts + "&nonce=n0nce&echostr=echo-123")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || (tc.body != "" && string(b) != tc.body) {
			t.Errorf("GET sig %s: %d %q", tc.sig, resp.StatusCode, b)
		}
	}
}

func TestHandlerCallbackErrorIs500(t *testing.T) {
	p, s := newTestProvider(t, nil)
	h, herr := p.NewHandler(nil)
	require.NoError(t, herr)
	h.On(EventUserDelCard, func(context.Context, *CardEvent) error { return errors.New("db down") })
	eventServer(t, s, h)
	err := s.Push(context.Background(), wechattest.Event{Event: "user_del_card", FromUserName: "o", CardId: "c", UserCardCode: "1"})
	if err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("push with failing callback: %v", err)
	}
}

// TestHandlerFallback: verified non-card pushes reach HandlerOptions.Fallback
// as a fresh request with the plaintext body (decrypted in safe mode) and
// without the safe-mode query parameters; card events and forged pushes
// never reach it; its answer is WeChat's answer.
func TestHandlerFallback(t *testing.T) {
	for _, aesKey := range []string{"", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"} {
		p, s := newTestProvider(t, &wechattest.Options{EncodingAESKey: aesKey})
		type got struct {
			body, ctype, query string
			length             int64
		}
		var mu sync.Mutex
		var seen []got
		fb := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			seen = append(seen, got{string(b), r.Header.Get("Content-Type"), r.URL.RawQuery, r.ContentLength})
			mu.Unlock()
			_, _ = io.WriteString(w, "success")
		})
		h, herr := p.NewHandler(&HandlerOptions{EncodingAESKey: aesKey, Fallback: fb})
		require.NoError(t, herr)
		cardEvents := 0
		h.OnCardEvent(func(context.Context, *CardEvent) error { cardEvents++; return nil })
		url := eventServer(t, s, h)
		ctx := context.Background()
		if err := s.Push(ctx, wechattest.Event{Event: "subscribe", FromUserName: "oFAN"}); err != nil {
			t.Fatalf("aes=%v: subscribe push: %v", aesKey != "", err)
		}
		if err := s.Push(ctx, wechattest.Event{Event: "user_get_card", FromUserName: "o", CardId: "c", UserCardCode: "1"}); err != nil {
			t.Fatal(err)
		}
		forged := wechattest.NewServer(&wechattest.Options{PushToken: "attacker-token", EncodingAESKey: aesKey, AppID: s.AppID()})
		forged.SetEventURL(url)
		if err := forged.Push(ctx, wechattest.Event{Event: "subscribe", FromUserName: "oEVIL"}); err == nil {
			t.Fatalf("aes=%v: forged push accepted", aesKey != "")
		}
		forged.Close()
		mu.Lock()
		if len(seen) != 1 || cardEvents != 1 {
			t.Fatalf("aes=%v: fallback got %d requests, card hook %d; want 1 and 1", aesKey != "", len(seen), cardEvents)
		}
		g := seen[0]
		mu.Unlock()
		if !strings.Contains(g.body, "<Event><![CDATA[subscribe]]></Event>") || strings.Contains(g.body, "<Encrypt>") ||
			g.length != int64(len(g.body)) || g.ctype != "text/xml; charset=utf-8" ||
			strings.Contains(g.query, "encrypt_type") || strings.Contains(g.query, "msg_signature") || !strings.Contains(g.query, "signature=") {
			t.Fatalf("aes=%v: fallback request %+v", aesKey != "", g)
		}
	}
}

// TestHandlerFallbackAnswers: the fallback's status and body are WeChat's
// answer; a 5xx lets the redelivery through the replay check. Without a
// fallback a non-card push is acknowledged.
func TestHandlerFallbackAnswers(t *testing.T) {
	status := http.StatusServiceUnavailable
	h, err := NewHandler(HandlerOptions{Token: "tok", Fallback: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "reply")
	})})
	require.NoError(t, err)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	q := url.Values{"signature": {util.Signature("tok", ts, "n")}, "timestamp": {ts}, "nonce": {"n"}}
	text := `<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>hi</Content></xml>`
	for _, want := range []int{http.StatusServiceUnavailable, http.StatusOK, http.StatusForbidden} {
		status = want
		if want == http.StatusForbidden {
			status = http.StatusOK
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/?"+q.Encode(), strings.NewReader(text)))
		if w.Code != want || (want != http.StatusForbidden && w.Body.String() != "reply") {
			t.Fatalf("HTTP %d %q, want %d", w.Code, w.Body.String(), want)
		}
	}
	plain, herr := NewHandler(HandlerOptions{Token: "tok"})
	require.NoError(t, herr)
	w := httptest.NewRecorder()
	plain.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/?"+q.Encode(), strings.NewReader(text)))
	if w.Code != http.StatusOK || w.Body.String() != "success" {
		t.Fatalf("no fallback: HTTP %d %q", w.Code, w.Body.String())
	}
}

func TestEventIDStableAcrossRedelivery(t *testing.T) {
	raw := []byte(`<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[user_consume_card]]></Event><CardId><![CDATA[pCard1]]></CardId><UserCardCode><![CDATA[123456789012]]></UserCardCode></xml>`)
	a, err := ParseEvent(raw)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ParseEvent(raw)
	if a.Neutral().ID == "" || a.Neutral().ID != b.Neutral().ID {
		t.Fatalf("IDs %q and %q: want equal and non-empty for a redelivered push", a.Neutral().ID, b.Neutral().ID)
	}
	other, _ := ParseEvent([]byte(strings.Replace(string(raw), "123456789012", "123456789013", 1)))
	if other.Neutral().ID == a.Neutral().ID {
		t.Fatal("two codes consumed in the same second share an ID")
	}
}
