package wechattest

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/officialaccount"
	"github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/util"
)

const testAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

// sink is a merchant event handler that checks signatures (and decrypts in
// safe mode) the way WeChat documents it.
type sink struct {
	t      *testing.T
	token  string
	aesKey string
	appID  string
	reply  string
	status int

	mu     sync.Mutex
	events []Event
	errs   []string
}

func (k *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	body, _ := io.ReadAll(r.Body)
	fail := func(msg string) {
		k.mu.Lock()
		k.errs = append(k.errs, msg)
		k.mu.Unlock()
		w.WriteHeader(http.StatusForbidden)
	}
	if q.Get("signature") != util.Signature(k.token, q.Get("timestamp"), q.Get("nonce")) {
		fail("bad signature")
		return
	}
	if k.aesKey != "" {
		var env struct {
			ToUserName string `xml:"ToUserName"`
			Encrypt    string `xml:"Encrypt"`
		}
		if err := xml.Unmarshal(body, &env); err != nil || env.Encrypt == "" {
			fail("no Encrypt envelope")
			return
		}
		if q.Get("encrypt_type") != "aes" || q.Get("msg_signature") != util.Signature(k.token, q.Get("timestamp"), q.Get("nonce"), env.Encrypt) {
			fail("bad msg_signature")
			return
		}
		_, plain, err := util.DecryptMsg(k.appID, env.Encrypt, k.aesKey)
		if err != nil {
			fail("decrypt: " + err.Error())
			return
		}
		body = plain
	}
	var ev Event
	if err := xml.Unmarshal(body, &ev); err != nil {
		fail("xml: " + err.Error())
		return
	}
	if q.Get("openid") != ev.FromUserName {
		fail("openid query differs from FromUserName")
		return
	}
	k.mu.Lock()
	k.events = append(k.events, ev)
	k.mu.Unlock()
	if k.status != 0 {
		w.WriteHeader(k.status)
	}
	_, _ = io.WriteString(w, k.reply)
}

func (k *sink) got() ([]Event, []string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]Event(nil), k.events...), append([]string(nil), k.errs...)
}

func newSink(t *testing.T, c *tc, safe bool) *sink {
	k := &sink{t: t, token: c.s.opts.PushToken, appID: c.s.AppID(), reply: "success"}
	if safe {
		k.aesKey = testAESKey
	}
	hs := httptest.NewServer(k)
	t.Cleanup(hs.Close)
	c.s.SetEventURL(hs.URL + "/wechat/callback")
	return k
}

func TestAutomaticPushes(t *testing.T) {
	for _, safe := range []bool{false, true} {
		name := "plain"
		opts := &Options{ManualReview: true, PushToken: "tok-1"}
		if safe {
			name, opts.EncodingAESKey = "safe", testAESKey
		}
		t.Run(name, func(t *testing.T) {
			c := newTC(t, opts)
			k := newSink(t, c, safe)
			id := c.createMember(nil)
			if err := c.s.Reject(id, "图片违规"); err != nil {
				t.Fatal(err)
			}
			if err := c.s.Approve(id); err != nil {
				t.Fatal(err)
			}
			code, err := c.s.Claim(id, "o1", "shop-9")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.s.SubmitMemberForm(id, code, "o1", map[string]string{"USER_FORM_INFO_FLAG_MOBILE": "1"}); err != nil {
				t.Fatal(err)
			}
			c.ok("/card/membercard/activate", map[string]any{"card_id": id, "code": code, "membership_number": "M"})
			c.ok("/card/membercard/updateuser", map[string]any{"card_id": id, "code": code, "add_bonus": 7, "balance": 100})
			c.s.WaitPushes()
			c.ok("/card/code/consume", map[string]any{"card_id": id, "code": code})
			c.s.WaitPushes()
			k2, _ := c.s.Claim(id, "o2", "")
			if err := c.s.DeleteByUser(id, k2); err != nil {
				t.Fatal(err)
			}
			evs, errs := k.got()
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			want := []string{"card_not_pass_check", "card_pass_check", "user_get_card", "submit_membercard_user_info",
				"update_member_card", "user_consume_card", "user_get_card", "user_del_card"}
			if len(evs) != len(want) {
				t.Fatalf("got %d events %+v", len(evs), evs)
			}
			for i, w := range want {
				e := evs[i]
				if e.Event != w || e.MsgType != "event" || e.ToUserName != "gh_000000000001" || e.CreateTime == 0 || e.CardId != id {
					t.Fatalf("event %d: %+v, want %s", i, e, w)
				}
			}
			if evs[0].RefuseReason != "图片违规" {
				t.Errorf("RefuseReason %q", evs[0].RefuseReason)
			}
			if g := evs[2]; g.FromUserName != "o1" || g.UserCardCode != code || g.OuterStr != "shop-9" {
				t.Errorf("user_get_card %+v", g)
			}
			if u := evs[4]; u.ModifyBonus != 7 || u.ModifyBalance != 100 || u.UserCardCode != code {
				t.Errorf("update_member_card %+v", u)
			}
			if u := evs[5]; u.ConsumeSource != "FROM_API" || u.OuterStr != "shop-9" {
				t.Errorf("user_consume_card %+v", u)
			}
			if d := evs[7]; d.UserCardCode != k2 || d.FromUserName != "o2" {
				t.Errorf("user_del_card %+v", d)
			}
			for _, p := range c.s.Pushes() {
				if p.Err != nil {
					t.Errorf("push %s: %v", p.Event.Event, p.Err)
				}
			}
		})
	}
}

func TestPushFailures(t *testing.T) {
	c := newTC(t, nil)
	if err := c.s.Push(context.Background(), Event{Event: "user_view_card"}); !errors.Is(err, ErrNoEventURL) {
		t.Fatalf("no URL: %v", err)
	}
	k := newSink(t, c, false)
	id := c.createMember(nil)

	k.status = http.StatusInternalServerError
	code, err := c.s.Claim(id, "o1", "")
	if err == nil || code == "" {
		t.Fatalf("claim with failing handler: %q %v", code, err)
	}
	if m, ok := c.s.Member(id, code); !ok || m.Status != CodeNormal {
		t.Fatal("the claim must stand when the push fails")
	}
	k.status = 0
	k.reply = "nope"
	if err := c.s.Push(context.Background(), Event{Event: "user_view_card", CardId: id}); err == nil {
		t.Fatal("a non-success reply must fail")
	}
	for _, reply := range []string{"", "success", "<xml><MsgType>text</MsgType></xml>"} {
		k.reply = reply
		if err := c.s.Push(context.Background(), Event{Event: "user_view_card", CardId: id}); err != nil {
			t.Fatalf("reply %q: %v", reply, err)
		}
	}
	// a wrong token is rejected by the handler
	k.token = "other"
	k.reply = "success"
	if err := c.s.ViewCard(id, code); err == nil {
		t.Fatal("signature with the wrong token accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.s.Push(ctx, Event{Event: "x"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled push: %v", err)
	}
}

func TestEventXML(t *testing.T) {
	ev := Event{ToUserName: "gh", FromUserName: "o<1>", CreateTime: 5, MsgType: "event", Event: "user_get_card",
		CardId: "p1", UserCardCode: "c]]>x", OuterStr: "&amp;"}
	b := ev.XML()
	var back Event
	if err := xml.Unmarshal(b, &back); err != nil {
		t.Fatal(err, string(b))
	}
	if back != ev {
		t.Fatalf("round trip:\n%+v\n%+v\n%s", back, ev, b)
	}
	for _, f := range []string{"<IsGiveByFriend>0</IsGiveByFriend>", "<FriendUserName><![CDATA[]]></FriendUserName>", "<OuterId>0</OuterId>"} {
		if !strings.Contains(string(b), f) {
			t.Errorf("sample field %s missing: %s", f, b)
		}
	}
	if strings.Contains(string(b), "ModifyBonus") {
		t.Errorf("unrelated field written: %s", b)
	}
}

// TestSilenceperServerAcceptsPushes checks the pushes against the vendor
// SDK's own callback server, in safe mode.
func TestSilenceperServerAcceptsPushes(t *testing.T) {
	c := newTC(t, &Options{EncodingAESKey: testAESKey, PushToken: "tok-2"})
	oa := officialaccount.NewOfficialAccount(&config.Config{
		AppID: c.s.AppID(), AppSecret: c.s.AppSecret(), Token: "tok-2", EncodingAESKey: testAESKey, Cache: cache.NewMemory(),
	})
	var mu sync.Mutex
	var got []*message.MixMessage
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv := oa.GetServer(r, w)
		srv.SetMessageHandler(func(m *message.MixMessage) *message.Reply {
			mu.Lock()
			got = append(got, m)
			mu.Unlock()
			return nil
		})
		if err := srv.Serve(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_ = srv.Send()
	}))
	defer hs.Close()
	c.s.SetEventURL(hs.URL)
	id := c.createMember(nil)
	code, err := c.s.Claim(id, "o7", "qr")
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || string(got[0].Event) != "user_get_card" || got[0].CardID != id || got[0].UserCardCode != code || got[0].OuterStr != "qr" || string(got[0].FromUserName) != "o7" {
		t.Fatalf("vendor server saw %+v", got)
	}
}

func TestPayCellAndViewPushes(t *testing.T) {
	c := newTC(t, nil)
	k := newSink(t, c, false)
	id := c.createMember(func(b, _ map[string]any) { b["location_id_list"] = []int{291710000, 2} })
	code, _ := c.s.Claim(id, "o1", "ch")
	if err := c.s.PayWithPayCell(id, code, 100, 120); err == nil || err.(*Error).Code != 40107 {
		t.Fatalf("pay cell closed: %v", err)
	}
	c.ok("/card/paycell/set", map[string]any{"card_id": id, "is_open": true})
	if err := c.s.PayWithPayCell(id, code, 200, 100); err == nil {
		t.Fatal("fee above original fee accepted")
	}
	if err := c.s.PayWithPayCell(id, code, 9000, 10000); err != nil {
		t.Fatal(err)
	}
	if err := c.s.ViewCard(id, code); err != nil {
		t.Fatal(err)
	}
	evs, errs := k.got()
	if len(errs) > 0 || len(evs) != 3 {
		t.Fatal(evs, errs)
	}
	p := evs[1]
	if p.Event != "user_pay_from_pay_cell" || p.Fee != 9000 || p.OriginalFee != 10000 || p.LocationId != 291710000 || p.TransId == "" || p.UserCardCode != code {
		t.Fatalf("pay cell event %+v", p)
	}
	if v := evs[2]; v.Event != "user_view_card" || v.OuterStr != "ch" {
		t.Fatalf("view event %+v", v)
	}
	if m, _ := c.s.Member(id, code); m.Status != CodeNormal {
		t.Fatal("paying must not consume the code")
	}
}
