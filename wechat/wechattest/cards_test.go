package wechattest

import (
	"strings"
	"testing"
)

func TestCreateAndGetCard(t *testing.T) {
	c := newTC(t, nil)
	id := c.createMember(func(base, mc map[string]any) {
		base["color"] = "Color020"
		base["location_id_list"] = []int{1, 2}
	})
	if len(id) != 28 || id[0] != 'p' {
		t.Fatalf("card_id %q does not look like WeChat's", id)
	}
	m := c.ok("/card/get", map[string]any{"card_id": id})
	if path(m, "card", "card_type") != "MEMBER_CARD" {
		t.Fatalf("card_type: %v", m)
	}
	bi := path(m, "card", "member_card", "base_info").(map[string]any)
	if bi["id"] != id || bi["status"] != StatusVerifyOK || bi["color"] != "#10AD61" {
		t.Fatalf("base_info: %v", bi)
	}
	if num(path(bi, "sku", "quantity")) != 1000 || num(path(bi, "sku", "total_quantity")) != 1000 {
		t.Fatalf("sku: %v", bi["sku"])
	}
	if path(bi, "date_info", "type") != "DATE_TYPE_PERMANENT" || bi["title"] != "会员卡" || num(bi["create_time"]) == 0 {
		t.Fatalf("base_info: %v", bi)
	}
	if path(m, "card", "member_card", "prerogative") != "会员折扣" {
		t.Fatalf("type fields not echoed: %v", m)
	}
	c.fail(40073, "/card/get", map[string]any{"card_id": "pNope"})
	c.fail(41012, "/card/get", map[string]any{})

	// legacy integer date_info type and string numbers are accepted
	c.ok("/card/create", memberCardBody(func(base, _ map[string]any) {
		base["date_info"] = map[string]any{"type": 2, "fixed_term": "30", "fixed_begin_term": 0}
		base["sku"] = map[string]any{"quantity": "5"}
	}))
}

func TestCreateValidation(t *testing.T) {
	c := newTC(t, nil)
	cases := []struct {
		name string
		want int
		mut  func(base, mc map[string]any)
	}{
		{"no title", 41011, func(b, _ map[string]any) { delete(b, "title") }},
		{"no sku", 41011, func(b, _ map[string]any) { delete(b, "sku") }},
		{"no date_info", 41011, func(b, _ map[string]any) { delete(b, "date_info") }},
		{"bad color", 40076, func(b, _ map[string]any) { b["color"] = "Color999" }},
		{"bad code_type", 40072, func(b, _ map[string]any) { b["code_type"] = "CODE_TYPE_MORSE" }},
		{"long title", 45021, func(b, _ map[string]any) { b["title"] = "一二三四五六七八九十" }},
		{"long brand", 45021, func(b, _ map[string]any) { b["brand_name"] = strings.Repeat("店", 13) }},
		{"long notice", 45021, func(b, _ map[string]any) { b["notice"] = strings.Repeat("a", 49) }},
		{"negative sku", 40070, func(b, _ map[string]any) { b["sku"] = map[string]any{"quantity": -1} }},
		{"huge sku", 40070, func(b, _ map[string]any) { b["sku"] = map[string]any{"quantity": 100000001} }},
		{"range backwards", 40079, func(b, _ map[string]any) {
			b["date_info"] = map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": 2000, "end_timestamp": 1000}
		}},
		{"range missing", 41011, func(b, _ map[string]any) { b["date_info"] = map[string]any{"type": 1} }},
		{"term zero", 40079, func(b, _ map[string]any) {
			b["date_info"] = map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 0}
		}},
		{"no prerogative", 41011, func(_, mc map[string]any) { delete(mc, "prerogative") }},
		{"deposit with stock", 40136, func(b, _ map[string]any) {
			b["use_custom_code"] = true
			b["get_custom_code_mode"] = "GET_CUSTOM_CODE_MODE_DEPOSIT"
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.fail(tc.want, "/card/create", memberCardBody(tc.mut))
		})
	}
	c.fail(47001, "/card/create", `{"card":`)
	c.fail(47001, "/card/create", `[1,2]`)
	c.fail(40071, "/card/create", map[string]any{"card": map[string]any{"card_type": "SPACESHIP", "spaceship": map[string]any{}}})
	c.fail(41011, "/card/create", map[string]any{"card": map[string]any{"card_type": "MEMBER_CARD"}})
}

func couponBody(typ string) map[string]any {
	key := strings.ToLower(typ)
	return map[string]any{"card": map[string]any{"card_type": typ, key: map[string]any{
		"base_info": map[string]any{
			"logo_url": "http://x/logo.png", "code_type": "CODE_TYPE_TEXT", "brand_name": "店", "title": "券",
			"color": "Color010", "notice": "n", "description": "d", "sku": map[string]any{"quantity": 10},
			"date_info": map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 10, "fixed_begin_term": 0},
		},
		"deal_detail": "x", "least_cost": 1000, "reduce_cost": 100, "discount": 30, "gift": "g", "default_detail": "d",
	}}}
}

func TestCouponsClosed(t *testing.T) {
	c := newTC(t, nil)
	for _, typ := range []string{"GROUPON", "CASH", "DISCOUNT", "GIFT", "GENERAL_COUPON"} {
		c.fail(48001, "/card/create", couponBody(typ))
	}
	for _, typ := range []string{"MEETING_TICKET", "MOVIE_TICKET", "BOARDING_PASS", "SCENIC_TICKET", "GENERAL_CARD"} {
		c.ok("/card/create", couponBody(typ))
	}
	c2 := newTC(t, &Options{AllowLegacyCoupons: true})
	m := c2.ok("/card/create", couponBody("CASH"))
	g := c2.ok("/card/get", map[string]any{"card_id": m["card_id"]})
	if num(path(g, "card", "cash", "least_cost")) != 1000 {
		t.Fatalf("cash fields: %v", g)
	}
	// PERMANENT is for member cards only
	b := couponBody("DISCOUNT")
	path(b, "card", "discount", "base_info").(map[string]any)["date_info"] = map[string]any{"type": "DATE_TYPE_PERMANENT"}
	c2.fail(40079, "/card/create", b)
	g2 := couponBody("GENERAL_CARD")
	path(g2, "card", "general_card", "base_info").(map[string]any)["date_info"] = map[string]any{"type": "DATE_TYPE_PERMANENT"}
	c2.fail(40079, "/card/create", g2)
}

func TestBatchGetUpdateDelete(t *testing.T) {
	c := newTC(t, &Options{ManualReview: true})
	var ids []string
	for i := 0; i < 3; i++ {
		ids = append(ids, c.createMember(nil))
	}
	if err := c.s.Approve(ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := c.s.Reject(ids[1], "违规"); err != nil {
		t.Fatal(err)
	}
	list := func(status any, offset, count int) (ids []any, total int64) {
		m := c.ok("/card/batchget", map[string]any{"offset": offset, "count": count, "status_list": status})
		l, _ := m["card_id_list"].([]any)
		return l, num(m["total_num"])
	}
	if l, n := list("CARD_STATUS_VERIFY_OK", 0, 10); n != 1 || l[0] != ids[0] {
		t.Fatalf("VERIFY_OK: %v %d", l, n)
	}
	if l, n := list([]string{"CARD_STATUS_VERIFY_FAIL", "CARD_STATUS_NOT_VERIFY"}, 0, 10); n != 2 || len(l) != 2 {
		t.Fatalf("array status_list: %v %d", l, n)
	}
	if l, n := list(nil, 1, 1); n != 3 || len(l) != 1 || l[0] != ids[1] {
		t.Fatalf("paging: %v %d", l, n)
	}
	c.fail(40097, "/card/batchget", map[string]any{"offset": 0, "count": 51})
	c.fail(40097, "/card/batchget", map[string]any{"offset": 0, "count": 5, "status_list": "CARD_STATUS_WHATEVER"})

	// update: review fields send the card back to review
	m := c.ok("/card/update", map[string]any{"card_id": ids[0], "member_card": map[string]any{
		"base_info": map[string]any{"title": "金卡", "custom_url": "http://x"}, "prerogative": "新特权"}})
	if m["send_check"] != true {
		t.Fatalf("send_check: %v", m)
	}
	if st, _ := c.s.CardStatus(ids[0]); st != StatusNotVerify {
		t.Fatalf("status after review edit: %s", st)
	}
	m = c.ok("/card/update", map[string]any{"card_id": ids[0], "member_card": map[string]any{
		"base_info": map[string]any{"custom_url_name": "入口"}}})
	if m["send_check"] != false {
		t.Fatalf("send_check: %v", m)
	}
	g := c.ok("/card/get", map[string]any{"card_id": ids[0]})
	if path(g, "card", "member_card", "base_info", "title") != "金卡" || path(g, "card", "member_card", "prerogative") != "新特权" {
		t.Fatalf("update not applied: %v", g)
	}
	c.fail(40071, "/card/update", map[string]any{"card_id": ids[0], "groupon": map[string]any{}})
	c.fail(40070, "/card/update", map[string]any{"card_id": ids[0], "member_card": map[string]any{"base_info": map[string]any{"sku": map[string]any{"quantity": 1}}}})
	c.fail(40100, "/card/update", map[string]any{"card_id": ids[0], "member_card": map[string]any{"base_info": map[string]any{
		"date_info": map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 3}}}})
	c.fail(40135, "/card/update", map[string]any{"card_id": ids[0], "member_card": map[string]any{"supply_bonus": false}})
	c.fail(40076, "/card/update", map[string]any{"card_id": ids[0], "member_card": map[string]any{"base_info": map[string]any{"color": "red"}}})

	// delete
	c.ok("/card/delete", map[string]any{"card_id": ids[2]})
	c.fail(40073, "/card/delete", map[string]any{"card_id": ids[2]})
	if l, n := list("CARD_STATUS_DELETE", 0, 10); n != 1 || l[0] != ids[2] {
		t.Fatalf("deleted: %v", l)
	}
	if _, err := c.s.Claim(ids[2], "o1", ""); err == nil || err.(*Error).Code != 40073 {
		t.Fatalf("claim deleted card: %v", err)
	}
}

func TestDateRangeUpdate(t *testing.T) {
	c := newTC(t, nil)
	id := c.createMember(func(b, _ map[string]any) {
		b["date_info"] = map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": 1000, "end_timestamp": 5000}
	})
	up := func(begin, end int) map[string]any {
		return map[string]any{"card_id": id, "member_card": map[string]any{"base_info": map[string]any{
			"date_info": map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": begin, "end_timestamp": end}}}}
	}
	c.fail(40100, "/card/update", up(1000, 4000)) // narrowing
	c.fail(40100, "/card/update", up(2000, 5000))
	c.ok("/card/update", up(500, 6000)) // widening
}

func TestStockAndCells(t *testing.T) {
	c := newTC(t, &Options{ManualReview: true})
	id := c.createMember(func(b, _ map[string]any) { b["sku"] = map[string]any{"quantity": 2} })
	c.fail(40122, "/card/modifystock", map[string]any{"card_id": id})
	c.fail(40122, "/card/modifystock", map[string]any{"card_id": id, "increase_stock_value": 1, "reduce_stock_value": 1})
	c.fail(40122, "/card/modifystock", map[string]any{"card_id": id, "reduce_stock_value": 3})
	c.fail(40122, "/card/modifystock", map[string]any{"card_id": id, "increase_stock_value": 0})
	c.ok("/card/modifystock", map[string]any{"card_id": id, "increase_stock_value": 3})
	c.ok("/card/modifystock", map[string]any{"card_id": id, "reduce_stock_value": 1})
	g := c.ok("/card/get", map[string]any{"card_id": id})
	if num(path(g, "card", "member_card", "base_info", "sku", "quantity")) != 4 || num(path(g, "card", "member_card", "base_info", "sku", "total_quantity")) != 4 {
		t.Fatalf("sku: %v", path(g, "card", "member_card", "base_info", "sku"))
	}

	// not approved → 40078 for users, whitelisted users may claim
	if _, err := c.s.Claim(id, "o1", ""); err == nil || err.(*Error).Code != 40078 {
		t.Fatalf("claim under review: %v", err)
	}
	c.ok("/card/testwhitelist/set", map[string]any{"openid": []string{"o1"}, "username": []string{"wxid_a"}})
	if _, err := c.s.Claim(id, "o1", ""); err != nil {
		t.Fatal(err)
	}
	c.fail(40107, "/card/paycell/set", map[string]any{"card_id": id, "is_open": true}) // not approved
	_ = c.s.Approve(id)
	c.fail(40107, "/card/paycell/set", map[string]any{"card_id": id, "is_open": true}) // no location
	c.ok("/card/paycell/set", map[string]any{"card_id": id, "is_open": false})
	c.fail(41011, "/card/paycell/set", map[string]any{"card_id": id})

	loc := c.createMember(func(b, _ map[string]any) { b["location_id_list"] = []int{7} })
	_ = c.s.Approve(loc)
	c.ok("/card/paycell/set", map[string]any{"card_id": loc, "is_open": true})
	c.fail(40145, "/card/update", map[string]any{"card_id": loc, "member_card": map[string]any{"base_info": map[string]any{"center_title": "快速买单"}}})
	c.ok("/card/selfconsumecell/set", map[string]any{"card_id": loc, "is_open": true, "need_verify_cod": true})
	c.fail(40107, "/card/selfconsumecell/set", map[string]any{"card_id": id, "is_open": true})

	centre := c.createMember(func(b, _ map[string]any) { b["location_id_list"] = []int{7}; b["center_title"] = "买单" })
	_ = c.s.Approve(centre)
	c.fail(40145, "/card/paycell/set", map[string]any{"card_id": centre, "is_open": true})

	// stock runs out: 4 left minus the whitelist claim = 3
	for i := 0; i < 3; i++ {
		if _, err := c.s.Claim(id, "u"+string(rune('a'+i)), ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.s.Claim(id, "uz", ""); err == nil || err.(*Error).Code != 45031 {
		t.Fatalf("out of stock: %v", err)
	}
	if n, _ := c.s.Stock(id); n != 0 {
		t.Fatalf("stock %d", n)
	}
}

func TestGetLimitAndCardList(t *testing.T) {
	c := newTC(t, nil)
	a := c.createMember(func(b, _ map[string]any) { b["get_limit"] = 2 })
	b := c.createMember(nil)
	k1, _ := c.s.Claim(a, "o1", "")
	k2, _ := c.s.Claim(a, "o1", "")
	if _, err := c.s.Claim(a, "o1", ""); err == nil || err.(*Error).Code != 45033 {
		t.Fatalf("get_limit: %v", err)
	}
	k3, _ := c.s.Claim(b, "o1", "")
	_, _ = c.s.Claim(b, "o2", "")
	m := c.ok("/card/user/getcardlist", map[string]any{"openid": "o1", "card_id": ""})
	l := m["card_list"].([]any)
	if len(l) != 3 || path(l[0].(map[string]any), "code") != k1 || m["has_share_card"] != false {
		t.Fatalf("card_list: %v", m)
	}
	c.ok("/card/code/consume", map[string]any{"code": k2, "card_id": a})
	m = c.ok("/card/user/getcardlist", map[string]any{"openid": "o1", "card_id": b})
	l = m["card_list"].([]any)
	if len(l) != 1 || path(l[0].(map[string]any), "code") != k3 {
		t.Fatalf("card_list filtered: %v", m)
	}
	c.fail(41011, "/card/user/getcardlist", map[string]any{})
}

func TestColorsAndCategories(t *testing.T) {
	c := newTC(t, nil)
	m := c.ok("/card/getcolors", "{}")
	cols := m["colors"].([]any)
	if len(cols) != 14 || path(cols[1].(map[string]any), "value") != "#10ad61" {
		t.Fatalf("colors: %v", cols)
	}
	g := c.get("/card/getcolors?access_token=" + c.token)
	if len(g["colors"].([]any)) != 14 {
		t.Fatal("GET getcolors")
	}
	p := c.get("/card/getapplyprotocol?access_token=" + c.token)
	cat := p["category"].([]any)
	if len(cat) == 0 || path(cat[0].(map[string]any), "secondary_category") == nil {
		t.Fatalf("categories: %v", p)
	}
	c.ok("/card/getapplyprotocol", "{}")
}
