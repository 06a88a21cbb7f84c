package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/util"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/internal/walletrules"
	"github.com/walletcard/card/wechat/wechattest"
)

// catBase returns a valid create-time base_info.
func catBase() *BaseInfo {
	return &BaseInfo{
		LogoURL:     "https://mmbiz.qpic.cn/mmbiz/logo.png",
		CodeType:    CodeTypeQRCode,
		BrandName:   "微信餐厅",
		Title:       "会员卡",
		Color:       "Color010",
		Notice:      "出示会员卡",
		Description: "不可与其他优惠同享",
		SKU:         &SKU{Quantity: 100},
		DateInfo:    &DateInfo{Type: DateTypeFixTerm, FixedTerm: 30},
		GetLimit:    card.Ptr(3),
		CanShare:    card.Ptr(false),
	}
}

func catMemberCard() CardDefinition {
	return CardDefinition{CardType: CardTypeMemberCard, MemberCard: &MemberCardData{
		BaseInfo:      catBase(),
		Prerogative:   "会员九折",
		SupplyBonus:   card.Ptr(true),
		SupplyBalance: card.Ptr(false),
		BonusRule:     &BonusRule{CostMoneyUnit: card.Yuan(1), IncreaseBonus: 1},
		CustomField1:  &CustomField{NameType: FieldNameTypeLevel},
		CustomCell1:   &CustomCell{Name: "使用入口", Tips: "激活后显示", URL: "https://example.com/cell"},
		Discount:      card.Ptr(10),
	}}
}

// catAllTypes returns one valid definition of every card type.
func catAllTypes() []CardDefinition {
	b := catBase
	return []CardDefinition{
		catMemberCard(),
		{CardType: CardTypeGeneralCard, GeneralCard: &GeneralCardData{BaseInfo: b(), Prerogative: "通用卡特权"}},
		{CardType: CardTypeGroupon, Groupon: &GrouponData{BaseInfo: b(), DealDetail: "双人套餐"}},
		{CardType: CardTypeCash, Cash: &CashData{BaseInfo: b(), LeastCost: card.Yuan(100), ReduceCost: card.Yuan(10)}},
		{CardType: CardTypeDiscount, Discount: &DiscountData{BaseInfo: b(), Discount: 30}},
		{CardType: CardTypeGift, Gift: &GiftData{BaseInfo: b(), Gift: "可乐一杯"}},
		{CardType: CardTypeGeneralCoupon, GeneralCoupon: &GeneralCouponData{BaseInfo: b(), DefaultDetail: "满百减十"}},
		{CardType: CardTypeMeetingTicket, MeetingTicket: &MeetingTicketData{BaseInfo: b(), MeetingDetail: "年会"}},
		{CardType: CardTypeScenicTicket, ScenicTicket: &ScenicTicketData{BaseInfo: b(), TicketClass: "成人票"}},
		{CardType: CardTypeMovieTicket, MovieTicket: &MovieTicketData{BaseInfo: b(), Detail: "IMAX"}},
		{CardType: CardTypeBoardingPass, BoardingPass: &BoardingPassData{BaseInfo: b(), From: "广州", To: "北京", Flight: "CZ3101",
			DepartureTime: time.Unix(1700000000, 0), LandingTime: time.Unix(1700010000, 0)}},
		{CardType: CardTypeBusTicket, BusTicket: &BusTicketData{BaseInfo: b()}},
	}
}

// catWantInvalid asserts err is a wechat InvalidArgument error for op naming field.
func catWantInvalid(t *testing.T, err error, op, field string) {
	t.Helper()
	if !errors.Is(err, card.ErrInvalidArgument) {
		t.Fatalf("err = %v, want ErrInvalidArgument", err)
	}
	var ce *card.Error
	if !errors.As(err, &ce) {
		t.Fatalf("err %T is not a *card.Error", err)
	}
	if op != "" && (ce.Provider != Name || ce.Op != op) {
		t.Errorf("provider/op = %q/%q, want wechat/%s", ce.Provider, ce.Op, op)
	}
	if ce.Field != field {
		t.Errorf("field = %q, want %q (%v)", ce.Field, field, err)
	}
}

func TestCreateCardValidation(t *testing.T) {
	long := func(n int) string { return strings.Repeat("字", n) }
	cases := []struct {
		name  string
		mod   func(c *CardDefinition)
		field string
	}{
		{"no type", func(c *CardDefinition) { c.CardType = "" }, "Card.CardType"},
		{"unknown type", func(c *CardDefinition) { c.CardType = "LUCKY_MONEY" }, "Card.CardType"},
		{"body of other type", func(c *CardDefinition) {
			c.Groupon = &GrouponData{BaseInfo: catBase(), DealDetail: "x"}
			c.MemberCard = nil
		}, "Card.Groupon"},
		{"two bodies", func(c *CardDefinition) { c.Gift = &GiftData{} }, "Card.Gift"},
		{"two bodies, type of the second", func(c *CardDefinition) { c.Gift = &GiftData{}; c.CardType = CardTypeGift }, "Card.MemberCard"},
		{"no base", func(c *CardDefinition) { c.MemberCard.BaseInfo = nil }, "Card.MemberCard.BaseInfo"},
		{"title 10 chars", func(c *CardDefinition) { c.MemberCard.BaseInfo.Title = long(10) }, "Card.MemberCard.BaseInfo.Title"},
		{"title 28 ascii bytes", func(c *CardDefinition) { c.MemberCard.BaseInfo.Title = strings.Repeat("A", 28) }, "Card.MemberCard.BaseInfo.Title"},
		{"title 9 emoji = 36 bytes", func(c *CardDefinition) { c.MemberCard.BaseInfo.Title = strings.Repeat("😀", 9) }, "Card.MemberCard.BaseInfo.Title"},
		{"title missing", func(c *CardDefinition) { c.MemberCard.BaseInfo.Title = "" }, "Card.MemberCard.BaseInfo.Title"},
		{"brand 13", func(c *CardDefinition) { c.MemberCard.BaseInfo.BrandName = long(13) }, "Card.MemberCard.BaseInfo.BrandName"},
		{"sub title 19", func(c *CardDefinition) { c.MemberCard.BaseInfo.SubTitle = long(19) }, "Card.MemberCard.BaseInfo.SubTitle"},
		{"notice 17", func(c *CardDefinition) { c.MemberCard.BaseInfo.Notice = long(17) }, "Card.MemberCard.BaseInfo.Notice"},
		{"description 1025", func(c *CardDefinition) { c.MemberCard.BaseInfo.Description = long(1025) }, "Card.MemberCard.BaseInfo.Description"},
		{"description missing", func(c *CardDefinition) { c.MemberCard.BaseInfo.Description = "" }, "Card.MemberCard.BaseInfo.Description"},
		{"bad utf8", func(c *CardDefinition) { c.MemberCard.BaseInfo.Notice = "\xff" }, "Card.MemberCard.BaseInfo.Notice"},
		{"logo missing", func(c *CardDefinition) { c.MemberCard.BaseInfo.LogoURL = "" }, "Card.MemberCard.BaseInfo.LogoURL"},
		{"logo not url", func(c *CardDefinition) { c.MemberCard.BaseInfo.LogoURL = "logo.png" }, "Card.MemberCard.BaseInfo.LogoURL"},
		{"logo too long", func(c *CardDefinition) {
			c.MemberCard.BaseInfo.LogoURL = "https://x.cn/" + strings.Repeat("a", 120)
		}, "Card.MemberCard.BaseInfo.LogoURL"},
		{"code type", func(c *CardDefinition) { c.MemberCard.BaseInfo.CodeType = "CODE_TYPE_PDF417" }, "Card.MemberCard.BaseInfo.CodeType"},
		{"colour hex", func(c *CardDefinition) { c.MemberCard.BaseInfo.Color = "#63b359" }, "Card.MemberCard.BaseInfo.Color"},
		{"colour unknown", func(c *CardDefinition) { c.MemberCard.BaseInfo.Color = "Color011" }, "Card.MemberCard.BaseInfo.Color"},
		{"sku missing", func(c *CardDefinition) { c.MemberCard.BaseInfo.SKU = nil }, "Card.MemberCard.BaseInfo.SKU"},
		{"sku zero", func(c *CardDefinition) { c.MemberCard.BaseInfo.SKU.Quantity = 0 }, "Card.MemberCard.BaseInfo.SKU.Quantity"},
		{"sku too big", func(c *CardDefinition) { c.MemberCard.BaseInfo.SKU.Quantity = MaxSKUQuantity + 1 }, "Card.MemberCard.BaseInfo.SKU.Quantity"},
		{"deposit with stock", func(c *CardDefinition) {
			c.MemberCard.BaseInfo.UseCustomCode, c.MemberCard.BaseInfo.GetCustomCodeMode = card.Ptr(true), CustomCodeModeDeposit
		}, "Card.MemberCard.BaseInfo.SKU.Quantity"},
		{"deposit without custom code", func(c *CardDefinition) {
			c.MemberCard.BaseInfo.GetCustomCodeMode = CustomCodeModeDeposit
			c.MemberCard.BaseInfo.SKU.Quantity = 0
		}, "Card.MemberCard.BaseInfo.UseCustomCode"},
		{"date missing", func(c *CardDefinition) { c.MemberCard.BaseInfo.DateInfo = nil }, "Card.MemberCard.BaseInfo.DateInfo"},
		{"date type", func(c *CardDefinition) { c.MemberCard.BaseInfo.DateInfo.Type = "DATE_TYPE_SOMETIMES" }, "Card.MemberCard.BaseInfo.DateInfo.Type"},
		{"fix term 0", func(c *CardDefinition) { c.MemberCard.BaseInfo.DateInfo.FixedTerm = 0 }, "Card.MemberCard.BaseInfo.DateInfo.FixedTerm"},
		{"fix begin term <0", func(c *CardDefinition) { c.MemberCard.BaseInfo.DateInfo.FixedBeginTerm = -1 }, "Card.MemberCard.BaseInfo.DateInfo.FixedBeginTerm"},
		{"range without end", func(c *CardDefinition) {
			c.MemberCard.BaseInfo.DateInfo = &DateInfo{Type: DateTypeFixTimeRange, BeginTime: time.Now()}
		}, "Card.MemberCard.BaseInfo.DateInfo.EndTime"},
		{"range reversed", func(c *CardDefinition) {
			c.MemberCard.BaseInfo.DateInfo = &DateInfo{Type: DateTypeFixTimeRange, BeginTime: time.Now(), EndTime: time.Now().Add(-time.Hour)}
		}, "Card.MemberCard.BaseInfo.DateInfo.EndTime"},
		{"get limit 0", func(c *CardDefinition) { c.MemberCard.BaseInfo.GetLimit = card.Ptr(0) }, "Card.MemberCard.BaseInfo.GetLimit"},
		{"location id", func(c *CardDefinition) { c.MemberCard.BaseInfo.LocationIDList = []int64{1, -2} }, "Card.MemberCard.BaseInfo.LocationIDList[1]"},
		{"center title 7", func(c *CardDefinition) { c.MemberCard.BaseInfo.CenterTitle = long(7) }, "Card.MemberCard.BaseInfo.CenterTitle"},
		{"custom url name 6", func(c *CardDefinition) { c.MemberCard.BaseInfo.CustomURLName = long(6) }, "Card.MemberCard.BaseInfo.CustomURLName"},
		{"app brand", func(c *CardDefinition) { c.MemberCard.BaseInfo.CustomAppBrandUserName = "gh_123" }, "Card.MemberCard.BaseInfo.CustomAppBrandUserName"},
		{"read-only id", func(c *CardDefinition) { c.MemberCard.BaseInfo.ID = "p123" }, "Card.MemberCard.BaseInfo.ID"},
		{"abstract two icons", func(c *CardDefinition) {
			c.MemberCard.AdvancedInfo = &AdvancedInfo{Abstract: &Abstract{IconURLList: []string{"a", "b"}}}
		}, "Card.MemberCard.AdvancedInfo.Abstract.IconURLList"},
		{"time limit day", func(c *CardDefinition) {
			c.MemberCard.AdvancedInfo = &AdvancedInfo{TimeLimit: []TimeLimit{{Type: "HOLIDAYS"}}}
		}, "Card.MemberCard.AdvancedInfo.TimeLimit[0].Type"},
		{"time limit minute", func(c *CardDefinition) {
			c.MemberCard.AdvancedInfo = &AdvancedInfo{TimeLimit: []TimeLimit{{Type: "MONDAY", EndMinute: card.Ptr(60)}}}
		}, "Card.MemberCard.AdvancedInfo.TimeLimit[0].EndMinute"},
		{"business service", func(c *CardDefinition) {
			c.MemberCard.AdvancedInfo = &AdvancedInfo{BusinessService: []string{"BIZ_SERVICE_SPA"}}
		}, "Card.MemberCard.AdvancedInfo.BusinessService[0]"},
		{"least cost <0", func(c *CardDefinition) {
			c.MemberCard.AdvancedInfo = &AdvancedInfo{UseCondition: &UseCondition{LeastCost: -1}}
		}, "Card.MemberCard.AdvancedInfo.UseCondition.LeastCost"},
		{"prerogative missing", func(c *CardDefinition) { c.MemberCard.Prerogative = "" }, "Card.MemberCard.Prerogative"},
		{"prerogative 1025", func(c *CardDefinition) { c.MemberCard.Prerogative = long(1025) }, "Card.MemberCard.Prerogative"},
		{"supply bonus unset", func(c *CardDefinition) { c.MemberCard.SupplyBonus = nil }, "Card.MemberCard.SupplyBonus"},
		{"discount 100", func(c *CardDefinition) { c.MemberCard.Discount = card.Ptr(100) }, "Card.MemberCard.Discount"},
		{"bonus rule", func(c *CardDefinition) { c.MemberCard.BonusRule.ReduceMoney = -5 }, "Card.MemberCard.BonusRule.ReduceMoney"},
		{"custom field type", func(c *CardDefinition) { c.MemberCard.CustomField2 = &CustomField{NameType: "FIELD_NAME_TYPE_AGE"} }, "Card.MemberCard.CustomField2.NameType"},
		{"custom field empty", func(c *CardDefinition) { c.MemberCard.CustomField3 = &CustomField{} }, "Card.MemberCard.CustomField3.NameType"},
		{"custom cell tips 7", func(c *CardDefinition) { c.MemberCard.CustomCell1.Tips = long(7) }, "Card.MemberCard.CustomCell1.Tips"},
		{"custom cell url", func(c *CardDefinition) { c.MemberCard.CustomCell2 = &CustomCell{Name: "x"} }, "Card.MemberCard.CustomCell2.URL"},
		{"auto and wx activate", func(c *CardDefinition) {
			c.MemberCard.AutoActivate, c.MemberCard.WxActivate = card.Ptr(true), card.Ptr(true)
		}, "Card.MemberCard.WxActivate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := catMemberCard()
			tc.mod(&d)
			catWantInvalid(t, CreateCardRequest{Card: d}.Validate(), "", tc.field)
		})
	}

	typeCases := []struct {
		name  string
		def   CardDefinition
		field string
	}{
		{"groupon detail", CardDefinition{CardType: CardTypeGroupon, Groupon: &GrouponData{BaseInfo: catBase()}}, "Card.Groupon.DealDetail"},
		{"cash reduce", CardDefinition{CardType: CardTypeCash, Cash: &CashData{BaseInfo: catBase()}}, "Card.Cash.ReduceCost"},
		{"cash least <0", CardDefinition{CardType: CardTypeCash, Cash: &CashData{BaseInfo: catBase(), ReduceCost: 1, LeastCost: -1}}, "Card.Cash.LeastCost"},
		{"discount 0", CardDefinition{CardType: CardTypeDiscount, Discount: &DiscountData{BaseInfo: catBase()}}, "Card.Discount.Discount"},
		{"discount 100", CardDefinition{CardType: CardTypeDiscount, Discount: &DiscountData{BaseInfo: catBase(), Discount: 100}}, "Card.Discount.Discount"},
		{"gift", CardDefinition{CardType: CardTypeGift, Gift: &GiftData{BaseInfo: catBase()}}, "Card.Gift.Gift"},
		{"general coupon", CardDefinition{CardType: CardTypeGeneralCoupon, GeneralCoupon: &GeneralCouponData{BaseInfo: catBase()}}, "Card.GeneralCoupon.DefaultDetail"},
		{"general card prerogative", CardDefinition{CardType: CardTypeGeneralCard, GeneralCard: &GeneralCardData{BaseInfo: catBase()}}, "Card.GeneralCard.Prerogative"},
		{"meeting detail", CardDefinition{CardType: CardTypeMeetingTicket, MeetingTicket: &MeetingTicketData{BaseInfo: catBase()}}, "Card.MeetingTicket.MeetingDetail"},
		{"boarding from 19", CardDefinition{CardType: CardTypeBoardingPass, BoardingPass: &BoardingPassData{BaseInfo: catBase(),
			From: strings.Repeat("广", 19), To: "北京", Flight: "CZ1"}}, "Card.BoardingPass.From"},
		{"boarding air model 9", CardDefinition{CardType: CardTypeBoardingPass, BoardingPass: &BoardingPassData{BaseInfo: catBase(),
			From: "广州", To: "北京", Flight: "CZ1", AirModel: strings.Repeat("空", 9)}}, "Card.BoardingPass.AirModel"},
		{"boarding flight", CardDefinition{CardType: CardTypeBoardingPass, BoardingPass: &BoardingPassData{BaseInfo: catBase(),
			From: "广州", To: "北京"}}, "Card.BoardingPass.Flight"},
		{"permanent coupon", CardDefinition{CardType: CardTypeGift, Gift: &GiftData{BaseInfo: func() *BaseInfo {
			b := catBase()
			b.DateInfo = &DateInfo{Type: DateTypePermanent}
			return b
		}(), Gift: "x"}}, "Card.Gift.BaseInfo.DateInfo.Type"},
		{"permanent general card", CardDefinition{CardType: CardTypeGeneralCard, GeneralCard: &GeneralCardData{BaseInfo: func() *BaseInfo {
			b := catBase()
			b.DateInfo = &DateInfo{Type: DateTypePermanent}
			return b
		}(), Prerogative: "x"}}, "Card.GeneralCard.BaseInfo.DateInfo.Type"},
	}
	for _, tc := range typeCases {
		t.Run(tc.name, func(t *testing.T) {
			catWantInvalid(t, CreateCardRequest{Card: tc.def}.Validate(), "", tc.field)
		})
	}

	for _, d := range catAllTypes() {
		if err := (CreateCardRequest{Card: d}).Validate(); err != nil {
			t.Errorf("%s: valid definition rejected: %v", d.CardType, err)
		}
	}
	// Nine Chinese characters (27 bytes) are a valid title.
	d := catMemberCard()
	d.MemberCard.BaseInfo.Title = strings.Repeat("字", 9)
	d.MemberCard.BaseInfo.DateInfo = &DateInfo{Type: DateTypePermanent}
	if err := (CreateCardRequest{Card: d}).Validate(); err != nil {
		t.Errorf("9-character title / permanent member card rejected: %v", err)
	}
}

// TestCreateCardInvalidSendsNothing checks that a request failing validation
// never reaches the server.
func TestCreateCardInvalidSendsNothing(t *testing.T) {
	p, s := newTestProvider(t, nil)
	d := catMemberCard()
	d.MemberCard.BaseInfo.Title = strings.Repeat("字", 10)
	_, err := p.CreateCard(context.Background(), CreateCardRequest{Card: d})
	catWantInvalid(t, err, "CreateCard", "Card.MemberCard.BaseInfo.Title")
	if n := s.CallCount(""); n != 0 {
		t.Fatalf("server got %d calls, want 0", n)
	}
}

func TestCreateCardWireFormat(t *testing.T) {
	d := catMemberCard()
	d.MemberCard.BaseInfo.DateInfo = &DateInfo{Type: DateTypeFixTimeRange, BeginTime: time.Unix(1700000000, 0), EndTime: time.Unix(1800000000, 0)}
	d.MemberCard.BaseInfo.CustomURL = "https://example.com/a?b=1&c=2"
	d.MemberCard.AdvancedInfo = &AdvancedInfo{UseCondition: &UseCondition{LeastCost: card.Yuan(88)}}
	b, err := catMarshal(CreateCardRequest{Card: d}) // as postJSON encodes
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Card struct {
			CardType   string `json:"card_type"`
			MemberCard struct {
				BaseInfo struct {
					DateInfo map[string]any `json:"date_info"`
					GetLimit int            `json:"get_limit"`
					CanShare *bool          `json:"can_share"`
					Sku      struct {
						Quantity int `json:"quantity"`
					} `json:"sku"`
				} `json:"base_info"`
				AdvancedInfo struct {
					UseCondition struct {
						LeastCost any `json:"least_cost"`
					} `json:"use_condition"`
				} `json:"advanced_info"`
				BonusRule map[string]any `json:"bonus_rule"`
			} `json:"member_card"`
		} `json:"card"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	mc := got.Card.MemberCard
	if got.Card.CardType != "MEMBER_CARD" || mc.BaseInfo.Sku.Quantity != 100 || mc.BaseInfo.GetLimit != 3 {
		t.Errorf("wire = %s", b)
	}
	if mc.BaseInfo.CanShare == nil || *mc.BaseInfo.CanShare {
		t.Errorf("can_share false must be sent explicitly: %s", b)
	}
	di := mc.BaseInfo.DateInfo
	if di["type"] != "DATE_TYPE_FIX_TIME_RANGE" || di["begin_timestamp"] != float64(1700000000) || di["end_timestamp"] != float64(1800000000) {
		t.Errorf("date_info = %v", di)
	}
	if _, ok := di["fixed_term"]; ok {
		t.Errorf("fixed_term sent for a time range: %v", di)
	}
	if mc.AdvancedInfo.UseCondition.LeastCost != float64(8800) {
		t.Errorf("least_cost = %v, want integer fen 8800", mc.AdvancedInfo.UseCondition.LeastCost)
	}
	if mc.BonusRule["cost_money_unit"] != float64(100) || mc.BonusRule["increase_bonus"] != float64(1) {
		t.Errorf("bonus_rule = %v", mc.BonusRule)
	}
	if !strings.Contains(string(b), "a?b=1&c=2") {
		t.Errorf("URL was HTML-escaped: %s", b)
	}

	// A fixed term always sends fixed_begin_term, 0 meaning the same day.
	d = catMemberCard()
	b, _ = json.Marshal(d.MemberCard.BaseInfo.DateInfo)
	if string(b) != `{"type":"DATE_TYPE_FIX_TERM","fixed_term":30,"fixed_begin_term":0}` {
		t.Errorf("fix term date_info = %s", b)
	}
}

func TestDateInfoDecodesLegacyTypes(t *testing.T) {
	for in, want := range map[string]DateInfo{
		`{"type":1,"begin_timestamp":10,"end_timestamp":20}`: {Type: DateTypeFixTimeRange, BeginTime: time.Unix(10, 0), EndTime: time.Unix(20, 0)},
		`{"type":2,"fixed_term":7,"fixed_begin_term":1}`:     {Type: DateTypeFixTerm, FixedTerm: 7, FixedBeginTerm: 1},
		`{"type":"DATE_TYPE_FIX_TERM","fixed_term":30}`:      {Type: DateTypeFixTerm, FixedTerm: 30},
		`{"type":"DATE_TYPE_PERMANENT"}`:                     {Type: DateTypePermanent},
	} {
		var got DateInfo
		if err := json.Unmarshal([]byte(in), &got); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got.Type != want.Type || !got.BeginTime.Equal(want.BeginTime) || !got.EndTime.Equal(want.EndTime) ||
			got.FixedTerm != want.FixedTerm || got.FixedBeginTerm != want.FixedBeginTerm {
			t.Errorf("%s → %+v, want %+v", in, got, want)
		}
	}
	var d DateInfo
	if err := json.Unmarshal([]byte(`{"type":{}}`), &d); err == nil {
		t.Error("object type accepted")
	}
}

// TestCreateCardEveryType creates one card of every type on the fake and
// reads it back: each body travels under its own key with its fields.
func TestCreateCardEveryType(t *testing.T) {
	p, s := newTestProvider(t, &wechattest.Options{AllowLegacyCoupons: true})
	ctx := context.Background()
	for _, d := range catAllTypes() {
		t.Run(string(d.CardType), func(t *testing.T) {
			res, err := p.CreateCard(ctx, CreateCardRequest{Card: d})
			if err != nil {
				t.Fatal(err)
			}
			if res.CardID == "" {
				t.Fatal("empty card_id")
			}
			got, err := p.GetCard(ctx, GetCardRequest{CardID: res.CardID})
			if err != nil {
				t.Fatal(err)
			}
			c := got.Card
			if c.CardType != d.CardType {
				t.Fatalf("card_type = %q, want %q", c.CardType, d.CardType)
			}
			set, _ := c.bodies()
			if len(set) != 1 || set[0] != cardTypeField[d.CardType] {
				t.Fatalf("bodies = %v", set)
			}
			b := c.Base()
			if b.ID != res.CardID || b.Title != "会员卡" || b.BrandName != "微信餐厅" || b.SKU == nil || b.SKU.Quantity != 100 {
				t.Errorf("base_info = %+v", b)
			}
			if b.Status != CardStatusVerifyOK {
				t.Errorf("status = %q", b.Status)
			}
			if !strings.HasPrefix(b.Color, "#") {
				t.Errorf("card/get colour = %q, want hex", b.Color)
			}
			if b.DateInfo == nil || b.DateInfo.Type != DateTypeFixTerm || b.DateInfo.FixedTerm != 30 {
				t.Errorf("date_info = %+v", b.DateInfo)
			}
			if b.GetLimit == nil || *b.GetLimit != 3 || b.CanShare == nil || *b.CanShare {
				t.Errorf("get_limit/can_share = %v/%v", b.GetLimit, b.CanShare)
			}
			switch d.CardType {
			case CardTypeCash:
				if c.Cash.ReduceCost != card.Yuan(10) || c.Cash.LeastCost != card.Yuan(100) {
					t.Errorf("cash = %+v", c.Cash)
				}
			case CardTypeDiscount:
				if c.Discount.Discount != 30 {
					t.Errorf("discount = %d", c.Discount.Discount)
				}
			case CardTypeMemberCard:
				m := c.MemberCard
				if m.Prerogative != "会员九折" || m.SupplyBonus == nil || !*m.SupplyBonus || m.BonusRule == nil ||
					m.BonusRule.CostMoneyUnit != card.Yuan(1) || m.CustomField1 == nil || m.CustomField1.NameType != FieldNameTypeLevel ||
					m.CustomCell1 == nil || m.CustomCell1.Tips != "激活后显示" {
					t.Errorf("member_card = %+v", m)
				}
			case CardTypeBoardingPass:
				if c.BoardingPass.Flight != "CZ3101" || c.BoardingPass.DepartureTime.Unix() != 1700000000 {
					t.Errorf("boarding_pass = %+v", c.BoardingPass)
				}
			}
		})
	}
	if n := s.CallCount("/card/create"); n != len(catAllTypes()) {
		t.Errorf("create calls = %d", n)
	}
}

// TestCreateCardCouponRefused: WeChat no longer takes new coupons; the error
// says so and names the replacement, while keeping WeChat's errcode.
func TestCreateCardCouponRefused(t *testing.T) {
	p, s := newTestProvider(t, nil)
	for _, d := range catAllTypes() {
		if !d.CardType.IsCoupon() {
			continue
		}
		_, err := p.CreateCard(context.Background(), CreateCardRequest{Card: d})
		if err == nil {
			t.Fatalf("%s: created", d.CardType)
		}
		if !strings.Contains(err.Error(), "April 2021") || !strings.Contains(err.Error(), "WeChat Pay merchant coupons") {
			t.Errorf("%s: error does not explain the stop: %v", d.CardType, err)
		}
		var ce *util.CommonError
		if !errors.As(err, &ce) || ce.ErrCode == 0 {
			t.Errorf("%s: vendor error not reachable: %v", d.CardType, err)
		}
	}
	if s.CallCount("/card/create") != 5 {
		t.Errorf("coupons must still be sent: %d calls", s.CallCount("/card/create"))
	}
	// A member card is not touched by the coupon explanation.
	s.FailNextCode("/card/create", 40071, 1)
	_, err := p.CreateCard(context.Background(), CreateCardRequest{Card: catMemberCard()})
	if err == nil || strings.Contains(err.Error(), "April 2021") {
		t.Errorf("member card error = %v", err)
	}
}

func TestCardManagement(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	var ids []string
	for i := 0; i < 3; i++ {
		res, err := p.CreateCard(ctx, CreateCardRequest{Card: catMemberCard()})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.CardID)
	}

	// batchget pages
	page, err := p.BatchGetCards(ctx, BatchGetCardsRequest{Offset: 1, Count: 50, StatusList: []CardStatus{CardStatusVerifyOK}})
	if err != nil {
		t.Fatal(err)
	}
	if page.TotalNum != 3 || len(page.CardIDList) != 2 || page.CardIDList[0] != ids[1] {
		t.Errorf("batchget = %+v, ids %v", page, ids)
	}
	_, err = p.BatchGetCards(ctx, BatchGetCardsRequest{Count: 51})
	catWantInvalid(t, err, "BatchGetCards", "Count")
	_, err = p.BatchGetCards(ctx, BatchGetCardsRequest{Count: 5, StatusList: []CardStatus{"CARD_STATUS_VERIFY_FALL"}})
	catWantInvalid(t, err, "BatchGetCards", "StatusList[0]")

	// update: only the fields set are sent
	upd := CardDefinition{CardType: CardTypeMemberCard, MemberCard: &MemberCardData{
		BaseInfo: &BaseInfo{CenterTitle: "立即使用", CenterURL: "https://example.com/use", Description: "新说明"},
	}}
	ur, err := p.UpdateCard(ctx, UpdateCardRequest{CardID: ids[0], Card: upd})
	if err != nil {
		t.Fatal(err)
	}
	_ = ur.SendCheck
	got, err := p.GetCard(ctx, GetCardRequest{CardID: ids[0]})
	if err != nil {
		t.Fatal(err)
	}
	if b := got.Card.Base(); b.Description != "新说明" || b.CenterTitle != "立即使用" || b.Title != "会员卡" {
		t.Errorf("after update base_info = %+v", b)
	}
	b, _ := json.Marshal(UpdateCardRequest{CardID: ids[0], Card: upd})
	if string(b) != `{"card_id":"`+ids[0]+`","member_card":{"base_info":{"description":"新说明","center_title":"立即使用","center_url":"https://example.com/use"}}}` {
		t.Errorf("update wire = %s", b)
	}
	_, err = p.UpdateCard(ctx, UpdateCardRequest{CardID: ids[0], Card: CardDefinition{CardType: CardTypeMemberCard,
		MemberCard: &MemberCardData{BaseInfo: &BaseInfo{Title: strings.Repeat("字", 10)}}}})
	catWantInvalid(t, err, "UpdateCard", "Card.MemberCard.BaseInfo.Title")
	_, err = p.UpdateCard(ctx, UpdateCardRequest{CardID: ids[0], Card: CardDefinition{CardType: CardTypeMemberCard,
		MemberCard: &MemberCardData{BaseInfo: &BaseInfo{SKU: &SKU{Quantity: 5}}}}})
	catWantInvalid(t, err, "UpdateCard", "Card.MemberCard.BaseInfo.SKU")
	_, err = p.UpdateCard(ctx, UpdateCardRequest{Card: upd})
	catWantInvalid(t, err, "UpdateCard", "CardID")

	// stock
	if _, err := p.ModifyStock(ctx, ModifyStockRequest{CardID: ids[0], Increase: 50}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.ModifyStock(ctx, ModifyStockRequest{CardID: ids[0], Reduce: 20}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Stock(ids[0]); n != 130 {
		t.Errorf("stock = %d, want 130", n)
	}
	for _, bad := range []ModifyStockRequest{{CardID: ids[0]}, {CardID: ids[0], Increase: 1, Reduce: 1}, {CardID: ids[0], Increase: -1}, {Increase: 1}} {
		if _, err := p.ModifyStock(ctx, bad); !errors.Is(err, card.ErrInvalidArgument) {
			t.Errorf("%+v: err = %v", bad, err)
		}
	}

	// cells need locations: the fake answers 40107 like WeChat
	if _, err := p.SetPayCell(ctx, SetPayCellRequest{CardID: ids[1], IsOpen: true}); err == nil {
		t.Error("pay cell on a card without locations succeeded")
	}
	withLoc := catMemberCard()
	withLoc.MemberCard.BaseInfo.LocationIDList = []int64{218384742}
	res, err := p.CreateCard(ctx, CreateCardRequest{Card: withLoc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.SetPayCell(ctx, SetPayCellRequest{CardID: res.CardID, IsOpen: true}); err != nil {
		t.Errorf("pay cell: %v", err)
	}
	if _, err := p.SetSelfConsumeCell(ctx, SetSelfConsumeCellRequest{CardID: res.CardID, IsOpen: true, NeedVerifyCod: true}); err != nil {
		t.Errorf("self-consume cell: %v", err)
	}
	_, err = p.SetSelfConsumeCell(ctx, SetSelfConsumeCellRequest{})
	catWantInvalid(t, err, "SetSelfConsumeCell", "CardID")

	// user card list
	code, err := s.Claim(ids[2], "oUser000000000000000000000001", "")
	if err != nil {
		t.Fatal(err)
	}
	ul, err := p.GetUserCardList(ctx, GetUserCardListRequest{OpenID: "oUser000000000000000000000001"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ul.CardList) != 1 || ul.CardList[0].Code != code || ul.CardList[0].CardID != ids[2] {
		t.Errorf("card list = %+v", ul)
	}
	_, err = p.GetUserCardList(ctx, GetUserCardListRequest{})
	catWantInvalid(t, err, "GetUserCardList", "OpenID")

	// delete
	if _, err := p.DeleteCard(ctx, DeleteCardRequest{CardID: ids[0]}); err != nil {
		t.Fatal(err)
	}
	// WeChat keeps a deleted card readable, with status CARD_STATUS_DELETE.
	if g, err := p.GetCard(ctx, GetCardRequest{CardID: ids[0]}); err != nil {
		if !errors.Is(err, card.ErrNotFound) {
			t.Errorf("get deleted card: %v", err)
		}
	} else if st := g.Card.Base().Status; st != CardStatusDelete {
		t.Errorf("deleted card status = %q", st)
	}
	_, err = p.DeleteCard(ctx, DeleteCardRequest{CardID: strings.Repeat("p", 33)})
	catWantInvalid(t, err, "DeleteCard", "CardID")
}

func TestColorsAndCategories(t *testing.T) {
	p, _ := newTestProvider(t, nil)
	ctx := context.Background()
	cs, err := p.GetColors(ctx, GetColorsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs.Colors) == 0 {
		t.Fatal("no colours")
	}
	for _, c := range cs.Colors {
		if !walletrules.IsWeChatColor(c.Name) || !strings.HasPrefix(strings.TrimSpace(c.Value), "#") {
			t.Errorf("colour %+v", c)
		}
	}
	cats, err := p.GetApplyProtocol(ctx, GetApplyProtocolRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cats.Category) == 0 || cats.Category[0].PrimaryCategoryID == 0 || len(cats.Category[0].SecondaryCategory) == 0 ||
		cats.Category[0].SecondaryCategory[0].SecondaryCategoryID == 0 {
		t.Errorf("categories = %+v", cats)
	}
}

// TestDecodeCardSample decodes the official /card/get sample (§6).
func TestDecodeCardSample(t *testing.T) {
	const sample = `{"errcode":0,"errmsg":"ok","card":{"card_type":"DISCOUNT","discount":{"base_info":{
 "id":"pbLatjnP97_F9PudzBARQhn7xR7A","logo_url":"http://mmbiz.qpic.cn/x/0?wx_fmt=png",
 "code_type":"CODE_TYPE_NONE","brand_name":"微信餐厅","title":"9折优惠券",
 "date_info":{"type":"DATE_TYPE_FIX_TERM","fixed_term":30,"fixed_begin_term":0},
 "color":"#10AD61","notice":"到店使用","description":"",
 "location_id_list":[218384742,402521653,402521608],"get_limit":3,"can_share":true,"can_give_friend":true,
 "status":"CARD_STATUS_VERIFY_OK","sku":{"quantity":100096,"total_quantity":100100},
 "create_time":1457525546,"update_time":1457526240,"area_code_list":[]},
 "discount":10,
 "advanced_info":{"time_limit":[{"type":"MONDAY"},{"type":"TUESDAY"}],"text_image_list":[],"business_service":[],
  "consume_share_card_list":[],"abstract":{"abstract":"点击了解更多","icon_url_list":["http://mmbiz.qpic.cn/y/0?wx_fmt=jpeg"]},
  "share_friends":false}}}}`
	r, err := decodeCardResponse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	d := r.Card.Discount
	if r.Card.CardType != CardTypeDiscount || d == nil || d.Discount != 10 {
		t.Fatalf("card = %+v", r.Card)
	}
	b := d.BaseInfo
	if b.SKU.TotalQuantity != 100100 || len(b.LocationIDList) != 3 || b.CreateTime != 1457525546 || b.Color != "#10AD61" ||
		b.DateInfo.FixedTerm != 30 || !*b.CanGiveFriend {
		t.Errorf("base_info = %+v", b)
	}
	if a := d.AdvancedInfo; len(a.TimeLimit) != 2 || a.Abstract.IconURLList[0] == "" || a.ShareFriends == nil {
		t.Errorf("advanced_info = %+v", a)
	}
}

// FuzzDecodeCard feeds arbitrary bytes to the /card/get decoder: it must never
// panic, and whatever it accepts must survive a re-encode.
func FuzzDecodeCard(f *testing.F) {
	f.Add([]byte(`{"card":{"card_type":"MEMBER_CARD","member_card":{"base_info":{"title":"x","date_info":{"type":2,"fixed_term":1}},"bonus_rule":{"cost_money_unit":100}}}}`))
	f.Add([]byte(`{"card":{"card_type":"CASH","cash":{"least_cost":1,"reduce_cost":2}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeCardResponse(b)
		if err != nil {
			return
		}
		_ = r.Card.Base()
		_, _ = r.Card.bodies()
		_ = (CreateCardRequest{Card: r.Card}).Validate()
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("decoded card does not re-encode: %v", err)
		}
	})
}

// BenchmarkCreateCardValidate measures the pre-wire validation of a full member card.
func BenchmarkCreateCardValidate(b *testing.B) {
	req := CreateCardRequest{Card: catMemberCard()}
	b.ReportAllocs()
	for b.Loop() {
		if err := req.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}
