package wechattest

import (
	"bytes"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestQRCodes(t *testing.T) {
	clk := newClock()
	c := newTC(t, &Options{Clock: clk.Now, TokenTTL: 1000 * time.Hour})
	id := c.createMember(nil)
	qr := func(expire any, card map[string]any) map[string]any {
		b := map[string]any{"action_name": "QR_CARD", "action_info": map[string]any{"card": card}}
		if expire != nil {
			b["expire_seconds"] = expire
		}
		return b
	}
	m := c.ok("/card/qrcode/create", qr(1800, map[string]any{"card_id": id, "outer_str": "12b"}))
	ticket := m["ticket"].(string)
	if num(m["expire_seconds"]) != 1800 || !strings.HasPrefix(m["url"].(string), "http://weixin.qq.com/q/") {
		t.Fatalf("qrcode: %v", m)
	}
	show := m["show_qrcode_url"].(string)
	if !strings.HasPrefix(show, c.s.QRImageURL()+"/cgi-bin/showqrcode?ticket=") || !strings.Contains(show, url.QueryEscape(ticket)) {
		t.Fatalf("show_qrcode_url %q", show)
	}
	for _, u := range []string{show, c.s.QRImageURL() + "/cgi-bin/showqrcode?ticket=" + ticket} { // escaped and raw
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("showqrcode %s: %d", u, resp.StatusCode)
		}
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	if resp, _ := http.Get(c.s.QRImageURL() + "/cgi-bin/showqrcode?ticket=nope"); resp.StatusCode != 404 {
		t.Fatalf("unknown ticket: %d", resp.StatusCode)
	}

	// scanning claims with the QR's outer_str; a plain QR is reusable
	codes, err := c.s.ScanQR(ticket, "o1")
	if err != nil || len(codes) != 1 {
		t.Fatal(codes, err)
	}
	if mem, _ := c.s.Member(id, codes[0]); mem.OuterStr != "12b" || mem.OpenID != "o1" {
		t.Fatalf("scan: %+v", mem)
	}
	if _, err := c.s.ScanQR(ticket, "o2"); err != nil {
		t.Fatal(err)
	}
	// is_unique_code QR: single use
	m = c.ok("/card/qrcode/create", qr(nil, map[string]any{"card_id": id, "is_unique_code": true}))
	if num(m["expire_seconds"]) != 365*86400 {
		t.Fatalf("default expiry: %v", m)
	}
	u := m["ticket"].(string)
	if _, err := c.s.ScanQR(u, "o3"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.s.ScanQR(u, "o4"); err == nil || err.(*Error).Code != 40056 {
		t.Fatalf("second scan: %v", err)
	}
	// expiry
	clk.Add(1801 * time.Second)
	if _, err := c.s.ScanQR(ticket, "o5"); err == nil || err.(*Error).Code != 40079 {
		t.Fatalf("expired scan: %v", err)
	}
	if resp, _ := http.Get(show); resp.StatusCode != 404 {
		t.Fatalf("expired image: %d", resp.StatusCode)
	}

	// validation
	c.fail(40053, "/card/qrcode/create", qr(59, map[string]any{"card_id": id}))
	c.fail(40053, "/card/qrcode/create", qr(1801, map[string]any{"card_id": id}))
	c.fail(40053, "/card/qrcode/create", map[string]any{"action_name": "QR_CARD"})
	c.fail(40053, "/card/qrcode/create", map[string]any{"action_name": "QR_SCENE", "action_info": map[string]any{}})
	c.fail(41011, "/card/qrcode/create", map[string]any{})
	c.fail(40073, "/card/qrcode/create", qr(nil, map[string]any{"card_id": "pNope"}))
	c.ok("/card/qrcode/create", qr(0, map[string]any{"card_id": id})) // C sends 0 = default
	bind := c.createMember(func(b, _ map[string]any) { b["bind_openid"] = true })
	c.fail(41011, "/card/qrcode/create", qr(nil, map[string]any{"card_id": bind}))
	m = c.ok("/card/qrcode/create", qr(nil, map[string]any{"card_id": bind, "openid": "o8"}))
	if _, err := c.s.ScanQR(m["ticket"].(string), "o9"); err == nil || err.(*Error).Code != 40003 {
		t.Fatalf("bound QR scanned by another user: %v", err)
	}
	custom := c.createMember(func(b, _ map[string]any) { b["use_custom_code"] = true })
	c.fail(41013, "/card/qrcode/create", qr(nil, map[string]any{"card_id": custom}))
	m = c.ok("/card/qrcode/create", qr(nil, map[string]any{"card_id": custom, "code": "MY-CODE-1"}))
	if codes, err := c.s.ScanQR(m["ticket"].(string), "o1"); err != nil || codes[0] != "MY-CODE-1" {
		t.Fatalf("custom code scan: %v %v", codes, err)
	}

	// multiple cards
	other := c.createMember(nil)
	multi := func(n int) map[string]any {
		var list []map[string]any
		for i := 0; i < n; i++ {
			list = append(list, map[string]any{"card_id": []string{id, other}[i%2], "outer_str": fmt.Sprint(i)})
		}
		return map[string]any{"action_name": "QR_MULTIPLE_CARD", "action_info": map[string]any{"multiple_card": map[string]any{"card_list": list}}}
	}
	m = c.ok("/card/qrcode/create", multi(2))
	if codes, err := c.s.ScanQR(m["ticket"].(string), "o6"); err != nil || len(codes) != 2 {
		t.Fatalf("multi scan: %v %v", codes, err)
	}
	c.fail(45039, "/card/qrcode/create", multi(6))
	c.fail(40053, "/card/qrcode/create", multi(0))
}

func TestLandingPageMpNewsWhitelist(t *testing.T) {
	c := newTC(t, nil)
	id := c.createMember(nil)
	page := func(scene string, cards ...string) map[string]any {
		var list []map[string]any
		for _, id := range cards {
			list = append(list, map[string]any{"card_id": id, "thumb_url": "http://x/t.png"})
		}
		return map[string]any{"banner": "http://x/b.png", "page_title": "惠城优惠大派送", "can_share": true, "scene": scene, "card_list": list}
	}
	m := c.ok("/card/landingpage/create", page("SCENE_H5", id))
	m2 := c.ok("/card/landingpage/create", page("SCENE_QRCODE", id))
	if num(m["page_id"]) != 1 || num(m2["page_id"]) != 2 || !strings.Contains(m["url"].(string), "page_id=1") {
		t.Fatalf("landing pages: %v %v", m, m2)
	}
	c.fail(40129, "/card/landingpage/create", page("SCENE_MOON", id))
	c.fail(41011, "/card/landingpage/create", page("SCENE_H5"))
	c.fail(40073, "/card/landingpage/create", page("SCENE_H5", "pNope"))

	h := c.ok("/card/mpnews/gethtml", map[string]any{"card_id": id})
	if !strings.HasPrefix(h["content"].(string), "<iframe") || !strings.Contains(h["content"].(string), id) {
		t.Fatalf("gethtml: %v", h)
	}
	dep := depositCard(c)
	c.fail(40136, "/card/mpnews/gethtml", map[string]any{"card_id": dep})
	c.ok("/card/code/deposit", map[string]any{"card_id": dep, "code": []string{"a1"}})
	c.ok("/card/mpnews/gethtml", map[string]any{"card_id": dep})

	ten := make([]string, 10)
	for i := range ten {
		ten[i] = fmt.Sprint("o", i)
	}
	c.ok("/card/testwhitelist/set", map[string]any{"openid": ten})
	c.fail(45021, "/card/testwhitelist/set", map[string]any{"openid": ten, "username": []string{"wx1"}})
	c.ok("/card/testwhitelist/set", map[string]any{"openid": []string{"a"}, "username": []string{"wx1"}})
	if w := c.s.Whitelist(); fmt.Sprint(w) != "[a username:wx1]" {
		t.Fatalf("whitelist %v", w)
	}
	c.fail(40003, "/card/testwhitelist/set", map[string]any{"openid": []string{""}})
}

func TestSubMerchants(t *testing.T) {
	c := newTC(t, nil)
	info := func(kv ...any) map[string]any {
		m := map[string]any{"brand_name": "子商户", "logo_url": "http://x/l.png", "protocol": "media-1",
			"end_time": time.Now().Add(24 * time.Hour).Unix(), "primary_category_id": 1, "secondary_category_id": 101}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return map[string]any{"info": m}
	}
	m := c.ok("/card/submerchant/submit", info())
	if _, has := m["errcode"]; has {
		t.Fatalf("sub-merchant success carries no errcode in the fixtures: %v", m)
	}
	id := num(path(m, "info", "merchant_id"))
	if path(m, "info", "status") != "CHECKING" || path(m, "info", "brand_name") != "子商户" || num(path(m, "info", "secondary_category_id")) != 101 {
		t.Fatalf("submit: %v", m)
	}
	c.fail(41011, "/card/submerchant/submit", info("protocol", nil))
	c.fail(45021, "/card/submerchant/submit", info("brand_name", strings.Repeat("店", 13)))
	c.fail(40097, "/card/submerchant/submit", info("secondary_category_id", 999))
	c.fail(40079, "/card/submerchant/submit", info("end_time", 1))
	for i := 0; i < 3; i++ {
		c.ok("/card/submerchant/submit", info("brand_name", fmt.Sprint("店", i)))
	}
	if err := c.s.SetSubMerchantStatus(id, SubMerchantApproved); err != nil {
		t.Fatal(err)
	}
	g := c.ok("/card/submerchant/get", map[string]any{"merchant_id": id})
	if path(g, "info", "status") != "APPROVED" {
		t.Fatalf("get: %v", g)
	}
	u := c.ok("/card/submerchant/update", map[string]any{"info": map[string]any{"merchant_id": id, "logo_url": "http://x/new.png"}})
	if path(u, "info", "logo_url") != "http://x/new.png" || path(u, "info", "status") != "CHECKING" || path(u, "info", "brand_name") != "子商户" {
		t.Fatalf("update: %v", u)
	}
	c.fail(40139, "/card/submerchant/get", map[string]any{"merchant_id": 999})
	c.fail(40139, "/card/submerchant/update", map[string]any{"info": map[string]any{"merchant_id": 999}})

	// paging through all four
	var seen []int64
	begin := int64(0)
	for pages := 0; pages < 10; pages++ {
		b := c.ok("/card/submerchant/batchget", map[string]any{"begin_id": begin, "limit": 3, "status": ""})
		for _, it := range b["info_list"].([]any) {
			seen = append(seen, num(it.(map[string]any)["merchant_id"]))
		}
		begin = num(b["next_begin_id"])
		if begin == 0 {
			break
		}
	}
	if fmt.Sprint(seen) != "[1 2 3 4]" {
		t.Fatalf("batchget pages: %v", seen)
	}
	_ = c.s.SetSubMerchantStatus(3, SubMerchantRejected)
	b := c.ok("/card/submerchant/batchget", map[string]any{"begin_id": 0, "limit": 100, "status": "REJECTED"})
	if l := b["info_list"].([]any); len(l) != 1 || num(l[0].(map[string]any)["merchant_id"]) != 3 {
		t.Fatalf("status filter: %v", b)
	}
	c.fail(40140, "/card/submerchant/batchget", map[string]any{"begin_id": 0, "limit": 10, "status": "SLEEPING"})
	c.fail(40097, "/card/submerchant/batchget", map[string]any{"begin_id": 0, "limit": 101})
}

func TestDatacube(t *testing.T) {
	clk := newClock() // 2026-03-10 10:00 Beijing
	c := newTC(t, &Options{Clock: clk.Now, AllowLegacyCoupons: true, TokenTTL: 1000 * time.Hour})
	mc := c.createMember(nil)
	cash := c.ok("/card/create", couponBody("CASH"))["card_id"].(string)
	k1, _ := c.s.Claim(mc, "o1", "")
	_, _ = c.s.Claim(mc, "o2", "")
	_, _ = c.s.Claim(mc, "o2", "")
	c.ok("/card/membercard/activate", map[string]any{"card_id": mc, "code": k1, "membership_number": "1"})
	kc, _ := c.s.Claim(cash, "o1", "")
	c.ok("/card/code/consume", map[string]any{"card_id": cash, "code": kc})
	_ = c.s.ViewCard(mc, k1)
	clk.Add(24 * time.Hour) // 03-11
	_, _ = c.s.Claim(mc, "o3", "")
	clk.Add(24 * time.Hour) // now 03-12: data up to 03-11

	q := func(from, to string, kv ...any) map[string]any {
		m := map[string]any{"begin_date": from, "end_date": to, "cond_source": 1}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	m := c.ok("/datacube/getcardbizuininfo", q("2026-03-10", "2026-03-11"))
	l := m["list"].([]any)
	if len(l) != 2 {
		t.Fatalf("bizuin rows: %v", m)
	}
	d0 := l[0].(map[string]any)
	if d0["ref_date"] != "2026-03-10" || num(d0["receive_cnt"]) != 4 || num(d0["receive_user"]) != 2 || num(d0["verify_cnt"]) != 1 || num(d0["view_cnt"]) != 1 {
		t.Fatalf("bizuin day 0: %v", d0)
	}
	if num(l[1].(map[string]any)["receive_cnt"]) != 1 {
		t.Fatalf("bizuin day 1: %v", l[1])
	}
	zero := c.ok("/datacube/getcardbizuininfo", q("2026-03-10", "2026-03-10", "cond_source", 0))
	if num(zero["list"].([]any)[0].(map[string]any)["receive_cnt"]) != 0 {
		t.Fatalf("cond_source 0 covers MP-created cards only: %v", zero)
	}

	m = c.ok("/datacube/getcardcardinfo", q("2026-03-10", "2026-03-10"))
	l = m["list"].([]any)
	if len(l) != 1 || l[0].(map[string]any)["card_id"] != cash || num(l[0].(map[string]any)["card_type"]) != 1 || num(l[0].(map[string]any)["verify_cnt"]) != 1 {
		t.Fatalf("cardinfo: %v", m)
	}
	c.fail(40071, "/datacube/getcardcardinfo", q("2026-03-10", "2026-03-10", "card_id", mc))

	m = c.ok("/datacube/getcardmembercardinfo", q("2026-03-10", "2026-03-11"))
	l = m["list"].([]any)
	r0, r1 := l[0].(map[string]any), l[1].(map[string]any)
	if num(r0["total_user"]) != 2 || num(r0["total_receive_user"]) != 3 || num(r0["active_user"]) != 1 || num(r1["total_user"]) != 3 || num(r1["total_receive_user"]) != 4 {
		t.Fatalf("membercardinfo: %v", l)
	}

	m = c.ok("/datacube/getcardmembercarddetail", map[string]any{"begin_date": "2026-03-10", "end_date": "2026-03-11", "card_id": mc})
	l = m["list"].([]any)
	r0 = l[0].(map[string]any)
	if r0["cardid"] != mc || num(r0["active_cnt"]) != 1 || num(r0["receive_cnt"]) != 3 || num(r0["merchanttype"]) != 1 {
		t.Fatalf("membercarddetail: %v", r0)
	}
	if _, ok := r0["payOriginalFee"]; !ok {
		t.Fatalf("payOriginalFee casing: %v", r0)
	}
	c.fail(41012, "/datacube/getcardmembercarddetail", q("2026-03-10", "2026-03-11"))
	c.fail(40071, "/datacube/getcardmembercarddetail", q("2026-03-10", "2026-03-11", "card_id", cash))

	// date rules
	c.fail(61500, "/datacube/getcardbizuininfo", q("2026/03/10", "2026-03-11"))
	c.fail(61501, "/datacube/getcardbizuininfo", q("2026-03-11", "2026-03-10"))
	c.fail(61501, "/datacube/getcardbizuininfo", q("2026-03-10", "2026-03-12")) // today
	c.fail(61501, "/datacube/getcardbizuininfo", q("2026-01-01", "2026-03-11")) // > 62 days
	c.ok("/datacube/getcardbizuininfo", q("2026-01-09", "2026-03-11"))          // 62 days
	c.fail(41011, "/datacube/getcardbizuininfo", map[string]any{})
	c.fail(40097, "/datacube/getcardbizuininfo", q("2026-03-10", "2026-03-11", "cond_source", 2))
}
