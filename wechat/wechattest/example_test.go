package wechattest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat/wechattest"
)

// post is a minimal WeChat client: JSON in, JSON out, token in the query.
func post(s *wechattest.Server, token, path, body string) map[string]any {
	resp, err := http.Post(s.URL()+path+"?access_token="+url.QueryEscape(token), "application/json", strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return m
}

func token(s *wechattest.Server) string {
	q := url.Values{"grant_type": {"client_credential"}, "appid": {s.AppID()}, "secret": {s.AppSecret()}}
	resp, err := http.Get(s.URL() + "/cgi-bin/token?" + q.Encode())
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var m struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return m.AccessToken
}

// A member card from creation to an updated balance, against the local server.
func Example() {
	s := wechattest.NewServer(nil)
	defer s.Close()
	tok := token(s)

	created := post(s, tok, "/card/create", `{"card":{"card_type":"MEMBER_CARD","member_card":{
		"base_info":{"logo_url":"http://mmbiz.qpic.cn/logo","code_type":"CODE_TYPE_QRCODE","brand_name":"咖啡店",
		  "title":"会员卡","color":"Color010","notice":"出示会员卡","description":"","sku":{"quantity":100},
		  "date_info":{"type":"DATE_TYPE_PERMANENT"}},
		"prerogative":"九折","supply_bonus":true,"supply_balance":true}}}`)
	cardID := created["card_id"].(string)

	code, _ := s.Claim(cardID, "openid-1", "shop-1") // the user takes the card
	post(s, tok, "/card/membercard/activate", fmt.Sprintf(`{"card_id":%q,"code":%q,"membership_number":"M001","init_bonus":10}`, cardID, code))
	upd := post(s, tok, "/card/membercard/updateuser", fmt.Sprintf(`{"card_id":%q,"code":%q,"add_bonus":5,"add_balance":1000}`, cardID, code))
	fmt.Println(code, upd["result_bonus"], upd["result_balance"])

	post(s, tok, "/card/code/consume", fmt.Sprintf(`{"card_id":%q,"code":%q}`, cardID, code))
	again := post(s, tok, "/card/code/consume", fmt.Sprintf(`{"card_id":%q,"code":%q}`, cardID, code))
	fmt.Println(again["errcode"])

	m, _ := s.Member(cardID, code)
	stock, _ := s.Stock(cardID)
	fmt.Println(m.MembershipNumber, m.Bonus, m.Balance, m.Status, stock)
	// Output:
	// 100000000001 15 1000
	// 40099
	// M001 15 1000 CONSUMED 99
}

// Event pushes go to the merchant's callback, signed with the push token.
func ExampleServer_Push() {
	s := wechattest.NewServer(&wechattest.Options{PushToken: "my-token"})
	defer s.Close()
	got := make(chan string, 1)
	merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var ev wechattest.Event
		_ = xml.Unmarshal(b, &ev)
		got <- ev.Event + " " + ev.CardId
		_, _ = io.WriteString(w, "success")
	}))
	defer merchant.Close()
	s.SetEventURL(merchant.URL)

	err := s.Push(context.Background(), wechattest.Event{FromUserName: "openid-1", Event: "user_view_card", CardId: "pCard"})
	fmt.Println(err, <-got)
	// Output: <nil> user_view_card pCard
}

// The fault vocabulary: a call failed before being applied (by kind), a
// call applied whose answer is lost, and a genuine answer replayed to
// another request.
func ExampleServer_FailNext() {
	s := wechattest.NewServer(nil)
	defer s.Close()
	tok := token(s)

	s.FailNext("/card/get", card.KindRateLimited, 1)
	fmt.Println(post(s, tok, "/card/get", `{"card_id":"pX"}`)["errcode"])

	s.LoseAnswerNext("/card/getcolors", 1)
	_, err := http.Post(s.URL()+"/card/getcolors?access_token="+url.QueryEscape(tok), "application/json", strings.NewReader("{}"))
	fmt.Println(err != nil)

	post(s, tok, "/card/get", `{"card_id":"pA"}`) // 40073, recorded
	answers := s.Answers("/card/get")
	last := answers[len(answers)-1]
	fmt.Println(last.Request)
	s.ReplayNext("/card/get", last)
	resp, err := http.Post(s.URL()+"/card/get?access_token="+url.QueryEscape(tok), "application/json", strings.NewReader(`{"card_id":"pB"}`))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(bytes.Equal(body, last.Body))
	// Output:
	// 45009
	// true
	// {"card_id":"pA"}
	// true
}
