package alipaytest

import (
	"context"
	"errors"
	"testing"
	"time"

	alipay "github.com/smartwalle/alipay/v3"
)

// TestForgetSerials: a repeated serial is processed as a new request.
func TestForgetSerials(t *testing.T) {
	e := newEnv(t, &Options{ForgetSerials: true})
	tpl := e.template(nil)
	uid := e.srv.NewUser()
	tok := e.srv.IssueToken(uid, ScopeAuthECard)
	biz := map[string]any{
		"out_serial_no":    "serial-1",
		"card_template_id": tpl,
		"card_user_info":   map[string]string{"user_uni_id": uid, "user_uni_id_type": "UID"},
		"card_ext_info":    map[string]any{"external_card_no": "E1"},
	}
	r := e.ok(MethodCardOpen, biz, map[string]string{"auth_token": tok})
	e.fails(MethodCardOpen, biz, map[string]string{"auth_token": tok}, "40004", "CARD_HAS_OPENED")
	var ci struct {
		BizCardNo string `json:"biz_card_no"`
	}
	r.obj(t, "card_info", &ci)
	del := map[string]any{"out_serial_no": "d1", "target_card_no": ci.BizCardNo, "target_card_no_type": "BIZ_CARD", "reason_code": "CANCEL"}
	e.ok(MethodCardDelete, del, nil)
	e.fails(MethodCardDelete, del, nil, "40004", "CARD_IS_DELETED_ALREADY")
}

// TestUnknownBizMembersRefused: a misspelt or invented biz_content member
// (here the undocumented merchant_card_msg_info.changed_balance) fails
// instead of being ignored.
func TestUnknownBizMembersRefused(t *testing.T) {
	e := newEnv(t, nil)
	tpl := e.template(nil)
	_, no := e.open(tpl, nil)
	upd := map[string]any{"target_card_no": no, "target_card_no_type": "BIZ_CARD", "occur_time": "2026-01-01 00:00:00",
		"card_info": map[string]any{"point": "5"}, "merchant_card_msg_info": map[string]any{"changed_point": "5"}}
	e.ok(MethodCardUpdate, upd, nil)
	upd["merchant_card_msg_info"] = map[string]any{"changed_balance": "1.00"}
	e.fails(MethodCardUpdate, upd, nil, "40004", "INVALID_PARAMETER")
	delete(upd, "merchant_card_msg_info")
	upd["target_card_number"] = no
	e.fails(MethodCardUpdate, upd, nil, "40004", "INVALID_PARAMETER")
}

// TestTemplateStyleChecks: image ids that are URLs and colours not written
// rgb(r,g,b) are refused (emulator choice, see checkStyle).
func TestTemplateStyleChecks(t *testing.T) {
	e := newEnv(t, nil)
	for _, style := range []map[string]any{
		{"card_show_name": "x", "logo_id": "https://example.com/logo.png"},
		{"card_show_name": "x", "background_id": "//cdn/bg.png"},
		{"card_show_name": "x", "bg_color": "#3770b3"},
		{"card_show_name": "x", "bg_color": "rgb(1,2,300)"},
	} {
		e.fails(MethodTemplateCreate, map[string]any{"request_id": randomID(20), "card_type": "OUT_MEMBER_CARD",
			"biz_no_suffix_len": "12", "template_style_info": style}, nil, "40004", "INVALID_PARAMETER")
	}
	e.template(map[string]any{"template_style_info": map[string]any{"card_show_name": "x", "logo_id": "A1b2_c3-", "bg_color": "rgb(0, 12, 255)"}})
}

// TestNoReopenAfterCancel: CANCEL (销户) forbids binding again; USER_UNBUND
// allows it.
func TestNoReopenAfterCancel(t *testing.T) {
	e := newEnv(t, nil)
	tpl := e.template(nil)
	for i, reason := range []string{"CANCEL", "USER_UNBUND"} {
		uid := e.srv.NewUser()
		tok := e.srv.IssueToken(uid, ScopeAuthECard)
		open := func(serial string) map[string]any {
			return map[string]any{"out_serial_no": serial, "card_template_id": tpl,
				"card_user_info": map[string]string{"user_uni_id": uid, "user_uni_id_type": "UID"},
				"card_ext_info":  map[string]any{"external_card_no": "E" + serial}}
		}
		r := e.ok(MethodCardOpen, open(reason+"1"), map[string]string{"auth_token": tok})
		var ci struct {
			BizCardNo string `json:"biz_card_no"`
		}
		r.obj(t, "card_info", &ci)
		e.ok(MethodCardDelete, map[string]any{"out_serial_no": "d" + reason, "target_card_no": ci.BizCardNo,
			"target_card_no_type": "BIZ_CARD", "reason_code": reason}, nil)
		if i == 0 {
			e.fails(MethodCardOpen, open(reason+"2"), map[string]string{"auth_token": tok}, "40004", "CARD_HAS_OPENED")
		} else {
			e.ok(MethodCardOpen, open(reason+"2"), map[string]string{"auth_token": tok})
		}
	}
}

// TestRunAfterClientGone: with the option, a request whose client gave up
// during SetLatency is still applied, as on the real gateway.
func TestRunAfterClientGone(t *testing.T) {
	e := newEnv(t, &Options{RunAfterClientGone: true})
	e.srv.SetLatency(MethodTemplateCreate, 300*time.Millisecond)
	p := alipay.NewPayload(MethodTemplateCreate)
	p.AddBizField("request_id", "slow")
	p.AddBizField("card_type", "OUT_MEMBER_CARD")
	p.AddBizField("biz_no_suffix_len", "10")
	p.AddBizField("template_style_info", map[string]string{"card_show_name": "x"})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var r result
	if err := e.c.Request(ctx, p, &r); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want deadline exceeded", err)
	}
	e.srv.SetLatency(MethodTemplateCreate, 0)
	var total int
	for deadline := time.Now().Add(3 * time.Second); total == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		e.ok(MethodTemplateBatchQuery, nil, nil).obj(t, "template_total", &total)
	}
	if total != 1 {
		t.Fatalf("%d templates: the request was not applied after its client left", total)
	}
}

// TestReplayNeedsSameRequest: a reused out_serial_no or request_id replays
// only an identical request; a different one is INVALID_PARAMETER.
func TestReplayNeedsSameRequest(t *testing.T) {
	e := newEnv(t, nil)
	biz := func(title string) map[string]any {
		return map[string]any{"request_id": "same", "card_type": "OUT_MEMBER_CARD", "biz_no_suffix_len": "10",
			"template_style_info": map[string]string{"card_show_name": title}}
	}
	a := e.ok(MethodTemplateCreate, biz("Gold"), nil).str("template_id")
	if b := e.ok(MethodTemplateCreate, biz("Gold"), nil).str("template_id"); b != a {
		t.Fatalf("replay gave %s, want %s", b, a)
	}
	e.fails(MethodTemplateCreate, biz("Silver"), nil, "40004", "INVALID_PARAMETER")

	tpl := e.template(nil)
	uid := e.srv.NewUser()
	tok := e.srv.IssueToken(uid, ScopeAuthECard)
	open := func(ext string) map[string]any {
		return map[string]any{"out_serial_no": "serial-1", "card_template_id": tpl,
			"card_user_info": map[string]string{"user_uni_id": uid, "user_uni_id_type": "UID"},
			"card_ext_info":  map[string]any{"external_card_no": ext, "point": "5"}}
	}
	params := map[string]string{"auth_token": tok}
	e.ok(MethodCardOpen, open("E1"), params)
	e.ok(MethodCardOpen, open("E1"), params)
	e.fails(MethodCardOpen, open("E2"), params, "40004", "INVALID_PARAMETER")
	if e.srv.CardCount() != 1 {
		t.Fatalf("%d cards", e.srv.CardCount())
	}
}

// TestMinimalCallback: the callback carries only auth_code and request_id.
func TestMinimalCallback(t *testing.T) {
	e := newEnv(t, &Options{MinimalCallback: true})
	tpl := e.template(nil)
	e.ok(MethodFormTemplateSet, map[string]any{"template_id": tpl,
		"fields": map[string]any{"required": map[string]any{"common_fields": []string{"OPEN_FORM_FIELD_MOBILE"}}}}, nil)
	e.ok(MethodActivateURLApply, map[string]any{"template_id": tpl, "out_string": "x"}, nil)
	q, err := e.srv.SubmitActivationForm(tpl, e.srv.NewUser(), map[string]string{"OPEN_FORM_FIELD_MOBILE": "13800000000"})
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 2 || q.Get("auth_code") == "" || q.Get("request_id") == "" {
		t.Fatalf("callback query %v", q)
	}
}
