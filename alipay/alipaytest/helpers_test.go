package alipaytest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	alipay "github.com/smartwalle/alipay/v3"
)

// result captures any response node.
type result struct {
	alipay.Error
	raw map[string]json.RawMessage
}

func (r *result) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &r.Error); err != nil {
		return err
	}
	return json.Unmarshal(b, &r.raw)
}

// str returns a string member of the node.
func (r *result) str(k string) string {
	var s string
	_ = json.Unmarshal(r.raw[k], &s)
	return s
}

// obj decodes a member into v.
func (r *result) obj(t testing.TB, k string, v any) {
	t.Helper()
	if err := json.Unmarshal(r.raw[k], v); err != nil {
		t.Fatalf("member %s: %v (raw %s)", k, err, r.raw[k])
	}
}

type env struct {
	t   testing.TB
	srv *Server
	c   *alipay.Client
}

func newEnv(t testing.TB, opts *Options) *env {
	t.Helper()
	srv := NewServer(opts)
	t.Cleanup(srv.Close)
	c, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, srv: srv, c: c}
}

// call sends method with biz fields and top-level params and returns the
// node; transport/verification errors fail the test.
func (e *env) call(method string, biz map[string]any, params map[string]string) *result {
	e.t.Helper()
	r, err := e.try(method, biz, params)
	if err != nil {
		e.t.Fatalf("%s: %v", method, err)
	}
	return r
}

func (e *env) try(method string, biz map[string]any, params map[string]string) (*result, error) {
	p := alipay.NewPayload(method)
	for k, v := range biz {
		p.AddBizField(k, v)
	}
	for k, v := range params {
		p.AddParam(k, v)
	}
	var r result
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := e.c.Request(ctx, p, &r)
	return &r, err
}

// ok calls and requires code 10000.
func (e *env) ok(method string, biz map[string]any, params map[string]string) *result {
	e.t.Helper()
	r := e.call(method, biz, params)
	if r.Code != alipay.CodeSuccess {
		e.t.Fatalf("%s: code %s %s %s", method, r.Code, r.SubCode, r.SubMsg)
	}
	return r
}

// fails calls and requires a signed failure with code and subCode.
func (e *env) fails(method string, biz map[string]any, params map[string]string, code, subCode string) *result {
	e.t.Helper()
	r := e.call(method, biz, params)
	if string(r.Code) != code || r.SubCode != subCode {
		e.t.Fatalf("%s: got %s %s (%s), want %s %s", method, r.Code, r.SubCode, r.SubMsg, code, subCode)
	}
	return r
}

// gatewayErr requires an *alipay.Error from SW with code and subCode.
func gatewayErr(t *testing.T, err error, code, subCode string) {
	t.Helper()
	var ae *alipay.Error
	if !errors.As(err, &ae) {
		t.Fatalf("want *alipay.Error %s %s, got %T %v", code, subCode, err, err)
	}
	if string(ae.Code) != code || ae.SubCode != subCode {
		t.Fatalf("got %s %s (%s), want %s %s", ae.Code, ae.SubCode, ae.SubMsg, code, subCode)
	}
}

// signedRefusal requires a signed failure that smartwalle verified and
// returned as the result r (err == nil), with code and subCode.
func signedRefusal(t *testing.T, err error, r *result, code, subCode string) {
	t.Helper()
	if err != nil {
		t.Fatalf("want a verified signed refusal %s %s, got error %v", code, subCode, err)
	}
	if string(r.Code) != code || r.SubCode != subCode {
		t.Fatalf("got %s %s (%s), want %s %s", r.Code, r.SubCode, r.SubMsg, code, subCode)
	}
}

func (e *env) template(extra map[string]any) string {
	e.t.Helper()
	biz := map[string]any{
		"request_id":        "req" + randomID(20),
		"card_type":         "OUT_MEMBER_CARD",
		"biz_no_prefix":     "wc",
		"biz_no_suffix_len": "12",
		"write_off_type":    "qrcode",
		"template_style_info": map[string]any{
			"card_show_name": "测试会员卡", "logo_id": "logo", "background_id": "bg", "bg_color": "rgb(55,112,179)",
		},
		"card_level_conf": []map[string]string{{"level": "VIP1", "level_show_name": "银卡"}, {"level": "VIP2", "level_show_name": "金卡"}},
	}
	for k, v := range extra {
		biz[k] = v
	}
	r := e.ok(MethodTemplateCreate, biz, nil)
	id := r.str("template_id")
	if len(id) != 32 {
		e.t.Fatalf("template_id %q", id)
	}
	return id
}

// open opens a card for a new user and returns (user, biz_card_no).
func (e *env) open(tpl string, ext map[string]any) (string, string) {
	e.t.Helper()
	uid := e.srv.NewUser()
	tok := e.srv.IssueToken(uid, ScopeAuthECard)
	info := map[string]any{"external_card_no": "ext-" + uid}
	for k, v := range ext {
		info[k] = v
	}
	r := e.ok(MethodCardOpen, map[string]any{
		"out_serial_no":    randomID(32),
		"card_template_id": tpl,
		"card_user_info":   map[string]string{"user_uni_id": uid, "user_uni_id_type": "UID"},
		"card_ext_info":    info,
	}, map[string]string{"auth_token": tok})
	var ci struct {
		BizCardNo string `json:"biz_card_no"`
	}
	r.obj(e.t, "card_info", &ci)
	return uid, ci.BizCardNo
}
