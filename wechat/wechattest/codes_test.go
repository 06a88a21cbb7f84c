package wechattest

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

func depositCard(c *tc) string {
	c.t.Helper()
	return c.createMember(func(b, _ map[string]any) {
		b["use_custom_code"] = true
		b["get_custom_code_mode"] = "GET_CUSTOM_CODE_MODE_DEPOSIT"
		b["sku"] = map[string]any{"quantity": 0}
	})
}

func TestDepositTenThousand(t *testing.T) {
	c := newTC(t, nil)
	id := depositCard(c)
	const batches, per = 100, 100
	for b := 0; b < batches; b++ {
		codes := make([]string, per)
		for i := range codes {
			codes[i] = fmt.Sprintf("D%05d", b*per+i)
		}
		m := c.ok("/card/code/deposit", map[string]any{"card_id": id, "code": codes})
		if len(m["succ_code"].([]any)) != per || len(m["duplicate_code"].([]any)) != 0 {
			t.Fatalf("batch %d: %v", b, m)
		}
	}
	if n := num(c.ok("/card/code/getdepositcount", map[string]any{"card_id": id})["count"]); n != batches*per {
		t.Fatalf("count %d", n)
	}
	// duplicates are reported, not imported again; too-long codes fail
	m := c.ok("/card/code/deposit", map[string]any{"card_id": id, "code": []string{"D00000", "D09999", "NEW1", "X23456789012345678901"}})
	if len(m["duplicate_code"].([]any)) != 2 || len(m["succ_code"].([]any)) != 1 || len(m["fail_code"].([]any)) != 1 {
		t.Fatalf("dup report: %v", m)
	}
	if n := num(c.ok("/card/code/getdepositcount", map[string]any{"card_id": id})["count"]); n != batches*per+1 {
		t.Fatalf("count %d", n)
	}
	// limits
	big := make([]string, 101)
	for i := range big {
		big[i] = fmt.Sprint("B", i)
	}
	c.fail(40109, "/card/code/deposit", map[string]any{"card_id": id, "code": big})
	c.fail(40109, "/card/code/deposit", map[string]any{"card_id": id, "code": []string{}})
	c.fail(40110, "/card/code/deposit", map[string]any{"card_id": id, "code": []string{"a", ""}})
	c.fail(40111, "/card/code/deposit", map[string]any{"card_id": id, "code": []string{"z", "z"}})
	c.fail(40109, "/card/code/checkcode", map[string]any{"card_id": id, "code": big})
	plain := c.createMember(nil)
	c.fail(40136, "/card/code/deposit", map[string]any{"card_id": plain, "code": []string{"q"}})

	// checkcode
	m = c.ok("/card/code/checkcode", map[string]any{"card_id": id, "code": []string{"D00001", "nope", "NEW1"}})
	if fmt.Sprint(m["exist_code"]) != "[D00001 NEW1]" || fmt.Sprint(m["not_exist_code"]) != "[nope]" {
		t.Fatalf("checkcode: %v", m)
	}

	// stock may not exceed the unissued deposited codes
	c.fail(40136, "/card/modifystock", map[string]any{"card_id": id, "increase_stock_value": batches*per + 2})
	c.ok("/card/modifystock", map[string]any{"card_id": id, "increase_stock_value": 3})
	var got []string
	for i := 0; i < 3; i++ {
		code, err := c.s.Claim(id, "o1", "")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, code)
	}
	if fmt.Sprint(got) != "[D00000 D00001 D00002]" {
		t.Fatalf("claimed deposit codes in order: %v", got)
	}
	if _, err := c.s.Claim(id, "o1", ""); err == nil || err.(*Error).Code != 45031 {
		t.Fatalf("stock: %v", err)
	}
	// issued deposit codes count toward getdepositcount still
	if n := num(c.ok("/card/code/getdepositcount", map[string]any{"card_id": id})["count"]); n != batches*per+1 {
		t.Fatalf("count after claims %d", n)
	}
	c.fail(40136, "/card/modifystock", map[string]any{"card_id": id, "increase_stock_value": batches*per - 1})
}

func TestCodeLifecycle(t *testing.T) {
	clk := newClock()
	c := newTC(t, &Options{Clock: clk.Now, TokenTTL: 10000 * time.Hour})
	id := c.createMember(func(b, _ map[string]any) {
		b["date_info"] = map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 10, "fixed_begin_term": 1}
	})
	code, err := c.s.Claim(id, "o1", "chan-7")
	if err != nil {
		t.Fatal(err)
	}
	if len(code) != 12 {
		t.Fatalf("code %q", code)
	}
	// not yet valid: starts tomorrow
	c.fail(40079, "/card/code/get", map[string]any{"code": code, "card_id": id})
	m := c.ok("/card/code/get", map[string]any{"code": code, "check_consume": false})
	if m["can_consume"] != false || m["user_card_status"] != "NORMAL" || m["openid"] != "o1" || m["outer_str"] != "chan-7" {
		t.Fatalf("code/get: %v", m)
	}
	begin, end := num(path(m, "card", "begin_time")), num(path(m, "card", "end_time"))
	wantBegin := time.Date(2026, 3, 11, 0, 0, 0, 0, beijing).Unix()
	if begin != wantBegin || end != wantBegin+10*86400-1 {
		t.Fatalf("window %d..%d, want %d..%d", begin, end, wantBegin, wantBegin+10*86400-1)
	}
	c.fail(40079, "/card/code/consume", map[string]any{"code": code, "card_id": id})
	clk.Add(24 * time.Hour)
	m = c.ok("/card/code/get", map[string]any{"code": code, "card_id": "", "check_consume": true})
	if m["can_consume"] != true || path(m, "card", "card_id") != id {
		t.Fatalf("code/get: %v", m)
	}
	m = c.ok("/card/code/consume", map[string]any{"code": code})
	if path(m, "card", "card_id") != id || m["openid"] != "o1" {
		t.Fatalf("consume: %v", m)
	}
	c.fail(40099, "/card/code/consume", map[string]any{"code": code, "card_id": id})
	c.fail(40099, "/card/code/get", map[string]any{"code": code, "card_id": id})
	m = c.ok("/card/code/get", map[string]any{"code": code, "card_id": id, "check_consume": false})
	if m["user_card_status"] != "CONSUMED" || m["can_consume"] != false {
		t.Fatalf("consumed code/get: %v", m)
	}
	c.fail(40056, "/card/code/get", map[string]any{"code": "999", "card_id": id})
	c.fail(40073, "/card/code/get", map[string]any{"code": code, "card_id": "pNope"})
	c.fail(41013, "/card/code/consume", map[string]any{"card_id": id})

	// expiry
	k2, _ := c.s.Claim(id, "o2", "")
	clk.Add(12 * 24 * time.Hour)
	c.fail(40127, "/card/code/consume", map[string]any{"code": k2, "card_id": id})
	m = c.ok("/card/code/get", map[string]any{"code": k2, "card_id": id, "check_consume": false})
	if m["user_card_status"] != "EXPIRE" {
		t.Fatalf("expired: %v", m)
	}
	if mem, _ := c.s.Member(id, k2); mem.Status != CodeExpire {
		t.Fatalf("Member status %s", mem.Status)
	}
}

func TestUnavailableUpdateMarkDecrypt(t *testing.T) {
	c := newTC(t, nil)
	id := c.createMember(nil)
	k1, _ := c.s.Claim(id, "o1", "")
	k2, _ := c.s.Claim(id, "o2", "")

	c.ok("/card/code/unavailable", map[string]any{"code": k1, "card_id": id, "reason": "退卡"})
	c.fail(40127, "/card/code/unavailable", map[string]any{"code": k1, "card_id": id})
	c.fail(40127, "/card/code/consume", map[string]any{"code": k1, "card_id": id})
	c.fail(40127, "/card/code/get", map[string]any{"code": k1, "card_id": id})
	if m := c.ok("/card/code/get", map[string]any{"code": k1, "check_consume": false}); m["user_card_status"] != "UNAVAILABLE" {
		t.Fatalf("unavailable: %v", m)
	}

	// update
	c.ok("/card/code/update", map[string]any{"code": k2, "card_id": id, "new_code": "NEW-2"})
	c.fail(40056, "/card/code/get", map[string]any{"code": k2, "card_id": id})
	if m := c.ok("/card/code/get", map[string]any{"code": "NEW-2", "card_id": id}); m["openid"] != "o2" {
		t.Fatalf("updated code: %v", m)
	}
	c.fail(40116, "/card/code/update", map[string]any{"code": "NEW-2", "card_id": id, "new_code": k1})
	c.fail(41011, "/card/code/update", map[string]any{"code": "NEW-2", "card_id": id})
	c.fail(45021, "/card/code/update", map[string]any{"code": "NEW-2", "card_id": id, "new_code": "123456789012345678901"})

	// mark
	c.ok("/card/code/mark", map[string]any{"code": "NEW-2", "card_id": id, "openid": "o2", "is_mark": true})
	c.fail(40146, "/card/code/mark", map[string]any{"code": "NEW-2", "card_id": id, "openid": "o3", "is_mark": true})
	c.ok("/card/code/mark", map[string]any{"code": "NEW-2", "card_id": id, "openid": "o2", "is_mark": false})
	c.ok("/card/code/mark", map[string]any{"code": "NEW-2", "card_id": id, "openid": "o3", "is_mark": true})

	// decrypt
	enc := c.s.EncryptCode(id, "NEW-2")
	if enc == "" || c.s.EncryptCode(id, "nope") != "" {
		t.Fatal("EncryptCode")
	}
	if m := c.ok("/card/code/decrypt", map[string]any{"encrypt_code": enc}); m["code"] != "NEW-2" {
		t.Fatalf("decrypt: %v", m)
	}
	if m := c.ok("/card/code/decrypt", map[string]any{"encrypt_code": url.QueryEscape(enc)}); m["code"] != "NEW-2" {
		t.Fatalf("decrypt escaped: %v", m)
	}
	c.fail(40075, "/card/code/decrypt", map[string]any{"encrypt_code": "AAAA"})
	c.fail(41011, "/card/code/decrypt", map[string]any{})

	// user deletes the card
	k3, _ := c.s.Claim(id, "o4", "")
	if err := c.s.DeleteByUser(id, k3); err != nil {
		t.Fatal(err)
	}
	if err := c.s.DeleteByUser(id, k3); err == nil {
		t.Fatal("second delete")
	}
	c.fail(40127, "/card/code/get", map[string]any{"code": k3, "card_id": id})
	if m := c.ok("/card/code/get", map[string]any{"code": k3, "card_id": id, "check_consume": false}); m["user_card_status"] != "DELETE" {
		t.Fatalf("deleted: %v", m)
	}
}

func TestCustomCodeNeedsCardID(t *testing.T) {
	c := newTC(t, nil)
	a := depositCard(c)
	b := depositCard(c)
	for _, id := range []string{a, b} {
		c.ok("/card/code/deposit", map[string]any{"card_id": id, "code": []string{"SAME"}})
		c.ok("/card/modifystock", map[string]any{"card_id": id, "increase_stock_value": 1})
		if _, err := c.s.Claim(id, "o1", ""); err != nil {
			t.Fatal(err)
		}
	}
	c.fail(41012, "/card/code/get", map[string]any{"code": "SAME"})
	c.fail(41012, "/card/code/consume", map[string]any{"code": "SAME"})
	c.ok("/card/code/consume", map[string]any{"code": "SAME", "card_id": b})
	if m, _ := c.s.Member(a, "SAME"); m.Status != CodeNormal {
		t.Fatalf("the other card's code changed: %v", m)
	}
}
