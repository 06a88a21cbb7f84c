package alipaytest

import (
	"bytes"
	"encoding/json"
	img "image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	alipay "github.com/smartwalle/alipay/v3"
)

func TestTemplateMethods(t *testing.T) {
	e := newEnv(t, nil)
	style := map[string]any{"card_show_name": "会员卡", "logo_id": "L", "background_id": "B"}
	valid := func() map[string]any {
		return map[string]any{
			"request_id": "r-" + randomID(8), "card_type": "OUT_MEMBER_CARD", "biz_no_prefix": "ab", "biz_no_suffix_len": "8",
			"template_style_info": style,
			"card_level_conf":     []map[string]string{{"level": "L1"}},
			"field_rule_list":     []map[string]string{{"field_name": "ValidDate", "rule_name": "DATE_IN_FUTURE", "rule_value": "2y"}},
			"shop_ids":            []string{"s1"},
			"card_action_list":    []map[string]string{{"code": "A1", "text": "go", "url_type": "url", "url": "https://x.example"}},
		}
	}
	bad := []func(m map[string]any){
		func(m map[string]any) { delete(m, "request_id") },
		func(m map[string]any) { m["request_id"] = strings.Repeat("r", 33) },
		func(m map[string]any) { m["card_type"] = "COUPON" },
		func(m map[string]any) { m["biz_no_suffix_len"] = "7" },
		func(m map[string]any) { m["biz_no_suffix_len"] = "32" }, // prefix+suffix > 32
		func(m map[string]any) { m["biz_no_prefix"] = "toolongprefix" },
		func(m map[string]any) { delete(m, "template_style_info") },
		func(m map[string]any) { m["write_off_type"] = "nfc" },
		func(m map[string]any) {
			m["card_action_list"] = []map[string]string{{"code": "1"}, {"code": "2"}, {"code": "3"}, {"code": "4"}}
		},
		func(m map[string]any) { m["card_level_conf"] = []map[string]string{{"level": "L1"}, {"level": "L1"}} },
		func(m map[string]any) {
			m["field_rule_list"] = []map[string]string{{"field_name": "Point", "rule_name": "DATE_IN_FUTURE", "rule_value": "1d"}}
		},
		func(m map[string]any) { m["template_style_info"] = "not an object" },
	}
	for i, mut := range bad {
		m := valid()
		mut(m)
		r := e.call(MethodTemplateCreate, m, nil)
		if r.Code != "40004" || r.SubCode != "INVALID_PARAMETER" {
			t.Errorf("case %d: got %s %s", i, r.Code, r.SubCode)
		}
	}
	if e.srv.CallCount(MethodTemplateCreate) != len(bad) {
		t.Fatal("Calls")
	}

	m := valid()
	id := e.ok(MethodTemplateCreate, m, nil).str("template_id")
	if again := e.ok(MethodTemplateCreate, m, nil).str("template_id"); again != id {
		t.Fatalf("same request_id made a second template %s", again)
	}

	q := e.ok(MethodTemplateQuery, map[string]any{"template_id": id}, nil)
	var levels []map[string]string
	q.obj(t, "card_level_confs", &levels)
	if q.str("card_type") != "OUT_MEMBER_CARD" || q.str("biz_no_prefix") != "ab" || q.str("biz_no_suffix_len") != "8" || levels[0]["level"] != "L1" {
		t.Fatalf("query %v", q.raw)
	}
	if _, ok := q.raw["write_off_type"]; ok {
		t.Fatal("write_off_type is not in the query response")
	}
	e.fails(MethodTemplateQuery, map[string]any{"template_id": "nope"}, nil, "40004", "TEMPLATE_NOT_EXIT")
	e.fails(MethodTemplateQuery, map[string]any{}, nil, "40004", "INVALID_PARAMETER")

	// Modify: new style and levels, shop_ids only grow.
	e.ok(MethodTemplateModify, map[string]any{
		"request_id": "m1", "template_id": id,
		"template_style_info": map[string]any{"card_show_name": "新名字"},
		"card_level_conf":     []map[string]string{{"level": "L1"}, {"level": "L2"}},
		"shop_ids":            []string{"s2"},
	}, nil)
	q = e.ok(MethodTemplateQuery, map[string]any{"template_id": id}, nil)
	var st map[string]string
	var shops []string
	q.obj(t, "template_style_info", &st)
	q.obj(t, "shop_ids", &shops)
	if st["card_show_name"] != "新名字" || strings.Join(shops, ",") != "s1,s2" {
		t.Fatalf("after modify %v %v", st, shops)
	}
	e.fails(MethodTemplateModify, map[string]any{"request_id": "m2", "template_id": "nope", "template_style_info": style}, nil, "40004", "TEMPLATE_NOT_EXIT")
	e.fails(MethodTemplateModify, map[string]any{"request_id": "m2", "template_id": id}, nil, "40004", "INVALID_PARAMETER")

	// The DATE_IN_FUTURE rule fills valid_date; the new level L2 is accepted.
	_, no := e.open(id, map[string]any{"level": "L2"})
	c, _ := e.srv.Card(no)
	if !c.ValidDate.Equal(c.OpenDate.AddDate(2, 0, 0)) || !strings.HasPrefix(no, "ab") || len(no) != 10 {
		t.Fatalf("card %+v", c)
	}

	// Batch query pages in creation order.
	for i := 0; i < 21; i++ {
		e.template(nil)
	}
	p1 := e.ok(MethodTemplateBatchQuery, map[string]any{"page_no": 1, "page_size": 20}, nil)
	p2 := e.ok(MethodTemplateBatchQuery, map[string]any{"page_no": 2, "page_size": 20}, nil)
	var l1, l2 []map[string]any
	var total int
	p1.obj(t, "mcard_template", &l1)
	p2.obj(t, "mcard_template", &l2)
	p2.obj(t, "template_total", &total)
	if len(l1) != 20 || len(l2) != 2 || total != 22 || l1[0]["template_id"] != id {
		t.Fatalf("pages %d %d total %d", len(l1), len(l2), total)
	}
	e.fails(MethodTemplateBatchQuery, map[string]any{"page_size": 21}, nil, "40004", "INVALID_PARAMETER")
}

func TestActivationFormFlow(t *testing.T) {
	e := newEnv(t, nil)
	tpl := e.template(nil)

	// Form template.
	fields := func(req, opt []string) map[string]any {
		return map[string]any{"template_id": tpl, "fields": map[string]any{
			"required": map[string]any{"common_fields": req},
			"optional": map[string]any{"common_fields": opt},
		}}
	}
	e.fails(MethodActivateURLApply, map[string]any{"template_id": tpl}, nil, "40004", "OPEN_FORM_TEMPLATE_NOT_EXIST")
	e.fails(MethodFormTemplateSet, fields([]string{"OPEN_FORM_FIELD_SHOE_SIZE"}, nil), nil, "40004", "FORM_FIELD_INVALID")
	e.fails(MethodFormTemplateSet, fields([]string{FormFieldMobile}, []string{FormFieldMobile}), nil, "40004", "DUPLICATE_FORM_FIELD")
	e.fails(MethodFormTemplateSet, fields(nil, []string{FormFieldMobile}), nil, "40004", "INVALID_PARAMETER")
	bad := fields([]string{FormFieldMobile}, nil)
	bad["template_id"] = "nope"
	e.fails(MethodFormTemplateSet, bad, nil, "40004", "CARD_TEMPLATE_NOT_EXIST")
	// The SDK models type required/optional as strings; both forms work.
	e.ok(MethodFormTemplateSet, map[string]any{"template_id": tpl, "fields": map[string]any{
		"required": `{"common_fields":["OPEN_FORM_FIELD_MOBILE","OPEN_FORM_FIELD_NAME"]}`,
	}}, nil)
	e.ok(MethodFormTemplateSet, fields([]string{FormFieldMobile, FormFieldName}, []string{FormFieldBirthday}), nil)

	// Link.
	e.fails(MethodActivateURLApply, map[string]any{"template_id": tpl, "callback": "https://m.example/cb?x=1"}, nil, "40004", "INVALID_PARAMETER")
	e.fails(MethodActivateURLApply, map[string]any{"template_id": tpl, "out_string": strings.Repeat("o", 257)}, nil, "40004", "ILLEGAL_ARGUMENT_OUT_STRING")
	e.fails(MethodActivateURLApply, map[string]any{"template_id": "nope"}, nil, "40004", "CARD_TEMPLATE_NOT_EXIST")
	r := e.ok(MethodActivateURLApply, map[string]any{"template_id": tpl, "callback": "https://m.example/cb", "out_string": "mcard"}, nil)
	applyURL := r.str("apply_card_url")
	decoded, err := url.QueryUnescape(applyURL)
	if err != nil || decoded == applyURL || !strings.Contains(decoded, "template_id="+tpl) {
		t.Fatalf("apply_card_url %q must be URL-encoded", applyURL)
	}

	// The user fills the form.
	uid := e.srv.NewUser()
	_, err = e.srv.SubmitActivationForm(tpl, uid, map[string]string{FormFieldMobile: "13800000000"})
	if err == nil {
		t.Fatal("missing required field accepted")
	}
	_, err = e.srv.SubmitActivationForm(tpl, uid, map[string]string{FormFieldMobile: "1", FormFieldName: "x", FormFieldEmail: "a@b"})
	if err == nil {
		t.Fatal("field outside the form accepted")
	}
	cb, err := e.srv.SubmitActivationForm(tpl, uid, map[string]string{FormFieldMobile: "13800000000", FormFieldName: "李飞", FormFieldBirthday: "1990-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	if cb.Get("app_id") != e.srv.AppID() || cb.Get("template_id") != tpl || cb.Get("request_id") == "" || cb.Get("scope") != "auth_ecard" ||
		cb.Get("out_string") != "mcard" || cb.Get("state") != "mcard" {
		t.Fatalf("callback %v", cb)
	}

	// The merchant redeems the code, reads the form, opens the card.
	tok, err := e.c.SystemOauthToken(t.Context(), alipay.SystemOauthToken{GrantType: "authorization_code", Code: cb.Get("auth_code")})
	if err != nil || tok.UserId != uid {
		t.Fatalf("%+v %v", tok, err)
	}
	form := map[string]any{"biz_type": "MEMBER_CARD", "template_id": tpl, "request_id": cb.Get("request_id")}
	e.fails(MethodActivateFormQuery, form, nil, "20001", "aop.invalid-auth-token")
	fr := e.ok(MethodActivateFormQuery, form, map[string]string{"auth_token": tok.AccessToken})
	var infos []map[string]string
	if err := json.Unmarshal([]byte(fr.str("infos")), &infos); err != nil {
		t.Fatalf("infos must be a JSON array in a string: %s", fr.raw["infos"])
	}
	if len(infos) != 3 || infos[0][FormFieldMobile] != "13800000000" || infos[1][FormFieldName] != "李飞" || infos[2][FormFieldBirthday] != "1990-01-01" {
		t.Fatalf("infos %v", infos)
	}
	other := e.srv.IssueToken(e.srv.NewUser(), ScopeAuthECard)
	e.fails(MethodActivateFormQuery, form, map[string]string{"auth_token": other}, "40004", "REQUEST_ID_INVALID")
	form["biz_type"] = "COUPON"
	e.fails(MethodActivateFormQuery, form, map[string]string{"auth_token": tok.AccessToken}, "40004", "INVALID_PARAMETER")

	e.ok(MethodCardOpen, map[string]any{
		"out_serial_no": "o1", "card_template_id": tpl,
		"card_user_info":  map[string]string{"user_uni_id": uid, "user_uni_id_type": "UID"},
		"card_ext_info":   map[string]any{"external_card_no": "F1"},
		"member_ext_info": map[string]string{"name": "李飞", "cell": "13800000000", "birth": "1990-01-01"},
	}, map[string]string{"auth_token": tok.AccessToken})

	// The decoded link works in a "browser": the page submits and redirects.
	noRedirect := &http.Client{Transport: e.srv.HTTPClient().Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(decoded + "&" + url.Values{FormFieldMobile: {"1"}, FormFieldName: {"n"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Host != "m.example" || loc.Query().Get("request_id") == "" {
		t.Fatalf("page: %d %s", resp.StatusCode, loc)
	}
}

func TestBenefits(t *testing.T) {
	e := newEnv(t, nil)
	tpl := e.template(nil)
	b := func(title string) map[string]any {
		return map[string]any{
			"template_id": tpl, "title": title, "benefit_desc": []string{"满100减10"},
			"start_date": "2024-01-01 00:00:00", "end_date": "2025-01-01 00:00:00", "ext_info": `{"openUrl":"https://x.example"}`,
		}
	}
	e.fails(MethodBenefitCreate, map[string]any{"mcard_template_benefit": map[string]any{"template_id": tpl}}, nil, "40004", "INVALID_PARAMETER")
	bad := b("x")
	bad["end_date"] = "2023-01-01 00:00:00"
	e.fails(MethodBenefitCreate, map[string]any{"mcard_template_benefit": bad}, nil, "40004", "INVALID_PARAMETER")
	bad = b("x")
	bad["template_id"] = "nope"
	e.fails(MethodBenefitCreate, map[string]any{"mcard_template_benefit": bad}, nil, "40004", "TEMPLATE_NOT_EXIST")

	id := e.ok(MethodBenefitCreate, map[string]any{"mcard_template_benefit": b("折扣")}, nil).str("benefit_id")
	id2 := e.ok(MethodBenefitCreate, map[string]any{"mcard_template_benefit": b("生日礼")}, nil).str("benefit_id")
	if id == "" || id == id2 {
		t.Fatal("benefit ids")
	}
	r := e.ok(MethodBenefitModify, map[string]any{"benefit_id": id, "mcard_template_benefit": b("新折扣")}, nil)
	var ok bool
	r.obj(t, "result", &ok)
	if !ok {
		t.Fatal("result")
	}
	e.fails(MethodBenefitModify, map[string]any{"benefit_id": "nope", "mcard_template_benefit": b("x")}, nil, "40004", "BENEFIT_NOT_EXIST")

	q := e.ok(MethodBenefitQuery, map[string]any{"template_id": tpl}, nil)
	var list []map[string]string
	q.obj(t, "mcard_template_benefit_query", &list)
	if len(list) != 2 || list[0]["title"] != "新折扣" || list[0]["benefit_desc"] != `["满100减10"]` || list[0]["start_date"] != "2024-01-01 00:00:00" {
		t.Fatalf("query %v", list)
	}
	e.ok(MethodBenefitDelete, map[string]any{"template_id": tpl, "benefit_id": id}, nil)
	e.fails(MethodBenefitDelete, map[string]any{"template_id": tpl, "benefit_id": id}, nil, "40004", "BENEFIT_NOT_EXIST")
	e.fails(MethodBenefitQuery, map[string]any{"benefit_id": id}, nil, "40004", "BENEFIT_NOT_EXIST")
	q = e.ok(MethodBenefitQuery, map[string]any{"template_id": tpl, "benefit_id": id2}, nil)
	q.obj(t, "mcard_template_benefit_query", &list)
	if len(list) != 1 || list[0]["benefit_id"] != id2 {
		t.Fatalf("query %v", list)
	}
}

func pngBytes(t *testing.T) []byte {
	pic := img.NewRGBA(img.Rect(0, 0, 4, 4))
	pic.Set(1, 1, color.RGBA{R: 255, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, pic); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestImageUpload(t *testing.T) {
	e := newEnv(t, nil)
	data := pngBytes(t)
	upload := func(typ string, content []byte) (*result, error) {
		p := alipay.NewPayload(MethodImageUpload)
		p.AddParam("image_type", typ)
		p.AddParam("image_name", "logo")
		if content != nil {
			p.AddObject("image_content", "logo."+typ, bytes.NewReader(content))
		}
		var r result
		err := e.c.Request(t.Context(), p, &r)
		return &r, err
	}
	r, err := upload("png", data)
	if err != nil || r.Code != alipay.CodeSuccess {
		t.Fatalf("%v %+v", err, r.Error)
	}
	id, u := r.str("image_id"), r.str("image_url")
	if len(id) != 32 || !strings.HasSuffix(u, "/images/"+id) {
		t.Fatalf("image %q %q", id, u)
	}
	stored, ok := e.srv.Image(id)
	if !ok || !bytes.Equal(stored, data) {
		t.Fatal("stored bytes differ")
	}
	resp, err := e.srv.HTTPClient().Get(u)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, data) || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatal("image_url does not serve the image")
	}

	for _, c := range []struct {
		typ     string
		content []byte
		sub     string
	}{
		{"jpg", data, "UNKNOWN_FORMAT"},         // a PNG is not a JPEG
		{"tiff", data, "UNKNOWN_FORMAT"},        // unsupported type
		{"png", nil, "INVALID_PARAM"},           // no file part
		{"png", []byte{}, "INVALID_FILE_BYTES"}, // empty file
		{"png", bytes.Repeat([]byte{0}, maxImageBytes+1), "EXCEED_MAX_SIZE"},
	} {
		r, err := upload(c.typ, c.content)
		if err != nil || r.Code != "40004" || r.SubCode != c.sub {
			t.Errorf("%s: %v %s %s", c.typ, err, r.Code, r.SubCode)
		}
	}
}

func TestConsumeSyncAndMessageNotify(t *testing.T) {
	e := newEnv(t, nil)
	tpl := e.template(nil)
	_, no := e.open(tpl, map[string]any{"point": "10", "balance": "100.00"})
	sync := func(tradeNo, at string, info map[string]any) map[string]any {
		m := map[string]any{
			"target_card_no": no, "target_card_no_type": "BIZ_CARD", "trade_type": "TRADE", "trade_no": tradeNo,
			"trade_time": at, "trade_name": "咖啡", "trade_amount": "30.50", "act_pay_amount": "30.00", "swipe_cert_type": "ALIPAY",
		}
		if info != nil {
			m["card_info"] = info
		}
		return m
	}
	r := e.ok(MethodConsumeSync, sync("T1", "2024-05-01 10:00:00", map[string]any{"point": "40", "balance": "69.50"}), nil)
	if r.str("external_card_no") == "" {
		t.Fatal("external_card_no")
	}
	// An older trade is recorded but does not change the card.
	e.ok(MethodConsumeSync, sync("T0", "2024-04-01 10:00:00", map[string]any{"point": "1"}), nil)
	e.ok(MethodConsumeSync, sync("T1", "2024-05-01 10:00:00", nil), nil) // same trade_no: idempotent
	c, _ := e.srv.Card(no)
	recs := e.srv.Consumptions(no)
	if c.Point != "40" || c.Balance != "69.50" || len(recs) != 2 || recs[0].TradeAmount != "30.50" {
		t.Fatalf("card %+v records %+v", c, recs)
	}
	bad := sync("T2", "2024-06-01 10:00:00", nil)
	bad["trade_amount"] = "1.234"
	e.fails(MethodConsumeSync, bad, nil, "40004", "INVALID_PARAMETER")
	bad = sync("T2", "2024-06-01 10:00:00", nil)
	bad["trade_type"] = "GIFT"
	e.fails(MethodConsumeSync, bad, nil, "40004", "INVALID_PARAMETER")
	bad = sync("T2", "2024-06-01 10:00:00", nil)
	bad["target_card_no"] = "nope"
	e.fails(MethodConsumeSync, bad, nil, "40004", "CARD_NOT_EXIT")

	msg := map[string]any{
		"target_card_no": no, "target_card_no_type": "BIZ_CARD", "occur_time": "2024-05-02 10:00:00",
		"notify_type": "POINT_REMIND", "notify_no": "N1",
		"notify_info": map[string]string{"expired_point": "5", "expired_time": "2024-12-31 23:59:59"},
	}
	e.ok(MethodMessageNotify, msg, nil)
	e.ok(MethodMessageNotify, msg, nil) // idempotent on notify_no
	if ms := e.srv.Messages(no); len(ms) != 1 || ms[0].Info["expired_point"] != "5" {
		t.Fatalf("messages %+v", ms)
	}
	msg["notify_no"] = "N2"
	msg["notify_type"] = "BIRTHDAY"
	e.fails(MethodMessageNotify, msg, nil, "40004", "INVALID_PARAMETER")
	msg["notify_type"] = "POINT_REMIND"
	msg["target_card_no"] = "nope"
	e.fails(MethodMessageNotify, msg, nil, "40004", "CARD_NOT_EXIT")
}
