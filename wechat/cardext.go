package wechat

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"strconv"
	"time"

	"github.com/silenceper/wechat/v2/util"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
)

// SignCardExt computes the cardExt signature of reference §3.19: the values
// api_ticket, timestamp, card_id, code, openid and nonce_str (empty strings
// for absent ones) sorted as byte strings, concatenated, SHA-1, lower-case hex.
func SignCardExt(apiTicket, timestamp, cardID, code, openID, nonceStr string) string {
	return util.Signature(apiTicket, timestamp, cardID, code, openID, nonceStr)
}

// CardExtRequest describes one card offered through the JS-SDK wx.addCard.
type CardExtRequest struct {
	// CardID is the card to add. Required.
	CardID string
	// Code is required for custom-code cards and must be empty otherwise. Signed.
	Code string
	// OpenID is required when the card was created with bind_openid. Signed.
	OpenID string
	// Timestamp is the unix time in seconds; 0 means now (the Provider's Clock in Provider.CardExt). A repeated timestamp makes the claim fail.
	Timestamp int64
	// NonceStr is a random string ≤ 32 bytes; empty means 16 random characters.
	NonceStr string
	// FixedBeginTimestamp is the start of validity for DATE_TYPE_FIX_TERM cards (not signed). Optional.
	FixedBeginTimestamp int64
	// OuterStr is a channel value echoed in user_get_card (not signed). Optional, ≤ 128 bytes.
	OuterStr string
}

// Validate checks the documented limits.
func (r CardExtRequest) Validate() error {
	var v cv
	v.cardID("CardID", r.CardID, true)
	v.str("NonceStr", r.NonceStr, false, 32)
	v.outerStr("OuterStr", r.OuterStr)
	v.nonNeg("Timestamp", r.Timestamp)
	v.nonNeg("FixedBeginTimestamp", r.FixedBeginTimestamp)
	return v.err()
}

// CardExt is the cardExt object; wx.addCard takes it as a JSON string.
type CardExt struct {
	Code                string `json:"code,omitempty"`
	OpenID              string `json:"openid,omitempty"`
	Timestamp           string `json:"timestamp"`
	NonceStr            string `json:"nonce_str,omitempty"`
	FixedBeginTimestamp int64  `json:"fixed_begintimestamp,omitempty"`
	OuterStr            string `json:"outer_str,omitempty"`
	Signature           string `json:"signature"`
}

// AddCardItem is one entry of wx.addCard's cardList: {"cardId":…,"cardExt":"<json>"}.
type AddCardItem struct {
	CardID  string `json:"cardId"`
	CardExt string `json:"cardExt"`
}

// BuildCardExt signs req with the given api_ticket, without I/O. Use
// Provider.CardExt to fetch and cache the ticket as well.
func BuildCardExt(apiTicket string, req CardExtRequest) (*AddCardItem, error) {
	if err := req.Validate(); err != nil {
		return nil, driver.Wrap(Name, "BuildCardExt", card.KindInvalidArgument, err)
	}
	if req.NonceStr == "" {
		req.NonceStr = randomNonce()
	}
	if req.Timestamp == 0 {
		req.Timestamp = time.Now().Unix()
	}
	ts := strconv.FormatInt(req.Timestamp, 10)
	ext := CardExt{
		Code: req.Code, OpenID: req.OpenID, Timestamp: ts, NonceStr: req.NonceStr,
		FixedBeginTimestamp: req.FixedBeginTimestamp, OuterStr: req.OuterStr,
		Signature: SignCardExt(apiTicket, ts, req.CardID, req.Code, req.OpenID, req.NonceStr),
	}
	b, err := json.Marshal(ext)
	if err != nil {
		return nil, driver.Wrap(Name, "BuildCardExt", card.KindUnknown, err)
	}
	return &AddCardItem{CardID: req.CardID, CardExt: string(b)}, nil
}

// CardExt returns the wx.addCard entry for req, signed with the cached wx_card api_ticket.
func (p *Provider) CardExt(ctx context.Context, req CardExtRequest) (*AddCardItem, error) {
	if err := req.Validate(); err != nil {
		return nil, p.invalid("CardExt", err)
	}
	if req.Timestamp == 0 {
		req.Timestamp = p.now().Unix()
	}
	t, err := p.CardAPITicket(ctx)
	if err != nil {
		return nil, err
	}
	return BuildCardExt(t, req)
}

const nonceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = nonceAlphabet[int(b[i])%len(nonceAlphabet)]
	}
	return string(b[:])
}
