package alipaytest

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	alipay "github.com/smartwalle/alipay/v3"
	card "github.com/walletcard/card"
)

const testAESKey = "YWxpcGF5dGVzdC1hZXMxNg==" // "alipaytest-aes16", test only

func TestAESContentEncryption(t *testing.T) {
	e := newEnv(t, &Options{AESKey: testAESKey})
	// Every biz-bearing call goes encrypted both ways; smartwalle verifies
	// the quoted ciphertext and decrypts it.
	var seen []string
	e.c.OnReceivedData(func(_ context.Context, _ string, data []byte) { seen = append(seen, string(data)) })
	tpl := e.template(nil)
	_, no := e.open(tpl, map[string]any{"point": "7.5"})
	r := e.ok(MethodCardQuery, map[string]any{"target_card_no_type": "BIZ_CARD", "target_card_no": no}, nil)
	var ci map[string]string
	r.obj(t, "card_info", &ci)
	if ci["point"] != "7.5" {
		t.Fatalf("card_info %v", ci)
	}
	e.fails(MethodCardQuery, map[string]any{"target_card_no_type": "BIZ_CARD", "target_card_no": "x"}, nil, "40004", "CARD_NOT_EXIT")

	// On the wire the request biz_content and the answer node are ciphertext.
	p := alipay.NewPayload(MethodCardQuery)
	p.AddBizField("target_card_no_type", "BIZ_CARD")
	p.AddBizField("target_card_no", no)
	v, err := e.c.URLValues(p)
	if err != nil {
		t.Fatal(err)
	}
	if v.Get("encrypt_type") != "AES" || strings.Contains(v.Get("biz_content"), no) {
		t.Fatalf("request not encrypted: %v", v)
	}
	m := e.post(v)
	node := string(m[nodeName(MethodCardQuery)])
	if !strings.HasPrefix(node, `"`) || strings.Contains(node, no) {
		t.Fatalf("answer not encrypted: %s", node)
	}
	key, _ := base64.StdEncoding.DecodeString(testAESKey)
	plain, err := aesDecrypt(key, strings.Trim(node, `"`))
	if err != nil || !strings.Contains(string(plain), no) {
		t.Fatalf("decrypt: %v %s", err, plain)
	}

	// Tampering with the ciphertext breaks the signature.
	e.srv.TamperNext(MethodCardQuery, TamperAlterBody)
	if _, err := e.try(MethodCardQuery, map[string]any{"target_card_no_type": "BIZ_CARD", "target_card_no": no}, nil); !errors.Is(err, rsa.ErrVerification) {
		t.Fatalf("got %v", err)
	}
	// Garbage ciphertext is refused.
	v = e.baseValues(MethodCardQuery, "bm90IGNpcGhlcnRleHQ=")
	v.Set("encrypt_type", "AES")
	sign(appKey(t), v)
	e.wantGatewayError(t, e.post(v), MethodCardQuery, shapeSigned, "40002", "isv.invalid-encrypt")

	// A client without the key still works (plain requests, plain answers).
	plainClient, err := alipay.New(e.srv.AppID(), e.srv.AppPrivateKey(), true,
		alipay.WithProductionGateway(e.srv.URL()), alipay.WithTimeLocation(card.Beijing()))
	if err != nil {
		t.Fatal(err)
	}
	if err := plainClient.LoadAliPayPublicKey(e.srv.AlipayPublicKey()); err != nil {
		t.Fatal(err)
	}
	pe := &env{t: t, srv: e.srv, c: plainClient}
	pe.ok(MethodTemplateQuery, map[string]any{"template_id": tpl}, nil)
	if len(seen) == 0 {
		t.Fatal("OnReceivedData saw nothing")
	}
}

func TestAESKeyValidation(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewServer accepted a bad AES key")
		}
	}()
	NewServer(&Options{AESKey: "c2hvcnQ="}).Close()
}

func TestAESRoundTrip(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	for _, s := range []string{"", "a", strings.Repeat("x", 16), `{"k":"值"}`} {
		got, err := aesDecrypt(key, aesEncrypt(key, []byte(s)))
		if err != nil || string(got) != s {
			t.Fatalf("%q: %q %v", s, got, err)
		}
	}
	for _, bad := range []string{"!!", "", base64.StdEncoding.EncodeToString([]byte("short")), base64.StdEncoding.EncodeToString(make([]byte, 16))} {
		if _, err := aesDecrypt(key, bad); err == nil {
			t.Fatalf("%q decrypted", bad)
		}
	}
}

// FuzzAESDecrypt feeds arbitrary ciphertext to the decrypter: no panics, and
// whatever decrypts re-encrypts to something that decrypts to the same bytes.
func FuzzAESDecrypt(f *testing.F) {
	key := []byte("alipaytest-aes16")
	f.Add(aesEncrypt(key, []byte(`{"a":1}`)))
	f.Add("")
	f.Add("AAAAAAAAAAAAAAAAAAAAAA==")
	f.Add("not base64!")
	f.Fuzz(func(t *testing.T, b64 string) {
		plain, err := aesDecrypt(key, b64)
		if err != nil {
			return
		}
		again, err := aesDecrypt(key, aesEncrypt(key, plain))
		if err != nil || string(again) != string(plain) {
			t.Fatalf("round trip: %q vs %q (%v)", again, plain, err)
		}
	})
}
