package wechat

// The card definition of /card/create and /card/get (reference §3.1–§3.7):
// CardDefinition, the shared BaseInfo and AdvancedInfo, custom fields and
// cells, and the rules every card type shares. The type-specific bodies are
// in cardtypes.go, the operations in cards.go.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/internal/walletrules"
)

// Documented wire limits used by the catalogue operations.
const (
	// MaxCardIDLen is the length of a card_id (string(32) in the WeChat docs).
	MaxCardIDLen = walletrules.WeChatMaxCardIDBytes
	// MaxCodeLen is the length of a card code (string(20) in the WeChat docs).
	MaxCodeLen = walletrules.WeChatMaxCodeBytes
	// MaxOpenIDLen is the length of an openid (string(32) in the WeChat docs).
	MaxOpenIDLen = walletrules.WeChatMaxOpenIDBytes
	// MaxBatchGetCards is the largest count /card/batchget accepts.
	MaxBatchGetCards = 50
	// MaxSKUQuantity is the largest sku.quantity /card/create accepts.
	MaxSKUQuantity = walletrules.WeChatMaxSKUQuantity
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
		if t != CardTypeMemberCard {
			v.fail(prefix+".Type", "DATE_TYPE_PERMANENT is for member cards only (wire reference §3.3), not %s", t)
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
	} else if !walletrules.IsWeChatColor(b.Color) {
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
