package alipaytest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The open-form fields Alipay documents for formtemplate.set.
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

func knownFormField(f string) bool {
	switch f {
	case FormFieldMobile, FormFieldGender, FormFieldName, FormFieldBirthday, FormFieldIDCard,
		FormFieldEmail, FormFieldAddress, FormFieldCity, FormFieldIsStudent, FormFieldMemberGrade:
		return true
	}
	return false
}

// applyRecord is the latest activateurl.apply of a template.
type applyRecord struct {
	callback    string
	outString   string
	followAppID string
}

// formSubmission is a form the user submitted (SubmitActivationForm).
type formSubmission struct {
	requestID  string
	templateID string
	userID     string
	values     [][2]string // in form order
	at         time.Time
}

// commonFields is {"common_fields":[…]}. The SDK models type it as a string,
// so a JSON string holding the object is accepted too.
type commonFields struct {
	CommonFields []string `json:"common_fields"`
}

func (c *commonFields) UnmarshalJSON(b []byte) error {
	type plain commonFields
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	return json.Unmarshal(b, (*plain)(c))
}

// formTemplateSet implements alipay.marketing.card.formtemplate.set.
func (s *Server) formTemplateSet(req *request) (node, *apiError) {
	var b struct {
		TemplateID str `json:"template_id"`
		Fields     *struct {
			Required *commonFields `json:"required"`
			Optional *commonFields `json:"optional"`
		} `json:"fields"`
	}
	if e := decodeBiz(req, &b); e != nil {
		return nil, e
	}
	var c checker
	c.req("template_id", b.TemplateID, 32)
	if b.Fields == nil || b.Fields.Required == nil || len(b.Fields.Required.CommonFields) == 0 {
		c.fail("参数无效: fields.required 必须至少包含一个字段")
	}
	if c.err != nil {
		return nil, c.err
	}
	t := s.st.templates[string(b.TemplateID)]
	if t == nil {
		return nil, bizFail("CARD_TEMPLATE_NOT_EXIST", "会员卡模板不存在")
	}
	var optional []string
	if b.Fields.Optional != nil {
		optional = b.Fields.Optional.CommonFields
	}
	required := b.Fields.Required.CommonFields
	if len(required)+len(optional) > 20 {
		return nil, invalidParam("参数无效: 表单字段最多 20 个")
	}
	seen := map[string]bool{}
	for _, f := range append(append([]string(nil), required...), optional...) {
		if !knownFormField(f) {
			return nil, bizFail("FORM_FIELD_INVALID", "表单字段 %s 无效", f)
		}
		if seen[f] {
			return nil, bizFail("DUPLICATE_FORM_FIELD", "表单字段 %s 重复", f)
		}
		seen[f] = true
	}
	t.formRequired = append([]string(nil), required...)
	t.formOptional = append([]string(nil), optional...)
	t.formSet = true
	return success(), nil
}

// activateURLApply implements alipay.marketing.card.activateurl.apply. The
// returned apply_card_url is URL-encoded, as Alipay's is; decoded it points
// at this server's /activecard.htm page.
func (s *Server) activateURLApply(req *request) (node, *apiError) {
	var b struct {
		TemplateID  str `json:"template_id"`
		OutString   str `json:"out_string"`
		Callback    str `json:"callback"`
		FollowAppID str `json:"follow_app_id"`
	}
	if e := decodeBiz(req, &b); e != nil {
		return nil, e
	}
	var c checker
	c.req("template_id", b.TemplateID, 32)
	c.opt("callback", b.Callback, 10240)
	c.opt("follow_app_id", b.FollowAppID, 512)
	if c.err != nil {
		return nil, c.err
	}
	if len([]rune(string(b.OutString))) > 256 {
		return nil, bizFail("ILLEGAL_ARGUMENT_OUT_STRING", "out_string 长度不能超过 256")
	}
	if b.Callback != "" {
		u, err := url.Parse(string(b.Callback))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, invalidParam("参数无效: callback 必须为 http(s) 地址")
		}
		if u.RawQuery != "" || u.ForceQuery {
			return nil, invalidParam("参数无效: callback 不可带参数，请使用 out_string 回传")
		}
	}
	t := s.st.templates[string(b.TemplateID)]
	if t == nil {
		return nil, bizFail("CARD_TEMPLATE_NOT_EXIST", "会员卡模板不存在")
	}
	if !t.formSet {
		return nil, bizFail("OPEN_FORM_TEMPLATE_NOT_EXIST", "开卡表单模板不存在")
	}
	s.st.applies[t.id] = &applyRecord{callback: string(b.Callback), outString: string(b.OutString), followAppID: string(b.FollowAppID)}
	q := url.Values{}
	q.Set("app_id", s.appID)
	q.Set("template_id", t.id)
	if b.OutString != "" {
		q.Set("out_string", string(b.OutString))
	}
	if b.Callback != "" {
		q.Set("callback", string(b.Callback))
	}
	raw := s.ts.URL + "/activecard.htm?" + q.Encode()
	return append(success(), field{"apply_card_url", url.QueryEscape(raw)}), nil
}

// SubmitActivationForm simulates userID opening the latest apply_card_url of
// templateID (from activateurl.apply), authorizing and submitting the form
// with fields (OPEN_FORM_FIELD_* → value). Every required form field must be
// present; fields outside the form template are refused.
//
// It returns the query the merchant's callback receives: app_id, template_id,
// request_id, auth_code (a one-time code of userID with scope auth_ecard),
// scope=auth_ecard and, when activateurl.apply carried out_string, both
// out_string and state set to it; with Options.MinimalCallback only
// request_id and auth_code. activateform.query with
// (biz_type=MEMBER_CARD, template_id, request_id) and that user's token then
// returns the fields. An unknown user is registered first.
func (s *Server) SubmitActivationForm(templateID, userID string, fields map[string]string) (url.Values, error) {
	if !validUserID(userID) {
		return nil, fmt.Errorf("alipaytest: user id %q is not 16 digits starting with 2088", userID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.st.templates[templateID]
	if t == nil {
		return nil, fmt.Errorf("alipaytest: template %q does not exist", templateID)
	}
	ap := s.st.applies[templateID]
	if !t.formSet || ap == nil {
		return nil, errors.New("alipaytest: template " + templateID + " has no form: call formtemplate.set and activateurl.apply first")
	}
	var values [][2]string
	for _, f := range t.formRequired {
		v, ok := fields[f]
		if !ok || strings.TrimSpace(v) == "" {
			return nil, fmt.Errorf("alipaytest: required form field %s is missing", f)
		}
		values = append(values, [2]string{f, v})
	}
	for _, f := range t.formOptional {
		if v, ok := fields[f]; ok && v != "" {
			values = append(values, [2]string{f, v})
		}
	}
	for f := range fields {
		if !contains(t.formRequired, f) && !contains(t.formOptional, f) {
			return nil, fmt.Errorf("alipaytest: field %s is not in the form of template %s", f, templateID)
		}
	}
	sub := &formSubmission{requestID: s.datedID(29), templateID: templateID, userID: userID, values: values, at: s.now()}
	s.st.forms[sub.requestID] = sub
	code := s.issueCode(userID, []string{ScopeAuthECard})
	out := url.Values{}
	out.Set("request_id", sub.requestID)
	out.Set("auth_code", code)
	if s.minimal {
		return out, nil
	}
	out.Set("app_id", s.appID)
	out.Set("template_id", templateID)
	out.Set("scope", ScopeAuthECard)
	if ap.outString != "" {
		out.Set("out_string", ap.outString)
		out.Set("state", ap.outString)
	}
	return out, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// handleActivatePage serves the decoded apply_card_url: a GET with user_id
// (default DemoUserID) and the form fields as query parameters submits the
// form and answers 302 to the callback with SubmitActivationForm's query.
func (s *Server) handleActivatePage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	uid := q.Get("user_id")
	if uid == "" {
		uid = DemoUserID
	}
	fields := map[string]string{}
	for k, v := range q {
		if strings.HasPrefix(k, "OPEN_FORM_FIELD_") && len(v) > 0 {
			fields[k] = v[0]
		}
	}
	out, err := s.SubmitActivationForm(q.Get("template_id"), uid, fields)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	cb := s.st.applies[q.Get("template_id")].callback
	s.mu.Unlock()
	if cb == "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(out.Encode()))
		return
	}
	http.Redirect(w, r, cb+"?"+out.Encode(), http.StatusFound)
}

// activateFormQuery implements alipay.marketing.card.activateform.query. The
// auth_token must belong to the user who submitted the form.
func (s *Server) activateFormQuery(req *request) (node, *apiError) {
	tok, e := s.checkToken(req, "")
	if e != nil {
		return nil, e
	}
	var b struct {
		BizType    str `json:"biz_type"`
		TemplateID str `json:"template_id"`
		RequestID  str `json:"request_id"`
	}
	if e := decodeBiz(req, &b); e != nil {
		return nil, e
	}
	var c checker
	c.req("biz_type", b.BizType, 64)
	c.oneOf("biz_type", b.BizType, "MEMBER_CARD")
	c.req("template_id", b.TemplateID, 1024)
	c.req("request_id", b.RequestID, 128)
	if c.err != nil {
		return nil, c.err
	}
	sub := s.st.forms[string(b.RequestID)]
	if sub == nil || sub.templateID != string(b.TemplateID) || sub.userID != tok.userID {
		return nil, bizFail("REQUEST_ID_INVALID", "request_id 无效")
	}
	infos := make([]map[string]string, 0, len(sub.values))
	for _, kv := range sub.values {
		infos = append(infos, map[string]string{kv[0]: kv[1]})
	}
	enc, _ := json.Marshal(infos)
	return append(success(), field{"infos", string(enc)}), nil
}
