package wechat

// The type-specific bodies of a CardDefinition: member, general and coupon
// cards, and the ticket cards (meeting, scenic, movie, boarding pass, bus).

import (
	"encoding/json"
	"fmt"
	"time"

	card "github.com/walletcard/card"
)

type MemberCardData struct {
	BackgroundPicURL string        `json:"background_pic_url,omitempty"`
	BaseInfo         *BaseInfo     `json:"base_info,omitempty"`
	AdvancedInfo     *AdvancedInfo `json:"advanced_info,omitempty"`
	// Prerogative describes the member privileges; required on create.
	Prerogative string `json:"prerogative,omitempty"`
	// SupplyBonus / SupplyBalance show points / balance; required on create.
	// WeChat refuses to switch supply_bonus off once on (40135).
	SupplyBonus   *bool      `json:"supply_bonus,omitempty"`
	BonusURL      string     `json:"bonus_url,omitempty"`
	SupplyBalance *bool      `json:"supply_balance,omitempty"`
	BalanceURL    string     `json:"balance_url,omitempty"`
	BonusCleared  string     `json:"bonus_cleared,omitempty"`
	BonusRules    string     `json:"bonus_rules,omitempty"`
	BalanceRules  string     `json:"balance_rules,omitempty"`
	BonusRule     *BonusRule `json:"bonus_rule,omitempty"`
	// Discount is the member discount in percent off (10 means 10 % off); 0..99.
	Discount *int `json:"discount,omitempty"`

	ActivateURL              string `json:"activate_url,omitempty"`
	AutoActivate             *bool  `json:"auto_activate,omitempty"`
	WxActivate               *bool  `json:"wx_activate,omitempty"`
	WxActivateAfterSubmit    *bool  `json:"wx_activate_after_submit,omitempty"`
	WxActivateAfterSubmitURL string `json:"wx_activate_after_submit_url,omitempty"`
	ActivateAppBrandUserName string `json:"activate_app_brand_user_name,omitempty"`
	ActivateAppBrandPass     string `json:"activate_app_brand_pass,omitempty"`

	CustomField1 *CustomField `json:"custom_field1,omitempty"`
	CustomField2 *CustomField `json:"custom_field2,omitempty"`
	CustomField3 *CustomField `json:"custom_field3,omitempty"`
	CustomCell1  *CustomCell  `json:"custom_cell1,omitempty"`
	CustomCell2  *CustomCell  `json:"custom_cell2,omitempty"`
	CustomCell3  *CustomCell  `json:"custom_cell3,omitempty"`
}

func (m *MemberCardData) base() *BaseInfo { return m.BaseInfo }

func (m *MemberCardData) validate(v *cv, p string, t CardType, create bool) {
	catValidateCommon(v, p, t, create, m.BaseInfo, m.AdvancedInfo)
	if create {
		v.zhLines(p+".Prerogative", m.Prerogative, true, 1024)
		if m.SupplyBonus == nil {
			v.fail(p+".SupplyBonus", "is required on create (true or false)")
		}
		if m.SupplyBalance == nil {
			v.fail(p+".SupplyBalance", "is required on create (true or false)")
		}
	}
	v.zhLines(p+".Prerogative", m.Prerogative, false, 1024)
	if m.BonusRule != nil {
		m.BonusRule.validate(v, p+".BonusRule")
	}
	if m.Discount != nil {
		v.rangeInt(p+".Discount", int64(*m.Discount), 0, 99)
	}
	if m.AutoActivate != nil && m.WxActivate != nil && *m.AutoActivate && *m.WxActivate {
		v.fail(p+".WxActivate", "AutoActivate and WxActivate cannot both be true")
	}
	v.appBrand(p+".ActivateAppBrandUserName", m.ActivateAppBrandUserName)
	for i, f := range []*CustomField{m.CustomField1, m.CustomField2, m.CustomField3} {
		if f != nil {
			f.validate(v, fmt.Sprintf("%s.CustomField%d", p, i+1))
		}
	}
	for i, c := range []*CustomCell{m.CustomCell1, m.CustomCell2, m.CustomCell3} {
		if c != nil {
			c.validate(v, fmt.Sprintf("%s.CustomCell%d", p, i+1))
		}
	}
}

// GeneralCardData is the general_card (通用卡) body. No SDK models it; this
// follows the member-card layout that WeChat's general card shares.
type GeneralCardData struct {
	BackgroundPicURL string        `json:"background_pic_url,omitempty"`
	BaseInfo         *BaseInfo     `json:"base_info,omitempty"`
	AdvancedInfo     *AdvancedInfo `json:"advanced_info,omitempty"`
	Prerogative      string        `json:"prerogative,omitempty"` // required on create
	SupplyBonus      *bool         `json:"supply_bonus,omitempty"`
	SupplyBalance    *bool         `json:"supply_balance,omitempty"`
	ActivateURL      string        `json:"activate_url,omitempty"`
	AutoActivate     *bool         `json:"auto_activate,omitempty"`
	WxActivate       *bool         `json:"wx_activate,omitempty"`
	CustomField1     *CustomField  `json:"custom_field1,omitempty"`
	CustomField2     *CustomField  `json:"custom_field2,omitempty"`
	CustomField3     *CustomField  `json:"custom_field3,omitempty"`
	CustomCell1      *CustomCell   `json:"custom_cell1,omitempty"`
}

func (g *GeneralCardData) base() *BaseInfo { return g.BaseInfo }

func (g *GeneralCardData) validate(v *cv, p string, t CardType, create bool) {
	catValidateCommon(v, p, t, create, g.BaseInfo, g.AdvancedInfo)
	v.zhLines(p+".Prerogative", g.Prerogative, create, 1024)
	if g.AutoActivate != nil && g.WxActivate != nil && *g.AutoActivate && *g.WxActivate {
		v.fail(p+".WxActivate", "AutoActivate and WxActivate cannot both be true")
	}
	for i, f := range []*CustomField{g.CustomField1, g.CustomField2, g.CustomField3} {
		if f != nil {
			f.validate(v, fmt.Sprintf("%s.CustomField%d", p, i+1))
		}
	}
	if g.CustomCell1 != nil {
		g.CustomCell1.validate(v, p+".CustomCell1")
	}
}

// GrouponData is the groupon (团购券) body.
type GrouponData struct {
	BaseInfo     *BaseInfo     `json:"base_info,omitempty"`
	AdvancedInfo *AdvancedInfo `json:"advanced_info,omitempty"`
	DealDetail   string        `json:"deal_detail,omitempty"` // required on create
}

func (g *GrouponData) base() *BaseInfo { return g.BaseInfo }
func (g *GrouponData) validate(v *cv, p string, t CardType, create bool) {
	catValidateCommon(v, p, t, create, g.BaseInfo, g.AdvancedInfo)
	v.str(p+".DealDetail", g.DealDetail, create, 1<<16)
}

// CashData is the cash (代金券) body: take ReduceCost off a bill of at least LeastCost.
type CashData struct {
	BaseInfo     *BaseInfo     `json:"base_info,omitempty"`
	AdvancedInfo *AdvancedInfo `json:"advanced_info,omitempty"`
	LeastCost    card.Money    `json:"-"` // least_cost (fen)
	ReduceCost   card.Money    `json:"-"` // reduce_cost (fen); required on create
}

// MarshalJSON sends the amounts as integer fen.
func (c CashData) MarshalJSON() ([]byte, error) {
	type plain CashData
	w := struct {
		plain
		LeastCost  int64 `json:"least_cost,omitempty"`
		ReduceCost int64 `json:"reduce_cost,omitempty"`
	}{plain(c), int64(c.LeastCost), int64(c.ReduceCost)}
	return catMarshal(w)
}

// UnmarshalJSON reads the amounts as integer fen.
func (c *CashData) UnmarshalJSON(b []byte) error {
	type plain CashData
	w := struct {
		*plain
		LeastCost  int64 `json:"least_cost"`
		ReduceCost int64 `json:"reduce_cost"`
	}{plain: (*plain)(c)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	c.LeastCost, c.ReduceCost = card.Money(w.LeastCost), card.Money(w.ReduceCost)
	return nil
}

func (c *CashData) base() *BaseInfo { return c.BaseInfo }
func (c *CashData) validate(v *cv, p string, t CardType, create bool) {
	catValidateCommon(v, p, t, create, c.BaseInfo, c.AdvancedInfo)
	v.nonNeg(p+".LeastCost", int64(c.LeastCost))
	if create && c.ReduceCost <= 0 {
		v.fail(p+".ReduceCost", "must be a positive amount, got %s", c.ReduceCost)
	} else {
		v.nonNeg(p+".ReduceCost", int64(c.ReduceCost))
	}
}

// DiscountData is the discount (折扣券) body.
type DiscountData struct {
	BaseInfo     *BaseInfo     `json:"base_info,omitempty"`
	AdvancedInfo *AdvancedInfo `json:"advanced_info,omitempty"`
	// Discount is the percentage taken off: 30 means 30 % off (七折). 1..99; required on create.
	Discount int `json:"discount,omitempty"`
}

func (d *DiscountData) base() *BaseInfo { return d.BaseInfo }
func (d *DiscountData) validate(v *cv, p string, t CardType, create bool) {
	catValidateCommon(v, p, t, create, d.BaseInfo, d.AdvancedInfo)
	if create || d.Discount != 0 {
		v.rangeInt(p+".Discount", int64(d.Discount), 1, 99)
	}
}

// GiftData is the gift (礼品券) body.
type GiftData struct {
	BaseInfo     *BaseInfo     `json:"base_info,omitempty"`
	AdvancedInfo *AdvancedInfo `json:"advanced_info,omitempty"`
	Gift         string        `json:"gift,omitempty"` // required on create
}

func (g *GiftData) base() *BaseInfo { return g.BaseInfo }
func (g *GiftData) validate(v *cv, p string, t CardType, create bool) {
	catValidateCommon(v, p, t, create, g.BaseInfo, g.AdvancedInfo)
	v.str(p+".Gift", g.Gift, create, 1<<16)
}

// GeneralCouponData is the general_coupon (优惠券) body.
type GeneralCouponData struct {
	BaseInfo      *BaseInfo     `json:"base_info,omitempty"`
	AdvancedInfo  *AdvancedInfo `json:"advanced_info,omitempty"`
	DefaultDetail string        `json:"default_detail,omitempty"` // required on create
}

func (g *GeneralCouponData) base() *BaseInfo { return g.BaseInfo }
func (g *GeneralCouponData) validate(v *cv, p string, t CardType, create bool) {
	catValidateCommon(v, p, t, create, g.BaseInfo, g.AdvancedInfo)
	v.str(p+".DefaultDetail", g.DefaultDetail, create, 1<<16)
}

// MeetingTicketData is the meeting_ticket (会议门票) body.
type MeetingTicketData struct {
	BaseInfo      *BaseInfo     `json:"base_info,omitempty"`
	AdvancedInfo  *AdvancedInfo `json:"advanced_info,omitempty"`
	MeetingDetail string        `json:"meeting_detail,omitempty"` // required on create
	MapURL        string        `json:"map_url,omitempty"`
}

func (m *MeetingTicketData) base() *BaseInfo { return m.BaseInfo }
func (m *MeetingTicketData) validate(v *cv, p string, t CardType, create bool) {
	catValidateCommon(v, p, t, create, m.BaseInfo, m.AdvancedInfo)
	v.str(p+".MeetingDetail", m.MeetingDetail, create, 1<<16)
}

// ScenicTicketData is the scenic_ticket (景区门票) body.
type ScenicTicketData struct {
	BaseInfo     *BaseInfo     `json:"base_info,omitempty"`
	AdvancedInfo *AdvancedInfo `json:"advanced_info,omitempty"`
	TicketClass  string        `json:"ticket_class,omitempty"`
	GuideURL     string        `json:"guide_url,omitempty"`
}

func (s *ScenicTicketData) base() *BaseInfo { return s.BaseInfo }
func (s *ScenicTicketData) validate(v *cv, p string, t CardType, create bool) {
	catValidateCommon(v, p, t, create, s.BaseInfo, s.AdvancedInfo)
}

// MovieTicketData is the movie_ticket (电影票) body.
type MovieTicketData struct {
	BaseInfo     *BaseInfo     `json:"base_info,omitempty"`
	AdvancedInfo *AdvancedInfo `json:"advanced_info,omitempty"`
	Detail       string        `json:"detail,omitempty"`
}

func (m *MovieTicketData) base() *BaseInfo { return m.BaseInfo }
func (m *MovieTicketData) validate(v *cv, p string, t CardType, create bool) {
	catValidateCommon(v, p, t, create, m.BaseInfo, m.AdvancedInfo)
}

// BoardingPassData is the boarding_pass (飞机票) body.
type BoardingPassData struct {
	BaseInfo      *BaseInfo     `json:"base_info,omitempty"`
	AdvancedInfo  *AdvancedInfo `json:"advanced_info,omitempty"`
	From          string        `json:"from,omitempty"`   // ≤ 18 Chinese characters; required on create
	To            string        `json:"to,omitempty"`     // ≤ 18 Chinese characters; required on create
	Flight        string        `json:"flight,omitempty"` // required on create
	Gate          string        `json:"gate,omitempty"`
	CheckInURL    string        `json:"check_in_url,omitempty"`
	AirModel      string        `json:"air_model,omitempty"` // ≤ 8 Chinese characters
	DepartureTime time.Time     `json:"-"`                   // departure_time (unix)
	LandingTime   time.Time     `json:"-"`                   // landing_time (unix)
	BoardingTime  time.Time     `json:"-"`                   // boarding_time (unix)
}

// MarshalJSON sends the times as unix seconds.
func (b BoardingPassData) MarshalJSON() ([]byte, error) {
	type plain BoardingPassData
	return catMarshal(struct {
		plain
		DepartureTime int64 `json:"departure_time,omitempty"`
		LandingTime   int64 `json:"landing_time,omitempty"`
		BoardingTime  int64 `json:"boarding_time,omitempty"`
	}{plain(b), catUnix(b.DepartureTime), catUnix(b.LandingTime), catUnix(b.BoardingTime)})
}

// UnmarshalJSON reads the unix-second times.
func (b *BoardingPassData) UnmarshalJSON(data []byte) error {
	type plain BoardingPassData
	w := struct {
		*plain
		DepartureTime int64 `json:"departure_time"`
		LandingTime   int64 `json:"landing_time"`
		BoardingTime  int64 `json:"boarding_time"`
	}{plain: (*plain)(b)}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	b.DepartureTime, b.LandingTime, b.BoardingTime = catTime(w.DepartureTime), catTime(w.LandingTime), catTime(w.BoardingTime)
	return nil
}

func (b *BoardingPassData) base() *BaseInfo { return b.BaseInfo }
func (b *BoardingPassData) validate(v *cv, p string, t CardType, create bool) {
	catValidateCommon(v, p, t, create, b.BaseInfo, b.AdvancedInfo)
	v.zh(p+".From", b.From, create, 18)
	v.zh(p+".To", b.To, create, 18)
	v.str(p+".Flight", b.Flight, create, 1<<10)
	v.zh(p+".AirModel", b.AirModel, false, 8)
	if !b.DepartureTime.IsZero() && !b.LandingTime.IsZero() && b.LandingTime.Before(b.DepartureTime) {
		v.fail(p+".LandingTime", "is before DepartureTime")
	}
}

// BusTicketData is the bus_ticket (汽车票) body: base and advanced info only.
type BusTicketData struct {
	BaseInfo     *BaseInfo     `json:"base_info,omitempty"`
	AdvancedInfo *AdvancedInfo `json:"advanced_info,omitempty"`
}

func (b *BusTicketData) base() *BaseInfo { return b.BaseInfo }
func (b *BusTicketData) validate(v *cv, p string, t CardType, create bool) {
	catValidateCommon(v, p, t, create, b.BaseInfo, b.AdvancedInfo)
}
