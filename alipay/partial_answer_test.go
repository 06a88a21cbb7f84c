package alipay_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
)

// TestOpenUnreadableCardInfo: a success answer to card.open whose card_info
// has a member in an unexpected format still yields the card number,
// with a PARTIAL_RESPONSE error.
func TestOpenUnreadableCardInfo(t *testing.T) {
	aliKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(&aliKey.PublicKey)
	appKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	appPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(appKey)}))
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		node := []byte(`{"code":"10000","msg":"Success","card_info":{"biz_card_no":"C0000001","external_card_no":"E1","point":"lots","open_date":"yesterday"}}`)
		sum := sha256.Sum256(node)
		sig, _ := rsa.SignPKCS1v15(rand.Reader, aliKey, crypto.SHA256, sum[:])
		_, _ = w.Write([]byte(`{"alipay_marketing_card_open_response":` + string(node) + `,"sign":"` + base64.StdEncoding.EncodeToString(sig) + `"}`))
	}))
	defer gw.Close()
	p, err := alipay.NewFromKeys("2021000000000009", appPEM, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})),
		&alipay.Options{BaseURL: gw.URL})
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.Open(ctx(t), card.OpenRequest{TemplateID: "T1", ExternalNo: "E1", Holder: "2088000000000001", AuthToken: "tok"})
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Code != alipay.CodePartialResponse || !strings.Contains(ce.Message, "C0000001") {
		t.Fatalf("err = %v", err)
	}
	if c == nil || c.Ref.CardNo != "C0000001" || c.Ref.TemplateID != "T1" || c.ExternalNo != "E1" {
		t.Fatalf("card %+v", c)
	}
	res, err := p.CardOpen(ctx(t), alipay.CardOpenRequest{AuthToken: "tok", CardTemplateID: "T1",
		CardUserInfo: alipay.CardUserInfo{UserUniID: "2088000000000001"}, CardExtInfo: alipay.MerchantCard{ExternalCardNo: "E1"}})
	if err == nil || res == nil || res.CardInfo.BizCardNo != "C0000001" || res.OutSerialNo == "" {
		t.Fatalf("native: %+v, %v", res, err)
	}
}
