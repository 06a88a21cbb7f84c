package wechat

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func catSubMerchant(end time.Time) SubMerchantInfo {
	return SubMerchantInfo{BrandName: "子商户餐厅", LogoURL: "https://mmbiz.qpic.cn/sub.png", Protocol: "media_protocol_1",
		EndTime: end, PrimaryCategoryID: 1, SecondaryCategoryID: 101, AgreementMediaID: "media_agreement"}
}

func TestSubMerchants(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	end := time.Now().Add(365 * 24 * time.Hour).Truncate(time.Second)

	sub, err := p.SubmitSubMerchant(ctx, SubmitSubMerchantRequest{Info: catSubMerchant(end)})
	if err != nil {
		t.Fatal(err)
	}
	in := sub.Info
	if in.MerchantID == 0 || in.Status != SubMerchantChecking || in.BrandName != "子商户餐厅" || !in.EndTime.Equal(end) ||
		in.PrimaryCategoryID != 1 || in.SecondaryCategoryID != 101 || in.CreateTime.IsZero() {
		t.Fatalf("submitted = %+v", in)
	}
	sub2, err := p.SubmitSubMerchant(ctx, SubmitSubMerchantRequest{Info: catSubMerchant(end)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetSubMerchantStatus(sub2.Info.MerchantID, SubMerchantApproved); err != nil {
		t.Fatal(err)
	}

	up, err := p.UpdateSubMerchant(ctx, UpdateSubMerchantRequest{MerchantID: in.MerchantID, Info: SubMerchantInfo{BrandName: "新名字", PrimaryCategoryID: 2, SecondaryCategoryID: 201}})
	if err != nil {
		t.Fatal(err)
	}
	if up.Info.BrandName != "新名字" || up.Info.SecondaryCategoryID != 201 || up.Info.LogoURL != in.LogoURL {
		t.Errorf("updated = %+v", up.Info)
	}
	b, _ := json.Marshal(UpdateSubMerchantRequest{MerchantID: 12, Info: SubMerchantInfo{BrandName: "x"}})
	if string(b) != `{"info":{"merchant_id":12,"brand_name":"x"}}` {
		t.Errorf("update wire = %s", b)
	}

	got, err := p.GetSubMerchant(ctx, GetSubMerchantRequest{MerchantID: in.MerchantID})
	if err != nil {
		t.Fatal(err)
	}
	if got.Info.MerchantID != in.MerchantID || got.Info.BrandName != "新名字" {
		t.Errorf("get = %+v", got.Info)
	}

	page, err := p.BatchGetSubMerchants(ctx, BatchGetSubMerchantsRequest{Limit: 100, Status: SubMerchantApproved})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.InfoList) != 1 || page.InfoList[0].MerchantID != sub2.Info.MerchantID {
		t.Errorf("approved page = %+v", page)
	}
	all, err := p.BatchGetSubMerchants(ctx, BatchGetSubMerchantsRequest{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.InfoList) != 1 || all.NextBeginID == 0 {
		t.Errorf("first page = %+v", all)
	}

	calls := s.CallCount("")
	for _, tc := range []struct {
		run   func() error
		op    string
		field string
	}{
		{func() error {
			i := catSubMerchant(end)
			i.BrandName = strings.Repeat("名", 13)
			_, err := p.SubmitSubMerchant(ctx, SubmitSubMerchantRequest{Info: i})
			return err
		}, "SubmitSubMerchant", "Info.BrandName"},
		{func() error {
			i := catSubMerchant(end)
			i.Protocol = ""
			_, err := p.SubmitSubMerchant(ctx, SubmitSubMerchantRequest{Info: i})
			return err
		}, "SubmitSubMerchant", "Info.Protocol"},
		{func() error {
			_, err := p.SubmitSubMerchant(ctx, SubmitSubMerchantRequest{Info: catSubMerchant(time.Time{})})
			return err
		}, "SubmitSubMerchant", "Info.EndTime"},
		{func() error {
			i := catSubMerchant(end)
			i.SecondaryCategoryID = 0
			_, err := p.SubmitSubMerchant(ctx, SubmitSubMerchantRequest{Info: i})
			return err
		}, "SubmitSubMerchant", "Info.SecondaryCategoryID"},
		{func() error {
			i := catSubMerchant(end)
			i.Status = SubMerchantApproved
			_, err := p.SubmitSubMerchant(ctx, SubmitSubMerchantRequest{Info: i})
			return err
		}, "SubmitSubMerchant", "Info.Status"},
		{func() error {
			_, err := p.UpdateSubMerchant(ctx, UpdateSubMerchantRequest{Info: SubMerchantInfo{BrandName: "x"}})
			return err
		}, "UpdateSubMerchant", "MerchantID"},
		{func() error { _, err := p.GetSubMerchant(ctx, GetSubMerchantRequest{}); return err }, "GetSubMerchant", "MerchantID"},
		{func() error {
			_, err := p.BatchGetSubMerchants(ctx, BatchGetSubMerchantsRequest{Limit: 101})
			return err
		}, "BatchGetSubMerchants", "Limit"},
		{func() error {
			_, err := p.BatchGetSubMerchants(ctx, BatchGetSubMerchantsRequest{Limit: 10, Status: "PENDING"})
			return err
		}, "BatchGetSubMerchants", "Status"},
	} {
		catWantInvalid(t, tc.run(), tc.op, tc.field)
	}
	if s.CallCount("") != calls {
		t.Error("an invalid sub-merchant request was sent")
	}
}

// TestSubMerchantSample decodes the official submit answer (no errcode at all).
func TestSubMerchantSample(t *testing.T) {
	const sample = `{"info":{"merchant_id":12,"app_id":"xxxxxxxxxxxxx","create_time":1438790559,"update_time":1438790559,"brand_name":"aaaaaa",
 "logo_url":"http://mmbiz.xxxx","status":"CHECKING","begin_time":1438790559,"end_time":1438990559,
 "primary_category_id":1,"secondary_category_id":101}}`
	var r SubmitSubMerchantResponse
	if err := json.Unmarshal([]byte(sample), &r); err != nil {
		t.Fatal(err)
	}
	if r.Info.MerchantID != 12 || r.Info.EndTime.Unix() != 1438990559 || r.Info.BeginTime.Unix() != 1438790559 || r.Info.Status != "CHECKING" {
		t.Errorf("decoded = %+v", r.Info)
	}
}
