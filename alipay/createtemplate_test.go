package alipay_test

import (
	"errors"
	"strings"
	"testing"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
)

// TestCreateTemplateImagesAndColour: URLs are not image ids (refused before
// sending, naming the TemplateSpec field); "#rrggbb" becomes rgb(r,g,b).
func TestCreateTemplateImagesAndColour(t *testing.T) {
	s := newServer(t)
	p := newProvider(t, s, nil)
	for field, spec := range map[string]card.TemplateSpec{
		"LogoURL":       {Title: "金卡", BrandName: "b", LogoURL: "https://mmbiz.qpic.cn/logo.png"},
		"BackgroundURL": {Title: "金卡", BrandName: "b", BackgroundURL: "http://example.com/bg.png"},
		"Color":         {Title: "金卡", BrandName: "b", Color: "blue"},
	} {
		_, err := p.CreateTemplate(ctx(t), spec)
		var ce *card.Error
		if !errors.As(err, &ce) || ce.Kind != card.KindInvalidArgument || ce.Field != field {
			t.Errorf("%s: %v", field, err)
		}
		if field != "Color" && (ce == nil || !strings.Contains(ce.Message, "ImageUpload")) {
			t.Errorf("%s: message %q does not say to upload", field, ce.Message)
		}
	}
	if n := s.CallCount(alipay.MethodTemplateCreate); n != 0 {
		t.Fatalf("%d template.create calls", n)
	}
	tpl, err := p.CreateTemplate(ctx(t), card.TemplateSpec{Title: "金卡", BrandName: "b", LogoURL: "LOGO0001", Color: "#3770b3"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := p.TemplateQuery(ctx(t), alipay.TemplateQueryRequest{TemplateID: tpl.ID})
	if err != nil {
		t.Fatal(err)
	}
	if st := q.TemplateStyleInfo; st.BgColor != "rgb(55,112,179)" || st.LogoID != "LOGO0001" {
		t.Errorf("bg_color %q logo_id %q", st.BgColor, st.LogoID)
	}
}

// TestCreateTemplateLongTitle: Alipay documents no length for
// card_show_name, so a 25-character Chinese title (75 bytes) is sent.
func TestCreateTemplateLongTitle(t *testing.T) {
	s := newServer(t)
	p := newProvider(t, s, nil)
	title := strings.Repeat("会", 25)
	tpl, err := p.CreateTemplate(ctx(t), card.TemplateSpec{Title: title, BrandName: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Title != title {
		t.Errorf("title %q", tpl.Title)
	}
	// A native error of a neutral call names the neutral field.
	_, err = p.CreateTemplate(ctx(t), card.TemplateSpec{Title: "x", BrandName: "b", LogoURL: "bad id with spaces://"})
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Field != "LogoURL" {
		t.Errorf("err %v", err)
	}
}

// TestOpenKeepsConstRules: a neutral Open without points or balance sends
// neither, so the template's CONST rule gives the card its points.
func TestOpenKeepsConstRules(t *testing.T) {
	s := newServer(t)
	p := newProvider(t, s, nil)
	res, err := p.TemplateCreate(ctx(t), alipay.TemplateCreateRequest{TemplateConfig: alipay.TemplateConfig{
		BizNoSuffixLen: 20, TemplateStyleInfo: alipay.TemplateStyleInfo{CardShowName: "x"},
		FieldRuleList: []alipay.TemplateFieldRule{{FieldName: "Point", RuleName: "CONST", RuleValue: "100"},
			{FieldName: "Balance", RuleName: "CONST", RuleValue: "8.00"}}}})
	if err != nil {
		t.Fatal(err)
	}
	uid, tok := member(s)
	c, err := p.Open(ctx(t), card.OpenRequest{TemplateID: res.TemplateID, ExternalNo: "E1", Holder: uid, AuthToken: tok})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := s.Card(c.Ref.CardNo)
	if st.Point != "100" || st.Balance != "8.00" {
		t.Errorf("point %q balance %q, want the CONST rules' 100 and 8.00", st.Point, st.Balance)
	}
	// Explicit values are still sent.
	uid2, tok2 := member(s)
	c2, err := p.Open(ctx(t), card.OpenRequest{TemplateID: res.TemplateID, ExternalNo: "E2", Holder: uid2, AuthToken: tok2,
		Points: card.WholePoints(7), Balance: card.Yuan(3)})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Card(c2.Ref.CardNo); st.Point != "7" || st.Balance != "3.00" {
		t.Errorf("explicit: point %q balance %q", st.Point, st.Balance)
	}
}

// TestBenefitRulesAligned: the adapter and the fake agree on what a benefit
// needs — template id and title on create, nothing else required, no
// invented title length — and a partial modify keeps the other members.
func TestBenefitRulesAligned(t *testing.T) {
	s := newServer(t)
	p := newProvider(t, s, nil)
	tpl := newTemplate(t, p)
	title := strings.Repeat("权", 300)
	bc, err := p.BenefitCreate(ctx(t), alipay.BenefitCreateRequest{Benefit: alipay.Benefit{TemplateID: tpl, Title: title, BenefitDesc: []string{"九折"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.BenefitModify(ctx(t), alipay.BenefitModifyRequest{BenefitID: bc.BenefitID, Benefit: alipay.Benefit{Title: "新"}}); err != nil {
		t.Fatal(err)
	}
	q, err := p.BenefitQuery(ctx(t), alipay.BenefitQueryRequest{TemplateID: tpl})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Benefits) != 1 || q.Benefits[0].Title != "新" || !strings.Contains(q.Benefits[0].BenefitDesc, "九折") {
		t.Fatalf("benefits %+v", q.Benefits)
	}
}

// TestLengthsCountCharacters: the adapter counts characters, as the fake
// does: 64 Chinese characters fit trade_no's 64 (they are 192 bytes).
func TestLengthsCountCharacters(t *testing.T) {
	s := newServer(t)
	p := newProvider(t, s, nil)
	tpl := newTemplate(t, p)
	c := openCard(t, s, p, tpl)
	for _, tc := range []struct {
		n  int
		ok bool
	}{{64, true}, {65, false}} {
		_, err := p.ConsumeSync(ctx(t), alipay.ConsumeSyncRequest{TargetCardNo: c.Ref.CardNo, TradeType: "TRADE", TradeNo: strings.Repeat("单", tc.n)})
		var ce *card.Error
		invalid := errors.As(err, &ce) && ce.Kind == card.KindInvalidArgument && ce.Field == "TradeNo"
		if invalid == tc.ok {
			t.Errorf("%d characters: %v", tc.n, err)
		}
	}
}
