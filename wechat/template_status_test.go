package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	wxconfig "github.com/silenceper/wechat/v2/officialaccount/config"

	card "github.com/walletcard/card"
)

// TestCreateTemplateKeepsCardIDWhenReadFails: card/create succeeds and the
// follow-up card/get fails; CreateTemplate still returns the card_id (pending,
// title and stock as sent) and a second card is never created.
func TestCreateTemplateKeepsCardIDWhenReadFails(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	s.FailNextCode("/card/get", 45009, 1)
	spec := card.TemplateSpec{Provider: Name, Title: "Gold", BrandName: "Shop", LogoURL: "http://mmbiz.qpic.cn/logo.png", Points: true, Stock: 500}
	tpl, err := p.CreateTemplate(ctx, spec)
	if err != nil {
		t.Fatalf("CreateTemplate: %v", err)
	}
	if tpl.ID == "" || tpl.Status != card.TemplatePending || tpl.Title != "Gold" || tpl.Stock != 500 || tpl.Provider != Name {
		t.Fatalf("template %+v", tpl)
	}
	if n := s.CallCount("/card/create"); n != 1 {
		t.Fatalf("%d card/create calls, want 1", n)
	}
	got, err := p.GetTemplate(ctx, Name, tpl.ID)
	if err != nil || got.ID != tpl.ID {
		t.Fatalf("GetTemplate(%s) = %+v, %v", tpl.ID, got, err)
	}
}

// TestGetTemplateStatuses maps every status spelling of wire reference §3.5
// and refuses to guess an unknown one.
func TestGetTemplateStatuses(t *testing.T) {
	var status string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cgi-bin/token", "/cgi-bin/stable_token":
			fmt.Fprint(w, `{"access_token":"TOK","expires_in":7200}`)
		case "/card/get":
			fmt.Fprintf(w, `{"errcode":0,"errmsg":"ok","card":{"card_type":"MEMBER_CARD","member_card":{"base_info":{"id":"pCard1","title":"Gold","status":%q,"sku":{"quantity":7}}}}}`, status)
		default:
			http.NotFound(w, r)
		}
	}))
	defer hs.Close()
	p, err := NewFromConfig(&wxconfig.Config{AppID: "wx1", AppSecret: "s"}, &Options{BaseURL: hs.URL, QRImageBaseURL: hs.URL})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		status string
		want   card.TemplateStatus
		kind   card.Kind // non-zero: an error of this kind
	}{
		{"CARD_STATUS_NOT_VERIFY", card.TemplatePending, 0},
		{"", card.TemplatePending, 0},
		{"CARD_STATUS_VERIFY_OK", card.TemplateApproved, 0},
		{"CARD_STATUS_DISPATCH", card.TemplateApproved, 0},
		{"CARD_STATUS_USER_DISPATCH", card.TemplateApproved, 0},
		{"CARD_STATUS_VERIFY_FAIL", card.TemplateRejected, 0},
		{"CARD_STATUS_VERIFY_FALL", card.TemplateRejected, 0},
		{"CARD_STATUS_DELETE", "", card.KindNotFound},
		{"CARD_STATUS_USER_DELETE", "", card.KindNotFound},
		{"CARD_STATUS_SOMETHING_NEW", "", card.KindUnavailable},
	} {
		status = tc.status
		got, err := p.GetTemplate(context.Background(), Name, "pCard1")
		if tc.kind != 0 {
			var ce *card.Error
			if !errors.As(err, &ce) || ce.Kind != tc.kind || ce.Op != "GetTemplate" || ce.Provider != Name {
				t.Errorf("%q: got %+v, %v; want a %v error", tc.status, got, err, tc.kind)
			}
			continue
		}
		if err != nil || got.Status != tc.want || got.Stock != 7 {
			t.Errorf("%q: got %+v, %v; want %s", tc.status, got, err, tc.want)
		}
	}
}
