package alipay

import (
	"encoding/json"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/internal/walletrules"
)

const (
	TradeOpen    = "OPEN"
	TradeTrade   = "TRADE"
	TradeDeposit = "DEPOSIT"
	TradeReturn  = "RETURN"
)

// BenefitInfoDetail is a benefit gained or used in a trade.
type BenefitInfoDetail struct {
	BenefitType string `json:"benefit_type,omitempty"`
	Amount      string `json:"amount,omitempty"`
	Count       string `json:"count,omitempty"`
	Description string `json:"description,omitempty"`
}

// ConsumeSyncRequest is alipay.marketing.card.consume.sync.
type ConsumeSyncRequest struct {
	TargetCardNo string
	// TargetCardNoType defaults to BIZ_CARD.
	TargetCardNoType string
	// TradeType is OPEN, TRADE, DEPOSIT or RETURN. Required.
	TradeType string
	// TradeNo is the Alipay trade number (≤ 64). Required.
	TradeNo string
	// TradeTime is when the trade happened. Required.
	TradeTime time.Time
	// TradeName (≤ 256), amounts and the rest are optional.
	TradeName       string
	TradeAmount     *card.Money
	ActPayAmount    *card.Money
	CardInfo        *MerchantCard
	GainBenefitList []BenefitInfoDetail
	UseBenefitList  []BenefitInfoDetail
	ShopCode        string
	Memo            string
	// SwipeCertType is ALIPAY, ENTITY or OTHER.
	SwipeCertType string
}

// Validate checks the documented rules.
func (r ConsumeSyncRequest) Validate() error {
	ck := checker{}
	ck.required("TargetCardNo", r.TargetCardNo, walletrules.AlipayMaxCardNoRunes)
	ck.oneOf("TargetCardNoType", r.TargetCardNoType, CardNoBiz)
	if r.TradeType == "" {
		ck.fail("TradeType", "is required")
	}
	ck.oneOf("TradeType", r.TradeType, TradeOpen, TradeTrade, TradeDeposit, TradeReturn)
	ck.required("TradeNo", r.TradeNo, 64)
	if r.TradeTime.IsZero() {
		ck.fail("TradeTime", "is required")
	}
	ck.optional("TradeName", r.TradeName, 256)
	if r.CardInfo != nil {
		r.CardInfo.validate(&ck, "CardInfo", false)
	}
	ck.optional("ShopCode", r.ShopCode, 64)
	ck.optional("Memo", r.Memo, 256)
	ck.oneOf("SwipeCertType", r.SwipeCertType, "ALIPAY", "ENTITY", "OTHER")
	return ck.err()
}

// ConsumeSyncResponse is the answer to consume.sync.
type ConsumeSyncResponse struct {
	ExternalCardNo string `json:"external_card_no"`
}

// NotifyTypePointRemind is the documented notify_type: points about to expire.
const NotifyTypePointRemind = "POINT_REMIND"

// NotifyInfo is message.notify's notify_info.
type NotifyInfo struct {
	ExpiredPoint *card.Points
	ExpiredTime  time.Time
}

// MarshalJSON writes points as a decimal string and the time in Beijing time.
func (n NotifyInfo) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ExpiredPoint string `json:"expired_point,omitempty"`
		ExpiredTime  string `json:"expired_time,omitempty"`
	}{optString(n.ExpiredPoint), formatTime(n.ExpiredTime)})
}

// MessageNotifyRequest is alipay.marketing.card.message.notify (merchant →
// Alipay: a message to the card holder).
type MessageNotifyRequest struct {
	TargetCardNo string
	// TargetCardNoType defaults to BIZ_CARD.
	TargetCardNoType string
	// OccurTime is when the event happened; zero means now.
	OccurTime time.Time
	// NotifyType defaults to POINT_REMIND.
	NotifyType string
	// NotifyNo is the idempotency key (≤ 64). MessageNotify generates one when empty.
	NotifyNo   string
	NotifyInfo *NotifyInfo
}

// Validate checks the documented rules.
func (r MessageNotifyRequest) Validate() error {
	ck := checker{}
	ck.required("TargetCardNo", r.TargetCardNo, walletrules.AlipayMaxCardNoRunes)
	ck.oneOf("TargetCardNoType", r.TargetCardNoType, CardNoBiz)
	ck.oneOf("NotifyType", r.NotifyType, NotifyTypePointRemind)
	ck.required("NotifyNo", r.NotifyNo, 64)
	return ck.err()
}

// MessageNotifyResponse is the answer to message.notify.
type MessageNotifyResponse struct {
	ResultCode string `json:"result_code"`
}

// Benefit is an external benefit of a template (mcard_template_benefit).
