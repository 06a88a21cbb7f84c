package wechat

// Distribution (投放): /card/qrcode/create, showqrcode, /card/landingpage/create,
// /card/mpnews/gethtml and /card/testwhitelist/set (reference rows 12–17, §3.8, §3.9, §3.11).

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
	"github.com/walletcard/card/internal/walletrules"
)

// QR code and whitelist limits.
const (
	// MinQRExpireSeconds and MaxQRExpireSeconds bound CreateQRCodeRequest.ExpireSeconds
	// (0 leaves it out: WeChat then keeps the code valid for 365 days).
	MinQRExpireSeconds = walletrules.WeChatMinQRExpireSeconds
	MaxQRExpireSeconds = walletrules.WeChatMaxQRExpireSeconds
	// MaxTestWhitelist is the most openids and usernames (together) one
	// /card/testwhitelist/set call may carry.
	MaxTestWhitelist = 10
	// catMaxOuterStr is the longest outer_str (scene value) sent, in characters.
	catMaxOuterStr = 128
	// catMaxPageTitle is the longest landing-page title, in characters.
	catMaxPageTitle = 16
	// catMaxQRImageBytes caps the showqrcode image read into memory.
	catMaxQRImageBytes = 4 << 20
)

// QR action names.
const (
	QRActionCard         = "QR_CARD"
	QRActionMultipleCard = "QR_MULTIPLE_CARD"
)

// QRCard is the card a QR_CARD code hands out.
type QRCard struct {
	CardID string `json:"card_id"`
	// Code is required for custom-code cards not in deposit mode.
	Code string `json:"code,omitempty"`
	// OpenID is required when the card has bind_openid; only that user can scan.
	OpenID string `json:"openid,omitempty"`
	// IsUniqueCode makes the QR single-use, with a fresh code per scan.
	IsUniqueCode bool `json:"is_unique_code,omitempty"`
	// OuterID is the legacy integer scene value.
	OuterID int64 `json:"outer_id,omitempty"`
	// OuterStr is the scene value echoed in user_get_card.OuterStr.
	OuterStr string `json:"outer_str,omitempty"`
}

// QRMultipleCardItem is one card of a QR_MULTIPLE_CARD code.
type QRMultipleCardItem struct {
	CardID   string `json:"card_id"`
	Code     string `json:"code,omitempty"`
	OuterStr string `json:"outer_str,omitempty"`
}

// CreateQRCodeRequest creates a card QR code (rows 12–13). Set Card for a
// QR_CARD code or MultipleCards for a QR_MULTIPLE_CARD code, not both.
// WeChat documents no maximum for MultipleCards, only the error for a list
// that is too long (45039 card_list_size out of limit, card.ErrInvalidArgument),
// so the list size is not checked before sending.
type CreateQRCodeRequest struct {
	// ExpireSeconds is 60..1800, or 0 to leave it out (valid 365 days).
	ExpireSeconds int
	Card          *QRCard
	MultipleCards []QRMultipleCardItem
}

// ActionName returns QR_CARD or QR_MULTIPLE_CARD, whichever the request describes.
func (r CreateQRCodeRequest) ActionName() string {
	if r.Card == nil && len(r.MultipleCards) > 0 {
		return QRActionMultipleCard
	}
	return QRActionCard
}

// Validate checks the expiry range, the card fields and the list size.
func (r CreateQRCodeRequest) Validate() error {
	var v cv
	if r.ExpireSeconds != 0 {
		v.rangeInt("ExpireSeconds", int64(r.ExpireSeconds), MinQRExpireSeconds, MaxQRExpireSeconds)
	}
	switch {
	case r.Card != nil && len(r.MultipleCards) > 0:
		v.fail("MultipleCards", "set Card (QR_CARD) or MultipleCards (QR_MULTIPLE_CARD), not both")
	case r.Card != nil:
		v.cardID("Card.CardID", r.Card.CardID, true)
		v.code("Card.Code", r.Card.Code, false)
		v.openID("Card.OpenID", r.Card.OpenID, false)
		v.nonNeg("Card.OuterID", r.Card.OuterID)
		v.outerStr("Card.OuterStr", r.Card.OuterStr)
		if r.Card.IsUniqueCode && r.Card.Code != "" {
			v.fail("Card.IsUniqueCode", "a unique-code QR allocates its own codes; leave Code empty")
		}
	case len(r.MultipleCards) > 0:
		for i, c := range r.MultipleCards {
			v.cardID(fmt.Sprintf("MultipleCards[%d].CardID", i), c.CardID, true)
			v.code(fmt.Sprintf("MultipleCards[%d].Code", i), c.Code, false)
			v.outerStr(fmt.Sprintf("MultipleCards[%d].OuterStr", i), c.OuterStr)
		}
	default:
		v.fail("Card", "set Card (QR_CARD) or MultipleCards (QR_MULTIPLE_CARD)")
	}
	return v.err()
}

// MarshalJSON encodes the qrcode/create body.
func (r CreateQRCodeRequest) MarshalJSON() ([]byte, error) {
	type multiple struct {
		CardList []QRMultipleCardItem `json:"card_list"`
	}
	type actionInfo struct {
		Card         *QRCard   `json:"card,omitempty"`
		MultipleCard *multiple `json:"multiple_card,omitempty"`
	}
	w := struct {
		ActionName    string     `json:"action_name"`
		ExpireSeconds int        `json:"expire_seconds,omitempty"`
		ActionInfo    actionInfo `json:"action_info"`
	}{ActionName: r.ActionName(), ExpireSeconds: r.ExpireSeconds}
	if r.Card != nil {
		w.ActionInfo.Card = r.Card
	} else {
		w.ActionInfo.MultipleCard = &multiple{CardList: r.MultipleCards}
	}
	return catMarshal(w)
}

// CreateQRCodeResponse is the created code.
type CreateQRCodeResponse struct {
	// Ticket exchanges for the image (ShowQRCode / ShowQRCodeURL).
	Ticket        string `json:"ticket"`
	ExpireSeconds int    `json:"expire_seconds"`
	// URL is the text encoded in the QR code.
	URL string `json:"url"`
	// ShowQRCodeURL is WeChat's own link to the image.
	ShowQRCodeURL string `json:"show_qrcode_url"`
}

// CreateQRCode creates a card QR code (POST /card/qrcode/create).
func (p *Provider) CreateQRCode(ctx context.Context, req CreateQRCodeRequest) (*CreateQRCodeResponse, error) {
	out, err := invoke[CreateQRCodeResponse](ctx, p, "CreateQRCode", "/card/qrcode/create", req)
	if err != nil {
		return nil, err
	}
	out.Ticket = strings.TrimSpace(out.Ticket)
	out.URL = strings.TrimSpace(out.URL)
	out.ShowQRCodeURL = strings.TrimSpace(out.ShowQRCodeURL)
	return out, nil
}

// ShowQRCodeURL returns the showqrcode address of a QR ticket, with the ticket
// query-escaped (tickets are base64 and hold '+', '/' and '='). The host is
// Options.QRImageBaseURL (default https://mp.weixin.qq.com). It needs no token.
func (p *Provider) ShowQRCodeURL(ticket string) string {
	return p.qrBaseURL + "/cgi-bin/showqrcode?ticket=" + url.QueryEscape(ticket)
}

// ShowQRCode fetches the QR image of a ticket (GET showqrcode, row 14) and
// returns its bytes (PNG or JPEG).
func (p *Provider) ShowQRCode(ctx context.Context, ticket string) ([]byte, error) {
	const op = "ShowQRCode"
	if ticket == "" {
		return nil, p.invalid(op, driver.InvalidArgument("ticket", "is required"))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.ShowQRCodeURL(ticket), nil)
	if err != nil {
		// The error would quote the URL, ticket included: keep it out of the text.
		return nil, p.invalid(op, driver.InvalidArgument("ticket", "cannot build the image URL (bad QRImageBaseURL?)"))
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		// redactErr hides the ticket in the *url.Error's URL and in the text.
		return nil, wrapCtx(ctx, op, redactErr(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, catMaxQRImageBytes+1))
	if err != nil {
		return nil, wrapCtx(ctx, op, redactErr(err))
	}
	if len(body) > catMaxQRImageBytes {
		return nil, &card.Error{Provider: Name, Op: op, Kind: card.KindUnavailable, Message: fmt.Sprintf("image is larger than %d bytes", catMaxQRImageBytes)}
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode == http.StatusOK && (strings.HasPrefix(mt, "image/") || strings.HasPrefix(http.DetectContentType(body), "image/")) {
		return body, nil
	}
	// WeChat answers a bad ticket with a JSON error body.
	var ce struct {
		ErrCode *int64 `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if json.Unmarshal(body, &ce) == nil && ce.ErrCode != nil && *ce.ErrCode != 0 {
		return nil, &card.Error{Provider: Name, Op: op, Kind: card.KindNotFound, Code: fmt.Sprint(*ce.ErrCode), Message: ce.ErrMsg}
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil, &card.Error{Provider: Name, Op: op, Kind: card.KindUnavailable, Message: fmt.Sprintf("answer is %q, not an image", mt)}
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusBadRequest:
		return nil, &card.Error{Provider: Name, Op: op, Kind: card.KindNotFound, Code: fmt.Sprint(resp.StatusCode), Message: "no image for this ticket"}
	default:
		return nil, &card.Error{Provider: Name, Op: op, Kind: card.KindUnavailable, Code: fmt.Sprint(resp.StatusCode), Message: "showqrcode answered HTTP " + resp.Status}
	}
}

// Landing page scenes (§3.9).
const (
	SceneNearBy         = "SCENE_NEAR_BY"
	SceneMenu           = "SCENE_MENU"
	SceneQRCode         = "SCENE_QRCODE"
	SceneArticle        = "SCENE_ARTICLE"
	SceneH5             = "SCENE_H5"
	SceneIVR            = "SCENE_IVR"
	SceneCardCustomCell = "SCENE_CARD_CUSTOM_CELL"
)

// LandingPageCard is one card on a landing page.
type LandingPageCard struct {
	CardID   string `json:"card_id"`
	ThumbURL string `json:"thumb_url"`
}

// CreateLandingPageRequest creates a card landing page (货架, row 15).
type CreateLandingPageRequest struct {
	// Banner is the page's top image URL (640×300 suggested).
	Banner    string            `json:"banner"`
	PageTitle string            `json:"page_title"`
	CanShare  bool              `json:"can_share"`
	Scene     string            `json:"scene"`
	CardList  []LandingPageCard `json:"card_list"`
}

// Validate checks the required fields and the scene.
func (r CreateLandingPageRequest) Validate() error {
	var v cv
	v.str("Banner", r.Banner, true, 1<<12)
	v.zh("PageTitle", r.PageTitle, true, catMaxPageTitle)
	v.oneOf("Scene", r.Scene, true, SceneNearBy, SceneMenu, SceneQRCode, SceneArticle, SceneH5, SceneIVR, SceneCardCustomCell)
	if len(r.CardList) == 0 {
		v.fail("CardList", "needs at least one card")
	}
	for i, c := range r.CardList {
		v.cardID(fmt.Sprintf("CardList[%d].CardID", i), c.CardID, true)
		v.str(fmt.Sprintf("CardList[%d].ThumbURL", i), c.ThumbURL, true, 1<<12)
	}
	return v.err()
}

// CreateLandingPageResponse is the page.
type CreateLandingPageResponse struct {
	URL    string `json:"url"`
	PageID int64  `json:"page_id"`
}

// CreateLandingPage creates a landing page (POST /card/landingpage/create).
func (p *Provider) CreateLandingPage(ctx context.Context, req CreateLandingPageRequest) (*CreateLandingPageResponse, error) {
	return invoke[CreateLandingPageResponse](ctx, p, "CreateLandingPage", "/card/landingpage/create", req)
}

// GetMpNewsHTMLRequest asks for the article HTML of a card (row 16).
type GetMpNewsHTMLRequest struct {
	CardID string `json:"card_id"`
}

// Validate checks CardID.
func (r GetMpNewsHTMLRequest) Validate() error {
	var v cv
	v.cardID("CardID", r.CardID, true)
	return v.err()
}

// GetMpNewsHTMLResponse holds the <iframe> snippet to paste into an article.
type GetMpNewsHTMLResponse struct {
	Content string `json:"content"`
}

// GetMpNewsHTML returns the HTML that embeds a card in an article (POST /card/mpnews/gethtml).
func (p *Provider) GetMpNewsHTML(ctx context.Context, req GetMpNewsHTMLRequest) (*GetMpNewsHTMLResponse, error) {
	return invoke[GetMpNewsHTMLResponse](ctx, p, "GetMpNewsHTML", "/card/mpnews/gethtml", req)
}

// SetTestWhitelistRequest sets the users who may claim unapproved cards
// (row 17). OpenIDs and Usernames (WeChat IDs) may be mixed, ten in all. The
// call replaces the whole list; both empty clears it.
type SetTestWhitelistRequest struct {
	OpenIDs   []string
	Usernames []string
}

// MarshalJSON always sends both arrays (possibly empty), as wechatpy does.
func (r SetTestWhitelistRequest) MarshalJSON() ([]byte, error) {
	w := struct {
		OpenID   []string `json:"openid"`
		Username []string `json:"username"`
	}{append([]string{}, r.OpenIDs...), append([]string{}, r.Usernames...)}
	return catMarshal(w)
}

// Validate checks at most 10 non-empty entries in all.
func (r SetTestWhitelistRequest) Validate() error {
	var v cv
	if n := len(r.OpenIDs) + len(r.Usernames); n > MaxTestWhitelist {
		v.fail("OpenIDs", "OpenIDs and Usernames hold %d entries, the limit is %d in all", n, MaxTestWhitelist)
	}
	for i, o := range r.OpenIDs {
		v.openID(fmt.Sprintf("OpenIDs[%d]", i), o, true)
	}
	for i, u := range r.Usernames {
		v.str(fmt.Sprintf("Usernames[%d]", i), u, true, 64)
	}
	return v.err()
}

// SetTestWhitelistResponse is empty.
type SetTestWhitelistResponse struct{}

// SetTestWhitelist replaces the test whitelist (POST /card/testwhitelist/set).
func (p *Provider) SetTestWhitelist(ctx context.Context, req SetTestWhitelistRequest) (*SetTestWhitelistResponse, error) {
	return invoke[SetTestWhitelistResponse](ctx, p, "SetTestWhitelist", "/card/testwhitelist/set", req)
}
