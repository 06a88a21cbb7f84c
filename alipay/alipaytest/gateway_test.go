package alipaytest

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	alipay "github.com/smartwalle/alipay/v3"
	"github.com/stretchr/testify/require"
	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
)

// baseValues returns the common parameters smartwalle sends, unsigned.
func (e *env) baseValues(method, biz string) url.Values {
	v := url.Values{}
	v.Set("app_id", e.srv.AppID())
	v.Set("method", method)
	v.Set("format", "JSON")
	v.Set("charset", "utf-8")
	v.Set("sign_type", "RSA2")
	v.Set("timestamp", driver.FormatWalletTime(time.Now()))
	v.Set("version", "1.0")
	if biz != "" {
		v.Set("biz_content", biz)
	}
	return v
}

// sign signs v with key the way Alipay specifies (sorted, raw, sign_type
// included) and sets "sign".
func sign(key *rsa.PrivateKey, v url.Values) {
	v.Del("sign")
	v.Set("sign", signBytes(key, []byte(signContent(v))))
}

// post sends v as an urlencoded body and returns the top-level members.
func (e *env) post(v url.Values) map[string]json.RawMessage {
	e.t.Helper()
	resp, err := e.srv.HTTPClient().PostForm(e.srv.URL(), v)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("HTTP %d: %s", resp.StatusCode, b)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		e.t.Fatalf("body %q: %v", b, err)
	}
	return m
}

// bodyShape is how a gateway-level error comes back.
type bodyShape int

const (
	shapeSigned       bodyShape = iota // under <method>_response, signed
	shapeErrorResp                     // unsigned error_response
	shapeUnsignedNode                  // under <method>_response, no sign
)

// expectShape is the shape a server with option opt gives an error that
// the real gateway (GatewayErrorsAsAlipay) answers in shape real.
func expectShape(opt GatewayErrorShape, method string, real bodyShape) bodyShape {
	switch opt {
	case GatewayErrorsUnsigned:
		return shapeErrorResp
	case GatewayErrorsUnsignedNode:
		if method == "" {
			return shapeErrorResp
		}
		return shapeUnsignedNode
	}
	return real
}

// wantGatewayError requires the gateway-level error code/subCode to a
// request for method, in the shape e's server gives an error the real
// gateway answers in shape real; a signed one must verify with the
// gateway's key.
func (e *env) wantGatewayError(t *testing.T, m map[string]json.RawMessage, method string, real bodyShape, code, subCode string) alipay.Error {
	t.Helper()
	shape := expectShape(e.srv.gwErrors, method, real)
	key := "error_response"
	if shape != shapeErrorResp {
		key = nodeName(method)
	}
	raw, ok := m[key]
	require.True(t, ok, "want the error under %s: %s", key, m)
	require.Len(t, m, map[bool]int{true: 2, false: 1}[shape == shapeSigned], "members: %v", m)
	if shape == shapeSigned {
		var sig string
		require.NoError(t, json.Unmarshal(m["sign"], &sig))
		der, err := base64.StdEncoding.DecodeString(sig)
		require.NoError(t, err)
		sum := sha256.Sum256(raw)
		require.NoError(t, rsa.VerifyPKCS1v15(&e.srv.aliPriv.PublicKey, crypto.SHA256, sum[:], der), "the error's signature must verify")
	}
	var ae alipay.Error
	require.NoError(t, json.Unmarshal(raw, &ae))
	require.Equal(t, code, string(ae.Code), "code: %s", raw)
	require.Equal(t, subCode, ae.SubCode, "sub_code: %s", raw)
	return ae
}

func appKey(t *testing.T) *rsa.PrivateKey { return mustParsePrivate(appPrivateKeyPEM) }

func TestRequestSignatureRejected(t *testing.T) {
	for _, shape := range []GatewayErrorShape{GatewayErrorsAsAlipay, GatewayErrorsUnsigned, GatewayErrorsUnsignedNode} {
		t.Run(shape.String(), func(t *testing.T) { testRequestSignatureRejected(t, shape) })
	}
}

func testRequestSignatureRejected(t *testing.T, shape GatewayErrorShape) {
	e := newEnv(t, &Options{GatewayErrors: shape})
	biz := `{"template_id":"20240101000000000000000000000001"}`

	// A correctly signed raw request reaches the method (TEMPLATE_NOT_EXIT).
	v := e.baseValues(MethodTemplateQuery, biz)
	sign(appKey(t), v)
	m := e.post(v)
	if _, ok := m["sign"]; !ok {
		t.Fatalf("signed request should get a signed answer: %v", m)
	}
	if !strings.Contains(string(m[nodeName(MethodTemplateQuery)]), "TEMPLATE_NOT_EXIT") {
		t.Fatalf("got %v", m)
	}

	cases := []struct {
		name          string
		mutate        func(v url.Values)
		code, subCode string
		real          bodyShape // as the real gateway answers
	}{
		{"missing sign", func(v url.Values) { v.Del("sign") }, "40001", "isv.missing-signature", shapeSigned},
		{"garbage sign", func(v url.Values) { v.Set("sign", "bm90IGEgc2lnbmF0dXJl") }, "40002", "isv.invalid-signature", shapeSigned},
		{"not base64", func(v url.Values) { v.Set("sign", "%%%") }, "40002", "isv.invalid-signature", shapeSigned},
		{"wrong key", func(v url.Values) { sign(mustParsePrivate(otherPrivateKeyPEM), v) }, "40002", "isv.invalid-signature", shapeSigned},
		{"altered biz_content", func(v url.Values) { v.Set("biz_content", `{"template_id":"x"}`) }, "40002", "isv.invalid-signature", shapeSigned},
		{"added param", func(v url.Values) { v.Set("auth_token", "authusrBxyz") }, "40002", "isv.invalid-signature", shapeSigned},
		{"legacy RSA sign_type", func(v url.Values) { v.Set("sign_type", "RSA") }, "40002", "isv.invalid-signature-type", shapeSigned},
		{"missing method", func(v url.Values) { v.Del("method") }, "40001", "isv.missing-method", shapeErrorResp},
		{"missing app_id", func(v url.Values) { v.Del("app_id") }, "40001", "isv.missing-app-id", shapeUnsignedNode},
		{"missing timestamp", func(v url.Values) { v.Del("timestamp") }, "40001", "isv.missing-timestamp", shapeSigned},
		{"missing version", func(v url.Values) { v.Del("version") }, "40001", "isv.missing-version", shapeSigned},
		{"missing sign_type", func(v url.Values) { v.Del("sign_type") }, "40001", "isv.missing-signature-type", shapeSigned},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := e.baseValues(MethodTemplateQuery, biz)
			sign(appKey(t), v)
			c.mutate(v)
			e.wantGatewayError(t, e.post(v), v.Get("method"), c.real, c.code, c.subCode)
		})
	}

	// Common parameters, each re-signed so only the checked value is wrong.
	resigned := []struct {
		name          string
		mutate        func(v url.Values)
		code, subCode string
		real          bodyShape
	}{
		{"unknown method", func(v url.Values) { v.Set("method", "alipay.marketing.card.authinfo.query") }, "40002", "isv.invalid-method", shapeSigned},
		{"unknown app", func(v url.Values) { v.Set("app_id", "2021000000009999") }, "40002", "isv.invalid-app-id", shapeUnsignedNode},
		{"format", func(v url.Values) { v.Set("format", "XML") }, "40002", "isv.invalid-format", shapeSigned},
		{"charset", func(v url.Values) { v.Set("charset", "gbk") }, "40002", "isv.invalid-charset", shapeSigned},
		{"version", func(v url.Values) { v.Set("version", "2.0") }, "40002", "isv.invalid-parameter", shapeSigned},
		{"timestamp UTC on a Beijing gateway", func(v url.Values) {
			v.Set("timestamp", time.Now().UTC().Format(driver.WalletTimeLayout))
		}, "40002", "isv.invalid-timestamp", shapeSigned},
		{"timestamp layout", func(v url.Values) { v.Set("timestamp", time.Now().Format(time.RFC3339)) }, "40002", "isv.invalid-timestamp", shapeSigned},
		{"biz_content not JSON", func(v url.Values) { v.Set("biz_content", "{nope") }, "40002", "isv.invalid-parameter", shapeSigned},
		{"biz_content array", func(v url.Values) { v.Set("biz_content", "[1]") }, "40002", "isv.invalid-parameter", shapeSigned},
		{"encryption without a key", func(v url.Values) { v.Set("encrypt_type", "AES") }, "40002", "isv.decryption-error-not-valid-encrypt-key", shapeSigned},
		{"encryption type", func(v url.Values) { v.Set("encrypt_type", "SM4") }, "40002", "isv.invalid-encrypt-type", shapeSigned},
		{"oauth.token timestamp", func(v url.Values) {
			v.Set("method", MethodOAuthToken)
			v.Set("timestamp", time.Now().Format(time.RFC3339))
		}, "40002", "isv.invalid-timestamp", shapeErrorResp},
	}
	for _, c := range resigned {
		t.Run(c.name, func(t *testing.T) {
			v := e.baseValues(MethodTemplateQuery, biz)
			c.mutate(v)
			sign(appKey(t), v)
			e.wantGatewayError(t, e.post(v), v.Get("method"), c.real, c.code, c.subCode)
		})
	}

	// The signature error echoes the string the gateway verified, &-escaped.
	v = e.baseValues(MethodTemplateQuery, biz)
	v.Set("sign", "AAAA")
	ae := e.wantGatewayError(t, e.post(v), MethodTemplateQuery, shapeSigned, "40002", "isv.invalid-signature")
	if !strings.Contains(ae.SubMsg, "&amp;charset=utf-8&amp;") || !strings.Contains(ae.SubMsg, "sign_type=RSA2") {
		t.Fatalf("sub_msg = %q", ae.SubMsg)
	}
}

func TestRejectedBySmartwalle(t *testing.T) {
	e := newEnv(t, nil)
	// A client whose private key is not the app's.
	bad, err := alipay.New(e.srv.AppID(), otherPrivateKeyPEM, true, alipay.WithProductionGateway(e.srv.URL()), alipay.WithTimeLocation(card.Beijing()))
	if err != nil {
		t.Fatal(err)
	}
	_ = bad.LoadAliPayPublicKey(e.srv.AlipayPublicKey())
	p := alipay.NewPayload(MethodTemplateBatchQuery)
	p.AddBizField("page_no", 1)
	// The refusal is signed like any answer, so smartwalle returns it as the
	// result (nil error): the caller must check the code.
	var r result
	signedRefusal(t, bad.Request(context.Background(), p, &r), &r, "40002", "isv.invalid-signature")

	// smartwalle with its default time.Local on a host that is not in UTC+8
	// stamps the wrong time; the gateway refuses it.
	utc, _ := alipay.New(e.srv.AppID(), e.srv.AppPrivateKey(), true, alipay.WithProductionGateway(e.srv.URL()), alipay.WithTimeLocation(time.UTC))
	_ = utc.LoadAliPayPublicKey(e.srv.AlipayPublicKey())
	r = result{}
	signedRefusal(t, utc.Request(context.Background(), p, &r), &r, "40002", "isv.invalid-timestamp")

	// With unsigned gateway errors smartwalle returns them as *alipay.Error.
	u := newEnv(t, &Options{GatewayErrors: GatewayErrorsUnsigned})
	bad2, _ := alipay.New(u.srv.AppID(), otherPrivateKeyPEM, true, alipay.WithProductionGateway(u.srv.URL()), alipay.WithTimeLocation(card.Beijing()))
	_ = bad2.LoadAliPayPublicKey(u.srv.AlipayPublicKey())
	gatewayErr(t, bad2.Request(context.Background(), p, &r), "40002", "isv.invalid-signature")

	// A client that trusts another Alipay key rejects the gateway's answers.
	wrong, _ := e.srv.NewClient()
	if err := wrong.LoadAliPayPublicKey(otherPublicKeyPEM); err != nil {
		t.Fatal(err)
	}
	if err := wrong.Request(context.Background(), p, &r); !errors.Is(err, rsa.ErrVerification) {
		t.Fatalf("got %v", err)
	}

	// The right client works, and all of these were counted.
	e.ok(MethodTemplateBatchQuery, map[string]any{"page_no": 1}, nil)
	if got := e.srv.CallCount(MethodTemplateBatchQuery); got != 4 {
		t.Fatalf("Calls = %d, want 4 (rejected ones included)", got)
	}
}

func TestTamperModes(t *testing.T) {
	e := newEnv(t, nil)
	tpl := e.template(nil)
	q := map[string]any{"template_id": tpl}
	for _, mode := range []Tamper{TamperMissingSign, TamperBadSign, TamperOtherKey, TamperAlterBody, TamperUnsignedError} {
		t.Run(mode.String(), func(t *testing.T) {
			e.srv.TamperNext(MethodTemplateQuery, mode)
			_, err := e.try(MethodTemplateQuery, q, nil)
			if err == nil {
				t.Fatal("smartwalle accepted a tampered response")
			}
			var ae *alipay.Error
			switch mode {
			case TamperMissingSign:
				if !errors.As(err, &ae) || ae.Code != alipay.CodeSuccess {
					t.Fatalf("want the unsigned node as *alipay.Error, got %v", err)
				}
			case TamperUnsignedError:
				gatewayErr(t, err, "40002", "isv.invalid-parameter")
			default:
				if !errors.Is(err, rsa.ErrVerification) {
					t.Fatalf("want rsa.ErrVerification, got %T %v", err, err)
				}
			}
			// One-shot: the next answer is fine again.
			e.ok(MethodTemplateQuery, q, nil)
		})
	}

	// "" matches whichever method comes next; TamperNone cancels.
	e.srv.TamperNext("", TamperBadSign)
	e.srv.TamperNext("", TamperNone)
	e.ok(MethodTemplateQuery, q, nil)
	e.srv.TamperNext("", TamperAlterBody)
	if _, err := e.try(MethodTemplateBatchQuery, map[string]any{"page_no": 1}, nil); !errors.Is(err, rsa.ErrVerification) {
		t.Fatalf("got %v", err)
	}

	// A tampered card.open still opened the card; an unsigned error did not.
	uid := e.srv.NewUser()
	tok := e.srv.IssueToken(uid, ScopeAuthECard)
	open := map[string]any{
		"out_serial_no": "s1", "card_template_id": tpl,
		"card_user_info": map[string]string{"user_uni_id": uid, "user_uni_id_type": "UID"},
		"card_ext_info":  map[string]any{"external_card_no": "E1"},
	}
	e.srv.TamperNext(MethodCardOpen, TamperUnsignedError)
	if _, err := e.try(MethodCardOpen, open, map[string]string{"auth_token": tok}); err == nil {
		t.Fatal("accepted")
	}
	if e.srv.CardCount() != 0 {
		t.Fatal("TamperUnsignedError must not run the method")
	}
	e.srv.TamperNext(MethodCardOpen, TamperOtherKey)
	if _, err := e.try(MethodCardOpen, open, map[string]string{"auth_token": tok}); err == nil {
		t.Fatal("accepted")
	}
	if e.srv.CardCount() != 1 {
		t.Fatal("TamperOtherKey corrupts the answer, not the state")
	}
	// The merchant retries with the same serial and gets the same card.
	e.ok(MethodCardOpen, open, map[string]string{"auth_token": tok})
	if e.srv.CardCount() != 1 {
		t.Fatal("retry opened a second card")
	}
}

func TestFailNext(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.FailNextCode(MethodTemplateCreate, "40005", "aop.call-limited", "调用频次超限", 2)
	biz := map[string]any{
		"request_id": "r1", "card_type": "OUT_MEMBER_CARD", "biz_no_suffix_len": "10",
		"template_style_info": map[string]string{"card_show_name": "x"},
	}
	for i := 0; i < 2; i++ {
		r := e.fails(MethodTemplateCreate, biz, nil, "40005", "aop.call-limited")
		if r.Msg != "Call Limited" {
			t.Fatalf("msg %q", r.Msg)
		}
	}
	r := e.ok(MethodTemplateCreate, biz, nil)
	b := e.ok(MethodTemplateBatchQuery, nil, nil)
	var total int
	b.obj(t, "template_total", &total)
	if total != 1 || r.str("template_id") == "" {
		t.Fatalf("FailNext must leave state untouched: %d templates", total)
	}
	e.srv.FailNextCode("", "20000", "isp.unknow-error", "服务暂不可用", 1)
	e.fails(MethodTemplateBatchQuery, nil, nil, "20000", "isp.unknow-error")
	e.srv.FailNextCode(MethodTemplateBatchQuery, "20000", "isp.unknow-error", "x", 5)
	e.srv.FailNextCode(MethodTemplateBatchQuery, "", "", "", 0) // removes the rule
	e.ok(MethodTemplateBatchQuery, nil, nil)
}

func TestLatencyHonoursCancellation(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.SetLatency(MethodTemplateCreate, 400*time.Millisecond)
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
	time.Sleep(600 * time.Millisecond) // past the latency: a non-cancelled request would have run
	b := e.ok(MethodTemplateBatchQuery, nil, nil)
	var total int
	b.obj(t, "template_total", &total)
	if total != 0 {
		t.Fatal("the cancelled request still created a template")
	}
	// Without cancellation the answer is just slow.
	start := time.Now()
	e.ok(MethodTemplateCreate, map[string]any{
		"request_id": "slow2", "card_type": "OUT_MEMBER_CARD", "biz_no_suffix_len": "10",
		"template_style_info": map[string]string{"card_show_name": "x"},
	}, nil)
	if time.Since(start) < 400*time.Millisecond {
		t.Fatal("latency not applied")
	}
	e.srv.SetLatency(MethodTemplateCreate, 0)
}

func TestCallsAndParseErrors(t *testing.T) {
	e := newEnv(t, nil)
	resp, err := e.srv.HTTPClient().Post(e.srv.URL(), "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	e.wantGatewayError(t, m, "", shapeErrorResp, "40002", "isv.invalid-parameter")

	// The same parameter in the query and the body is refused.
	v := e.baseValues(MethodTemplateBatchQuery, "")
	sign(appKey(t), v)
	resp, err = e.srv.HTTPClient().Post(e.srv.URL()+"?method="+MethodTemplateBatchQuery, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	m = nil
	_ = json.Unmarshal(b, &m)
	e.wantGatewayError(t, m, "", shapeErrorResp, "40002", "isv.invalid-parameter")

	// System parameters in the query and business ones in the body, as the
	// official SDKs send them, are merged.
	v = e.baseValues(MethodTemplateBatchQuery, `{"page_no":1}`)
	sign(appKey(t), v)
	body := url.Values{"biz_content": {v.Get("biz_content")}}
	v.Del("biz_content")
	resp, err = e.srv.HTTPClient().Post(e.srv.URL()+"?"+v.Encode(), "application/x-www-form-urlencoded;charset=utf-8", strings.NewReader(body.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"code":"10000"`) || !strings.Contains(string(b), `"sign":"`) {
		t.Fatalf("split request: %s", b)
	}
	if got := e.srv.CallCount(""); got != 3 {
		t.Fatalf("Calls(\"\") = %d, want 3", got)
	}
	if got := e.srv.CallCount(MethodTemplateBatchQuery); got != 2 {
		t.Fatalf("Calls(batchquery) = %d, want 2", got)
	}
}

func TestFreshKeysAndClock(t *testing.T) {
	fixed := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	var mu sync.Mutex
	now := fixed
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, &Options{AppID: "2021000000000777", FreshKeys: true, Clock: clock})
	if e.srv.AppID() != "2021000000000777" || e.srv.AppPublicKey() == appPublicKeyPEM || e.srv.AlipayPublicKey() == alipayPublicKeyPEM {
		t.Fatal("options not applied")
	}
	// smartwalle stamps wall-clock time, which the gateway accepts although
	// its own clock is in 2020.
	tpl := e.template(nil)
	_, no := e.open(tpl, nil)
	c, _ := e.srv.Card(no)
	if want := time.Date(2020, 1, 2, 11, 4, 5, 0, card.Beijing()); !c.OpenDate.Equal(want) || c.OpenDate.Location() != card.Beijing() {
		t.Fatalf("open_date %v, want %v in Beijing", c.OpenDate, want)
	}
	r := e.ok(MethodTemplateBatchQuery, nil, nil)
	var list []map[string]any
	r.obj(t, "mcard_template", &list)
	if list[0]["gmt_create"] != "2020-01-02 11:04:05" || !strings.HasPrefix(tpl, "20200102") {
		t.Fatalf("times not in Beijing server time: %v %s", list[0], tpl)
	}

	// A client holding the built-in keys cannot talk to a fresh-key server.
	old := NewServer(&Options{AppID: "2021000000000777"})
	defer old.Close()
	oc, _ := old.NewClient(alipay.WithSandboxGateway(e.srv.URL()))
	p := alipay.NewPayload(MethodTemplateBatchQuery)
	var rr result
	// The refusal (isv.invalid-signature) is signed with the fresh key,
	// which this client does not trust.
	if err := oc.Request(context.Background(), p, &rr); !errors.Is(err, rsa.ErrVerification) {
		t.Fatalf("got %v, want a verification error", err)
	}
	if m := e.srv.Answers(MethodTemplateBatchQuery); len(m) == 0 || !strings.Contains(string(m[len(m)-1].Body), "isv.invalid-signature") {
		t.Fatalf("last answer %v", m)
	}
}

func TestConcurrentOpens(t *testing.T) {
	e := newEnv(t, nil)
	tpl := e.template(nil)
	const n = 16
	var wg sync.WaitGroup
	nos := make([]string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			uid := e.srv.NewUser()
			tok := e.srv.IssueToken(uid, ScopeAuthECard)
			r, err := e.try(MethodCardOpen, map[string]any{
				"out_serial_no": randomID(16), "card_template_id": tpl,
				"card_user_info": map[string]string{"user_uni_id": uid, "user_uni_id_type": "UID"},
				"card_ext_info":  map[string]any{"external_card_no": uid, "point": "1.5"},
			}, map[string]string{"auth_token": tok})
			if err != nil || r.Code != alipay.CodeSuccess {
				t.Errorf("open: %v %v", err, r.SubMsg)
				return
			}
			var ci map[string]string
			_ = json.Unmarshal(r.raw["card_info"], &ci)
			nos[i] = ci["biz_card_no"]
		}(i)
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, no := range nos {
		if no == "" || seen[no] {
			t.Fatalf("duplicate or missing card number in %v", nos)
		}
		seen[no] = true
	}
	if e.srv.CardCount() != n || e.srv.CallCount(MethodCardOpen) != n {
		t.Fatalf("CardCount %d Calls %d", e.srv.CardCount(), e.srv.CallCount(MethodCardOpen))
	}
}
