package wechat

// Pay-gift rules (支付后投放 / 支付即会员): /card/paygiftcard/add, /delete,
// /getbyid and /batchget (reference rows 33a–d). The reference gives only the
// top-level shape; the nested fields (mchid_list, begin/end time, card_id,
// least_cost, max_cost, jump_url, app_brand_*) follow WeChat's published
// samples as mirrored by wechatpy and the C#/Java SDKs.

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	card "github.com/walletcard/card"
)

// Pay-gift rule types.
const (
	// PayGiftRulePayMemberCard gives a member card after a WeChat Pay payment (支付即会员).
	PayGiftRulePayMemberCard = "RULE_TYPE_PAY_MEMBER_CARD"
	// PayGiftRuleSinglePay gives a card after a single payment (支付后赠券).
	PayGiftRuleSinglePay = "RULE_TYPE_SINGLE_PAY"
)

// MaxPayGiftBatchGet is the largest count this package asks /card/paygiftcard/batchget for.
const MaxPayGiftBatchGet = 100

// PayGiftBaseInfo is rule_info.base_info: which WeChat Pay merchants and when.
type PayGiftBaseInfo struct {
	MchIDList []string  `json:"mchid_list"`
	BeginTime time.Time `json:"-"` // begin_time (unix)
	EndTime   time.Time `json:"-"` // end_time (unix)
	// Read-only, returned by getbyid / batchget.
	Status     string    `json:"status,omitempty"`
	CreateTime time.Time `json:"-"`
	UpdateTime time.Time `json:"-"`
}

type payGiftTimes struct {
	BeginTime  int64 `json:"begin_time,omitempty"`
	EndTime    int64 `json:"end_time,omitempty"`
	CreateTime int64 `json:"create_time,omitempty"`
	UpdateTime int64 `json:"update_time,omitempty"`
}

// MarshalJSON sends the times as unix seconds.
func (b PayGiftBaseInfo) MarshalJSON() ([]byte, error) {
	type plain PayGiftBaseInfo
	return catMarshal(struct {
		plain
		payGiftTimes
	}{plain(b), payGiftTimes{catUnix(b.BeginTime), catUnix(b.EndTime), catUnix(b.CreateTime), catUnix(b.UpdateTime)}})
}

// UnmarshalJSON reads the unix-second times.
func (b *PayGiftBaseInfo) UnmarshalJSON(data []byte) error {
	type plain PayGiftBaseInfo
	w := struct {
		*plain
		payGiftTimes
	}{plain: (*plain)(b)}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	t := w.payGiftTimes
	b.BeginTime, b.EndTime, b.CreateTime, b.UpdateTime = catTime(t.BeginTime), catTime(t.EndTime), catTime(t.CreateTime), catTime(t.UpdateTime)
	return nil
}

// PayGiftCardRule is rule_info.member_rule or rule_info.single_pay: the card
// given for a payment between LeastCost and MaxCost.
type PayGiftCardRule struct {
	CardID       string     `json:"card_id"`
	LeastCost    card.Money `json:"-"` // least_cost, fen
	MaxCost      card.Money `json:"-"` // max_cost, fen
	JumpURL      string     `json:"jump_url,omitempty"`
	AppBrandID   string     `json:"app_brand_id,omitempty"`
	AppBrandPass string     `json:"app_brand_pass,omitempty"`
}

// MarshalJSON sends the amounts as integer fen.
func (r PayGiftCardRule) MarshalJSON() ([]byte, error) {
	type plain PayGiftCardRule
	return catMarshal(struct {
		plain
		LeastCost int64 `json:"least_cost"`
		MaxCost   int64 `json:"max_cost"`
	}{plain(r), int64(r.LeastCost), int64(r.MaxCost)})
}

// UnmarshalJSON reads the amounts as integer fen.
func (r *PayGiftCardRule) UnmarshalJSON(b []byte) error {
	type plain PayGiftCardRule
	w := struct {
		*plain
		LeastCost int64 `json:"least_cost"`
		MaxCost   int64 `json:"max_cost"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	r.LeastCost, r.MaxCost = card.Money(w.LeastCost), card.Money(w.MaxCost)
	return nil
}

// PayGiftRuleInfo is a pay-gift rule. Set MemberRule for
// RULE_TYPE_PAY_MEMBER_CARD and SinglePay for RULE_TYPE_SINGLE_PAY.
type PayGiftRuleInfo struct {
	Type       string           `json:"type"`
	BaseInfo   PayGiftBaseInfo  `json:"base_info"`
	MemberRule *PayGiftCardRule `json:"member_rule,omitempty"`
	SinglePay  *PayGiftCardRule `json:"single_pay,omitempty"`
}

func (r *PayGiftRuleInfo) validate(v *cv, p string) {
	v.oneOf(p+".Type", r.Type, true, PayGiftRulePayMemberCard, PayGiftRuleSinglePay)
	b := r.BaseInfo
	if len(b.MchIDList) == 0 {
		v.fail(p+".BaseInfo.MchIDList", "needs at least one WeChat Pay merchant id")
	}
	for i, id := range b.MchIDList {
		if id == "" {
			v.fail(fmt.Sprintf("%s.BaseInfo.MchIDList[%d]", p, i), "is empty")
		} else if _, err := strconv.ParseUint(id, 10, 64); err != nil {
			v.fail(fmt.Sprintf("%s.BaseInfo.MchIDList[%d]", p, i), "must be a numeric merchant id, got %q", id)
		}
	}
	switch {
	case b.BeginTime.IsZero():
		v.fail(p+".BaseInfo.BeginTime", "is required")
	case b.EndTime.IsZero():
		v.fail(p+".BaseInfo.EndTime", "is required")
	case !b.EndTime.After(b.BeginTime):
		v.fail(p+".BaseInfo.EndTime", "must be after BeginTime")
	}
	if b.Status != "" || !b.CreateTime.IsZero() || !b.UpdateTime.IsZero() {
		v.fail(p+".BaseInfo.Status", "Status, CreateTime and UpdateTime are read-only")
	}
	var rule *PayGiftCardRule
	name := "MemberRule"
	switch r.Type {
	case PayGiftRulePayMemberCard:
		rule = r.MemberRule
		if r.SinglePay != nil {
			v.fail(p+".SinglePay", "must be empty for %s (set MemberRule)", r.Type)
		}
	case PayGiftRuleSinglePay:
		rule, name = r.SinglePay, "SinglePay"
		if r.MemberRule != nil {
			v.fail(p+".MemberRule", "must be empty for %s (set SinglePay)", r.Type)
		}
	default:
		return
	}
	if rule == nil {
		v.fail(p+"."+name, "is required for %s", r.Type)
		return
	}
	v.cardID(p+"."+name+".CardID", rule.CardID, true)
	v.nonNeg(p+"."+name+".LeastCost", int64(rule.LeastCost))
	if rule.MaxCost <= 0 {
		v.fail(p+"."+name+".MaxCost", "must be a positive amount, got %s", rule.MaxCost)
	} else if rule.MaxCost < rule.LeastCost {
		v.fail(p+"."+name+".MaxCost", "%s is below LeastCost %s", rule.MaxCost, rule.LeastCost)
	}
}

// PayGiftCardAddRequest adds a pay-gift rule (row 33a).
type PayGiftCardAddRequest struct {
	RuleInfo PayGiftRuleInfo `json:"rule_info"`
}

// Validate checks the rule.
func (r PayGiftCardAddRequest) Validate() error {
	var v cv
	r.RuleInfo.validate(&v, "RuleInfo")
	return v.err()
}

// PayGiftMchFailure is a merchant the rule could not be set for.
type PayGiftMchFailure struct {
	MchID        string `json:"mchid"`
	ErrCode      int64  `json:"errcode"`
	ErrMsg       string `json:"errmsg"`
	OccupyRuleID string `json:"occupy_rule_id"`
	OccupyAppID  string `json:"occupy_appid"`
}

// UnmarshalJSON tolerates the ids as numbers or strings.
func (f *PayGiftMchFailure) UnmarshalJSON(b []byte) error {
	var w struct {
		MchID        catFlexString `json:"mchid"`
		ErrCode      int64         `json:"errcode"`
		ErrMsg       string        `json:"errmsg"`
		OccupyRuleID catFlexString `json:"occupy_rule_id"`
		OccupyAppID  string        `json:"occupy_appid"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*f = PayGiftMchFailure{string(w.MchID), w.ErrCode, w.ErrMsg, string(w.OccupyRuleID), w.OccupyAppID}
	return nil
}

// catFlexString decodes a JSON string or number as a string.
type catFlexString string

// UnmarshalJSON accepts a JSON string, a number or null.
func (s *catFlexString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		*s = catFlexString(str)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("wechat: want a string or a number, got %s", b)
	}
	*s = catFlexString(n.String())
	return nil
}

// PayGiftCardAddResponse is the new rule's id and the per-merchant outcome.
type PayGiftCardAddResponse struct {
	RuleID        string
	SuccMchIDList []string
	FailMchIDList []PayGiftMchFailure
}

// UnmarshalJSON tolerates rule_id and merchant ids as numbers or strings.
func (r *PayGiftCardAddResponse) UnmarshalJSON(b []byte) error {
	var w struct {
		RuleID        catFlexString       `json:"rule_id"`
		SuccMchIDList []catFlexString     `json:"succ_mchid_list"`
		FailMchIDList []PayGiftMchFailure `json:"fail_mchid_list"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	r.RuleID, r.FailMchIDList, r.SuccMchIDList = string(w.RuleID), w.FailMchIDList, nil
	for _, s := range w.SuccMchIDList {
		r.SuccMchIDList = append(r.SuccMchIDList, string(s))
	}
	return nil
}

// PayGiftCardAdd adds a pay-gift rule (POST /card/paygiftcard/add).
func (p *Provider) PayGiftCardAdd(ctx context.Context, req PayGiftCardAddRequest) (*PayGiftCardAddResponse, error) {
	return invoke[PayGiftCardAddResponse](ctx, p, "PayGiftCardAdd", "/card/paygiftcard/add", req)
}

// PayGiftCardDeleteRequest deletes a rule (row 33b).
type PayGiftCardDeleteRequest struct {
	RuleID string `json:"rule_id"`
}

// Validate checks RuleID.
func (r PayGiftCardDeleteRequest) Validate() error {
	var v cv
	v.str("RuleID", r.RuleID, true, 64)
	return v.err()
}

// PayGiftCardDeleteResponse is empty.
type PayGiftCardDeleteResponse struct{}

// PayGiftCardDelete deletes a pay-gift rule (POST /card/paygiftcard/delete).
func (p *Provider) PayGiftCardDelete(ctx context.Context, req PayGiftCardDeleteRequest) (*PayGiftCardDeleteResponse, error) {
	return invoke[PayGiftCardDeleteResponse](ctx, p, "PayGiftCardDelete", "/card/paygiftcard/delete", req)
}

// PayGiftCardGetByIDRequest asks for one rule (row 33c).
type PayGiftCardGetByIDRequest struct {
	RuleID string `json:"rule_id"`
}

// Validate checks RuleID.
func (r PayGiftCardGetByIDRequest) Validate() error {
	var v cv
	v.str("RuleID", r.RuleID, true, 64)
	return v.err()
}

// PayGiftCardGetByIDResponse is the rule.
type PayGiftCardGetByIDResponse struct {
	RuleInfo PayGiftRuleInfo `json:"rule_info"`
}

// PayGiftCardGetByID returns a pay-gift rule (POST /card/paygiftcard/getbyid).
func (p *Provider) PayGiftCardGetByID(ctx context.Context, req PayGiftCardGetByIDRequest) (*PayGiftCardGetByIDResponse, error) {
	return invoke[PayGiftCardGetByIDResponse](ctx, p, "PayGiftCardGetByID", "/card/paygiftcard/getbyid", req)
}

// PayGiftCardBatchGetRequest lists rules of a type (row 33d).
type PayGiftCardBatchGetRequest struct {
	Type string `json:"type"`
	// Effective restricts the list to rules in force.
	Effective bool `json:"effective"`
	Offset    int  `json:"offset"`
	// Count is 1..100.
	Count int `json:"count"`
}

// Validate checks Type, Offset and Count.
func (r PayGiftCardBatchGetRequest) Validate() error {
	var v cv
	v.oneOf("Type", r.Type, true, PayGiftRulePayMemberCard, PayGiftRuleSinglePay)
	v.nonNeg("Offset", int64(r.Offset))
	v.rangeInt("Count", int64(r.Count), 1, MaxPayGiftBatchGet)
	return v.err()
}

// PayGiftRule is a rule with its id, as batchget lists it.
type PayGiftRule struct {
	RuleID string
	PayGiftRuleInfo
}

// UnmarshalJSON accepts the rule either flat or under "rule_info", and the id as a number or string.
func (r *PayGiftRule) UnmarshalJSON(b []byte) error {
	var w struct {
		RuleID   catFlexString    `json:"rule_id"`
		RuleInfo *PayGiftRuleInfo `json:"rule_info"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	r.RuleID = string(w.RuleID)
	if w.RuleInfo != nil {
		r.PayGiftRuleInfo = *w.RuleInfo
		return nil
	}
	return json.Unmarshal(b, &r.PayGiftRuleInfo)
}

// PayGiftCardBatchGetResponse is a page of rules.
type PayGiftCardBatchGetResponse struct {
	RuleList   []PayGiftRule `json:"rule_list"`
	TotalCount int           `json:"total_count"`
}

// PayGiftCardBatchGet lists pay-gift rules (POST /card/paygiftcard/batchget).
func (p *Provider) PayGiftCardBatchGet(ctx context.Context, req PayGiftCardBatchGetRequest) (*PayGiftCardBatchGetResponse, error) {
	return invoke[PayGiftCardBatchGetResponse](ctx, p, "PayGiftCardBatchGet", "/card/paygiftcard/batchget", req)
}
