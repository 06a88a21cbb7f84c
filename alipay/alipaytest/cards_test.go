package alipaytest

import (
	"strings"
	"testing"
	"time"

	card "github.com/walletcard/card"
)

func TestCardLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	tpl := e.template(nil)

	uid := e.srv.NewUser()
	tok := e.srv.IssueToken(uid, ScopeAuthECard)
	openBiz := map[string]any{
		"out_serial_no":    "serial-1",
		"card_template_id": tpl,
		"card_user_info":   map[string]string{"user_uni_id": uid, "user_uni_id_type": "UID"},
		"card_ext_info": map[string]any{
			"external_card_no": "M0001",
			"open_date":        "2024-02-20 21:20:46",
			"valid_date":       "2030-02-20 21:20:46",
			"level":            "VIP1",
			"point":            "88.50",
			"balance":          "10.05",
		},
		"member_ext_info":   map[string]string{"name": "张三", "cell": "13800000000"},
		"open_card_channel": "QR",
	}
	r := e.ok(MethodCardOpen, openBiz, map[string]string{"auth_token": tok})
	var ci map[string]string
	r.obj(t, "card_info", &ci)
	no := ci["biz_card_no"]
	if no != "wc000000000001" {
		t.Fatalf("biz_card_no = %q, want prefix + 12 zero-padded digits", no)
	}
	if ci["point"] != "88.50" || ci["balance"] != "10.05" || ci["level"] != "VIP1" || ci["open_date"] != "2024-02-20 21:20:46" || ci["external_card_no"] != "M0001" {
		t.Fatalf("card_info = %v", ci)
	}
	if r.str("open_card_channel") != "QR" {
		t.Fatalf("open_card_channel = %q", r.str("open_card_channel"))
	}

	// Same out_serial_no: the same card, not a second one.
	r2 := e.ok(MethodCardOpen, openBiz, map[string]string{"auth_token": tok})
	var ci2 map[string]string
	r2.obj(t, "card_info", &ci2)
	if ci2["biz_card_no"] != no || e.srv.CardCount() != 1 {
		t.Fatalf("replay gave %q, %d cards", ci2["biz_card_no"], e.srv.CardCount())
	}
	// New serial, same user and template: CARD_HAS_OPENED.
	openBiz["out_serial_no"] = "serial-2"
	e.fails(MethodCardOpen, openBiz, map[string]string{"auth_token": tok}, "40004", "CARD_HAS_OPENED")

	got, ok := e.srv.Card(no)
	if !ok || got.UserID != uid || got.TemplateID != tpl || got.Point != "88.50" || got.Balance != "10.05" ||
		!got.OpenDate.Equal(time.Date(2024, 2, 20, 21, 20, 46, 0, card.Beijing())) ||
		got.Member["name"] != "张三" || got.Member["cell"] != "13800000000" {
		t.Fatalf("Card = %+v", got)
	}

	// Query.
	q := e.ok(MethodCardQuery, map[string]any{"target_card_no_type": "BIZ_CARD", "target_card_no": no}, nil)
	var qi map[string]string
	q.obj(t, "card_info", &qi)
	if qi["biz_card_no"] != no || qi["point"] != "88.50" || q.str("pass_id") == "" || !strings.HasPrefix(q.str("schema_url"), "alipays://") {
		t.Fatalf("query = %v %v", qi, q.raw)
	}
	e.ok(MethodCardQuery, map[string]any{"target_card_no_type": "EXTERNAL_CARD", "target_card_no": "M0001"}, nil)
	e.fails(MethodCardQuery, map[string]any{"target_card_no_type": "BIZ_CARD", "target_card_no": "nope"}, nil, "40004", "CARD_NOT_EXIT")

	// Update: absolute values.
	upd := map[string]any{
		"target_card_no": no, "target_card_no_type": "BIZ_CARD", "occur_time": "2024-03-01 10:00:00",
		"card_info":              map[string]any{"point": "188", "balance": "0.99", "level": "VIP2"},
		"merchant_card_msg_info": map[string]string{"changed_point": "99.5"},
	}
	e.ok(MethodCardUpdate, upd, nil)
	got, _ = e.srv.Card(no)
	if got.Point != "188" || got.Balance != "0.99" || got.Level != "VIP2" {
		t.Fatalf("after update: %+v", got)
	}
	// Card face: front image, text rows and dynamic code are kept; a later
	// update without them leaves them alone.
	upd["card_info"] = map[string]any{"front_image_id": "img1", "front_text_list": []map[string]string{{"label": "积分", "value": "188"}},
		"mdcode_info": map[string]any{"code_status": "SUCCESS", "code_value": "9876", "expire_time": "2030-01-01 00:00:00", "time_stamp": 1}}
	e.ok(MethodCardUpdate, upd, nil)
	upd["card_info"] = map[string]any{"point": "188"}
	e.ok(MethodCardUpdate, upd, nil)
	got, _ = e.srv.Card(no)
	if got.FrontImageID != "img1" || len(got.FrontText) != 1 || got.FrontText[0] != (FrontText{"积分", "188"}) || got.MdCodeStatus != "SUCCESS" || got.MdCodeValue != "9876" {
		t.Fatalf("card face: %+v", got)
	}
	got.FrontText[0].Label = "changed" // a copy
	if again, _ := e.srv.Card(no); again.FrontText[0].Label != "积分" {
		t.Fatal("Card shares its front text with the caller")
	}
	upd["card_info"] = map[string]any{"front_text_list": []map[string]string{{"label": strings.Repeat("x", 65)}}}
	e.fails(MethodCardUpdate, upd, nil, "40004", "INVALID_PARAMETER")
	upd["card_info"] = map[string]any{"level": "GOLD"}
	e.fails(MethodCardUpdate, upd, nil, "40004", "INVALID_PARAMETER")
	upd["card_info"] = map[string]any{"point": "1.005"}
	e.fails(MethodCardUpdate, upd, nil, "40004", "INVALID_PARAMETER")
	delete(upd, "occur_time")
	upd["card_info"] = map[string]any{"point": "1"}
	e.fails(MethodCardUpdate, upd, nil, "40004", "INVALID_PARAMETER")

	// Delete, idempotent on out_serial_no.
	del := map[string]any{"out_serial_no": "del-1", "target_card_no": no, "target_card_no_type": "BIZ_CARD", "reason_code": "USER_UNBUND"}
	d1 := e.ok(MethodCardDelete, del, nil)
	d2 := e.ok(MethodCardDelete, del, nil)
	if d1.str("biz_serial_no") == "" || d1.str("biz_serial_no") != d2.str("biz_serial_no") {
		t.Fatalf("biz_serial_no %q vs %q", d1.str("biz_serial_no"), d2.str("biz_serial_no"))
	}
	del["out_serial_no"] = "del-2"
	e.fails(MethodCardDelete, del, nil, "40004", "CARD_IS_DELETED_ALREADY")
	e.fails(MethodCardQuery, map[string]any{"target_card_no_type": "BIZ_CARD", "target_card_no": no}, nil, "40004", "CARD_NOT_EXIT")
	got, _ = e.srv.Card(no)
	if !got.Deleted || got.DeleteReason != "USER_UNBUND" || e.srv.CardCount() != 0 {
		t.Fatalf("after delete: %+v count %d", got, e.srv.CardCount())
	}
	// After unbinding the user may open again under a new serial.
	openBiz["out_serial_no"] = "serial-3"
	e.ok(MethodCardOpen, openBiz, map[string]string{"auth_token": tok})
	if e.srv.CardCount() != 1 {
		t.Fatalf("CardCount = %d", e.srv.CardCount())
	}
}

func TestCardNumbersUniqueAcrossTemplates(t *testing.T) {
	e := newEnv(t, nil)
	a, b := e.template(nil), e.template(nil) // same prefix "wc"
	c := e.template(map[string]any{"biz_no_prefix": "wc0", "biz_no_suffix_len": "11"})
	seen := map[string]bool{}
	for _, tpl := range []string{a, b, c, a, c} {
		_, no := e.open(tpl, nil)
		if seen[no] || len(no) != 14 {
			t.Fatalf("card number %q repeated or malformed", no)
		}
		seen[no] = true
	}
	if e.srv.CardCount() != 5 {
		t.Fatal("CardCount")
	}
}

func TestCardOpenValidation(t *testing.T) {
	e := newEnv(t, nil)
	tpl := e.template(nil)
	uid := e.srv.NewUser()
	tok := e.srv.IssueToken(uid, ScopeAuthECard)
	valid := func() map[string]any {
		return map[string]any{
			"out_serial_no": randomID(20), "card_template_id": tpl,
			"card_user_info": map[string]any{"user_uni_id": uid, "user_uni_id_type": "UID"},
			"card_ext_info":  map[string]any{"external_card_no": "E1", "level": "VIP1", "point": "1", "balance": "1.00"},
		}
	}
	ext := func(m map[string]any) map[string]any { return m["card_ext_info"].(map[string]any) }
	cases := []struct {
		name   string
		mutate func(m map[string]any)
		sub    string
	}{
		{"no serial", func(m map[string]any) { delete(m, "out_serial_no") }, "INVALID_PARAMETER"},
		{"long serial", func(m map[string]any) { m["out_serial_no"] = strings.Repeat("s", 65) }, "INVALID_PARAMETER"},
		{"no template", func(m map[string]any) { delete(m, "card_template_id") }, "INVALID_PARAMETER"},
		{"no user info", func(m map[string]any) { delete(m, "card_user_info") }, "INVALID_PARAMETER"},
		{"id type", func(m map[string]any) { m["card_user_info"].(map[string]any)["user_uni_id_type"] = "MOBILE" }, "INVALID_PARAMETER"},
		{"unknown open_id", func(m map[string]any) {
			m["card_user_info"] = map[string]any{"open_id": "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5", "user_uni_id_type": "UID"}
		}, "INVALID_PARAMETER"},
		{"open_id of another user", func(m map[string]any) {
			other, _ := e.srv.OpenID(DemoUserID)
			m["card_user_info"].(map[string]any)["open_id"] = other
		}, "INVALID_PARAMETER"},
		{"no user id", func(m map[string]any) { m["card_user_info"] = map[string]any{"user_uni_id_type": "UID"} }, "INVALID_PARAMETER"},
		{"no ext info", func(m map[string]any) { delete(m, "card_ext_info") }, "INVALID_PARAMETER"},
		{"biz_card_no sent", func(m map[string]any) { ext(m)["biz_card_no"] = "x" }, "INVALID_PARAMETER"},
		{"no external_card_no", func(m map[string]any) { delete(ext(m), "external_card_no") }, "INVALID_PARAMETER"},
		{"three decimals", func(m map[string]any) { ext(m)["point"] = "1.005" }, "INVALID_PARAMETER"},
		{"float-ish point", func(m map[string]any) { ext(m)["point"] = "1e3" }, "INVALID_PARAMETER"},
		{"negative balance", func(m map[string]any) { ext(m)["balance"] = "-1.00" }, "INVALID_PARAMETER"},
		{"bad open_date", func(m map[string]any) { ext(m)["open_date"] = "2024/01/01" }, "INVALID_PARAMETER"},
		{"valid before open", func(m map[string]any) {
			ext(m)["open_date"] = "2024-01-02 00:00:00"
			ext(m)["valid_date"] = "2024-01-01 00:00:00"
		}, "INVALID_PARAMETER"},
		{"level not in template", func(m map[string]any) { ext(m)["level"] = "DIAMOND" }, "INVALID_PARAMETER"},
		{"five front rows", func(m map[string]any) {
			ext(m)["front_text_list"] = []map[string]string{{"label": "a"}, {"label": "b"}, {"label": "c"}, {"label": "d"}, {"label": "e"}}
		}, "INVALID_PARAMETER"},
		{"bad birth", func(m map[string]any) { m["member_ext_info"] = map[string]string{"birth": "1990-13-01"} }, "INVALID_PARAMETER"},
		{"unknown template", func(m map[string]any) { m["card_template_id"] = "20240101000000000000000000009999" }, "TEMPLATE_NOT_EXIT"},
	}
	for _, c := range cases {
		m := valid()
		c.mutate(m)
		r := e.call(MethodCardOpen, m, map[string]string{"auth_token": tok})
		if r.Code != "40004" || r.SubCode != c.sub {
			t.Errorf("%s: got %s %s (%s), want 40004 %s", c.name, r.Code, r.SubCode, r.SubMsg, c.sub)
		}
	}
	if e.srv.CardCount() != 0 {
		t.Fatal("an invalid open created a card")
	}
	// A number where a string is expected is read as its text, as Alipay does.
	m := valid()
	ext(m)["point"] = 88.5
	r := e.ok(MethodCardOpen, m, map[string]string{"auth_token": tok})
	var ci map[string]string
	r.obj(t, "card_info", &ci)
	if ci["point"] != "88.5" {
		t.Fatalf("point %q", ci["point"])
	}
	// The serial now belongs to that card: another template cannot reuse it.
	tpl2 := e.template(nil)
	m["card_template_id"] = tpl2
	e.fails(MethodCardOpen, m, map[string]string{"auth_token": tok}, "40004", "INVALID_PARAMETER")
}

func TestCardUpdateTemplateSwitch(t *testing.T) {
	e := newEnv(t, nil)
	tpl := e.template(nil)
	gold := e.template(map[string]any{"card_level_conf": []map[string]string{{"level": "GOLD"}}})
	free := e.template(map[string]any{"card_level_conf": nil})
	uid, no := e.open(tpl, map[string]any{"level": "VIP1", "point": "5"})
	upd := func(info map[string]any) map[string]any {
		return map[string]any{"target_card_no": no, "target_card_no_type": "BIZ_CARD", "occur_time": "2024-03-01 10:00:00", "card_info": info}
	}
	// VIP1 is not a level of the GOLD template.
	e.fails(MethodCardUpdate, upd(map[string]any{"template_id": gold}), nil, "40004", "INVALID_PARAMETER")
	e.fails(MethodCardUpdate, upd(map[string]any{"template_id": "20240101000000000000000000009999"}), nil, "40004", "TEMPLATE_NOT_EXIT")
	e.fails(MethodCardUpdate, upd(map[string]any{"open_date": "2000-01-01 00:00:00"}), nil, "40004", "INVALID_PARAMETER")
	e.fails(MethodCardUpdate, upd(map[string]any{"biz_card_no": "other"}), nil, "40004", "INVALID_PARAMETER")
	bad := upd(map[string]any{})
	bad["target_card_no_type"] = "EXTERNAL_CARD"
	e.fails(MethodCardUpdate, bad, nil, "40004", "INVALID_PARAMETER")
	bad = upd(map[string]any{})
	bad["target_card_no"] = "missing"
	e.fails(MethodCardUpdate, bad, nil, "40004", "CARD_NOT_EXIT")

	e.ok(MethodCardUpdate, upd(map[string]any{"template_id": gold, "level": "GOLD"}), nil)
	c, _ := e.srv.Card(no)
	if c.TemplateID != gold || c.Level != "GOLD" || c.Point != "5" {
		t.Fatalf("after switch %+v", c)
	}
	// A template without levels takes any level.
	e.ok(MethodCardUpdate, upd(map[string]any{"template_id": free, "level": "ANYTHING"}), nil)
	// The user no longer holds a card of the first template and may open one.
	tok := e.srv.IssueToken(uid, ScopeAuthECard)
	e.ok(MethodCardOpen, map[string]any{
		"out_serial_no": "again", "card_template_id": tpl,
		"card_user_info": map[string]string{"user_uni_id": uid, "user_uni_id_type": "UID"},
		"card_ext_info":  map[string]any{"external_card_no": "E2"},
	}, map[string]string{"auth_token": tok})
	// …and cannot move the second card onto the template the first is on.
	var second string
	for _, x := range []string{"wc000000000001", "wc000000000002"} {
		if cc, ok := e.srv.Card(x); ok && cc.TemplateID == tpl {
			second = x
		}
	}
	r := e.call(MethodCardUpdate, map[string]any{"target_card_no": second, "target_card_no_type": "BIZ_CARD", "occur_time": "2024-03-01 10:00:00",
		"card_info": map[string]any{"template_id": free}}, nil)
	if r.SubCode != "CARD_HAS_OPENED" {
		t.Fatalf("got %s %s", r.Code, r.SubCode)
	}
}

func TestCardQueryAndDeleteRules(t *testing.T) {
	e := newEnv(t, nil)
	tpl := e.template(nil)
	uid, no := e.open(tpl, nil)
	q := func(m map[string]any) map[string]any {
		base := map[string]any{"target_card_no_type": "BIZ_CARD", "target_card_no": no}
		for k, v := range m {
			base[k] = v
		}
		return base
	}
	e.ok(MethodCardQuery, q(map[string]any{"card_user_info": map[string]string{"user_uni_id": uid, "user_uni_id_type": "UID"}}), nil)
	e.fails(MethodCardQuery, q(map[string]any{"card_user_info": map[string]string{"user_uni_id": "2088999999999999", "user_uni_id_type": "UID"}}), nil, "40004", "CARD_NOT_EXIT")
	e.fails(MethodCardQuery, q(map[string]any{"template_id": "20240101000000000000000000009999"}), nil, "40004", "CARD_NOT_EXIT")
	e.fails(MethodCardQuery, q(map[string]any{"target_card_no_type": "D_QR_CODE"}), nil, "40004", "CARD_NOT_EXIT")
	e.fails(MethodCardQuery, q(map[string]any{"target_card_no_type": "PHONE"}), nil, "40004", "INVALID_PARAMETER")
	e.fails(MethodCardQuery, q(map[string]any{"target_card_no": strings.Repeat("9", 33)}), nil, "40004", "INVALID_PARAMETER")

	del := func(m map[string]any) map[string]any {
		base := map[string]any{"out_serial_no": "d1", "target_card_no": no, "target_card_no_type": "BIZ_CARD", "reason_code": "PRESENT"}
		for k, v := range m {
			base[k] = v
		}
		return base
	}
	e.fails(MethodCardDelete, del(map[string]any{"reason_code": "LOST"}), nil, "40004", "INVALID_PARAMETER")
	e.fails(MethodCardDelete, del(map[string]any{"ext_info": "not json"}), nil, "40004", "INVALID_PARAMETER")
	e.fails(MethodCardDelete, del(map[string]any{"ext_info": `{"donee_user_id":"12"}`}), nil, "40004", "INVALID_PARAMETER")
	e.fails(MethodCardDelete, del(map[string]any{"out_serial_no": strings.Repeat("x", 33)}), nil, "40004", "INVALID_PARAMETER")
	e.fails(MethodCardDelete, del(map[string]any{"target_card_no": "missing"}), nil, "40004", "CARD_NOT_EXIT")
	e.ok(MethodCardDelete, del(map[string]any{"ext_info": `{"new_card_no":"12345","donee_user_id":"2088102130652460"}`}), nil)
	c, _ := e.srv.Card(no)
	if !c.Deleted || c.DeleteReason != "PRESENT" || c.DeleteExtInfo["new_card_no"] != "12345" || c.DeleteExtInfo["donee_user_id"] != "2088102130652460" {
		t.Fatalf("%+v", c)
	}
	// The serial is bound to that card.
	_, no2 := e.open(tpl, nil)
	e.fails(MethodCardDelete, del(map[string]any{"target_card_no": no2}), nil, "40004", "INVALID_PARAMETER")
	e.fails(MethodCardUpdate, map[string]any{"target_card_no": no, "target_card_no_type": "BIZ_CARD", "occur_time": "2024-03-01 10:00:00", "card_info": map[string]any{}}, nil, "40004", "CARD_NOT_EXIT")
}

func TestCardOpenByOpenID(t *testing.T) {
	e := newEnv(t, nil)
	tpl := e.template(nil)
	uid := e.srv.NewUser()
	oid, ok := e.srv.OpenID(uid)
	if !ok || len(oid) < 16 || oid == uid {
		t.Fatalf("OpenID(%s) = %q, %v", uid, oid, ok)
	}
	if _, ok := e.srv.OpenID("2088999999999999"); ok {
		t.Fatal("OpenID of an unknown user")
	}
	tok := e.srv.IssueToken(uid, ScopeAuthECard)
	open := map[string]any{
		"out_serial_no": randomID(20), "card_template_id": tpl,
		"card_user_info": map[string]any{"open_id": oid, "user_uni_id_type": "UID"},
		"card_ext_info":  map[string]any{"external_card_no": "OID1"},
	}
	// Another user's token cannot open a card for this open_id.
	e.fails(MethodCardOpen, open, map[string]string{"auth_token": e.srv.IssueToken(e.srv.NewUser(), ScopeAuthECard)}, "40004", "USER_AUTH_FAIL")
	r := e.ok(MethodCardOpen, open, map[string]string{"auth_token": tok})
	var ci map[string]string
	r.obj(t, "card_info", &ci)
	got, ok := e.srv.Card(ci["biz_card_no"])
	if !ok || got.UserID != uid {
		t.Fatalf("card %+v, want holder %s", got, uid)
	}
	// The same user by user_uni_id already holds a card of this template.
	open["out_serial_no"] = randomID(20)
	open["card_user_info"] = map[string]any{"user_uni_id": uid, "user_uni_id_type": "UID"}
	e.fails(MethodCardOpen, open, map[string]string{"auth_token": tok}, "40004", "CARD_HAS_OPENED")
	// card.query filters by open_id too.
	q := map[string]any{"target_card_no_type": "BIZ_CARD", "target_card_no": ci["biz_card_no"],
		"card_user_info": map[string]any{"open_id": oid, "user_uni_id_type": "UID"}}
	e.ok(MethodCardQuery, q, nil)
	other, _ := e.srv.OpenID(DemoUserID)
	q["card_user_info"] = map[string]any{"open_id": other, "user_uni_id_type": "UID"}
	e.fails(MethodCardQuery, q, nil, "40004", "CARD_NOT_EXIT")
}
