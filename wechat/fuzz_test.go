package wechat

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/util"

	card "github.com/walletcard/card"
)

// FuzzDecodeResponse drives the answer decoding of postJSON: errcode
// extraction, classification and typed decoding must never panic, and a
// non-zero errcode always becomes a *card.Error carrying it.
func FuzzDecodeResponse(f *testing.F) {
	f.Add([]byte(`{"errcode":0,"errmsg":"ok","openid":"o","membership_number":"1","bonus":995,"has_active":false}`))
	f.Add([]byte(`{"errcode":40127,"errmsg":"invalid user-card status! hint: [x]"}`))
	f.Add([]byte(`{"errcode":"40056"}`))
	f.Add([]byte(`{"url":"no errcode"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ce, err := decodeErrcode("Op", b)
		if err != nil {
			return
		}
		if ce != nil {
			e := apiError("Op", ce)
			if e.Code != strconv.FormatInt(ce.ErrCode, 10) || e.Provider != "wechat" || ce.ErrCode == 0 {
				t.Fatalf("bad error %+v", e)
			}
			_ = e.Error()
			return
		}
		// Every typed answer (and its custom UnmarshalJSON) takes any success
		// body; whatever decodes must encode again.
		for _, v := range responseTargets() {
			if json.Unmarshal(b, v) == nil {
				if _, err := json.Marshal(v); err != nil {
					t.Fatalf("%T decoded but does not encode: %v", v, err)
				}
			}
		}
	})
}

// responseTargets returns a fresh pointer to every typed answer the
// Provider decodes WeChat bytes into.
func responseTargets() []any {
	return []any{
		new(GetColorsResponse), new(GetApplyProtocolResponse), new(CreateCardResponse), new(GetCardResponse),
		new(BatchGetCardsResponse), new(UpdateCardResponse), new(GetUserCardListResponse),
		new(CreateQRCodeResponse), new(CreateLandingPageResponse), new(GetMpNewsHTMLResponse),
		new(GetDepositCountResponse), new(CheckCodesResponse), new(GetCodeResponse), new(ConsumeCodeResponse),
		new(DecryptCodeResponse), new(MemberUserInfo), new(UpdateMemberUserResponse),
		new(GetActivateTempInfoResponse), new(GetActivateURLResponse),
		new(PayGiftCardAddResponse), new(PayGiftCardGetByIDResponse), new(PayGiftCardBatchGetResponse),
		new(GeneralCardUpdateUserResponse),
		new(SubmitSubMerchantResponse), new(UpdateSubMerchantResponse), new(GetSubMerchantResponse), new(BatchGetSubMerchantsResponse),
		new(GetCardBizUinInfoResponse), new(GetCardCardInfoResponse), new(GetMemberCardInfoResponse), new(GetMemberCardDetailResponse),
	}
}

// FuzzParseEvent: parsing any bytes as an event push never panics, and a
// parsed event always maps to a neutral event of provider wechat.
func FuzzParseEvent(f *testing.F) {
	for _, s := range []string{sampleUserGetCard, samplePayCell, sampleUpdateMember, samplePayOrder, sampleConsume, sampleNotPass} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := ParseEvent(b)
		if err != nil {
			return
		}
		n := ev.Neutral()
		if n.Provider != card.WeChat || n.Native != ev {
			t.Fatalf("neutral %+v", n)
		}
	})
}

// FuzzPushSignature sends arbitrary pushes to the Handler: it never panics,
// and it accepts a push only when the signature is the one computed from the
// token, or never calls the callback otherwise.
func FuzzPushSignature(f *testing.F) {
	good := util.Signature("tok", "1700000000", "n")
	f.Add(good, "1700000000", "n", "", []byte(sampleUserGetCard))
	f.Add("0000", "1", "2", "", []byte(sampleUserGetCard))
	f.Add(good, "1700000000", "n", "aes", []byte(`<xml><Encrypt><![CDATA[AAAA]]></Encrypt></xml>`))
	h, err := NewHandler(HandlerOptions{Token: "tok", EncodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", AppID: "wxapp",
		Clock: func() time.Time { return time.Unix(1700000000, 0) }}) // the seeds' timestamp is fresh
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, sig, ts, nonce, encType string, body []byte) {
		called := false
		h.OnCardEvent(func(_ context.Context, _ *CardEvent) error { called = true; return nil })
		q := url.Values{"signature": {sig}, "timestamp": {ts}, "nonce": {nonce}, "encrypt_type": {encType}, "msg_signature": {sig}}
		r := httptest.NewRequest(http.MethodPost, "/?"+q.Encode(), strings.NewReader(string(body)))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		valid := sig == util.Signature("tok", ts, nonce)
		if called && encType != "aes" && !valid {
			t.Fatalf("callback called for a bad signature (HTTP %d)", w.Code)
		}
		if encType != "aes" && !valid && w.Code != http.StatusForbidden {
			t.Fatalf("bad signature answered HTTP %d", w.Code)
		}
	})
}
