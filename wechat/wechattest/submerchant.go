package wechattest

import (
	"sort"
)

// Sub-merchant statuses (wire reference §3.18).
const (
	SubMerchantChecking = "CHECKING"
	SubMerchantApproved = "APPROVED"
	SubMerchantRejected = "REJECTED"
	SubMerchantExpired  = "EXPIRED"
)

type subInfoIn struct {
	MerchantID          flexInt  `json:"merchant_id"`
	BrandName           *string  `json:"brand_name"`
	LogoURL             *string  `json:"logo_url"`
	Protocol            *string  `json:"protocol"`
	EndTime             *flexInt `json:"end_time"`
	PrimaryCategoryID   *flexInt `json:"primary_category_id"`
	SecondaryCategoryID *flexInt `json:"secondary_category_id"`
	AgreementMediaID    *string  `json:"agreement_media_id"`
	OperatorMediaID     *string  `json:"operator_media_id"`
	AppID               *string  `json:"app_id"`
}

func (in *subInfoIn) check(now int64, create bool) *apiError {
	if create {
		switch {
		case in.BrandName == nil || *in.BrandName == "":
			return errm(41011, "missing required fields: info.brand_name")
		case in.LogoURL == nil || *in.LogoURL == "":
			return errm(41011, "missing required fields: info.logo_url")
		case in.Protocol == nil || *in.Protocol == "":
			return errm(41011, "missing required fields: info.protocol")
		case in.EndTime == nil:
			return errm(41011, "missing required fields: info.end_time")
		case in.PrimaryCategoryID == nil || in.SecondaryCategoryID == nil:
			return errm(41011, "missing required fields: info.primary_category_id and secondary_category_id")
		}
	}
	if in.BrandName != nil && tooLong(*in.BrandName, 12) {
		return errm(45021, "some argument may be out of length limit! brand_name is longer than 12 characters")
	}
	if in.EndTime != nil && int64(*in.EndTime) <= now {
		return errm(40079, "invalid time: end_time must be in the future")
	}
	if (in.PrimaryCategoryID == nil) != (in.SecondaryCategoryID == nil) {
		return errm(41011, "missing required fields: send primary_category_id and secondary_category_id together")
	}
	if in.PrimaryCategoryID != nil && !validCategory(int64(*in.PrimaryCategoryID), int64(*in.SecondaryCategoryID)) {
		return errm(40097, "invalid args: unknown category %d/%d (see /card/getapplyprotocol)", *in.PrimaryCategoryID, *in.SecondaryCategoryID)
	}
	return nil
}

func (in *subInfoIn) apply(m map[string]any) {
	set := func(k string, v *string) {
		if v != nil {
			m[k] = *v
		}
	}
	seti := func(k string, v *flexInt) {
		if v != nil {
			m[k] = int64(*v)
		}
	}
	set("brand_name", in.BrandName)
	set("logo_url", in.LogoURL)
	set("protocol", in.Protocol)
	set("agreement_media_id", in.AgreementMediaID)
	set("operator_media_id", in.OperatorMediaID)
	set("app_id", in.AppID)
	seti("end_time", in.EndTime)
	seti("primary_category_id", in.PrimaryCategoryID)
	seti("secondary_category_id", in.SecondaryCategoryID)
}

func (sm *subMerchant) view() map[string]any {
	m := make(map[string]any, len(sm.info))
	for k, v := range sm.info {
		if k == "protocol" || k == "agreement_media_id" || k == "operator_media_id" {
			continue
		}
		m[k] = v
	}
	return m
}

// Sub-merchant responses carry no errcode, as in the reference fixtures.
func hSubSubmit(s *Server, rq *request) (any, *apiError) {
	var in struct {
		Info *subInfoIn `json:"info"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if in.Info == nil {
		return nil, errm(41011, "missing required fields: info")
	}
	now := s.now().Unix()
	if e := in.Info.check(now, true); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.subSeq++
	sm := &subMerchant{id: s.st.subSeq, info: map[string]any{
		"merchant_id": s.st.subSeq, "app_id": "", "create_time": now, "update_time": now,
		"status": SubMerchantChecking, "begin_time": now,
	}}
	in.Info.apply(sm.info)
	s.st.subs[sm.id] = sm
	return map[string]any{"info": sm.view()}, nil
}

func hSubUpdate(s *Server, rq *request) (any, *apiError) {
	var in struct {
		Info *subInfoIn `json:"info"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if in.Info == nil || in.Info.MerchantID == 0 {
		return nil, errm(41011, "missing required fields: info.merchant_id")
	}
	now := s.now().Unix()
	if e := in.Info.check(now, false); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sm := s.st.subs[int64(in.Info.MerchantID)]
	if sm == nil {
		return nil, errc(40139)
	}
	in.Info.apply(sm.info)
	sm.info["update_time"] = now
	sm.info["status"] = SubMerchantChecking
	return map[string]any{"info": sm.view()}, nil
}

func hSubGet(s *Server, rq *request) (any, *apiError) {
	var in struct {
		MerchantID flexInt `json:"merchant_id"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if in.MerchantID == 0 {
		return nil, errm(41011, "missing required fields: merchant_id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sm := s.st.subs[int64(in.MerchantID)]
	if sm == nil {
		return nil, errc(40139)
	}
	return map[string]any{"info": sm.view()}, nil
}

func hSubBatchGet(s *Server, rq *request) (any, *apiError) {
	var in struct {
		BeginID flexInt `json:"begin_id"`
		Limit   flexInt `json:"limit"`
		Status  string  `json:"status"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if in.Limit < 1 || in.Limit > 100 || in.BeginID < 0 {
		return nil, errm(40097, "invalid args: limit must be 1..100 and begin_id >= 0")
	}
	switch in.Status {
	case "", SubMerchantChecking, SubMerchantApproved, SubMerchantRejected, SubMerchantExpired:
	default:
		return nil, errc(40140)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int64, 0, len(s.st.subs))
	for id, sm := range s.st.subs {
		if id >= int64(in.BeginID) && (in.Status == "" || sm.info["status"] == in.Status) {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	list := []map[string]any{}
	var next int64
	for i, id := range ids {
		if i == int(in.Limit) {
			next = id
			break
		}
		list = append(list, s.st.subs[id].view())
	}
	return map[string]any{"info_list": list, "next_begin_id": next}, nil
}

// SetSubMerchantStatus moves a sub-merchant to status (CHECKING, APPROVED,
// REJECTED or EXPIRED), as WeChat's review would.
func (s *Server) SetSubMerchantStatus(merchantID int64, status string) error {
	switch status {
	case SubMerchantChecking, SubMerchantApproved, SubMerchantRejected, SubMerchantExpired:
	default:
		return errc(40140).export()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sm := s.st.subs[merchantID]
	if sm == nil {
		return errc(40139).export()
	}
	sm.info["status"] = status
	sm.info["update_time"] = s.now().Unix()
	return nil
}
