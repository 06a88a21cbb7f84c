package wechattest

import (
	"net/url"
	"strings"
	"testing"
)

func TestMemberActivateAndUserInfo(t *testing.T) {
	c := newTC(t, nil)
	id := c.createMember(nil)
	code, _ := c.s.Claim(id, "o1", "")

	m := c.ok("/card/membercard/userinfo/get", map[string]any{"card_id": id, "code": code})
	if m["has_active"] != false || m["openid"] != "o1" || m["user_card_status"] != "NORMAL" {
		t.Fatalf("before activation: %v", m)
	}
	c.fail(41011, "/card/membercard/activate", map[string]any{"card_id": id, "code": code})
	c.fail(41013, "/card/membercard/activate", map[string]any{"card_id": id, "membership_number": "M1"})
	c.fail(45021, "/card/membercard/activate", map[string]any{"card_id": id, "code": code, "membership_number": strings.Repeat("9", 21)})
	c.fail(45021, "/card/membercard/activate", map[string]any{"card_id": id, "code": code, "membership_number": "M1", "init_custom_field_value1": "一二三四五"})
	c.fail(45022, "/card/membercard/activate", map[string]any{"card_id": id, "code": code, "membership_number": "M1", "init_bonus": -1})
	c.fail(40056, "/card/membercard/activate", map[string]any{"card_id": id, "code": "000", "membership_number": "M1"})
	c.ok("/card/membercard/activate", map[string]any{
		"card_id": id, "code": code, "membership_number": "M1", "init_bonus": 100, "init_balance": "250",
		"init_custom_field_value1": "金卡", "background_pic_url": "https://mmbiz.qlogo.cn/bg.jpg",
	})
	// same number again: success, no change; a different number: 40127
	c.ok("/card/membercard/activate", map[string]any{"card_id": id, "code": code, "membership_number": "M1", "init_bonus": 999})
	c.fail(40127, "/card/membercard/activate", map[string]any{"card_id": id, "code": code, "membership_number": "M2"})

	m = c.ok("/card/membercard/userinfo/get", map[string]any{"card_id": id, "code": code})
	if m["has_active"] != true || m["membership_number"] != "M1" || num(m["bonus"]) != 100 || num(m["balance"]) != 250 {
		t.Fatalf("userinfo: %v", m)
	}
	if _, ok := path(m, "user_info", "common_field_list").([]any); !ok {
		t.Fatalf("user_info shape: %v", m)
	}
	mem, ok := c.s.Member(id, code)
	if !ok || !mem.Activated || mem.CustomFieldValues[0] != "金卡" || mem.BackgroundPicURL == "" || mem.OpenID != "o1" {
		t.Fatalf("Member: %+v", mem)
	}
	c.fail(40056, "/card/membercard/userinfo/get", map[string]any{"card_id": id, "code": "nope"})
	c.fail(41012, "/card/membercard/userinfo/get", map[string]any{"code": code})

	// a non-member card
	gc := c.ok("/card/create", couponBody("GENERAL_CARD"))["card_id"].(string)
	gcode, _ := c.s.Claim(gc, "o1", "")
	c.fail(40071, "/card/membercard/activate", map[string]any{"card_id": gc, "code": gcode, "membership_number": "x"})
}

func TestUpdateUser(t *testing.T) {
	c := newTC(t, nil)
	id := c.createMember(nil)
	code := c.activated(id, "o1", "M1")
	up := func(kv ...any) map[string]any {
		m := map[string]any{"card_id": id, "code": code}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	m := c.ok("/card/membercard/updateuser", up("add_bonus", 30, "record_bonus", "消费30元，获得3积分", "add_balance", 500))
	if num(m["result_bonus"]) != 30 || num(m["result_balance"]) != 500 || m["openid"] != "o1" {
		t.Fatalf("delta: %v", m)
	}
	// absolute wins over delta
	m = c.ok("/card/membercard/updateuser", up("bonus", 3000, "add_bonus", 30, "balance", 3000, "add_balance", -30))
	if num(m["result_bonus"]) != 3000 || num(m["result_balance"]) != 3000 {
		t.Fatalf("absolute: %v", m)
	}
	m = c.ok("/card/membercard/updateuser", up("custom_field_value2", "白金", "notify_optional", map[string]any{"is_notify_bonus": true}))
	if num(m["result_bonus"]) != 3000 {
		t.Fatalf("no-op bonus: %v", m)
	}
	if mem, _ := c.s.Member(id, code); mem.Bonus != 3000 || mem.Balance != 3000 || mem.CustomFieldValues[1] != "白金" {
		t.Fatalf("member: %+v", mem)
	}
	c.fail(45021, "/card/membercard/updateuser", up("add_bonus", 1, "record_bonus", strings.Repeat("积", 15)))
	c.fail(45021, "/card/membercard/updateuser", up("add_balance", 1, "record_balance", strings.Repeat("x", 43)))
	c.fail(45021, "/card/membercard/updateuser", up("custom_field_value3", "1234567890123"))
	c.fail(45022, "/card/membercard/updateuser", up("add_bonus", -3001))
	c.fail(45023, "/card/membercard/updateuser", up("balance", -1))
	c.fail(41013, "/card/membercard/updateuser", map[string]any{"card_id": id})
	c.fail(41012, "/card/membercard/updateuser", map[string]any{"code": code})
	c.fail(47001, "/card/membercard/updateuser", `{"card_id":"`+id+`","code":"`+code+`","bonus":"lots"}`)
	if mem, _ := c.s.Member(id, code); mem.Bonus != 3000 {
		t.Fatalf("a failed update changed state: %+v", mem)
	}
	c.ok("/card/code/unavailable", map[string]any{"card_id": id, "code": code})
	c.fail(40127, "/card/membercard/updateuser", up("add_bonus", 1))
}

func TestActivationFormFlow(t *testing.T) {
	c := newTC(t, nil)
	id := c.createMember(func(_, mc map[string]any) {
		mc["wx_activate"] = true
		mc["wx_activate_after_submit"] = true
		mc["wx_activate_after_submit_url"] = "https://merchant.example/activate"
	})
	form := map[string]any{
		"card_id":           id,
		"service_statement": map[string]any{"name": "会员守则", "url": "https://x"},
		"required_form": map[string]any{"can_modify": false, "common_field_id_list": []string{"USER_FORM_INFO_FLAG_MOBILE", "USER_FORM_INFO_FLAG_NAME"},
			"rich_field_list": []any{map[string]any{"type": "FORM_FIELD_RADIO", "name": "兴趣", "values": []string{"钢琴", "舞蹈"}}}},
		"optional_form": map[string]any{"common_field_id_list": []string{"USER_FORM_INFO_FLAG_SEX"}},
	}
	c.ok("/card/membercard/activateuserform/set", form)
	bad := map[string]any{"card_id": id, "required_form": map[string]any{"rich_field_list": []any{map[string]any{"type": "FORM_FIELD_TEXTAREA"}}}}
	c.fail(40097, "/card/membercard/activateuserform/set", bad)
	c.fail(40097, "/card/membercard/activateuserform/set", map[string]any{"card_id": id, "required_form": map[string]any{"common_field_id_list": []string{"MOBILE"}}})
	c.fail(41012, "/card/membercard/activateuserform/set", map[string]any{})

	code, _ := c.s.Claim(id, "o1", "")
	if _, err := c.s.SubmitMemberForm(id, code, "o2", nil); err == nil {
		t.Fatal("another user's code")
	}
	tk, err := c.s.SubmitMemberForm(id, code, "o1", map[string]string{
		"USER_FORM_INFO_FLAG_MOBILE": "13800000000", "USER_FORM_INFO_FLAG_NAME": "张三", "USER_FORM_INFO_FLAG_SEX": "男", "兴趣": "钢琴",
	})
	if err != nil || tk == "" {
		t.Fatal(tk, err)
	}
	for _, ticket := range []string{tk, url.QueryEscape(tk)} {
		m := c.ok("/card/membercard/activatetempinfo/get", map[string]any{"activate_ticket": ticket})
		common := path(m, "info", "common_field_list").([]any)
		custom := path(m, "info", "custom_field_list").([]any)
		if len(common) != 3 || len(custom) != 1 || path(custom[0].(map[string]any), "value") != "钢琴" {
			t.Fatalf("tempinfo: %v", m)
		}
	}
	c.fail(40097, "/card/membercard/activatetempinfo/get", map[string]any{"activate_ticket": "nope"})
	// after-submit cards wait for the merchant's activate call
	if mem, _ := c.s.Member(id, code); mem.Activated || mem.Fields["USER_FORM_INFO_FLAG_MOBILE"] != "13800000000" {
		t.Fatalf("member after form: %+v", mem)
	}
	c.ok("/card/membercard/activate", map[string]any{"card_id": id, "code": code, "membership_number": "13800000000"})
	m := c.ok("/card/membercard/userinfo/get", map[string]any{"card_id": id, "code": code})
	if m["sex"] != "MALE" || len(path(m, "user_info", "common_field_list").([]any)) != 3 || m["nickname"] == "" {
		t.Fatalf("userinfo: %v", m)
	}

	// one-click activation card: activated by the form itself
	one := c.createMember(func(_, mc map[string]any) { mc["wx_activate"] = true })
	k, _ := c.s.Claim(one, "o9", "")
	if _, err := c.s.SubmitMemberForm(one, k, "o9", map[string]string{"USER_FORM_INFO_FLAG_MOBILE": "1"}); err != nil {
		t.Fatal(err)
	}
	if mem, _ := c.s.Member(one, k); !mem.Activated || mem.MembershipNumber != k {
		t.Fatalf("one-click: %+v", mem)
	}
	// auto_activate: activated at claim
	auto := c.createMember(func(_, mc map[string]any) { mc["auto_activate"] = true })
	k, _ = c.s.Claim(auto, "o9", "")
	if mem, _ := c.s.Member(auto, k); !mem.Activated {
		t.Fatalf("auto_activate: %+v", mem)
	}

	// geturl
	m = c.ok("/card/membercard/activate/geturl", map[string]any{"card_id": id, "outer_str": "shop-1"})
	u, err := url.Parse(m["url"].(string))
	if err != nil || u.Query().Get("outer_str") != "shop-1" || u.Query().Get("encrypt_card_id") != id {
		t.Fatalf("geturl: %v", m)
	}
	c.fail(40073, "/card/membercard/activate/geturl", map[string]any{"card_id": "pNope"})
}

func TestPayGiftRules(t *testing.T) {
	clk := newClock()
	c := newTC(t, &Options{Clock: clk.Now})
	id := c.createMember(nil)
	now := clk.Now().Unix()
	rule := func(typ string, end int64) map[string]any {
		return map[string]any{"rule_info": map[string]any{
			"type":        typ,
			"base_info":   map[string]any{"mchid_list": []string{"123"}, "begin_time": now - 10, "end_time": end},
			"member_rule": map[string]any{"card_id": id, "least_cost": 100, "max_cost": 1000, "jump_url": "https://x"},
		}}
	}
	m := c.ok("/card/paygiftcard/add", rule("RULE_TYPE_PAY_MEMBER_CARD", now+3600))
	rid := m["rule_id"].(string)
	c.ok("/card/paygiftcard/add", rule("RULE_TYPE_PAY_MEMBER_CARD", now+1))
	c.fail(40097, "/card/paygiftcard/add", rule("RULE_TYPE_NOPE", now+3600))
	c.fail(41011, "/card/paygiftcard/add", rule("RULE_TYPE_SINGLE_PAY", now+3600))
	c.fail(40079, "/card/paygiftcard/add", rule("RULE_TYPE_PAY_MEMBER_CARD", now-100))
	c.fail(41011, "/card/paygiftcard/add", map[string]any{})

	g := c.ok("/card/paygiftcard/getbyid", map[string]any{"rule_id": rid})
	if path(g, "rule_info", "member_rule", "card_id") != id || path(g, "rule_info", "type") != "RULE_TYPE_PAY_MEMBER_CARD" {
		t.Fatalf("getbyid: %v", g)
	}
	clk.Add(10 * 60e9)
	b := c.ok("/card/paygiftcard/batchget", map[string]any{"type": "RULE_TYPE_PAY_MEMBER_CARD", "effective": true, "offset": 0, "count": 10})
	if num(b["total_count"]) != 1 {
		t.Fatalf("batchget effective: %v", b)
	}
	b = c.ok("/card/paygiftcard/batchget", map[string]any{"type": "RULE_TYPE_PAY_MEMBER_CARD", "offset": 0, "count": 10})
	if num(b["total_count"]) != 2 {
		t.Fatalf("batchget all: %v", b)
	}
	c.ok("/card/paygiftcard/delete", map[string]any{"rule_id": rid})
	c.fail(40097, "/card/paygiftcard/getbyid", map[string]any{"rule_id": rid})
	c.fail(40097, "/card/paygiftcard/delete", map[string]any{"rule_id": 12345})
}

func TestGeneralCardAndTickets(t *testing.T) {
	c := newTC(t, nil)
	gc := c.ok("/card/create", couponBody("GENERAL_CARD"))["card_id"].(string)
	code, _ := c.s.Claim(gc, "o1", "")
	c.ok("/card/generalcard/activate", map[string]any{"card_id": gc, "code": code, "init_bonus": 5})
	m := c.ok("/card/generalcard/updateuser", map[string]any{"card_id": gc, "code": code, "add_bonus": 5})
	if num(m["result_bonus"]) != 10 {
		t.Fatalf("general updateuser: %v", m)
	}
	c.ok("/card/generalcard/unactivate", map[string]any{"card_id": gc, "code": code})
	c.fail(40127, "/card/generalcard/unactivate", map[string]any{"card_id": gc, "code": code})
	if mem, _ := c.s.Member(gc, code); mem.Activated {
		t.Fatal("still active")
	}

	bp := c.ok("/card/create", couponBody("BOARDING_PASS"))["card_id"].(string)
	k, _ := c.s.Claim(bp, "o1", "")
	c.fail(41011, "/card/boardingpass/checkin", map[string]any{"card_id": bp, "code": k, "passenger_name": "张三"})
	c.fail(45021, "/card/boardingpass/checkin", map[string]any{"card_id": bp, "code": k, "passenger_name": "张三", "class": "头等舱经济舱", "etkt_bnr": "123"})
	c.ok("/card/boardingpass/checkin", map[string]any{"card_id": bp, "code": k, "passenger_name": "张三", "class": "头等舱", "etkt_bnr": "7812345678", "seat": "3A", "gate": "12"})
	if mem, _ := c.s.Member(bp, k); mem.Ticket["seat"] != "3A" {
		t.Fatalf("ticket: %+v", mem.Ticket)
	}
	c.ok("/card/boardingpass/checkin", map[string]any{"code": k, "is_cancel": true})
	if mem, _ := c.s.Member(bp, k); mem.Ticket["seat"] != nil || mem.Ticket["is_cancel"] != true {
		t.Fatalf("cancel: %+v", mem.Ticket)
	}

	mt := c.ok("/card/create", couponBody("MEETING_TICKET"))["card_id"].(string)
	k, _ = c.s.Claim(mt, "o1", "")
	c.fail(41011, "/card/meetingticket/updateuser", map[string]any{"card_id": mt, "code": k, "zone": "A"})
	c.ok("/card/meetingticket/updateuser", map[string]any{"card_id": mt, "code": k, "zone": "A", "entrance": "1", "seat_number": "A-1"})
	c.fail(40071, "/card/movieticket/updateuser", map[string]any{"card_id": mt, "code": k, "ticket_class": "3D", "show_time": 1, "duration": 90})

	mv := c.ok("/card/create", couponBody("MOVIE_TICKET"))["card_id"].(string)
	k, _ = c.s.Claim(mv, "o1", "")
	c.fail(41014, "/card/movieticket/updateuser", map[string]any{"card_id": mv, "code": k})
	c.fail(41015, "/card/movieticket/updateuser", map[string]any{"card_id": mv, "code": k, "ticket_class": "3D"})
	c.ok("/card/movieticket/updateuser", map[string]any{"card_id": mv, "code": k, "ticket_class": "3D", "show_time": 1700000000, "duration": 120, "screening_room": "5号厅"})
	if mem, _ := c.s.Member(mv, k); mem.Ticket["screening_room"] != "5号厅" {
		t.Fatalf("movie: %+v", mem.Ticket)
	}
}
