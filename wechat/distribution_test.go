package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat/wechattest"
)

// catCreate creates a member card on the fake and returns its id.
func catCreate(t *testing.T, p *Provider, mod func(*BaseInfo)) string {
	t.Helper()
	d := catMemberCard()
	if mod != nil {
		mod(d.MemberCard.BaseInfo)
	}
	res, err := p.CreateCard(context.Background(), CreateCardRequest{Card: d})
	if err != nil {
		t.Fatal(err)
	}
	return res.CardID
}

func TestCreateQRCode(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := catCreate(t, p, nil)
	id2 := catCreate(t, p, nil)

	one, err := p.CreateQRCode(ctx, CreateQRCodeRequest{ExpireSeconds: 1800, Card: &QRCard{CardID: id, OuterStr: "12b"}})
	if err != nil {
		t.Fatal(err)
	}
	if one.Ticket == "" || one.ExpireSeconds != 1800 || one.URL == "" {
		t.Fatalf("qr = %+v", one)
	}
	// the user scans it: the card is claimed with the outer_str
	codes, err := s.ScanQR(one.Ticket, "oScan00000000000000000000001")
	if err != nil || len(codes) != 1 {
		t.Fatalf("scan: %v %v", codes, err)
	}

	// without expire_seconds WeChat keeps the code 365 days
	def, err := p.CreateQRCode(ctx, CreateQRCodeRequest{Card: &QRCard{CardID: id}})
	if err != nil {
		t.Fatal(err)
	}
	if def.ExpireSeconds != 365*24*3600 {
		t.Errorf("default expiry = %d", def.ExpireSeconds)
	}

	multi, err := p.CreateQRCode(ctx, CreateQRCodeRequest{MultipleCards: []QRMultipleCardItem{{CardID: id, OuterStr: "a"}, {CardID: id2}}})
	if err != nil {
		t.Fatal(err)
	}
	codes, err = s.ScanQR(multi.Ticket, "oScan00000000000000000000002")
	if err != nil || len(codes) != 2 {
		t.Fatalf("multi scan: %v %v", codes, err)
	}

	// wire shape of both forms
	b, _ := json.Marshal(CreateQRCodeRequest{ExpireSeconds: 60, Card: &QRCard{CardID: "c", Code: "1", OpenID: "o", OuterStr: "12b"}})
	if string(b) != `{"action_name":"QR_CARD","expire_seconds":60,"action_info":{"card":{"card_id":"c","code":"1","openid":"o","outer_str":"12b"}}}` {
		t.Errorf("QR_CARD wire = %s", b)
	}
	b, _ = json.Marshal(CreateQRCodeRequest{MultipleCards: []QRMultipleCardItem{{CardID: "a", Code: "1"}, {CardID: "b"}}})
	if string(b) != `{"action_name":"QR_MULTIPLE_CARD","action_info":{"multiple_card":{"card_list":[{"card_id":"a","code":"1"},{"card_id":"b"}]}}}` {
		t.Errorf("QR_MULTIPLE_CARD wire = %s", b)
	}

	calls := s.CallCount("/card/qrcode/create")
	six := make([]QRMultipleCardItem, 6)
	for i := range six {
		six[i].CardID = id
	}
	for _, tc := range []struct {
		req   CreateQRCodeRequest
		field string
	}{
		{CreateQRCodeRequest{ExpireSeconds: 59, Card: &QRCard{CardID: id}}, "ExpireSeconds"},
		{CreateQRCodeRequest{ExpireSeconds: 1801, Card: &QRCard{CardID: id}}, "ExpireSeconds"},
		{CreateQRCodeRequest{}, "Card"},
		{CreateQRCodeRequest{Card: &QRCard{}}, "Card.CardID"},
		{CreateQRCodeRequest{Card: &QRCard{CardID: id, Code: strings.Repeat("1", 21)}}, "Card.Code"},
		{CreateQRCodeRequest{Card: &QRCard{CardID: id, IsUniqueCode: true, Code: "1"}}, "Card.IsUniqueCode"},
		{CreateQRCodeRequest{Card: &QRCard{CardID: id}, MultipleCards: six[:1]}, "MultipleCards"},
		{CreateQRCodeRequest{MultipleCards: []QRMultipleCardItem{{CardID: id}, {}}}, "MultipleCards[1].CardID"},
	} {
		_, err := p.CreateQRCode(ctx, tc.req)
		catWantInvalid(t, err, "CreateQRCode", tc.field)
	}
	if s.CallCount("/card/qrcode/create") != calls {
		t.Error("an invalid QR request was sent")
	}
	// WeChat documents no card_list maximum: a long list is sent, and the
	// answer 45039 (wechattest's emulated limit is 5) is an invalid argument.
	_, err = p.CreateQRCode(ctx, CreateQRCodeRequest{MultipleCards: six})
	var ce *card.Error
	if !errors.Is(err, card.ErrInvalidArgument) || !errors.As(err, &ce) || ce.Code != "45039" || s.CallCount("/card/qrcode/create") != calls+1 {
		t.Fatalf("six-card QR: %v, %d calls; want errcode 45039 from the server", err, s.CallCount("/card/qrcode/create")-calls)
	}
	if _, err := p.CreateQRCode(ctx, CreateQRCodeRequest{MultipleCards: six[:5]}); err != nil {
		t.Fatalf("five-card QR: %v", err)
	}
}

func TestShowQRCode(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := catCreate(t, p, nil)

	// Tickets are base64; find one holding '+' or '/' so escaping matters.
	var ticket string
	for i := 0; i < 50 && ticket == ""; i++ {
		qr, err := p.CreateQRCode(ctx, CreateQRCodeRequest{Card: &QRCard{CardID: id}})
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(qr.Ticket, "+/") {
			ticket = qr.Ticket
		}
	}
	if ticket == "" {
		t.Fatal("no ticket with '+' or '/' in 50 tries")
	}
	u := p.ShowQRCodeURL(ticket)
	if !strings.HasPrefix(u, s.QRImageURL()+"/cgi-bin/showqrcode?ticket=") {
		t.Fatalf("url = %s", u)
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	if pu.Query().Get("ticket") != ticket || strings.ContainsAny(pu.RawQuery[len("ticket="):], "+/=") {
		t.Errorf("ticket not query-escaped: %s", u)
	}
	img, err := p.ShowQRCode(ctx, ticket)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(img, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("not a PNG: % x", img[:8])
	}

	if _, err := p.ShowQRCode(ctx, "unknown"+ticket); !errors.Is(err, card.ErrNotFound) {
		t.Errorf("unknown ticket: %v", err)
	}
	_, err = p.ShowQRCode(ctx, "")
	catWantInvalid(t, err, "ShowQRCode", "ticket")

	// default host
	p2, err := New(p.oa, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := p2.ShowQRCodeURL("a+b/c=="); got != "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=a%2Bb%2Fc%3D%3D" {
		t.Errorf("default url = %s", got)
	}
}

// TestShowQRCodeErrors covers WeChat's JSON error answer and a non-image body.
func TestShowQRCodeErrors(t *testing.T) {
	p, _ := newTestProvider(t, nil)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("ticket") {
		case "json":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"errcode":40097,"errmsg":"invalid args"}`)
		case "html":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<html>maintenance</html>`)
		default:
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer hs.Close()
	p.qrBaseURL = hs.URL
	ctx := context.Background()
	_, err := p.ShowQRCode(ctx, "json")
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Code != "40097" || ce.Op != "ShowQRCode" {
		t.Errorf("json error: %v", err)
	}
	if _, err := p.ShowQRCode(ctx, "html"); !errors.Is(err, card.ErrUnavailable) {
		t.Errorf("html: %v", err)
	}
	if _, err := p.ShowQRCode(ctx, "502"); !errors.Is(err, card.ErrUnavailable) {
		t.Errorf("502: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.ShowQRCode(cctx, "x"); err != context.Canceled {
		t.Errorf("canceled: %v", err)
	}
}

func TestLandingPageMpNewsWhitelist(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := catCreate(t, p, nil)

	lp, err := p.CreateLandingPage(ctx, CreateLandingPageRequest{
		Banner: "https://mmbiz.qpic.cn/banner.jpg", PageTitle: "会员专区", CanShare: true, Scene: SceneMenu,
		CardList: []LandingPageCard{{CardID: id, ThumbURL: "https://mmbiz.qpic.cn/t.jpg"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if lp.URL == "" || lp.PageID == 0 {
		t.Errorf("landing page = %+v", lp)
	}
	for _, tc := range []struct {
		mod   func(*CreateLandingPageRequest)
		field string
	}{
		{func(r *CreateLandingPageRequest) { r.Scene = "SCENE_MOON" }, "Scene"},
		{func(r *CreateLandingPageRequest) { r.Banner = "" }, "Banner"},
		{func(r *CreateLandingPageRequest) { r.PageTitle = strings.Repeat("页", 17) }, "PageTitle"},
		{func(r *CreateLandingPageRequest) { r.CardList = nil }, "CardList"},
		{func(r *CreateLandingPageRequest) { r.CardList[0].ThumbURL = "" }, "CardList[0].ThumbURL"},
	} {
		r := CreateLandingPageRequest{Banner: "b", PageTitle: "t", Scene: SceneH5, CardList: []LandingPageCard{{CardID: id, ThumbURL: "u"}}}
		tc.mod(&r)
		_, err := p.CreateLandingPage(ctx, r)
		catWantInvalid(t, err, "CreateLandingPage", tc.field)
	}

	h, err := p.GetMpNewsHTML(ctx, GetMpNewsHTMLRequest{CardID: id})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.Content, "<iframe") || !strings.Contains(h.Content, id) {
		t.Errorf("html = %q", h.Content)
	}
	_, err = p.GetMpNewsHTML(ctx, GetMpNewsHTMLRequest{})
	catWantInvalid(t, err, "GetMpNewsHTML", "CardID")

	if _, err := p.SetTestWhitelist(ctx, SetTestWhitelistRequest{OpenIDs: []string{"oA", "oB"}, Usernames: []string{"wxid_x"}}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.Whitelist(), ","); got != "oA,oB,username:wxid_x" {
		t.Errorf("whitelist = %s", got)
	}
	if _, err := p.SetTestWhitelist(ctx, SetTestWhitelistRequest{}); err != nil {
		t.Fatal(err)
	}
	if len(s.Whitelist()) != 0 {
		t.Errorf("whitelist not cleared: %v", s.Whitelist())
	}
	b, _ := json.Marshal(SetTestWhitelistRequest{Usernames: []string{"u"}})
	if string(b) != `{"openid":[],"username":["u"]}` {
		t.Errorf("whitelist wire = %s", b)
	}
	calls := s.CallCount("/card/testwhitelist/set")
	_, err = p.SetTestWhitelist(ctx, SetTestWhitelistRequest{OpenIDs: make([]string, 6), Usernames: make([]string, 5)})
	catWantInvalid(t, err, "SetTestWhitelist", "OpenIDs")
	_, err = p.SetTestWhitelist(ctx, SetTestWhitelistRequest{OpenIDs: []string{"o", ""}})
	catWantInvalid(t, err, "SetTestWhitelist", "OpenIDs[1]")
	if s.CallCount("/card/testwhitelist/set") != calls {
		t.Error("invalid whitelist sent")
	}
}

// failingTransport fails every request with an error that quotes the URL, as
// net/http's does.
type failingTransport struct{}

func (failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, errors.New("connection refused by " + r.URL.String())
}

// TestShowQRCodeErrorHidesTicket: a transport failure of ShowQRCode does not
// put the QR ticket in the error text.
func TestShowQRCodeErrorHidesTicket(t *testing.T) {
	s := wechattest.NewServer(nil)
	t.Cleanup(s.Close)
	p := newProviderFor(t, s, &Options{HTTPClient: &http.Client{Transport: failingTransport{}}})
	const ticket = "gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2tabTVXN0xsWjRRNnpHdjNfRTE3AAIEU1tOVgMEAAAAAA=="
	_, err := p.ShowQRCode(context.Background(), ticket)
	if !errors.Is(err, card.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), "gQH47joAAA") || strings.Contains(err.Error(), url.QueryEscape(ticket)) {
		t.Fatalf("ticket in the error: %v", err)
	}
	if !strings.Contains(err.Error(), "ticket=REDACTED") {
		t.Fatalf("err = %v, want the URL with the ticket redacted", err)
	}
}
