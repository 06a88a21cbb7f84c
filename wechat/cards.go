package wechat

// Card definition and management: /card/getcolors, /card/getapplyprotocol,
// /card/create, /card/get, /card/batchget, /card/update, /card/delete,
// /card/modifystock, /card/paycell/set, /card/selfconsumecell/set and
// /card/user/getcardlist (reference rows 1–11, field rules §3.1–§3.7, §3.14–§3.16, §3.20).
//
// Error fields (card.Error.Field) name the Go field path inside the request,
// for example "Card.MemberCard.BaseInfo.Title" or "Codes[7]".

import (
	"context"
	"encoding/json"
	"fmt"
)

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

// bindAnswer: the card returned is the card asked for.
func (r GetCardRequest) bindAnswer(out any) string {
	a, ok := out.(*GetCardResponse)
	if !ok {
		return ""
	}
	if b := a.Card.Base(); b != nil {
		return sameCard(r.CardID, b.ID)
	}
	return ""
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
