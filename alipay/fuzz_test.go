package alipay

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	card "github.com/walletcard/card"
)

// decodeTargets are the response types, one per method, that the decoding
// path fills.
func decodeTargets() []struct {
	c   call
	out any
} {
	return []struct {
		c   call
		out any
	}{
		{call{method: MethodCardOpen, authToken: "fuzz-token"}, new(CardOpenResponse)},
		{call{method: MethodCardQuery}, new(CardQueryResponse)},
		{call{method: MethodCardUpdate}, new(CardUpdateResponse)},
		{call{method: MethodCardDelete}, new(CardDeleteResponse)},
		{call{method: MethodTemplateCreate}, new(TemplateCreateResponse)},
		{call{method: MethodTemplateQuery}, new(TemplateQueryResponse)},
		{call{method: MethodTemplateBatchQuery}, new(TemplateBatchQueryResponse)},
		{call{method: MethodActivateURLApply}, new(ActivateURLApplyResponse)},
		{call{method: MethodActivateFormQuery, authToken: "fuzz-token"}, new(ActivateFormQueryResponse)},
		{call{method: MethodConsumeSync}, new(ConsumeSyncResponse)},
		{call{method: MethodBenefitCreate}, new(BenefitCreateResponse)},
		{call{method: MethodBenefitModify}, new(BenefitResult)},
		{call{method: MethodBenefitQuery}, new(BenefitQueryResponse)},
		{call{method: MethodImageUpload}, new(ImageUploadResponse)},
		{call{method: MethodOAuthToken, noCode: true}, new(Token)},
		{call{method: MethodUserInfoShare, authToken: "fuzz-token"}, new(UserInfo)},
		{call{method: MethodFormTemplateSet}, nil},
	}
}

// FuzzDecodeResponse feeds arbitrary verified-node bytes to the code that
// turns a response into typed values or a *card.Error: it must never panic,
// every failure must be a *card.Error, and a success must come with a code
// Alipay calls success (or none, for oauth.token).
func FuzzDecodeResponse(f *testing.F) {
	f.Add(uint8(0), []byte(`{"code":"10000","msg":"Success","card_info":{"balance":"10","biz_card_no":"test0000004653","external_card_no":"1000008765","level":"VIP1","open_date":"2016-10-19 15:12:07","point":"10","valid_date":"2017-10-19 15:12:14"}}`))
	f.Add(uint8(1), []byte(`{"code":"40004","msg":"Business Failed","sub_code":"CARD_NOT_EXIT","sub_msg":"会员卡不存在"}`))
	f.Add(uint8(8), []byte(`{"code":"10000","msg":"Success","infos":"[{\"OPEN_FORM_FIELD_MOBILE\":\"13552319194\"},{\"OPEN_FORM_FIELD_NAME\":\"李飞\"}]"}`))
	f.Add(uint8(14), []byte(`{"access_token":"kuaijieB92961e0ba073412e81f5a83bae9c3D07","alipay_user_id":"20880042337779769247695240710307","auth_start":"2023-09-02 17:19:51","expires_in":1209600,"re_expires_in":15552000,"refresh_token":"kuaijieB12472bb0606049ceb0d678c4fed05X07","user_id":"2088302480631072"}`))
	f.Add(uint8(5), []byte(`{"code":"10000","card_type":"OUT_MEMBER_CARD","biz_no_suffix_len":"20","card_level_confs":[{"level":"VIP1"}],"template_benefit_info":[{"title":"t","start_date":"2026-01-01 00:00:00"}]}`))
	f.Add(uint8(12), []byte(`{"code":"10000","mcard_template_benefit_query":[{"benefit_id":"b","benefit_desc":"x","ext_info":{"a":1}}]}`))
	f.Add(uint8(0), []byte(`{"code":"20001","msg":"Insufficient Token Permissions","sub_code":"aop.invalid-auth-token","sub_msg":"无效的访问令牌"}`))
	f.Add(uint8(0), []byte(`{"code":"10000","card_info":{"point":1e400,"balance":"-0.5"}}`))
	f.Fuzz(func(t *testing.T, which uint8, raw []byte) {
		targets := decodeTargets()
		tg := targets[int(which)%len(targets)]
		tg.c.secrets = []string{"secretTOKEN123"}
		err := decodeResponse(tg.c, raw, tg.out)
		if err == nil {
			return
		}
		ce, ok := err.(*card.Error)
		if !ok {
			t.Fatalf("error %T is not a *card.Error: %v", err, err)
		}
		if ce.Kind == card.KindInvalidArgument && ce.Code == "" {
			t.Fatalf("invalid argument without a code: %v", err)
		}
		if strings.Contains(err.Error(), "secretTOKEN123") {
			t.Fatalf("secret in error: %v", err)
		}
	})
}

// FuzzParseActivationCallback parses untrusted callback queries: no panic,
// and a parsed callback holds only bounded, valid text.
func FuzzParseActivationCallback(f *testing.F) {
	f.Add("app_id=2017080708077054&auth_code=90937a4fa28e4dde8ba99469228dOX94&request_id=20171227015874817220904638943&scope=auth_base%2Cauth_user%2Cauth_ecard&state=bWNhcmQ%3D&template_id=20171211000000000687259000300359")
	f.Add("https://merchant.example/cb?auth_code=abc&app_id=1&scope=auth_ecard&source=alipay_wallet#frag")
	f.Add("auth_code=a&auth_code=b")
	f.Add("auth_code=%zz")
	f.Add("auth_code=x%00y&template_id=t")
	f.Add("?")
	f.Fuzz(func(t *testing.T, raw string) {
		cb, err := ParseActivationCallbackURL(raw)
		if err != nil {
			if card.KindOf(err) != card.KindInvalidArgument {
				t.Fatalf("kind %v: %v", card.KindOf(err), err)
			}
			return
		}
		if cb.AuthCode == "" || len(cb.AuthCode) > 128 {
			t.Fatalf("auth code %q accepted", cb.AuthCode)
		}
		if cb.TemplateID != "" && cb.RequestID == "" {
			t.Fatalf("template_id accepted without request_id: %+v", cb)
		}
		for _, s := range append([]string{cb.AuthCode, cb.AppID, cb.TemplateID, cb.RequestID, cb.State, cb.OutString, cb.Source}, cb.Scopes...) {
			if !utf8.ValidString(s) || strings.IndexFunc(s, isControl) >= 0 {
				t.Fatalf("invalid text %q accepted", s)
			}
		}
		other := *cb
		other.AuthCode = "different"
		if cb.String() != other.String() || cb.GoString() != other.GoString() {
			t.Fatalf("String depends on the auth code")
		}
	})
}

// FuzzRedact: whatever the gateway echoes, a secret never survives redaction.
func FuzzRedact(f *testing.F) {
	f.Add("验签出错 auth_token=abc123&amp;sign=zzz", "abc123XYZ")
	f.Add("token authusrB0123456789 twice authusrB0123456789", "authusrB0123456789")
	f.Add("code=", "code")
	f.Fuzz(func(t *testing.T, msg, secret string) {
		if len(secret) < 4 || strings.Contains("[redacted]", secret) || strings.ContainsAny(secret, "[]") {
			return
		}
		out := redact(msg, []string{secret})
		if strings.Contains(out, secret) {
			t.Fatalf("redact(%q) = %q still holds %q", msg, out, secret)
		}
	})
}

// bindTargets are calls whose answers checkAnswer binds, with their
// requests' identifiers.
func bindTargets() []call {
	return []call{
		CardOpenRequest{CardExtInfo: MerchantCard{ExternalCardNo: "EXT1"}}.call(),
		CardQueryRequest{TargetCardNo: "C1"}.call(),
		CardQueryRequest{TargetCardNo: "EXT1", TargetCardNoType: CardNoExternal, TemplateID: "T1"}.call(),
		CardDeleteRequest{OutSerialNo: "k", TargetCardNo: "C1"}.call(),
		TemplateCreateRequest{RequestID: "r"}.call(),
		TemplateQueryRequest{TemplateID: "T1"}.call(),
		ActivateURLApplyRequest{TemplateID: "T1"}.call(),
		{method: MethodCardUpdate},
		{method: MethodBenefitQuery, bind: benefitsOf("T1", "B1")},
		{method: MethodConsumeSync, bind: echoes("external_card_no", "EXT1", true)},
		{method: MethodOAuthToken, noCode: true},
	}
}

// FuzzCheckAnswer feeds arbitrary verified-node bytes to the binding
// check of every kind of call: it never panics, refuses only with a
// KindUnknown FORGED_ANSWER *card.Error whose text quotes nothing of the
// answer, and decides the same way twice.
func FuzzCheckAnswer(f *testing.F) {
	f.Add(uint8(0), true, []byte(`{"code":"10000","msg":"Success","card_info":{"biz_card_no":"C9","external_card_no":"EXT1"}}`))
	f.Add(uint8(1), true, []byte(`{"code":"10000","msg":"Success","card_info":{"biz_card_no":"C2"},"schema_url":"x"}`))
	f.Add(uint8(3), true, []byte(`{"code":"10000","msg":"Success","card_info":{"biz_card_no":"C1"}}`))
	f.Add(uint8(6), true, []byte(`{"code":"10000","apply_card_url":"https%3A%2F%2Fm.alipay.com%2Factivecard.htm%3Ftemplate_id%3DT2"}`))
	f.Add(uint8(8), true, []byte(`{"code":"10000","mcard_template_benefit_query":[{"benefit_id":"B1","template_id":"T2"}]}`))
	f.Add(uint8(7), false, []byte(`{"code":"40004","sub_code":"CARD_NOT_EXIT","template_id":"T1"}`))
	f.Fuzz(func(t *testing.T, which uint8, success bool, raw []byte) {
		targets := bindTargets()
		c := targets[int(which)%len(targets)]
		err := checkAnswer(c, raw, success)
		again := checkAnswer(c, raw, success)
		if (err == nil) != (again == nil) {
			t.Fatalf("not deterministic: %v / %v", err, again)
		}
		if err == nil {
			return
		}
		ce, ok := err.(*card.Error)
		if !ok || ce.Kind != card.KindUnknown || ce.Code != CodeForgedAnswer {
			t.Fatalf("error %T %v", err, err)
		}
		if !utf8.ValidString(ce.Message) {
			t.Fatalf("message is not UTF-8: %q", ce.Message)
		}
		for _, v := range []string{"C9", "C2", "T2", "EXT9"} {
			if bytes.Contains(raw, []byte(v)) && strings.Contains(ce.Message, v) {
				t.Fatalf("message quotes the answer: %s", ce.Message)
			}
		}
	})
}
