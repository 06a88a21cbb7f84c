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
		!got.OpenDate.Equal(time.Date(2024, 2, 20, 21, 20, 46, 0, card.Beijing())) {
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
