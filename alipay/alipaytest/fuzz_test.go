package alipaytest

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzParseRequest feeds arbitrary requests to the gateway's parser and
// common-parameter check. Whatever comes in, the parser must not panic,
// parameters must be single-valued, and nothing without a valid signature
// may pass the check.
func FuzzParseRequest(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "", []byte("app_id=2021000000000001&method=alipay.marketing.card.query&format=JSON&charset=utf-8&sign_type=RSA2&timestamp=2024-01-01+00%3A00%3A00&version=1.0&biz_content=%7B%7D&sign=AAAA"))
	f.Add("multipart/form-data; boundary=xyz", "method=alipay.offline.material.image.upload",
		[]byte("--xyz\r\nContent-Disposition: form-data; name=\"image_type\"\r\n\r\npng\r\n--xyz\r\nContent-Disposition: form-data; name=\"image_content\"; filename=\"a.png\"\r\n\r\n\x89PNG\r\n--xyz--\r\n"))
	f.Add("", "a=1&a=2", []byte(nil))
	f.Add("application/json", "", []byte(`{"method":"x"}`))
	f.Add("application/x-www-form-urlencoded;charset=utf-8", "sign=%zz", []byte("biz_content=%7B%22a%22%3A%5B1%2C2%5D%7D"))
	srv := NewServer(nil)
	defer srv.Close()
	f.Fuzz(func(t *testing.T, contentType, query string, body []byte) {
		r := httptest.NewRequest("POST", "/gateway.do", bytes.NewReader(body))
		r.URL.RawQuery = query
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		params, form, err := parseRequest(r)
		if form != nil {
			_ = form.RemoveAll()
		}
		if err != nil {
			return
		}
		for k, v := range params {
			if len(v) != 1 {
				t.Fatalf("parameter %q has %d values", k, len(v))
			}
		}
		sc := signContent(params)
		if strings.Contains("&"+sc, "&sign=") {
			t.Fatalf("sign is part of the signed content: %q", sc)
		}
		if _, _, e := srv.checkCommon(params); e == nil {
			t.Fatalf("unsigned fuzz input passed the gateway checks: %v", params)
		} else if !e.unsigned {
			t.Fatal("gateway rejections are unsigned error_response bodies")
		}
	})
}

// FuzzBizContent feeds arbitrary biz_content to every method's decoder and
// validator (bypassing the signature). Nothing may panic, and every answer
// must be a JSON object with a code (or, for oauth.token, a token).
func FuzzBizContent(f *testing.F) {
	f.Add(uint8(0), `{"request_id":"r","card_type":"OUT_MEMBER_CARD","biz_no_suffix_len":"10","template_style_info":{}}`, "")
	f.Add(uint8(7), `{"out_serial_no":"1","card_template_id":"t","card_user_info":{"user_uni_id":"2088000000000001","user_uni_id_type":"UID"},"card_ext_info":{"external_card_no":"e","point":1e400}}`, "tok")
	f.Add(uint8(9), `{"target_card_no":"x","target_card_no_type":"BIZ_CARD","occur_time":"2024-01-01 00:00:00","card_info":{"balance":"-0.01"}}`, "")
	f.Add(uint8(4), `{"template_id":"t","fields":{"required":"{\"common_fields\":[1]}"}}`, "")
	f.Add(uint8(12), `{"target_card_no":null,"notify_info":{"expired_point":[]}}`, "")
	f.Add(uint8(3), `{"page_no":-1,"page_size":"x"}`, "")
	f.Add(uint8(18), ``, "")
	srv := NewServer(nil)
	defer srv.Close()
	methods := []string{
		MethodTemplateCreate, MethodTemplateModify, MethodTemplateQuery, MethodTemplateBatchQuery,
		MethodFormTemplateSet, MethodActivateURLApply, MethodActivateFormQuery,
		MethodCardOpen, MethodCardQuery, MethodCardUpdate, MethodCardDelete,
		MethodConsumeSync, MethodMessageNotify,
		MethodBenefitCreate, MethodBenefitModify, MethodBenefitQuery, MethodBenefitDelete,
		MethodImageUpload, MethodOAuthToken, MethodUserInfoShare,
	}
	tok := srv.IssueToken(DemoUserID, ScopeAuthECard, ScopeAuthUser)
	f.Fuzz(func(t *testing.T, m uint8, biz, token string) {
		method := methods[int(m)%len(methods)]
		if token == "tok" {
			token = tok
		}
		req := &request{method: method, params: url.Values{"auth_token": {token}, "grant_type": {biz}, "code": {biz}}, biz: biz, now: time.Now()}
		srv.mu.Lock()
		resp, e := srv.dispatch(req)
		srv.mu.Unlock()
		if e != nil {
			if e.Code == "" || e.SubCode == "" {
				t.Fatalf("failure without code/sub_code: %+v", e)
			}
			resp = errorNode(e)
		}
		b, err := json.Marshal(resp)
		if err != nil || !json.Valid(b) || b[0] != '{' {
			t.Fatalf("answer %q: %v", b, err)
		}
	})
}
