package wechat

// Sub-merchants (third-party mode, 子商户): /card/submerchant/submit, /update,
// /get and /batchget (reference rows 40–43, §3.18).

import (
	"context"
	"encoding/json"
	"time"
)

// MaxBatchGetSubMerchants is the largest limit /card/submerchant/batchget accepts.
const MaxBatchGetSubMerchants = 100

// Sub-merchant statuses.
const (
	SubMerchantChecking = "CHECKING" // 审核中
	SubMerchantApproved = "APPROVED" // 已通过
	SubMerchantRejected = "REJECTED" // 被驳回
	SubMerchantExpired  = "EXPIRED"  // 协议过期
)

// SubMerchantInfo is a sub-merchant: the fields a merchant submits, plus the
// read-only ones WeChat returns (MerchantID on get, Status, times).
type SubMerchantInfo struct {
	// MerchantID is assigned by WeChat; set it only in UpdateSubMerchantRequest (it is copied there).
	MerchantID int64  `json:"merchant_id,omitempty"`
	AppID      string `json:"app_id,omitempty"`
	BrandName  string `json:"brand_name,omitempty"` // required on submit, ≤ 12 Chinese characters
	LogoURL    string `json:"logo_url,omitempty"`   // required on submit
	// Protocol is the media_id of the authorisation agreement; required on submit.
	Protocol string `json:"protocol,omitempty"`
	// EndTime is when the agreement expires; required on submit (unix on the wire).
	EndTime             time.Time `json:"-"`
	PrimaryCategoryID   int64     `json:"primary_category_id,omitempty"`   // required on submit
	SecondaryCategoryID int64     `json:"secondary_category_id,omitempty"` // required on submit
	AgreementMediaID    string    `json:"agreement_media_id,omitempty"`
	OperatorMediaID     string    `json:"operator_media_id,omitempty"`

	// Read-only.
	Status     string    `json:"status,omitempty"`
	CreateTime time.Time `json:"-"`
	UpdateTime time.Time `json:"-"`
	BeginTime  time.Time `json:"-"`
}

type subMerchantTimes struct {
	EndTime    int64 `json:"end_time,omitempty"`
	CreateTime int64 `json:"create_time,omitempty"`
	UpdateTime int64 `json:"update_time,omitempty"`
	BeginTime  int64 `json:"begin_time,omitempty"`
}

// MarshalJSON sends the times as unix seconds.
func (s SubMerchantInfo) MarshalJSON() ([]byte, error) {
	type plain SubMerchantInfo
	return catMarshal(struct {
		plain
		subMerchantTimes
	}{plain(s), subMerchantTimes{catUnix(s.EndTime), catUnix(s.CreateTime), catUnix(s.UpdateTime), catUnix(s.BeginTime)}})
}

// UnmarshalJSON reads the unix-second times.
func (s *SubMerchantInfo) UnmarshalJSON(b []byte) error {
	type plain SubMerchantInfo
	w := struct {
		*plain
		subMerchantTimes
	}{plain: (*plain)(s)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	t := w.subMerchantTimes
	s.EndTime, s.CreateTime, s.UpdateTime, s.BeginTime = catTime(t.EndTime), catTime(t.CreateTime), catTime(t.UpdateTime), catTime(t.BeginTime)
	return nil
}

func (s *SubMerchantInfo) validate(v *cv, p string, submit bool) {
	v.zh(p+".BrandName", s.BrandName, submit, 12)
	v.str(p+".LogoURL", s.LogoURL, submit, 1<<12)
	v.str(p+".Protocol", s.Protocol, submit, 1<<10)
	if submit && s.EndTime.IsZero() {
		v.fail(p+".EndTime", "is required (the agreement's expiry)")
	}
	if submit || s.PrimaryCategoryID != 0 || s.SecondaryCategoryID != 0 {
		if s.PrimaryCategoryID <= 0 {
			v.fail(p+".PrimaryCategoryID", "is required (see GetApplyProtocol)")
		}
		if s.SecondaryCategoryID <= 0 {
			v.fail(p+".SecondaryCategoryID", "is required (see GetApplyProtocol)")
		}
	}
	if s.Status != "" || !s.CreateTime.IsZero() || !s.UpdateTime.IsZero() || !s.BeginTime.IsZero() {
		v.fail(p+".Status", "Status, CreateTime, UpdateTime and BeginTime are read-only")
	}
}

// SubmitSubMerchantRequest registers a sub-merchant (row 40).
type SubmitSubMerchantRequest struct {
	Info SubMerchantInfo `json:"info"`
}

// Validate checks the required fields.
func (r SubmitSubMerchantRequest) Validate() error {
	var v cv
	if r.Info.MerchantID != 0 {
		v.fail("Info.MerchantID", "is assigned by WeChat; leave it 0 on submit")
	}
	r.Info.validate(&v, "Info", true)
	return v.err()
}

// SubmitSubMerchantResponse is the sub-merchant as WeChat stores it.
type SubmitSubMerchantResponse struct {
	Info SubMerchantInfo `json:"info"`
}

// SubmitSubMerchant registers a sub-merchant for review (POST /card/submerchant/submit).
func (p *Provider) SubmitSubMerchant(ctx context.Context, req SubmitSubMerchantRequest) (*SubmitSubMerchantResponse, error) {
	return invoke[SubmitSubMerchantResponse](ctx, p, "SubmitSubMerchant", "/card/submerchant/submit", req)
}

// UpdateSubMerchantRequest changes a sub-merchant (row 41); Info.MerchantID is set from MerchantID.
type UpdateSubMerchantRequest struct {
	MerchantID int64
	Info       SubMerchantInfo
}

// Validate checks MerchantID and the fields set.
func (r UpdateSubMerchantRequest) Validate() error {
	var v cv
	if r.MerchantID <= 0 {
		v.fail("MerchantID", "is required")
	}
	if r.Info.MerchantID != 0 && r.Info.MerchantID != r.MerchantID {
		v.fail("Info.MerchantID", "is %d but MerchantID is %d", r.Info.MerchantID, r.MerchantID)
	}
	r.Info.validate(&v, "Info", false)
	return v.err()
}

// MarshalJSON encodes {"info":{"merchant_id":…, …}}.
func (r UpdateSubMerchantRequest) MarshalJSON() ([]byte, error) {
	info := r.Info
	info.MerchantID = r.MerchantID
	return catMarshal(struct {
		Info SubMerchantInfo `json:"info"`
	}{info})
}

// UpdateSubMerchantResponse is the sub-merchant after the change.
type UpdateSubMerchantResponse struct {
	Info SubMerchantInfo `json:"info"`
}

// UpdateSubMerchant changes a sub-merchant (POST /card/submerchant/update).
func (p *Provider) UpdateSubMerchant(ctx context.Context, req UpdateSubMerchantRequest) (*UpdateSubMerchantResponse, error) {
	return invoke[UpdateSubMerchantResponse](ctx, p, "UpdateSubMerchant", "/card/submerchant/update", req)
}

// GetSubMerchantRequest asks for one sub-merchant (row 42).
type GetSubMerchantRequest struct {
	MerchantID int64 `json:"merchant_id"`
}

// Validate checks MerchantID.
func (r GetSubMerchantRequest) Validate() error {
	var v cv
	if r.MerchantID <= 0 {
		v.fail("MerchantID", "is required")
	}
	return v.err()
}

// GetSubMerchantResponse is the sub-merchant.
type GetSubMerchantResponse struct {
	Info SubMerchantInfo `json:"info"`
}

// GetSubMerchant returns a sub-merchant (POST /card/submerchant/get).
func (p *Provider) GetSubMerchant(ctx context.Context, req GetSubMerchantRequest) (*GetSubMerchantResponse, error) {
	return invoke[GetSubMerchantResponse](ctx, p, "GetSubMerchant", "/card/submerchant/get", req)
}

// BatchGetSubMerchantsRequest lists sub-merchants from BeginID on (row 43).
type BatchGetSubMerchantsRequest struct {
	BeginID int64 `json:"begin_id"`
	// Limit is 1..100.
	Limit int `json:"limit"`
	// Status filters by status (CHECKING, APPROVED, REJECTED, EXPIRED); empty means all.
	Status string `json:"status,omitempty"`
}

// Validate checks BeginID, Limit (≤ 100) and Status.
func (r BatchGetSubMerchantsRequest) Validate() error {
	var v cv
	v.nonNeg("BeginID", r.BeginID)
	v.rangeInt("Limit", int64(r.Limit), 1, MaxBatchGetSubMerchants)
	v.oneOf("Status", r.Status, false, SubMerchantChecking, SubMerchantApproved, SubMerchantRejected, SubMerchantExpired)
	return v.err()
}

// BatchGetSubMerchantsResponse is a page of sub-merchants; pass NextBeginID
// as the next request's BeginID.
type BatchGetSubMerchantsResponse struct {
	InfoList    []SubMerchantInfo `json:"info_list"`
	NextBeginID int64             `json:"next_begin_id"`
}

// BatchGetSubMerchants lists sub-merchants (POST /card/submerchant/batchget).
func (p *Provider) BatchGetSubMerchants(ctx context.Context, req BatchGetSubMerchantsRequest) (*BatchGetSubMerchantsResponse, error) {
	return invoke[BatchGetSubMerchantsResponse](ctx, p, "BatchGetSubMerchants", "/card/submerchant/batchget", req)
}
