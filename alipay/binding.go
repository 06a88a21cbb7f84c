package alipay

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	card "github.com/walletcard/card"
)

// CodeForgedAnswer is the Code of the error returned when a correctly
// signed answer is not the answer to the request that was sent: its node
// carries members of another method's answer, or an identifier it echoes
// (card number, external card number, template id) is not the one asked
// for, or a member every answer of the method carries is missing. The
// answer is refused (card.KindUnknown); for a call that changes something
// the outcome is unknown (card.ErrOutcomeUnknown): the request may have
// reached the gateway and been applied while its answer was replaced.
//
// Alipay signs the bytes of the answer node only — not the node's name, not
// the request it answers — so a genuine signed answer can be replayed by
// anyone on the path in place of another, and its node renamed after
// another method. The adapter binds every answer it can to its request:
//
//   - card.open: card_info.biz_card_no present, card_info.external_card_no
//     equal to the request's;
//   - card.query: card_info.biz_card_no equal to the target for BIZ_CARD,
//     card_info.external_card_no for EXTERNAL_CARD (D_QR_CODE and
//     D_BAR_CODE answers echo nothing of the dynamic code: not bound),
//     card_info.template_id, when echoed, equal to the request's;
//   - card.delete: biz_serial_no present;
//   - template.create: template_id present; template.modify: template_id
//     equal to the request's; template.query: template_style_info present,
//     template_id, when echoed, equal to the request's;
//   - activateurl.apply: the template_id of apply_card_url, when the link
//     has one, equal to the request's;
//   - consume.sync: external_card_no present, and equal to
//     card_info.external_card_no when the request sets it;
//   - activateform.query: infos present; benefit.modify and benefit.delete:
//     result present;
//   - benefit.query: every benefit's template_id and benefit_id equal to the
//     request's when it names them;
//   - every answer: no member that only another method's answers carry
//     (card_info in a card.update or card.delete answer, template_id in a
//     card.delete answer, biz_serial_no in a card.open answer …).
//
// The protocol leaves these open, and no client can close them: an answer
// whose node holds no identifier of the request — card.update,
// formtemplate.set and message.notify ({"code":"10000","msg":"Success"},
// the same bytes for every call of the three), card.delete (biz_serial_no
// is Alipay's own serial), template.create (the id of the template made by
// whichever request), template.query and template.batchquery,
// activateform.query, consume.sync without card_info.external_card_no,
// benefit.create, benefit.modify and benefit.delete, benefit.query of a
// template without benefits, image upload, oauth.token and
// user.info.share — is accepted when replayed from another call of the
// same method (for the three bare ones, from one another); so is a failure answer
// (code, msg, sub_code and sub_msg only), and an earlier genuine answer
// about the same card or template. The neutral Update closes its gap by
// reading the card back (see Update).
const CodeForgedAnswer = "FORGED_ANSWER"

// answerMembers lists, for each method, the top-level members of its answer
// node besides code, msg, sub_code and sub_msg (the response models of the
// reference, section 1.3). It is read only.
var answerMembers = map[string][]string{
	MethodTemplateCreate: {"template_id"},
	MethodTemplateModify: {"template_id"},
	MethodTemplateQuery: {"template_id", "card_type", "biz_no_prefix", "biz_no_suffix_len", "write_off_type",
		"template_style_info", "template_benefit_info", "column_info_list", "field_rule_list", "card_action_list",
		"open_card_conf", "card_level_conf", "card_level_confs", "mdcode_notify_conf", "template_form_config",
		"shop_ids", "pub_channels", "spi_app_id", "access_version", "card_spec_tag", "paid_outer_card_conf",
		"service_label_list"},
	MethodTemplateBatchQuery: {"mcard_template", "template_total"},
	MethodFormTemplateSet:    {},
	MethodActivateURLApply:   {"apply_card_url"},
	MethodActivateFormQuery:  {"infos"},
	MethodCardOpen:           {"card_info", "open_card_channel", "open_card_channel_id"},
	MethodCardQuery:          {"card_info", "schema_url", "pass_id", "paid_outer_card_info"},
	MethodCardUpdate:         {"result_code"},
	MethodCardDelete:         {"biz_serial_no"},
	MethodConsumeSync:        {"external_card_no"},
	MethodMessageNotify:      {"result_code"},
	MethodBenefitCreate:      {"benefit_id"},
	MethodBenefitModify:      {"result"},
	MethodBenefitQuery:       {"mcard_template_benefit_query"},
	MethodBenefitDelete:      {"result"},
	MethodImageUpload:        {"image_id", "image_url"},
	MethodOAuthToken: {"access_token", "refresh_token", "expires_in", "re_expires_in", "auth_start", "user_id",
		"open_id", "union_id", "alipay_user_id", "auth_token_type"},
	MethodUserInfoShare: {"user_id", "open_id", "avatar", "province", "city", "nick_name", "gender", "mobile",
		"user_name", "cert_no", "cert_type", "is_certified", "is_student_certified", "user_type", "user_status"},
}

// foreignMember returns the first member of node that belongs to the
// answers of other methods only, or "". Members no method declares are
// allowed (Alipay adds fields over time).
func foreignMember(method string, node map[string]json.RawMessage) string {
	own, known := answerMembers[method]
	if !known {
		return ""
	}
	keys := make([]string, 0, len(node))
	for k := range node {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the same answer always names the same member
	for _, k := range keys {
		if slices.Contains(own, k) {
			continue
		}
		for m, members := range answerMembers {
			if m != method && slices.Contains(members, k) {
				return k
			}
		}
	}
	return ""
}

// answer is a verified answer node, as members, for the binding checks.
type answer map[string]json.RawMessage

// str returns the text of the member at path (dot-separated, e.g.
// "card_info.biz_card_no") — a JSON string, number or bool — and whether
// it is present and not null or empty.
func (a answer) str(path string) (string, bool) {
	node := map[string]json.RawMessage(a)
	parts := strings.Split(path, ".")
	for i, p := range parts {
		raw, ok := node[p]
		if !ok {
			return "", false
		}
		if i == len(parts)-1 {
			var f flexString
			if err := f.UnmarshalJSON(raw); err != nil || f == "" {
				return "", false
			}
			return string(f), true
		}
		node = nil
		if err := json.Unmarshal(raw, &node); err != nil || node == nil {
			return "", false
		}
	}
	return "", false
}

// binder checks that a success answer belongs to its request; nil means the
// answer echoes nothing of the request that the check could compare.
type binder func(a answer) string

// echoes is the binder of answers that must echo value at path (when
// required) or, when present, must equal it; an empty value is not
// compared.
func echoes(path, value string, required bool) binder {
	return func(a answer) string {
		got, ok := a.str(path)
		switch {
		case !ok && required:
			return path + " is missing"
		case ok && value != "" && got != value:
			return path + " is not the one asked for"
		}
		return ""
	}
}

// presentMember is the binder of a text member every answer of the method
// carries.
func presentMember(path string) binder { return echoes(path, "", true) }

// hasObject is the binder of an object member every answer of the method
// carries.
func hasObject(name string) binder {
	return func(a answer) string {
		raw := bytes.TrimSpace(a[name])
		if len(raw) == 0 || raw[0] != '{' {
			return name + " is missing"
		}
		return ""
	}
}

// allOf runs binders in order and returns the first mismatch.
func allOf(bs ...binder) binder {
	return func(a answer) string {
		for _, b := range bs {
			if b == nil {
				continue
			}
			if why := b(a); why != "" {
				return why
			}
		}
		return ""
	}
}

// applyURLTemplate binds an activateurl.apply answer: the link's
// template_id, when it has one, is the template asked for.
func applyURLTemplate(templateID string) binder {
	return func(a answer) string {
		raw, ok := a.str("apply_card_url")
		if !ok {
			return "apply_card_url is missing"
		}
		u, err := url.Parse(decodeApplyURL(raw))
		if err != nil {
			return "apply_card_url is not a URL"
		}
		if got := u.Query().Get("template_id"); got != "" && got != templateID {
			return "apply_card_url is for another template"
		}
		return ""
	}
}

// benefitsOf binds a benefit.query answer: each benefit listed is of the
// template and has the benefit id asked for, when the request names them.
func benefitsOf(templateID, benefitID string) binder {
	return func(a answer) string {
		raw, ok := a["mcard_template_benefit_query"]
		if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			return ""
		}
		var list []answer
		if err := json.Unmarshal(raw, &list); err != nil {
			return "" // the decoder reports it
		}
		for _, b := range list {
			if why := allOf(echoes("template_id", templateID, false), echoes("benefit_id", benefitID, false))(b); why != "" {
				return "mcard_template_benefit_query: " + why
			}
		}
		return ""
	}
}

// checkAnswer refuses a verified node that is not the answer to c: one that
// carries another method's members, or — a success — lacks what the
// method's answer always has or echoes other identifiers than c's request.
func checkAnswer(c call, raw []byte, success bool) error {
	var node answer
	if err := json.Unmarshal(raw, &node); err != nil {
		return nil // not an object: the decoder reports it
	}
	if m := foreignMember(c.method, node); m != "" {
		return forged(c, "it carries "+m+", a member of another method's answer")
	}
	if success && c.bind != nil {
		if why := c.bind(node); why != "" {
			return forged(c, why)
		}
	}
	return nil
}

// forged is the error of an answer refused by checkAnswer.
func forged(c call, why string) *card.Error {
	return &card.Error{Kind: card.KindUnknown, Code: CodeForgedAnswer,
		Message: "the signed answer to " + c.method + " is not the answer to this request (" + why +
			"): refused, the outcome is unknown"}
}
