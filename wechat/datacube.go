package wechat

// Card statistics: /datacube/getcardbizuininfo, /getcardcardinfo,
// /getcardmembercardinfo and /getcardmembercarddetail (reference rows 46–49, §3.21).

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	card "github.com/walletcard/card"
)

// CivilDate is a calendar day in Beijing time, sent as "YYYY-MM-DD".
type CivilDate struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the Beijing calendar day of t.
func DateOf(t time.Time) CivilDate {
	y, m, d := t.In(card.Beijing()).Date()
	return CivilDate{y, m, d}
}

// ParseCivilDate parses "YYYY-MM-DD".
func ParseCivilDate(s string) (CivilDate, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, card.Beijing())
	if err != nil {
		return CivilDate{}, fmt.Errorf("wechat: invalid date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// IsZero reports whether d is the zero CivilDate.
func (d CivilDate) IsZero() bool { return d == CivilDate{} }

// Valid reports whether d names a real day (e.g. not February 30).
func (d CivilDate) Valid() bool {
	return d.Year >= 1 && d.Year <= 9999 && DateOf(d.Time()) == d
}

// Time returns midnight of d in Beijing time.
func (d CivilDate) Time() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, card.Beijing())
}

// Before reports whether d is an earlier day than e.
func (d CivilDate) Before(e CivilDate) bool { return d.Time().Before(e.Time()) }

// String formats d as "YYYY-MM-DD".
func (d CivilDate) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// MarshalText encodes d as "YYYY-MM-DD", and the zero CivilDate (a date an
// answer left out) as "". Request validation rejects zero dates before
// anything is encoded.
func (d CivilDate) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	if !d.Valid() {
		return nil, fmt.Errorf("wechat: invalid date %04d-%02d-%02d", d.Year, int(d.Month), d.Day)
	}
	return []byte(d.String()), nil
}

// UnmarshalText decodes "YYYY-MM-DD"; "" is the zero CivilDate.
func (d *CivilDate) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = CivilDate{}
		return nil
	}
	v, err := ParseCivilDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// CondSource selects which cards the statistics cover.
type CondSource int

// The cond_source values.
const (
	CondSourceMP  CondSource = 0 // cards created on the MP platform
	CondSourceAPI CondSource = 1 // cards created through the API
)

// catDateRange checks a date range shared by every datacube request.
func catDateRange(v *cv, begin, end CivilDate) {
	switch {
	case begin.IsZero():
		v.fail("BeginDate", "is required")
	case !begin.Valid():
		v.fail("BeginDate", "%s is not a calendar day", begin)
	case end.IsZero():
		v.fail("EndDate", "is required")
	case !end.Valid():
		v.fail("EndDate", "%s is not a calendar day", end)
	case end.Before(begin):
		v.fail("EndDate", "%s is before BeginDate %s", end, begin)
	}
}

func catCondSource(v *cv, c CondSource) {
	if c != CondSourceMP && c != CondSourceAPI {
		v.fail("CondSource", "is %d, must be 0 (MP platform) or 1 (API)", int(c))
	}
}

// GetCardBizUinInfoRequest asks for the account's daily card summary (row 46).
type GetCardBizUinInfoRequest struct {
	BeginDate  CivilDate  `json:"begin_date"`
	EndDate    CivilDate  `json:"end_date"`
	CondSource CondSource `json:"cond_source"`
}

// Validate checks the dates (BeginDate ≤ EndDate) and CondSource.
func (r GetCardBizUinInfoRequest) Validate() error {
	var v cv
	catDateRange(&v, r.BeginDate, r.EndDate)
	catCondSource(&v, r.CondSource)
	return v.err()
}

// CardCounters are the counters every card statistic row has.
type CardCounters struct {
	ViewCnt     int64 `json:"view_cnt"`
	ViewUser    int64 `json:"view_user"`
	ReceiveCnt  int64 `json:"receive_cnt"`
	ReceiveUser int64 `json:"receive_user"`
	VerifyCnt   int64 `json:"verify_cnt"`
	VerifyUser  int64 `json:"verify_user"`
}

// CardBizUinInfo is one day of the account summary.
type CardBizUinInfo struct {
	RefDate CivilDate `json:"ref_date"`
	CardCounters
	GivenCnt   int64 `json:"given_cnt"`
	GivenUser  int64 `json:"given_user"`
	ExpireCnt  int64 `json:"expire_cnt"`
	ExpireUser int64 `json:"expire_user"`
}

// GetCardBizUinInfoResponse holds one row per day.
type GetCardBizUinInfoResponse struct {
	List []CardBizUinInfo `json:"list"`
}

// GetCardBizUinInfo returns the account's card summary (POST /datacube/getcardbizuininfo).
func (p *Provider) GetCardBizUinInfo(ctx context.Context, req GetCardBizUinInfoRequest) (*GetCardBizUinInfoResponse, error) {
	return invoke[GetCardBizUinInfoResponse](ctx, p, "GetCardBizUinInfo", "/datacube/getcardbizuininfo", req)
}

// GetCardCardInfoRequest asks for free-coupon statistics (row 47), optionally of one card.
type GetCardCardInfoRequest struct {
	BeginDate  CivilDate  `json:"begin_date"`
	EndDate    CivilDate  `json:"end_date"`
	CondSource CondSource `json:"cond_source"`
	CardID     string     `json:"card_id,omitempty"`
}

// Validate checks the dates, CondSource and CardID.
func (r GetCardCardInfoRequest) Validate() error {
	var v cv
	catDateRange(&v, r.BeginDate, r.EndDate)
	catCondSource(&v, r.CondSource)
	v.cardID("CardID", r.CardID, false)
	return v.err()
}

// CardCardInfo is one day of one coupon's statistics. CardType is 0 折扣券,
// 1 代金券, 2 礼品券, 3 优惠券, 4 团购券.
type CardCardInfo struct {
	RefDate  CivilDate `json:"ref_date"`
	CardID   string    `json:"card_id"`
	CardType int       `json:"card_type"`
	IsPay    int       `json:"is_pay"`
	CardCounters
	GivenCnt   int64 `json:"given_cnt"`
	GivenUser  int64 `json:"given_user"`
	ExpireCnt  int64 `json:"expire_cnt"`
	ExpireUser int64 `json:"expire_user"`
}

// GetCardCardInfoResponse holds one row per card and day.
type GetCardCardInfoResponse struct {
	List []CardCardInfo `json:"list"`
}

// GetCardCardInfo returns free-coupon statistics (POST /datacube/getcardcardinfo).
func (p *Provider) GetCardCardInfo(ctx context.Context, req GetCardCardInfoRequest) (*GetCardCardInfoResponse, error) {
	return invoke[GetCardCardInfoResponse](ctx, p, "GetCardCardInfo", "/datacube/getcardcardinfo", req)
}

// GetMemberCardInfoRequest asks for the member-card summary (row 48).
type GetMemberCardInfoRequest struct {
	BeginDate  CivilDate  `json:"begin_date"`
	EndDate    CivilDate  `json:"end_date"`
	CondSource CondSource `json:"cond_source"`
}

// Validate checks the dates and CondSource.
func (r GetMemberCardInfoRequest) Validate() error {
	var v cv
	catDateRange(&v, r.BeginDate, r.EndDate)
	catCondSource(&v, r.CondSource)
	return v.err()
}

// MemberCardInfo is one day of the member-card summary.
type MemberCardInfo struct {
	RefDate CivilDate `json:"ref_date"`
	CardCounters
	ActiveUser       int64 `json:"active_user"`
	TotalUser        int64 `json:"total_user"`
	TotalReceiveUser int64 `json:"total_receive_user"`
}

// GetMemberCardInfoResponse holds one row per day.
type GetMemberCardInfoResponse struct {
	List []MemberCardInfo `json:"list"`
}

// GetMemberCardInfo returns the member-card summary (POST /datacube/getcardmembercardinfo).
func (p *Provider) GetMemberCardInfo(ctx context.Context, req GetMemberCardInfoRequest) (*GetMemberCardInfoResponse, error) {
	return invoke[GetMemberCardInfoResponse](ctx, p, "GetMemberCardInfo", "/datacube/getcardmembercardinfo", req)
}

// GetMemberCardDetailRequest asks for one member card's statistics (row 49).
type GetMemberCardDetailRequest struct {
	BeginDate CivilDate `json:"begin_date"`
	EndDate   CivilDate `json:"end_date"`
	CardID    string    `json:"card_id"`
}

// Validate checks the dates and CardID.
func (r GetMemberCardDetailRequest) Validate() error {
	var v cv
	catDateRange(&v, r.BeginDate, r.EndDate)
	v.cardID("CardID", r.CardID, true)
	return v.err()
}

// MemberCardDetail is one day of one member card (WeChat's odd key casing:
// cardid, merchanttype, payOriginalFee).
type MemberCardDetail struct {
	RefDate       CivilDate `json:"ref_date"`
	MerchantType  int       `json:"merchanttype"`
	CardID        string    `json:"cardid"`
	SubMerchantID int64     `json:"submerchantid"`
	CardCounters
	ActiveCnt      int64      `json:"active_cnt"`
	ActiveUser     int64      `json:"active_user"`
	TotalUser      int64      `json:"total_user"`
	NewUser        int64      `json:"new_user"`
	PayOriginalFee card.Money `json:"-"` // payOriginalFee, fen
	Fee            card.Money `json:"-"` // fee, fen
}

// UnmarshalJSON reads the fees as fen.
func (m *MemberCardDetail) UnmarshalJSON(b []byte) error {
	type plain MemberCardDetail
	w := struct {
		*plain
		PayOriginalFee int64 `json:"payOriginalFee"`
		Fee            int64 `json:"fee"`
	}{plain: (*plain)(m)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	m.PayOriginalFee, m.Fee = card.Money(w.PayOriginalFee), card.Money(w.Fee)
	return nil
}

// MarshalJSON writes the fees as fen.
func (m MemberCardDetail) MarshalJSON() ([]byte, error) {
	type plain MemberCardDetail
	return catMarshal(struct {
		plain
		PayOriginalFee int64 `json:"payOriginalFee"`
		Fee            int64 `json:"fee"`
	}{plain(m), int64(m.PayOriginalFee), int64(m.Fee)})
}

// GetMemberCardDetailResponse holds one row per day.
type GetMemberCardDetailResponse struct {
	List []MemberCardDetail `json:"list"`
}

// GetMemberCardDetail returns one member card's statistics (POST /datacube/getcardmembercarddetail).
func (p *Provider) GetMemberCardDetail(ctx context.Context, req GetMemberCardDetailRequest) (*GetMemberCardDetailResponse, error) {
	return invoke[GetMemberCardDetailResponse](ctx, p, "GetMemberCardDetail", "/datacube/getcardmembercarddetail", req)
}
