// Package walletrules holds the rule tables of the two wallets: what
// Alipay and WeChat accept beyond the neutral rules of package card, and
// how they behave where they differ (driver.Rules). The alipay and wechat
// providers give these values to their pipelines, and package mock gives
// the same values to its Alipay and WeChat flavours, so the mock refuses
// exactly what a wallet's provider refuses, naming the same field. The
// adapters' typed requests check the same limits with the constants here.
package walletrules

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
	"github.com/walletcard/card/internal/check"
)

// Amount bounds. Neither wallet documents a maximum for a card's points or
// balance; these are the integer ranges their answers are decoded into.
const (
	// MaxPoints bounds points on both wallets: WeChat's bonus is a 32-bit
	// integer; Alipay takes the same bound, so a ledger value is valid on both.
	MaxPoints card.Points = math.MaxInt32 * 100
	// WeChatMaxBalance bounds a WeChat balance: a 32-bit integer of fen.
	WeChatMaxBalance card.Money = math.MaxInt32
	// AlipayMaxBalance bounds an Alipay balance: 100,000,000.00 yuan, the
	// largest amount Alipay's OpenAPI takes anywhere.
	AlipayMaxBalance card.Money = 100_000_000_00
)

// WeChat's limits (wire reference §3).
const (
	WeChatMaxCardIDBytes      = 32 // card_id
	WeChatMaxCodeBytes        = 20 // code
	WeChatMaxOpenIDBytes      = 32 // openid
	WeChatMaxMembershipBytes  = 20 // membership_number ("may equal the code")
	WeChatMaxCustomValueBytes = 12 // custom_field_value (4 汉字)
	WeChatMaxRecordZh         = 14 // record_bonus / record_balance (汉字)
	WeChatMaxOuterStrZh       = 128
	WeChatMaxTitleZh          = 9
	WeChatMaxBrandNameZh      = 12
	WeChatMaxNoticeZh         = 16
	WeChatMaxDescriptionZh    = 1024
	WeChatMaxImageURLBytes    = 128
	WeChatMaxServicePhone     = 24
	WeChatMaxSKUQuantity      = 100000000
	WeChatMinQRExpireSeconds  = 60
	WeChatMaxQRExpireSeconds  = 1800
)

// WeChatColors are the colour names /card/create accepts (§3.6).
func WeChatColors() []string {
	return []string{"Color010", "Color020", "Color030", "Color040", "Color050", "Color060", "Color070",
		"Color080", "Color081", "Color082", "Color090", "Color100", "Color101", "Color102"}
}

// IsWeChatColor reports whether s is one of WeChatColors.
func IsWeChatColor(s string) bool {
	for _, c := range WeChatColors() {
		if s == c {
			return true
		}
	}
	return false
}

// Alipay's limits (wire reference §1; lengths count characters).
const (
	AlipayMaxTemplateIDRunes = 32 // card_template_id
	AlipayMaxCardNoRunes     = 32 // biz_card_no
	// AlipayMaxExternalNoRunes bounds OpenRequest.ExternalNo: card.open
	// takes 64, but card.query by EXTERNAL_CARD — how a lost open is
	// reconciled — takes 32, so the provider accepts what it can reconcile.
	AlipayMaxExternalNoRunes = 32
	AlipayMaxAuthTokenRunes  = 40
	AlipayMaxUIDRunes        = 32
	AlipayMaxOpenIDRunes     = 128
	AlipayMaxLevelRunes      = 64
	AlipayMaxOutStringRunes  = 256
)

// WeChat returns WeChat's rules.
func WeChat() driver.Rules {
	return driver.Rules{
		Open:      weChatOpen,
		Ref:       weChatRef,
		Update:    weChatUpdate,
		ClaimLink: weChatClaimLink,
		Template:  weChatTemplate,
		TemplateID: func(id string) error {
			c := check.Checker{}
			c.Bytes("ID", id, WeChatMaxCardIDBytes)
			return driver.FromCheck(c.Err())
		},
		Consume:   true,
		Templates: true,
	}
}

// Alipay returns Alipay's rules.
func Alipay() driver.Rules {
	return driver.Rules{
		Open:      alipayOpen,
		Ref:       alipayRef,
		Update:    alipayUpdate,
		ClaimLink: alipayClaimLink,
		Template:  alipayTemplate,
		TemplateID: func(id string) error {
			c := check.Checker{}
			c.Runes("ID", id, AlipayMaxTemplateIDRunes)
			return driver.FromCheck(c.Err())
		},
		FractionalPoints: true,
		LevelOnGet:       true,
		ReopenNeedsKey:   true,
		KeyedDelete:      true,
		Templates:        true,
	}
}

func wholePoints(c *check.Checker, field string, p card.Points) {
	if _, whole := p.Whole(); !whole {
		c.Fail(field, "WeChat bonus is a whole number, got %s", p)
	}
}

func amounts(c *check.Checker, points *card.Points, balance *card.Money, maxBalance card.Money) {
	if points != nil && *points > MaxPoints {
		c.Fail("Points", "is %s, the limit is %s", *points, MaxPoints)
	}
	if balance != nil && *balance > maxBalance {
		c.Fail("Balance", "is %s yuan, the limit is %s", *balance, maxBalance)
	}
}

func weChatOpen(req card.OpenRequest, now time.Time) error {
	c := check.Checker{}
	if c.Required("Code", req.Code) {
		c.Bytes("Code", req.Code, WeChatMaxCodeBytes)
	}
	c.Bytes("TemplateID", req.TemplateID, WeChatMaxCardIDBytes)
	c.Bytes("ExternalNo", req.ExternalNo, WeChatMaxMembershipBytes)
	c.Bytes("Level", req.Level, WeChatMaxCustomValueBytes)
	wholePoints(&c, "Points", req.Points)
	amounts(&c, &req.Points, &req.Balance, WeChatMaxBalance)
	if !req.ValidUntil.IsZero() && !req.ValidUntil.After(now) {
		c.Fail("ValidUntil", "must be in the future")
	}
	return driver.FromCheck(c.Err())
}

func weChatRef(field string, ref card.Ref) error {
	c := check.Checker{}
	c.Bytes(field+".TemplateID", ref.TemplateID, WeChatMaxCardIDBytes)
	c.Bytes(field+".CardNo", ref.CardNo, WeChatMaxCodeBytes)
	return driver.FromCheck(c.Err())
}

func weChatUpdate(req card.UpdateRequest) error {
	c := check.Checker{}
	c.Zh("Note", req.Note, WeChatMaxRecordZh)
	if req.Points != nil {
		wholePoints(&c, "Points", *req.Points)
	}
	if req.Level != nil {
		c.Bytes("Level", *req.Level, WeChatMaxCustomValueBytes)
	}
	amounts(&c, req.Points, req.Balance, WeChatMaxBalance)
	return driver.FromCheck(c.Err())
}

func weChatClaimLink(req card.ClaimLinkRequest) error {
	c := check.Checker{}
	c.Bytes("TemplateID", req.TemplateID, WeChatMaxCardIDBytes)
	c.Bytes("Holder", req.Holder, WeChatMaxOpenIDBytes)
	c.Zh("Channel", req.Channel, WeChatMaxOuterStrZh)
	if d := req.ExpiresIn; d != 0 {
		secs := int64(d / time.Second)
		if d%time.Second != 0 || secs < WeChatMinQRExpireSeconds || secs > WeChatMaxQRExpireSeconds {
			c.Fail("ExpiresIn", "WeChat card QR codes live %d–%d whole seconds, got %v", WeChatMinQRExpireSeconds, WeChatMaxQRExpireSeconds, d)
		}
	}
	return driver.FromCheck(c.Err())
}

// imageURL checks an image URL WeChat issued (media/uploadimg).
func imageURL(c *check.Checker, field, s string) {
	c.Bytes(field, s, WeChatMaxImageURLBytes)
	if s == "" || c.Failed() {
		return
	}
	if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.Fail(field, "must be the http(s) URL WeChat returned for the image: upload it with wechat.Provider.UploadImage (media/uploadimg) first")
	}
}

func weChatTemplate(spec card.TemplateSpec) error {
	c := check.Checker{}
	if spec.LogoURL == "" {
		c.Fail("LogoURL", "WeChat requires a logo: upload the image with wechat.Provider.UploadImage (POST /cgi-bin/media/uploadimg) and pass the URL it returns")
	}
	imageURL(&c, "LogoURL", spec.LogoURL)
	c.Zh("Title", spec.Title, WeChatMaxTitleZh)
	c.Zh("BrandName", spec.BrandName, WeChatMaxBrandNameZh)
	c.Zh("Notice", spec.Notice, WeChatMaxNoticeZh)
	c.MultilineZh("Description", spec.Description, WeChatMaxDescriptionZh)
	c.Bytes("ServicePhone", spec.ServicePhone, WeChatMaxServicePhone)
	imageURL(&c, "BackgroundURL", spec.BackgroundURL)
	if spec.Color != "" && !IsWeChatColor(spec.Color) {
		c.Fail("Color", "must be a WeChat card colour name (Color010 … Color102)")
	}
	for i, l := range spec.Levels {
		c.Bytes(fmt.Sprintf("Levels[%d]", i), l, WeChatMaxCustomValueBytes)
	}
	if spec.Stock > WeChatMaxSKUQuantity {
		c.Fail("Stock", "is %d, the limit is %d", spec.Stock, WeChatMaxSKUQuantity)
	}
	return driver.FromCheck(c.Err())
}

// IsAlipayUID reports whether s looks like an Alipay user id: digits
// starting 2088.
func IsAlipayUID(s string) bool {
	if !strings.HasPrefix(s, "2088") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func alipayOpen(req card.OpenRequest, _ time.Time) error {
	c := check.Checker{}
	if req.AuthToken == "" {
		c.Fail("AuthToken", "is required on Alipay: the user's access token from OAuth with scope auth_ecard (see alipay.Provider.AuthorizeURL and ExchangeCode)")
	}
	c.Runes("AuthToken", req.AuthToken, AlipayMaxAuthTokenRunes)
	if req.Holder == "" {
		c.Fail("Holder", "is required on Alipay: the user's Alipay user id (2088…) or open_id, as returned with the token")
	}
	if IsAlipayUID(req.Holder) {
		c.Runes("Holder", req.Holder, AlipayMaxUIDRunes)
	}
	c.Runes("Holder", req.Holder, AlipayMaxOpenIDRunes)
	c.Runes("TemplateID", req.TemplateID, AlipayMaxTemplateIDRunes)
	c.Runes("ExternalNo", req.ExternalNo, AlipayMaxExternalNoRunes)
	c.Runes("Level", req.Level, AlipayMaxLevelRunes)
	amounts(&c, &req.Points, &req.Balance, AlipayMaxBalance)
	return driver.FromCheck(c.Err())
}

func alipayRef(field string, ref card.Ref) error {
	c := check.Checker{}
	c.Runes(field+".TemplateID", ref.TemplateID, AlipayMaxTemplateIDRunes)
	c.Runes(field+".CardNo", ref.CardNo, AlipayMaxCardNoRunes)
	return driver.FromCheck(c.Err())
}

func alipayUpdate(req card.UpdateRequest) error {
	c := check.Checker{}
	if req.Level != nil {
		c.Runes("Level", *req.Level, AlipayMaxLevelRunes)
	}
	amounts(&c, req.Points, req.Balance, AlipayMaxBalance)
	if req.PointsChange != nil && (*req.PointsChange > MaxPoints || *req.PointsChange < -MaxPoints) {
		c.Fail("PointsChange", "is %s, the limit is ±%s", *req.PointsChange, MaxPoints)
	}
	return driver.FromCheck(c.Err())
}

func alipayClaimLink(req card.ClaimLinkRequest) error {
	c := check.Checker{}
	c.Runes("TemplateID", req.TemplateID, AlipayMaxTemplateIDRunes)
	c.Runes("Channel", req.Channel, AlipayMaxOutStringRunes)
	return driver.FromCheck(c.Err())
}

// LooksLikeURL reports whether s looks like a URL — it holds "://" or
// starts with "//" (scheme-relative) — where Alipay wants an image id from
// alipay.offline.material.image.upload, which never does.
func LooksLikeURL(s string) bool {
	return strings.Contains(s, "://") || strings.HasPrefix(s, "//")
}

// alipayImageID refuses a URL where Alipay wants an image id.
func alipayImageID(c *check.Checker, field, s string) {
	c.Text(field, s)
	if LooksLikeURL(s) {
		c.Fail(field, "is a URL; Alipay templates take an image id: upload the image with alipay.Provider.ImageUpload and pass the image_id it returns")
	}
}

func alipayTemplate(spec card.TemplateSpec) error {
	c := check.Checker{}
	alipayImageID(&c, "LogoURL", spec.LogoURL)
	alipayImageID(&c, "BackgroundURL", spec.BackgroundURL)
	if spec.Color != "" && !IsRGB(HexToRGB(spec.Color)) {
		c.Fail("Color", "must be a colour written #rrggbb or rgb(r,g,b)")
	}
	for i, l := range spec.Levels {
		c.Runes(fmt.Sprintf("Levels[%d]", i), l, AlipayMaxLevelRunes)
	}
	return driver.FromCheck(c.Err())
}

// IsRGB reports whether s is "rgb(r,g,b)" with each part 0–255.
func IsRGB(s string) bool {
	inner, ok := strings.CutPrefix(s, "rgb(")
	if !ok {
		return false
	}
	inner, ok = strings.CutSuffix(inner, ")")
	if !ok {
		return false
	}
	parts := strings.Split(inner, ",")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 || n > 255 {
			return false
		}
	}
	return true
}

// HexToRGB converts "#rrggbb" (or "#rgb") to Alipay's "rgb(r,g,b)"; other
// text is returned unchanged.
func HexToRGB(s string) string {
	h, ok := strings.CutPrefix(s, "#")
	if !ok {
		return s
	}
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) != 6 {
		return s
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return s
	}
	return fmt.Sprintf("rgb(%d,%d,%d)", v>>16, v>>8&0xff, v&0xff)
}
