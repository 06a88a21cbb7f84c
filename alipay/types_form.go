package alipay

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/walletcard/card/internal/walletrules"
)

// Form fields for FormTemplateSetRequest (OPEN_FORM_FIELD_*).
const (
	FormFieldMobile      = "OPEN_FORM_FIELD_MOBILE"
	FormFieldGender      = "OPEN_FORM_FIELD_GENDER"
	FormFieldName        = "OPEN_FORM_FIELD_NAME"
	FormFieldBirthday    = "OPEN_FORM_FIELD_BIRTHDAY"
	FormFieldIDCard      = "OPEN_FORM_FIELD_IDCARD"
	FormFieldEmail       = "OPEN_FORM_FIELD_EMAIL"
	FormFieldAddress     = "OPEN_FORM_FIELD_ADDRESS"
	FormFieldCity        = "OPEN_FORM_FIELD_CITY"
	FormFieldIsStudent   = "OPEN_FORM_FIELD_IS_STUDENT"
	FormFieldMemberGrade = "OPEN_FORM_FIELD_MEMBER_GRADE"
)

// FormTemplateSetRequest is alipay.marketing.card.formtemplate.set: the
// fields of the activation form. On the wire each list is sent as
// {"common_fields":[…]}.
type FormTemplateSetRequest struct {
	// TemplateID (≤ 32). Required.
	TemplateID string
	// Required lists the fields the user must fill in; at least one.
	Required []string
	// Optional lists further fields; none may repeat a required one.
	Optional []string
}

// Validate checks the documented rules: at least one required field, at
// most 20 in all, no repeats, OPEN_FORM_FIELD_* names.
func (r FormTemplateSetRequest) Validate() error {
	ck := checker{}
	ck.required("TemplateID", r.TemplateID, walletrules.AlipayMaxTemplateIDRunes)
	if len(r.Required) == 0 {
		ck.fail("Required", "must list at least one field")
	}
	if n := len(r.Required) + len(r.Optional); n > 20 {
		ck.fail("Required", "%d fields in all, the limit is 20", n)
	}
	seen := map[string]bool{}
	for _, list := range [...]struct {
		name   string
		fields []string
	}{{"Required", r.Required}, {"Optional", r.Optional}} {
		for _, f := range list.fields {
			if !strings.HasPrefix(f, "OPEN_FORM_FIELD_") || len(f) > 64 {
				ck.fail(list.name, "field names are OPEN_FORM_FIELD_* (≤ 64 bytes)")
			}
			if seen[f] {
				ck.fail(list.name, "repeats a field")
			}
			seen[f] = true
		}
	}
	return ck.err()
}

// ActivateURLApplyRequest is alipay.marketing.card.activateurl.apply.
type ActivateURLApplyRequest struct {
	// TemplateID (≤ 32). Required.
	TemplateID string `json:"template_id"`
	// OutString is echoed back to the merchant (≤ 256). Optional.
	OutString string `json:"out_string,omitempty"`
	// Callback is where the user lands after the form; no query string (≤ 10240). Optional.
	Callback string `json:"callback,omitempty"`
	// FollowAppID is a life-account app id to offer (≤ 512). Optional.
	FollowAppID string `json:"follow_app_id,omitempty"`
}

// Validate checks the documented rules.
func (r ActivateURLApplyRequest) Validate() error {
	ck := checker{}
	ck.required("TemplateID", r.TemplateID, walletrules.AlipayMaxTemplateIDRunes)
	ck.optional("OutString", r.OutString, walletrules.AlipayMaxOutStringRunes)
	ck.optional("FollowAppID", r.FollowAppID, 512)
	if r.Callback != "" && !ck.Failed() {
		if err := checkCallbackURL("Callback", r.Callback); err != nil {
			return err
		}
	}
	return ck.err()
}

// ActivateURLApplyResponse is the answer to activateurl.apply.
type ActivateURLApplyResponse struct {
	// ApplyCardURL is the URL-decoded link to open in Alipay.
	ApplyCardURL string `json:"-"`
	// RawApplyCardURL is apply_card_url as sent (URL-encoded).
	RawApplyCardURL string `json:"apply_card_url"`
}

// check fills ApplyCardURL; the binder (applyURLTemplate) already required
// apply_card_url.
func (r *ActivateURLApplyResponse) check() error {
	r.ApplyCardURL = decodeApplyURL(r.RawApplyCardURL)
	return nil
}

// BizTypeMemberCard is activateform.query's only biz_type.
const BizTypeMemberCard = "MEMBER_CARD"

// ActivateFormQueryRequest is alipay.marketing.card.activateform.query.
type ActivateFormQueryRequest struct {
	// AuthToken is the user's access token from the callback's auth_code.
	// Required. Never logged.
	AuthToken string `json:"-"`
	// BizType defaults to MEMBER_CARD.
	BizType string `json:"biz_type"`
	// TemplateID (≤ 1024). Required.
	TemplateID string `json:"template_id"`
	// RequestID is the callback's request_id (≤ 128). Required.
	RequestID string `json:"request_id"`
}

// Validate checks the documented rules.
func (r ActivateFormQueryRequest) Validate() error {
	ck := checker{}
	ck.required("AuthToken", r.AuthToken, walletrules.AlipayMaxAuthTokenRunes)
	ck.oneOf("BizType", r.BizType, BizTypeMemberCard)
	ck.required("TemplateID", r.TemplateID, 1024)
	ck.required("RequestID", r.RequestID, 128)
	return ck.err()
}

// FormValue is one submitted form field.
type FormValue struct {
	// Field is the field name, e.g. OPEN_FORM_FIELD_MOBILE.
	Field string
	Value string
}

// ActivateFormQueryResponse is the answer to activateform.query.
type ActivateFormQueryResponse struct {
	// Infos are the submitted fields in Alipay's order.
	Infos []FormValue
}

// Get returns the value of a field and whether it was submitted.
func (r *ActivateFormQueryResponse) Get(field string) (string, bool) {
	for _, v := range r.Infos {
		if v.Field == field {
			return v.Value, true
		}
	}
	return "", false
}

// UnmarshalJSON decodes infos, a JSON array of one-key objects that Alipay
// sends encoded as a JSON string (an array itself is accepted too).
func (r *ActivateFormQueryResponse) UnmarshalJSON(b []byte) error {
	var w struct {
		Infos json.RawMessage `json:"infos"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	infos, err := parseFormInfos(w.Infos)
	if err != nil {
		return err
	}
	r.Infos = infos
	return nil
}

// parseFormInfos decodes activateform.query's infos.
func parseFormInfos(raw json.RawMessage) ([]FormValue, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		if strings.TrimSpace(s) == "" {
			return nil, nil
		}
		raw = json.RawMessage(s)
	}
	var items []map[string]flexString
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, errors.New("infos is not an array of objects")
	}
	out := make([]FormValue, 0, len(items))
	for _, it := range items {
		// Sorted so that an object with several keys decodes the same way every time.
		keys := make([]string, 0, len(it))
		for k := range it {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			out = append(out, FormValue{Field: k, Value: string(it[k])})
		}
	}
	return out, nil
}

// Consume-sync trade types.

// String describes the request without its auth token.
func (r ActivateFormQueryRequest) String() string {
	return "alipay.ActivateFormQueryRequest{TemplateID:" + r.TemplateID + " RequestID:" + r.RequestID + "}"
}

// GoString is String, so %#v does not print the token either.
func (r ActivateFormQueryRequest) GoString() string { return r.String() }

// decodeApplyURL URL-decodes apply_card_url ("使用时需URLDecode解码"); a value
// that is not URL-encoded (it already holds "://") is returned as it is.
func decodeApplyURL(s string) string {
	if strings.Contains(s, "://") {
		return s
	}
	d, err := url.QueryUnescape(s)
	if err != nil {
		return s
	}
	return d
}
