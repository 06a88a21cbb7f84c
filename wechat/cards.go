package wechat

// Card definition and management: /card/getcolors, /card/getapplyprotocol,
// /card/create, /card/get, /card/batchget, /card/update, /card/delete,
// /card/modifystock, /card/paycell/set, /card/selfconsumecell/set and
// /card/user/getcardlist (reference rows 1–11, field rules §3.1–§3.7, §3.14–§3.16, §3.20).
//
// Error fields (card.Error.Field) name the Go field path inside the request,
// for example "Card.MemberCard.BaseInfo.Title" or "Codes[7]".

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	card "github.com/walletcard/card"
)

// Documented wire limits used by the catalogue operations.
const (
	// MaxCardIDLen is the length of a card_id (string(32) in the WeChat docs).
	MaxCardIDLen = 32
	// MaxCodeLen is the length of a card code (string(20) in the WeChat docs).
	MaxCodeLen = 20
	// MaxOpenIDLen is the length of an openid (string(32) in the WeChat docs).
	MaxOpenIDLen = 32
	// MaxBatchGetCards is the largest count /card/batchget accepts.
	MaxBatchGetCards = 50
	// MaxSKUQuantity is the largest sku.quantity /card/create accepts.
	MaxSKUQuantity = 100000000
)

// CardType is a WeChat card_type (§3.1).
type CardType string

// The card types /card/create knows.
const (
	CardTypeMemberCard    CardType = "MEMBER_CARD"    // 会员卡
	CardTypeGeneralCard   CardType = "GENERAL_CARD"   // 通用卡
	CardTypeGroupon       CardType = "GROUPON"        // 团购券
	CardTypeCash          CardType = "CASH"           // 代金券
	CardTypeDiscount      CardType = "DISCOUNT"       // 折扣券
	CardTypeGift          CardType = "GIFT"           // 礼品券
	CardTypeGeneralCoupon CardType = "GENERAL_COUPON" // 优惠券
	CardTypeMeetingTicket CardType = "MEETING_TICKET" // 会议门票
	CardTypeScenicTicket  CardType = "SCENIC_TICKET"  // 景区门票
	CardTypeMovieTicket   CardType = "MOVIE_TICKET"   // 电影票
	CardTypeBoardingPass  CardType = "BOARDING_PASS"  // 飞机票
	CardTypeBusTicket     CardType = "BUS_TICKET"     // 汽车票
)

// IsCoupon reports whether t is one of the coupon types (GROUPON, CASH,
// DISCOUNT, GIFT, GENERAL_COUPON) that WeChat stopped accepting for new
// official-account cards in April 2021 in favour of WeChat Pay merchant coupons.
// Such cards can still be requested; a refusal is explained in the error.
func (t CardType) IsCoupon() bool {
	switch t {
	case CardTypeGroupon, CardTypeCash, CardTypeDiscount, CardTypeGift, CardTypeGeneralCoupon:
		return true
	}
	return false
}

// key returns the lower-case JSON key that holds this type's body.
func (t CardType) key() string { return strings.ToLower(string(t)) }

// CodeType is how the code is displayed on the card (§3.3).
type CodeType string

// The code_type values.
const (
	CodeTypeText        CodeType = "CODE_TYPE_TEXT"
	CodeTypeBarcode     CodeType = "CODE_TYPE_BARCODE"
	CodeTypeQRCode      CodeType = "CODE_TYPE_QRCODE"
	CodeTypeOnlyBarcode CodeType = "CODE_TYPE_ONLY_BARCODE"
	CodeTypeOnlyQRCode  CodeType = "CODE_TYPE_ONLY_QRCODE"
	CodeTypeNone        CodeType = "CODE_TYPE_NONE"
)

// CardStatus is a card's review status (§3.5).
type CardStatus string

// The card status values (the official / WxJava set).
const (
	CardStatusNotVerify  CardStatus = "CARD_STATUS_NOT_VERIFY"
	CardStatusVerifyFail CardStatus = "CARD_STATUS_VERIFY_FAIL"
	CardStatusVerifyOK   CardStatus = "CARD_STATUS_VERIFY_OK"
	CardStatusDelete     CardStatus = "CARD_STATUS_DELETE"
	CardStatusDispatch   CardStatus = "CARD_STATUS_DISPATCH"
)

// DateType is the kind of validity window of a card (§3.4).
type DateType string

// The date_info.type values.
const (
	DateTypeFixTimeRange DateType = "DATE_TYPE_FIX_TIME_RANGE"
	DateTypeFixTerm      DateType = "DATE_TYPE_FIX_TERM"
	DateTypePermanent    DateType = "DATE_TYPE_PERMANENT" // member cards only
)

// CustomCodeModeDeposit is get_custom_code_mode for import-code (deposit) cards.
const CustomCodeModeDeposit = "GET_CUSTOM_CODE_MODE_DEPOSIT"

// cardColorNames are the colour names /card/create accepts (§3.6).
var cardColorNames = map[string]bool{
	"Color010": true, "Color020": true, "Color030": true, "Color040": true, "Color050": true,
	"Color060": true, "Color070": true, "Color080": true, "Color081": true, "Color082": true,
	"Color090": true, "Color100": true, "Color101": true, "Color102": true,
}

// catMarshal is json.Marshal without HTML escaping, so that URLs keep
// their '&' on the wire as postJSON sends them.
func catMarshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// catUnix returns t as unix seconds, or 0 for the zero time.
func catUnix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// catTime returns unix seconds as a Beijing time, or the zero time for 0.
func catTime(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).In(card.Beijing())
}

// ---------------------------------------------------------------------------
// card models

// CardDefinition is the "card" object of /card/create and /card/get: the card
// type and exactly one type-specific body, the one matching CardType.
type CardDefinition struct {
	CardType      CardType           `json:"card_type"`
	MemberCard    *MemberCardData    `json:"member_card,omitempty"`
	GeneralCard   *GeneralCardData   `json:"general_card,omitempty"`
	Groupon       *GrouponData       `json:"groupon,omitempty"`
	Cash          *CashData          `json:"cash,omitempty"`
	Discount      *DiscountData      `json:"discount,omitempty"`
	Gift          *GiftData          `json:"gift,omitempty"`
	GeneralCoupon *GeneralCouponData `json:"general_coupon,omitempty"`
	MeetingTicket *MeetingTicketData `json:"meeting_ticket,omitempty"`
	ScenicTicket  *ScenicTicketData  `json:"scenic_ticket,omitempty"`
	MovieTicket   *MovieTicketData   `json:"movie_ticket,omitempty"`
	BoardingPass  *BoardingPassData  `json:"boarding_pass,omitempty"`
	BusTicket     *BusTicketData     `json:"bus_ticket,omitempty"`
}

// bodies returns the Go field names of the type-specific bodies that are set,
// and the last of them.
func (c *CardDefinition) bodies() (set []string, body cardBody) {
	add := func(name string, ok bool, b cardBody) {
		if ok {
			set = append(set, name)
			body = b
		}
	}
	add("MemberCard", c.MemberCard != nil, c.MemberCard)
	add("GeneralCard", c.GeneralCard != nil, c.GeneralCard)
	add("Groupon", c.Groupon != nil, c.Groupon)
	add("Cash", c.Cash != nil, c.Cash)
	add("Discount", c.Discount != nil, c.Discount)
	add("Gift", c.Gift != nil, c.Gift)
	add("GeneralCoupon", c.GeneralCoupon != nil, c.GeneralCoupon)
	add("MeetingTicket", c.MeetingTicket != nil, c.MeetingTicket)
	add("ScenicTicket", c.ScenicTicket != nil, c.ScenicTicket)
	add("MovieTicket", c.MovieTicket != nil, c.MovieTicket)
	add("BoardingPass", c.BoardingPass != nil, c.BoardingPass)
	add("BusTicket", c.BusTicket != nil, c.BusTicket)
	return set, body
}

// Base returns the base_info of whichever body is set, or nil.
func (c *CardDefinition) Base() *BaseInfo {
	if c == nil {
		return nil
	}
	_, b := c.bodies()
	if b == nil {
		return nil
	}
	return b.base()
}

var cardTypeField = map[CardType]string{
	CardTypeMemberCard: "MemberCard", CardTypeGeneralCard: "GeneralCard", CardTypeGroupon: "Groupon",
	CardTypeCash: "Cash", CardTypeDiscount: "Discount", CardTypeGift: "Gift",
	CardTypeGeneralCoupon: "GeneralCoupon", CardTypeMeetingTicket: "MeetingTicket",
	CardTypeScenicTicket: "ScenicTicket", CardTypeMovieTicket: "MovieTicket",
	CardTypeBoardingPass: "BoardingPass", CardTypeBusTicket: "BusTicket",
}

// validate checks the definition; create makes the create-time required fields required.
func (c *CardDefinition) validate(v *cv, prefix string, create bool) cardBody {
	name, ok := cardTypeField[c.CardType]
	if !ok {
		if c.CardType == "" {
			v.fail(prefix+".CardType", "is required")
		} else {
			v.fail(prefix+".CardType", "%q is not a card type WeChat knows", c.CardType)
		}
		return nil
	}
	set, body := c.bodies()
	switch {
	case len(set) == 0:
		v.fail(prefix+"."+name, "is required for card type %s", c.CardType)
		return nil
	case len(set) > 1:
		extra := set[0]
		if extra == name {
			extra = set[1]
		}
		v.fail(prefix+"."+extra, "only the %s body may be set for card type %s (got %s)", name, c.CardType, strings.Join(set, ", "))
		return nil
	case set[0] != name:
		v.fail(prefix+"."+set[0], "does not match card type %s (set %s instead)", c.CardType, name)
		return nil
	}
	body.validate(v, prefix+"."+name, c.CardType, create)
	return body
}

// cardBody is implemented by every type-specific body.
type cardBody interface {
	base() *BaseInfo
	validate(v *cv, prefix string, t CardType, create bool)
}

// SKU is base_info.sku.
type SKU struct {
	// Quantity is the stock. 1..100000000; 0 only for deposit (import-code) cards.
	Quantity int64 `json:"quantity"`
	// TotalQuantity is returned by /card/get.
	TotalQuantity int64 `json:"total_quantity,omitempty"`
}

// DateInfo is base_info.date_info, the validity window (§3.4).
//
// On the wire the times are unix seconds; here they are time.Time (read back
// in Beijing time). Decoding also accepts the legacy integer types 1 and 2.
type DateInfo struct {
	Type DateType
	// BeginTime and EndTime bound a DATE_TYPE_FIX_TIME_RANGE window.
	BeginTime, EndTime time.Time
	// FixedTerm is the number of days a DATE_TYPE_FIX_TERM card is valid (≥ 1).
	FixedTerm int
	// FixedBeginTerm is the number of days after claiming before it becomes valid (0 = same day).
	FixedBeginTerm int
}

type dateInfoWire struct {
	Type           json.RawMessage `json:"type"`
	BeginTimestamp int64           `json:"begin_timestamp,omitempty"`
	EndTimestamp   int64           `json:"end_timestamp,omitempty"`
	FixedTerm      *int            `json:"fixed_term,omitempty"`
	FixedBeginTerm *int            `json:"fixed_begin_term,omitempty"`
}

// MarshalJSON encodes the fields of d's type, timestamps as unix seconds.
func (d DateInfo) MarshalJSON() ([]byte, error) {
	t, _ := json.Marshal(string(d.Type))
	w := dateInfoWire{Type: t}
	switch d.Type {
	case DateTypeFixTimeRange:
		w.BeginTimestamp, w.EndTimestamp = catUnix(d.BeginTime), catUnix(d.EndTime)
	case DateTypeFixTerm:
		w.FixedTerm, w.FixedBeginTerm = &d.FixedTerm, &d.FixedBeginTerm
	}
	return catMarshal(w)
}

// UnmarshalJSON decodes a date_info, accepting type as a string or as 1/2.
func (d *DateInfo) UnmarshalJSON(b []byte) error {
	var w dateInfoWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*d = DateInfo{BeginTime: catTime(w.BeginTimestamp), EndTime: catTime(w.EndTimestamp)}
	if w.FixedTerm != nil {
		d.FixedTerm = *w.FixedTerm
	}
	if w.FixedBeginTerm != nil {
		d.FixedBeginTerm = *w.FixedBeginTerm
	}
	var s string
	var n int
	switch {
	case len(w.Type) == 0 || string(w.Type) == "null":
	case json.Unmarshal(w.Type, &s) == nil:
		d.Type = DateType(s)
	case json.Unmarshal(w.Type, &n) == nil:
		switch n {
		case 1:
			d.Type = DateTypeFixTimeRange
		case 2:
			d.Type = DateTypeFixTerm
		default:
			d.Type = DateType(fmt.Sprint(n))
		}
	default:
		return fmt.Errorf("wechat: date_info.type is neither a string nor a number: %s", w.Type)
	}
	return nil
}

func (d *DateInfo) validate(v *cv, prefix string, t CardType) {
	switch d.Type {
	case DateTypeFixTimeRange:
		switch {
		case d.BeginTime.IsZero():
			v.fail(prefix+".BeginTime", "is required for %s", d.Type)
		case d.EndTime.IsZero():
			v.fail(prefix+".EndTime", "is required for %s", d.Type)
		case !d.EndTime.After(d.BeginTime):
			v.fail(prefix+".EndTime", "must be after BeginTime")
		case d.BeginTime.Unix() <= 0:
			v.fail(prefix+".BeginTime", "must be after 1970-01-01")
		}
	case DateTypeFixTerm:
		if d.FixedTerm < 1 {
			v.fail(prefix+".FixedTerm", "must be at least 1 day, got %d", d.FixedTerm)
		}
		if d.FixedBeginTerm < 0 {
			v.fail(prefix+".FixedBeginTerm", "must not be negative, got %d", d.FixedBeginTerm)
		}
	case DateTypePermanent:
		if t != CardTypeMemberCard && t != CardTypeGeneralCard {
			v.fail(prefix+".Type", "DATE_TYPE_PERMANENT is for member (and general) cards only, not %s", t)
		}
	case "":
		v.fail(prefix+".Type", "is required")
	default:
		v.fail(prefix+".Type", "%q is not a date type", d.Type)
	}
}

// PayInfo is base_info.pay_info.
type PayInfo struct {
	SwipeCard *SwipeCard `json:"swipe_card,omitempty"`
}

// SwipeCard is base_info.pay_info.swipe_card (刷卡买单).
type SwipeCard struct {
	IsSwipeCard bool `json:"is_swipe_card"`
}

// SubMerchantRef is base_info.sub_merchant_info (third-party mode).
type SubMerchantRef struct {
	MerchantID int64 `json:"merchant_id"`
}

// BaseInfo is the base_info every card type carries (§3.2). On create, the
// fields marked required must be set; on update every field is optional and
// only the set ones are sent. Optional booleans are pointers so that false can
// be sent (use card.Ptr).
type BaseInfo struct {
	// Read-only fields returned by /card/get.
	ID         string     `json:"id,omitempty"`
	Status     CardStatus `json:"status,omitempty"`
	AppID      string     `json:"appid,omitempty"`
	CreateTime int64      `json:"create_time,omitempty"` // unix seconds
	UpdateTime int64      `json:"update_time,omitempty"` // unix seconds

	LogoURL     string    `json:"logo_url,omitempty"`    // required; a WeChat-uploaded image URL
	CodeType    CodeType  `json:"code_type,omitempty"`   // required
	BrandName   string    `json:"brand_name,omitempty"`  // required, ≤ 12 Chinese characters
	Title       string    `json:"title,omitempty"`       // required, ≤ 9 Chinese characters
	SubTitle    string    `json:"sub_title,omitempty"`   // ≤ 18 Chinese characters
	Color       string    `json:"color,omitempty"`       // required, Color010…Color102 (card/get returns hex)
	Notice      string    `json:"notice,omitempty"`      // required, ≤ 16 Chinese characters
	Description string    `json:"description,omitempty"` // required, ≤ 1024 Chinese characters
	SKU         *SKU      `json:"sku,omitempty"`         // required
	DateInfo    *DateInfo `json:"date_info,omitempty"`   // required

	UseCustomCode     *bool   `json:"use_custom_code,omitempty"`
	GetCustomCodeMode string  `json:"get_custom_code_mode,omitempty"` // CustomCodeModeDeposit
	BindOpenID        *bool   `json:"bind_openid,omitempty"`
	ServicePhone      string  `json:"service_phone,omitempty"`
	Source            string  `json:"source,omitempty"`
	LocationIDList    []int64 `json:"location_id_list,omitempty"`
	UseAllLocations   *bool   `json:"use_all_locations,omitempty"`

	CenterTitle            string `json:"center_title,omitempty"`
	CenterSubTitle         string `json:"center_sub_title,omitempty"`
	CenterURL              string `json:"center_url,omitempty"`
	CenterAppBrandUserName string `json:"center_app_brand_user_name,omitempty"`
	CenterAppBrandPass     string `json:"center_app_brand_pass,omitempty"`

	CustomURLName          string `json:"custom_url_name,omitempty"`
	CustomURL              string `json:"custom_url,omitempty"`
	CustomURLSubTitle      string `json:"custom_url_sub_title,omitempty"`
	CustomAppBrandUserName string `json:"custom_app_brand_user_name,omitempty"`
	CustomAppBrandPass     string `json:"custom_app_brand_pass,omitempty"`

	PromotionURLName          string `json:"promotion_url_name,omitempty"`
	PromotionURL              string `json:"promotion_url,omitempty"`
	PromotionURLSubTitle      string `json:"promotion_url_sub_title,omitempty"`
	PromotionAppBrandUserName string `json:"promotion_app_brand_user_name,omitempty"`
	PromotionAppBrandPass     string `json:"promotion_app_brand_pass,omitempty"`

	ActivateAppBrandUserName string `json:"activate_app_brand_user_name,omitempty"`
	ActivateAppBrandPass     string `json:"activate_app_brand_pass,omitempty"`

	GetLimit       *int  `json:"get_limit,omitempty"`       // default 50
	UseLimit       *int  `json:"use_limit,omitempty"`       // default 50
	CanShare       *bool `json:"can_share,omitempty"`       // default true
	CanGiveFriend  *bool `json:"can_give_friend,omitempty"` // default true
	NeedPushOnView *bool `json:"need_push_on_view,omitempty"`

	PayInfo         *PayInfo        `json:"pay_info,omitempty"`
	SubMerchantInfo *SubMerchantRef `json:"sub_merchant_info,omitempty"`
}

func (b *BaseInfo) validate(v *cv, p string, t CardType, create bool) {
	if create {
		if b.LogoURL == "" {
			v.fail(p+".LogoURL", "is required")
		}
		if b.SKU == nil {
			v.fail(p+".SKU", "is required")
		}
		if b.DateInfo == nil {
			v.fail(p+".DateInfo", "is required")
		}
	}
	v.str(p+".LogoURL", b.LogoURL, false, 128)
	if b.LogoURL != "" {
		if u, err := url.Parse(b.LogoURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.fail(p+".LogoURL", "must be an http(s) URL (upload the logo with media/uploadimg first)")
		}
	}
	v.oneOf(p+".CodeType", string(b.CodeType), create, string(CodeTypeText), string(CodeTypeBarcode),
		string(CodeTypeQRCode), string(CodeTypeOnlyBarcode), string(CodeTypeOnlyQRCode), string(CodeTypeNone))
	v.zh(p+".BrandName", b.BrandName, create, 12)
	v.zh(p+".Title", b.Title, create, 9)
	v.zh(p+".SubTitle", b.SubTitle, false, 18)
	if b.Color == "" {
		if create {
			v.fail(p+".Color", "is required")
		}
	} else if !cardColorNames[b.Color] {
		v.fail(p+".Color", "%q is not a card colour name (Color010 … Color102, see GetColors)", b.Color)
	}
	v.zh(p+".Notice", b.Notice, create, 16)
	v.zhLines(p+".Description", b.Description, create, 1024)
	v.zh(p+".CenterTitle", b.CenterTitle, false, 6)
	v.zh(p+".CustomURLName", b.CustomURLName, false, 5)
	v.zh(p+".CustomURLSubTitle", b.CustomURLSubTitle, false, 6)
	v.zh(p+".PromotionURLName", b.PromotionURLName, false, 5)
	v.str(p+".ServicePhone", b.ServicePhone, false, 24)

	deposit := b.GetCustomCodeMode == CustomCodeModeDeposit
	if b.GetCustomCodeMode != "" {
		if !deposit {
			v.fail(p+".GetCustomCodeMode", "%q is not a custom-code mode (want %s)", b.GetCustomCodeMode, CustomCodeModeDeposit)
		} else if b.UseCustomCode == nil || !*b.UseCustomCode {
			v.fail(p+".UseCustomCode", "must be true when GetCustomCodeMode is %s", CustomCodeModeDeposit)
		}
	}
	if b.SKU != nil && !create {
		v.fail(p+".SKU", "cannot be changed by UpdateCard; use ModifyStock")
	} else if b.SKU != nil {
		switch {
		case deposit && create:
			if b.SKU.Quantity != 0 {
				v.fail(p+".SKU.Quantity", "must be 0 when creating a %s card: deposit the codes, then raise the stock with ModifyStock (40136)", CustomCodeModeDeposit)
			}
		case b.SKU.Quantity == 0 && deposit:
		case b.SKU.Quantity < 1 || b.SKU.Quantity > MaxSKUQuantity:
			v.fail(p+".SKU.Quantity", "is %d, must be between 1 and %d (0 only for %s cards)", b.SKU.Quantity, MaxSKUQuantity, CustomCodeModeDeposit)
		}
		if b.SKU.TotalQuantity != 0 {
			v.fail(p+".SKU.TotalQuantity", "is read-only (returned by GetCard)")
		}
	}
	if b.DateInfo != nil {
		b.DateInfo.validate(v, p+".DateInfo", t)
	}
	for i, id := range b.LocationIDList {
		if id <= 0 {
			v.fail(fmt.Sprintf("%s.LocationIDList[%d]", p, i), "must be a positive POI id, got %d", id)
		}
	}
	if b.GetLimit != nil && *b.GetLimit < 1 {
		v.fail(p+".GetLimit", "must be at least 1, got %d", *b.GetLimit)
	}
	if b.UseLimit != nil && *b.UseLimit < 1 {
		v.fail(p+".UseLimit", "must be at least 1, got %d", *b.UseLimit)
	}
	v.appBrand(p+".CenterAppBrandUserName", b.CenterAppBrandUserName)
	v.appBrand(p+".CustomAppBrandUserName", b.CustomAppBrandUserName)
	v.appBrand(p+".PromotionAppBrandUserName", b.PromotionAppBrandUserName)
	v.appBrand(p+".ActivateAppBrandUserName", b.ActivateAppBrandUserName)
	if b.ID != "" || b.Status != "" || b.AppID != "" || b.CreateTime != 0 || b.UpdateTime != 0 {
		v.fail(p+".ID", "ID, Status, AppID, CreateTime and UpdateTime are read-only (returned by GetCard)")
	}
}

// AdvancedInfo is advanced_info (§3.7).
type AdvancedInfo struct {
	UseCondition    *UseCondition `json:"use_condition,omitempty"`
	Abstract        *Abstract     `json:"abstract,omitempty"`
	TextImageList   []TextImage   `json:"text_image_list,omitempty"`
	TimeLimit       []TimeLimit   `json:"time_limit,omitempty"` // display only
	BusinessService []string      `json:"business_service,omitempty"`
	// Read-only, returned by /card/get.
	ConsumeShareCardList []ConsumeShareCard `json:"consume_share_card_list,omitempty"`
	ShareFriends         *bool              `json:"share_friends,omitempty"`
}

// ConsumeShareCard is an entry of advanced_info.consume_share_card_list (read-only).
type ConsumeShareCard struct {
	CardID string `json:"card_id,omitempty"`
	Num    int64  `json:"num,omitempty"`
}

// Business services (advanced_info.business_service).
const (
	BizServiceDeliver  = "BIZ_SERVICE_DELIVER"
	BizServiceFreePark = "BIZ_SERVICE_FREE_PARK"
	BizServiceWithPet  = "BIZ_SERVICE_WITH_PET"
	BizServiceFreeWifi = "BIZ_SERVICE_FREE_WIFI"
)

// UseCondition is advanced_info.use_condition.
type UseCondition struct {
	AcceptCategory          string     `json:"accept_category,omitempty"`
	RejectCategory          string     `json:"reject_category,omitempty"`
	LeastCost               card.Money `json:"-"` // least_cost, in fen
	ObjectUseFor            string     `json:"object_use_for,omitempty"`
	CanUseWithOtherDiscount *bool      `json:"can_use_with_other_discount,omitempty"`
}

// MarshalJSON sends LeastCost as integer fen.
func (u UseCondition) MarshalJSON() ([]byte, error) {
	type plain UseCondition
	return catMarshal(struct {
		plain
		LeastCost int64 `json:"least_cost,omitempty"`
	}{plain(u), int64(u.LeastCost)})
}

// UnmarshalJSON reads least_cost as integer fen.
func (u *UseCondition) UnmarshalJSON(b []byte) error {
	type plain UseCondition
	w := struct {
		*plain
		LeastCost int64 `json:"least_cost"`
	}{plain: (*plain)(u)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	u.LeastCost = card.Money(w.LeastCost)
	return nil
}

// Abstract is advanced_info.abstract: a summary and at most one 850×350 picture.
type Abstract struct {
	Abstract    string   `json:"abstract,omitempty"`
	IconURLList []string `json:"icon_url_list,omitempty"`
}

// TextImage is an entry of advanced_info.text_image_list.
type TextImage struct {
	ImageURL string `json:"image_url,omitempty"`
	Text     string `json:"text,omitempty"`
}

// TimeLimit is an entry of advanced_info.time_limit (display only).
type TimeLimit struct {
	Type        string `json:"type"` // MONDAY … SUNDAY
	BeginHour   *int   `json:"begin_hour,omitempty"`
	BeginMinute *int   `json:"begin_minute,omitempty"`
	EndHour     *int   `json:"end_hour,omitempty"`
	EndMinute   *int   `json:"end_minute,omitempty"`
}

func (a *AdvancedInfo) validate(v *cv, p string) {
	if a.UseCondition != nil {
		v.nonNeg(p+".UseCondition.LeastCost", int64(a.UseCondition.LeastCost))
	}
	if a.Abstract != nil && len(a.Abstract.IconURLList) > 1 {
		v.fail(p+".Abstract.IconURLList", "holds at most 1 picture, got %d", len(a.Abstract.IconURLList))
	}
	for i, ti := range a.TextImageList {
		if ti.ImageURL == "" {
			v.fail(fmt.Sprintf("%s.TextImageList[%d].ImageURL", p, i), "is required")
		}
	}
	for i, tl := range a.TimeLimit {
		f := fmt.Sprintf("%s.TimeLimit[%d]", p, i)
		v.oneOf(f+".Type", tl.Type, true, "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
		for _, h := range []struct {
			name string
			val  *int
			hi   int64
		}{{"BeginHour", tl.BeginHour, 24}, {"EndHour", tl.EndHour, 24}, {"BeginMinute", tl.BeginMinute, 59}, {"EndMinute", tl.EndMinute, 59}} {
			if h.val != nil {
				v.rangeInt(f+"."+h.name, int64(*h.val), 0, h.hi)
			}
		}
	}
	for i, s := range a.BusinessService {
		v.oneOf(fmt.Sprintf("%s.BusinessService[%d]", p, i), s, true, BizServiceDeliver, BizServiceFreePark, BizServiceWithPet, BizServiceFreeWifi)
	}
	if len(a.ConsumeShareCardList) > 0 || a.ShareFriends != nil {
		v.fail(p+".ConsumeShareCardList", "ConsumeShareCardList and ShareFriends are read-only (returned by GetCard)")
	}
}

// catValidateCommon checks base and advanced info of a body.
func catValidateCommon(v *cv, p string, t CardType, create bool, b *BaseInfo, a *AdvancedInfo) {
	if b == nil {
		if create {
			v.fail(p+".BaseInfo", "is required")
		}
	} else {
		b.validate(v, p+".BaseInfo", t, create)
	}
	if a != nil {
		a.validate(v, p+".AdvancedInfo")
	}
}

// Custom field name types (member_card.custom_field1..3.name_type, §3.16),
// spelled as WeChat spells them.
const (
	FieldNameTypeLevel     = "FIELD_NAME_TYPE_LEVEL"
	FieldNameTypeCoupon    = "FIELD_NAME_TYPE_COUPON"
	FieldNameTypeStamp     = "FIELD_NAME_TYPE_STAMP"
	FieldNameTypeDiscount  = "FIELD_NAME_TYPE_DISCOUNT"
	FieldNameTypeAchieveme = "FIELD_NAME_TYPE_ACHIEVEMEN" // sic
	FieldNameTypeMileage   = "FIELD_NAME_TYPE_MILEAGE"
	FieldNameTypeSetPoints = "FIELD_NAME_TYPE_SET_POINTS"
	FieldNameTypeTims      = "FIELD_NAME_TYPE_TIMS" // sic
)

// CustomField is member_card.custom_field1..3: a value shown on the card.
type CustomField struct {
	NameType         string `json:"name_type,omitempty"`
	Name             string `json:"name,omitempty"`
	URL              string `json:"url,omitempty"`
	AppBrandUserName string `json:"app_brand_user_name,omitempty"`
	AppBrandPass     string `json:"app_brand_pass,omitempty"`
}

func (c *CustomField) validate(v *cv, p string) {
	if c.NameType == "" && c.Name == "" {
		v.fail(p+".NameType", "NameType or Name is required")
	}
	v.oneOf(p+".NameType", c.NameType, false, FieldNameTypeLevel, FieldNameTypeCoupon, FieldNameTypeStamp,
		FieldNameTypeDiscount, FieldNameTypeAchieveme, FieldNameTypeMileage, FieldNameTypeSetPoints, FieldNameTypeTims)
	v.appBrand(p+".AppBrandUserName", c.AppBrandUserName)
}

// CustomCell is member_card.custom_cell1..3: an entry cell below the card.
type CustomCell struct {
	Name string `json:"name"`
	Tips string `json:"tips,omitempty"` // ≤ 6 Chinese characters
	URL  string `json:"url"`
}

func (c *CustomCell) validate(v *cv, p string) {
	v.str(p+".Name", c.Name, true, 1<<16)
	v.zh(p+".Tips", c.Tips, false, 6)
	v.str(p+".URL", c.URL, true, 1<<16)
}

// BonusRule is member_card.bonus_rule. Money amounts are fen; bonus amounts are whole points.
type BonusRule struct {
	CostMoneyUnit        card.Money `json:"-"`                             // cost_money_unit: spend this much …
	IncreaseBonus        int64      `json:"increase_bonus,omitempty"`      // … to earn this many points
	MaxIncreaseBonus     int64      `json:"max_increase_bonus,omitempty"`  // cap per purchase
	InitIncreaseBonus    int64      `json:"init_increase_bonus,omitempty"` // points on activation
	CostBonusUnit        int64      `json:"cost_bonus_unit,omitempty"`     // spend this many points …
	ReduceMoney          card.Money `json:"-"`                             // reduce_money: … to save this much
	LeastMoneyToUseBonus card.Money `json:"-"`                             // least_money_to_use_bonus
	MaxReduceBonus       int64      `json:"max_reduce_bonus,omitempty"`
}

// MarshalJSON sends the money fields as integer fen.
func (r BonusRule) MarshalJSON() ([]byte, error) {
	type plain BonusRule
	return catMarshal(struct {
		plain
		CostMoneyUnit        int64 `json:"cost_money_unit,omitempty"`
		ReduceMoney          int64 `json:"reduce_money,omitempty"`
		LeastMoneyToUseBonus int64 `json:"least_money_to_use_bonus,omitempty"`
	}{plain(r), int64(r.CostMoneyUnit), int64(r.ReduceMoney), int64(r.LeastMoneyToUseBonus)})
}

// UnmarshalJSON reads the money fields as integer fen.
func (r *BonusRule) UnmarshalJSON(b []byte) error {
	type plain BonusRule
	w := struct {
		*plain
		CostMoneyUnit        int64 `json:"cost_money_unit"`
		ReduceMoney          int64 `json:"reduce_money"`
		LeastMoneyToUseBonus int64 `json:"least_money_to_use_bonus"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	r.CostMoneyUnit, r.ReduceMoney, r.LeastMoneyToUseBonus = card.Money(w.CostMoneyUnit), card.Money(w.ReduceMoney), card.Money(w.LeastMoneyToUseBonus)
	return nil
}

func (r *BonusRule) validate(v *cv, p string) {
	v.nonNeg(p+".CostMoneyUnit", int64(r.CostMoneyUnit))
	v.nonNeg(p+".IncreaseBonus", r.IncreaseBonus)
	v.nonNeg(p+".MaxIncreaseBonus", r.MaxIncreaseBonus)
	v.nonNeg(p+".InitIncreaseBonus", r.InitIncreaseBonus)
	v.nonNeg(p+".CostBonusUnit", r.CostBonusUnit)
	v.nonNeg(p+".ReduceMoney", int64(r.ReduceMoney))
	v.nonNeg(p+".LeastMoneyToUseBonus", int64(r.LeastMoneyToUseBonus))
	v.nonNeg(p+".MaxReduceBonus", r.MaxReduceBonus)
}

// MemberCardData is the member_card body (§3.16).
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

// ---------------------------------------------------------------------------
// operations

// Color is one entry of /card/getcolors.
type Color struct {
	Name  string `json:"name"`  // "Color010"
	Value string `json:"value"` // "#55bd47"
}

// GetColorsRequest asks for the card colour palette (row 1). It has no fields.
type GetColorsRequest struct{}

// Validate always succeeds.
func (GetColorsRequest) Validate() error { return nil }

// GetColorsResponse is the palette.
type GetColorsResponse struct {
	Colors []Color `json:"colors"`
}

// GetColors returns the colour names and values a card may use (GET /card/getcolors).
func (p *Provider) GetColors(ctx context.Context, req GetColorsRequest) (*GetColorsResponse, error) {
	return invokeGet[GetColorsResponse](ctx, p, "GetColors", "/card/getcolors", req)
}

// GetApplyProtocolRequest asks for the sub-merchant categories (row 2). It has no fields.
type GetApplyProtocolRequest struct{}

// Validate always succeeds.
func (GetApplyProtocolRequest) Validate() error { return nil }

// GetApplyProtocolResponse lists the categories a (sub-)merchant may apply in.
type GetApplyProtocolResponse struct {
	Category []PrimaryCategory `json:"category"`
}

// PrimaryCategory is a top-level merchant category.
type PrimaryCategory struct {
	PrimaryCategoryID int64               `json:"primary_category_id"`
	CategoryName      string              `json:"category_name"`
	SecondaryCategory []SecondaryCategory `json:"secondary_category"`
}

// SecondaryCategory is a second-level merchant category.
type SecondaryCategory struct {
	SecondaryCategoryID     int64    `json:"secondary_category_id"`
	CategoryName            string   `json:"category_name"`
	NeedQualificationStuffs []string `json:"need_qualification_stuffs"`
	CanChoosePrepaidCard    int      `json:"can_choose_prepaid_card"`
	CanChoosePaymentCard    int      `json:"can_choose_payment_card"`
}

// GetApplyProtocol returns the merchant categories (GET /card/getapplyprotocol).
func (p *Provider) GetApplyProtocol(ctx context.Context, req GetApplyProtocolRequest) (*GetApplyProtocolResponse, error) {
	return invokeGet[GetApplyProtocolResponse](ctx, p, "GetApplyProtocol", "/card/getapplyprotocol", req)
}

// CreateCardRequest creates a card (row 3).
type CreateCardRequest struct {
	Card CardDefinition `json:"card"`
}

// Validate checks every documented create-time rule of §3.
func (r CreateCardRequest) Validate() error {
	var v cv
	r.Card.validate(&v, "Card", true)
	return v.err()
}

// CreateCardResponse carries the new card's id.
type CreateCardResponse struct {
	CardID string `json:"card_id"`
}

// CreateCard creates a card of any type (POST /card/create). Coupon types
// (CardType.IsCoupon) are still sent; if WeChat refuses them (errcode
// 48001, 40071 or 45030), the error explains the April-2021 stop and points
// to WeChat Pay merchant coupons. Other errors keep WeChat's own explanation.
func (p *Provider) CreateCard(ctx context.Context, req CreateCardRequest) (*CreateCardResponse, error) {
	out, err := invoke[CreateCardResponse](ctx, p, "CreateCard", "/card/create", req)
	if err != nil {
		// couponRefused changes only the refusal errcodes.
		return nil, couponRefused(string(req.Card.CardType), err)
	}
	return out, nil
}

// GetCardRequest asks for a card's definition (row 4).
type GetCardRequest struct {
	CardID string `json:"card_id"`
}

// Validate checks CardID.
func (r GetCardRequest) Validate() error {
	var v cv
	v.cardID("CardID", r.CardID, true)
	return v.err()
}

// GetCardResponse is the stored card. Its colour is a hex value, not a name.
type GetCardResponse struct {
	Card CardDefinition `json:"card"`
}

// GetCard returns a card's definition and status (POST /card/get).
func (p *Provider) GetCard(ctx context.Context, req GetCardRequest) (*GetCardResponse, error) {
	return invoke[GetCardResponse](ctx, p, "GetCard", "/card/get", req)
}

// decodeCardResponse decodes a /card/get body; the fuzz test drives it.
func decodeCardResponse(b []byte) (*GetCardResponse, error) {
	var out GetCardResponse
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// BatchGetCardsRequest lists card ids (row 5).
type BatchGetCardsRequest struct {
	Offset int `json:"offset"`
	// Count is 1..50.
	Count int `json:"count"`
	// StatusList filters by status; empty means all.
	StatusList []CardStatus `json:"status_list,omitempty"`
}

// Validate checks offset, count (≤ 50) and the statuses.
func (r BatchGetCardsRequest) Validate() error {
	var v cv
	v.nonNeg("Offset", int64(r.Offset))
	v.rangeInt("Count", int64(r.Count), 1, MaxBatchGetCards)
	for i, s := range r.StatusList {
		v.oneOf(fmt.Sprintf("StatusList[%d]", i), string(s), true, string(CardStatusNotVerify), string(CardStatusVerifyFail),
			string(CardStatusVerifyOK), string(CardStatusDelete), string(CardStatusDispatch))
	}
	return v.err()
}

// BatchGetCardsResponse is a page of card ids.
type BatchGetCardsResponse struct {
	CardIDList []string `json:"card_id_list"`
	TotalNum   int      `json:"total_num"`
}

// BatchGetCards lists the account's card ids (POST /card/batchget).
func (p *Provider) BatchGetCards(ctx context.Context, req BatchGetCardsRequest) (*BatchGetCardsResponse, error) {
	return invoke[BatchGetCardsResponse](ctx, p, "BatchGetCards", "/card/batchget", req)
}

// UpdateCardRequest changes a card (row 6). Card.CardType selects the body
// key; only the fields set in the body are sent. The validity window may only
// be widened (WeChat 40100).
type UpdateCardRequest struct {
	CardID string
	Card   CardDefinition
}

// Validate checks CardID and the update body's limits.
func (r UpdateCardRequest) Validate() error {
	var v cv
	v.cardID("CardID", r.CardID, true)
	r.Card.validate(&v, "Card", false)
	return v.err()
}

// MarshalJSON encodes {"card_id":…, "<card type>":{…}}.
func (r UpdateCardRequest) MarshalJSON() ([]byte, error) {
	_, body := r.Card.bodies()
	return catMarshal(map[string]any{"card_id": r.CardID, r.Card.CardType.key(): body})
}

// UpdateCardResponse says whether the change sent the card back to review.
type UpdateCardResponse struct {
	SendCheck bool `json:"send_check"`
}

// UpdateCard changes a card's definition (POST /card/update).
func (p *Provider) UpdateCard(ctx context.Context, req UpdateCardRequest) (*UpdateCardResponse, error) {
	return invoke[UpdateCardResponse](ctx, p, "UpdateCard", "/card/update", req)
}

// DeleteCardRequest deletes a card (row 7).
type DeleteCardRequest struct {
	CardID string `json:"card_id"`
}

// Validate checks CardID.
func (r DeleteCardRequest) Validate() error {
	var v cv
	v.cardID("CardID", r.CardID, true)
	return v.err()
}

// DeleteCardResponse is empty.
type DeleteCardResponse struct{}

// DeleteCard deletes a card (POST /card/delete).
func (p *Provider) DeleteCard(ctx context.Context, req DeleteCardRequest) (*DeleteCardResponse, error) {
	return invoke[DeleteCardResponse](ctx, p, "DeleteCard", "/card/delete", req)
}

// ModifyStockRequest raises or lowers a card's stock (row 8): set exactly one
// of Increase and Reduce, to a positive number.
type ModifyStockRequest struct {
	CardID   string `json:"card_id"`
	Increase int64  `json:"increase_stock_value,omitempty"`
	Reduce   int64  `json:"reduce_stock_value,omitempty"`
}

// Validate checks CardID and that exactly one positive change is given.
func (r ModifyStockRequest) Validate() error {
	var v cv
	v.cardID("CardID", r.CardID, true)
	switch {
	case r.Increase < 0:
		v.fail("Increase", "must be positive, got %d", r.Increase)
	case r.Reduce < 0:
		v.fail("Reduce", "must be positive, got %d", r.Reduce)
	case r.Increase > 0 && r.Reduce > 0:
		v.fail("Reduce", "set Increase or Reduce, not both")
	case r.Increase == 0 && r.Reduce == 0:
		v.fail("Increase", "set Increase or Reduce to a positive number")
	case r.Increase > MaxSKUQuantity:
		v.fail("Increase", "is %d, the stock limit is %d", r.Increase, MaxSKUQuantity)
	case r.Reduce > MaxSKUQuantity:
		v.fail("Reduce", "is %d, the stock limit is %d", r.Reduce, MaxSKUQuantity)
	}
	return v.err()
}

// ModifyStockResponse is empty.
type ModifyStockResponse struct{}

// ModifyStock changes a card's stock (POST /card/modifystock).
func (p *Provider) ModifyStock(ctx context.Context, req ModifyStockRequest) (*ModifyStockResponse, error) {
	return invoke[ModifyStockResponse](ctx, p, "ModifyStock", "/card/modifystock", req)
}

// SetPayCellRequest switches the 微信买单 cell (row 9). The card must be
// approved and have locations (40107), and cannot also have a centre cell (40145).
type SetPayCellRequest struct {
	CardID string `json:"card_id"`
	IsOpen bool   `json:"is_open"`
}

// Validate checks CardID.
func (r SetPayCellRequest) Validate() error {
	var v cv
	v.cardID("CardID", r.CardID, true)
	return v.err()
}

// SetPayCellResponse is empty.
type SetPayCellResponse struct{}

// SetPayCell switches the pay cell (POST /card/paycell/set).
func (p *Provider) SetPayCell(ctx context.Context, req SetPayCellRequest) (*SetPayCellResponse, error) {
	return invoke[SetPayCellResponse](ctx, p, "SetPayCell", "/card/paycell/set", req)
}

// SetSelfConsumeCellRequest switches the self-redeem cell (row 10).
type SetSelfConsumeCellRequest struct {
	CardID           string `json:"card_id"`
	IsOpen           bool   `json:"is_open"`
	NeedVerifyCod    bool   `json:"need_verify_cod"`
	NeedRemarkAmount bool   `json:"need_remark_amount"`
}

// Validate checks CardID.
func (r SetSelfConsumeCellRequest) Validate() error {
	var v cv
	v.cardID("CardID", r.CardID, true)
	return v.err()
}

// SetSelfConsumeCellResponse is empty.
type SetSelfConsumeCellResponse struct{}

// SetSelfConsumeCell switches self-redemption (POST /card/selfconsumecell/set).
func (p *Provider) SetSelfConsumeCell(ctx context.Context, req SetSelfConsumeCellRequest) (*SetSelfConsumeCellResponse, error) {
	return invoke[SetSelfConsumeCellResponse](ctx, p, "SetSelfConsumeCell", "/card/selfconsumecell/set", req)
}

// GetUserCardListRequest lists a user's cards (row 11), optionally of one card id.
type GetUserCardListRequest struct {
	OpenID string `json:"openid"`
	CardID string `json:"card_id,omitempty"`
}

// Validate checks OpenID and CardID.
func (r GetUserCardListRequest) Validate() error {
	var v cv
	v.openID("OpenID", r.OpenID, true)
	v.cardID("CardID", r.CardID, false)
	return v.err()
}

// UserCard is one card a user holds.
type UserCard struct {
	Code   string `json:"code"`
	CardID string `json:"card_id"`
}

// GetUserCardListResponse is the user's cards.
type GetUserCardListResponse struct {
	CardList     []UserCard `json:"card_list"`
	HasShareCard bool       `json:"has_share_card"`
}

// GetUserCardList lists the cards a user holds (POST /card/user/getcardlist).
func (p *Provider) GetUserCardList(ctx context.Context, req GetUserCardListRequest) (*GetUserCardListResponse, error) {
	return invoke[GetUserCardListResponse](ctx, p, "GetUserCardList", "/card/user/getcardlist", req)
}
