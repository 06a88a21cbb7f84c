package alipaytest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Method names the gateway implements.
const (
	MethodTemplateCreate     = "alipay.marketing.card.template.create"
	MethodTemplateModify     = "alipay.marketing.card.template.modify"
	MethodTemplateQuery      = "alipay.marketing.card.template.query"
	MethodTemplateBatchQuery = "alipay.marketing.card.template.batchquery"
	MethodFormTemplateSet    = "alipay.marketing.card.formtemplate.set"
	MethodActivateURLApply   = "alipay.marketing.card.activateurl.apply"
	MethodActivateFormQuery  = "alipay.marketing.card.activateform.query"
	MethodCardOpen           = "alipay.marketing.card.open"
	MethodCardQuery          = "alipay.marketing.card.query"
	MethodCardUpdate         = "alipay.marketing.card.update"
	MethodCardDelete         = "alipay.marketing.card.delete"
	MethodConsumeSync        = "alipay.marketing.card.consume.sync"
	MethodMessageNotify      = "alipay.marketing.card.message.notify"
	MethodBenefitCreate      = "alipay.marketing.card.benefit.create"
	MethodBenefitModify      = "alipay.marketing.card.benefit.modify"
	MethodBenefitQuery       = "alipay.marketing.card.benefit.query"
	MethodBenefitDelete      = "alipay.marketing.card.benefit.delete"
	MethodImageUpload        = "alipay.offline.material.image.upload"
	MethodOAuthToken         = "alipay.system.oauth.token"
	MethodUserInfoShare      = "alipay.user.info.share"
)

// knownMethod reports whether the gateway implements method. Others
// (including alipay.marketing.card.authinfo.query and open.apply, whose
// behaviour is not documented) answer 40002 isv.invalid-method.
func knownMethod(m string) bool {
	switch m {
	case MethodTemplateCreate, MethodTemplateModify, MethodTemplateQuery, MethodTemplateBatchQuery,
		MethodFormTemplateSet, MethodActivateURLApply, MethodActivateFormQuery,
		MethodCardOpen, MethodCardQuery, MethodCardUpdate, MethodCardDelete,
		MethodConsumeSync, MethodMessageNotify,
		MethodBenefitCreate, MethodBenefitModify, MethodBenefitQuery, MethodBenefitDelete,
		MethodImageUpload, MethodOAuthToken, MethodUserInfoShare, MethodCertDownload:
		return true
	}
	return false
}

// dispatch runs a verified request. Callers hold s.mu.
func (s *Server) dispatch(req *request) (node, *apiError) {
	if t := req.param("app_auth_token"); t != "" && len(s.st.appAuthTokens) > 0 && !s.st.appAuthTokens[t] {
		return nil, tokenError("aop.invalid-app-auth-token", "无效的应用授权令牌")
	}
	switch req.method {
	case MethodTemplateCreate:
		return s.templateCreate(req)
	case MethodTemplateModify:
		return s.templateModify(req)
	case MethodTemplateQuery:
		return s.templateQuery(req)
	case MethodTemplateBatchQuery:
		return s.templateBatchQuery(req)
	case MethodFormTemplateSet:
		return s.formTemplateSet(req)
	case MethodActivateURLApply:
		return s.activateURLApply(req)
	case MethodActivateFormQuery:
		return s.activateFormQuery(req)
	case MethodCardOpen:
		return s.cardOpen(req)
	case MethodCardQuery:
		return s.cardQuery(req)
	case MethodCardUpdate:
		return s.cardUpdate(req)
	case MethodCardDelete:
		return s.cardDelete(req)
	case MethodConsumeSync:
		return s.consumeSync(req)
	case MethodMessageNotify:
		return s.messageNotify(req)
	case MethodBenefitCreate:
		return s.benefitCreate(req)
	case MethodBenefitModify:
		return s.benefitModify(req)
	case MethodBenefitQuery:
		return s.benefitQuery(req)
	case MethodBenefitDelete:
		return s.benefitDelete(req)
	case MethodImageUpload:
		return s.imageUpload(req)
	case MethodOAuthToken:
		return s.oauthToken(req)
	case MethodUserInfoShare:
		return s.userInfoShare(req)
	case MethodCertDownload:
		return s.certDownload(req)
	}
	return nil, gatewayError("40002", "isv.invalid-method", "不存在的方法名")
}

// benefit is an external benefit of a template (会员卡模板外部权益).
type benefit struct {
	id         string
	templateID string
	title      string
	desc       []string
	start, end time.Time
	extInfo    string
}

type benefitBody struct {
	TemplateID  str   `json:"template_id"`
	Title       str   `json:"title"`
	BenefitDesc []str `json:"benefit_desc"`
	StartDate   str   `json:"start_date"`
	EndDate     str   `json:"end_date"`
	ExtInfo     str   `json:"ext_info"`
}

// check validates a benefit. Alipay documents neither lengths nor which
// members are required (reference 1.3.14); this emulator requires
// template_id and title on create (as the adapter does) and nothing on
// modify, and otherwise only checks formats: dates as wallet time, end_date
// not before start_date, ext_info JSON.
func (b *benefitBody) check(c *checker, create bool) (start, end time.Time) {
	if create {
		c.req("mcard_template_benefit.template_id", b.TemplateID, 32)
		c.req("mcard_template_benefit.title", b.Title, 0)
	} else {
		c.opt("mcard_template_benefit.template_id", b.TemplateID, 32)
	}
	start = c.date("mcard_template_benefit.start_date", b.StartDate)
	end = c.date("mcard_template_benefit.end_date", b.EndDate)
	if c.err == nil && !start.IsZero() && !end.IsZero() && end.Before(start) {
		c.fail("参数无效: end_date 不能早于 start_date")
	}
	if b.ExtInfo != "" && !json.Valid([]byte(b.ExtInfo)) {
		c.fail("参数无效: ext_info 必须为 JSON 字符串")
	}
	return start, end
}

// set stores b; on modify, members b leaves out keep their values.
func (bn *benefit) set(b *benefitBody, start, end time.Time) {
	if b.TemplateID != "" {
		bn.templateID = string(b.TemplateID)
	}
	if b.Title != "" {
		bn.title = string(b.Title)
	}
	if b.BenefitDesc != nil {
		bn.desc = bn.desc[:0]
		for _, d := range b.BenefitDesc {
			bn.desc = append(bn.desc, string(d))
		}
	}
	if !start.IsZero() {
		bn.start = start
	}
	if !end.IsZero() {
		bn.end = end
	}
	if b.ExtInfo != "" {
		bn.extInfo = string(b.ExtInfo)
	}
}

// benefitCreate implements alipay.marketing.card.benefit.create.
func (s *Server) benefitCreate(req *request) (node, *apiError) {
	var b struct {
		Benefit *benefitBody `json:"mcard_template_benefit"`
	}
	if e := decodeBiz(req, &b); e != nil {
		return nil, e
	}
	if b.Benefit == nil {
		return nil, invalidParam("参数无效: mcard_template_benefit 不能为空")
	}
	var c checker
	start, end := b.Benefit.check(&c, true)
	if c.err != nil {
		return nil, c.err
	}
	if e := s.benefitTemplate(b.Benefit.TemplateID); e != nil {
		return nil, e
	}
	bn := &benefit{id: s.datedID(28)}
	bn.set(b.Benefit, start, end)
	s.st.benefits[bn.id] = bn
	return append(success(), field{"benefit_id", bn.id}), nil
}

// benefitModify implements alipay.marketing.card.benefit.modify.
func (s *Server) benefitModify(req *request) (node, *apiError) {
	var b struct {
		BenefitID str          `json:"benefit_id"`
		Benefit   *benefitBody `json:"mcard_template_benefit"`
	}
	if e := decodeBiz(req, &b); e != nil {
		return nil, e
	}
	var c checker
	c.req("benefit_id", b.BenefitID, 0)
	if b.Benefit == nil {
		c.fail("参数无效: mcard_template_benefit 不能为空")
	}
	if c.err != nil {
		return nil, c.err
	}
	start, end := b.Benefit.check(&c, false)
	if c.err != nil {
		return nil, c.err
	}
	bn, e := s.benefitOf(b.Benefit.TemplateID, b.BenefitID)
	if e != nil {
		return nil, e
	}
	bn.set(b.Benefit, start, end)
	return append(success(), field{"result", true}), nil
}

// benefitQuery implements alipay.marketing.card.benefit.query: the benefits
// of template_id, or the one benefit_id. benefit_desc is rendered as a JSON
// array in a string, since the response model types it as a string.
func (s *Server) benefitQuery(req *request) (node, *apiError) {
	var b struct {
		TemplateID str `json:"template_id"`
		BenefitID  str `json:"benefit_id"`
	}
	if e := decodeBiz(req, &b); e != nil {
		return nil, e
	}
	if b.TemplateID == "" && b.BenefitID == "" {
		return nil, invalidParam("参数无效: template_id 与 benefit_id 不能同时为空")
	}
	var list []*benefit
	if b.BenefitID != "" {
		bn, e := s.benefitOf(b.TemplateID, b.BenefitID)
		if e != nil {
			return nil, e
		}
		list = append(list, bn)
	} else {
		if e := s.benefitTemplate(b.TemplateID); e != nil {
			return nil, e
		}
		for _, bn := range s.st.benefits {
			if bn.templateID == string(b.TemplateID) {
				list = append(list, bn)
			}
		}
		slices.SortFunc(list, func(x, y *benefit) int { return strings.Compare(x.id, y.id) })
	}
	out := make([]node, 0, len(list))
	for _, bn := range list {
		desc, _ := json.Marshal(bn.desc)
		n := node{{"benefit_id", bn.id}, {"template_id", bn.templateID}, {"title", bn.title}, {"benefit_desc", string(desc)},
			{"start_date", formatTime(bn.start)}, {"end_date", formatTime(bn.end)}}
		out = append(out, n.add("ext_info", bn.extInfo))
	}
	return append(success(), field{"mcard_template_benefit_query", out}), nil
}

// benefitTemplate answers TEMPLATE_NOT_EXIST (the benefit methods'
// spelling) for an unknown template. Callers hold s.mu.
func (s *Server) benefitTemplate(templateID str) *apiError {
	if s.st.templates[string(templateID)] == nil {
		return bizFail("TEMPLATE_NOT_EXIST", "模板不存在")
	}
	return nil
}

// benefitOf returns benefit benefitID of template templateID; an empty
// templateID matches any template. Callers hold s.mu.
func (s *Server) benefitOf(templateID, benefitID str) (*benefit, *apiError) {
	if templateID != "" {
		if e := s.benefitTemplate(templateID); e != nil {
			return nil, e
		}
	}
	bn := s.st.benefits[string(benefitID)]
	if bn == nil || (templateID != "" && bn.templateID != string(templateID)) {
		return nil, bizFail("BENEFIT_NOT_EXIST", "权益不存在")
	}
	return bn, nil
}

// benefitDelete implements alipay.marketing.card.benefit.delete.
func (s *Server) benefitDelete(req *request) (node, *apiError) {
	var b struct {
		TemplateID str `json:"template_id"`
		BenefitID  str `json:"benefit_id"`
	}
	if e := decodeBiz(req, &b); e != nil {
		return nil, e
	}
	var c checker
	c.req("template_id", b.TemplateID, 32)
	c.req("benefit_id", b.BenefitID, 0)
	if c.err != nil {
		return nil, c.err
	}
	bn, e := s.benefitOf(b.TemplateID, b.BenefitID)
	if e != nil {
		return nil, e
	}
	delete(s.st.benefits, bn.id)
	return append(success(), field{"result", true}), nil
}

// image is an uploaded image or video.
type image struct {
	id          string
	contentType string
	data        []byte
}

// imageUpload implements alipay.offline.material.image.upload: image_type,
// image_name (and optional image_pid) are signed text parameters, the bytes
// come as the multipart file image_content.
func (s *Server) imageUpload(req *request) (node, *apiError) {
	typ := strings.ToLower(req.param("image_type"))
	name := req.param("image_name")
	var c checker
	c.req("image_type", str(typ), 8)
	c.req("image_name", str(name), 128)
	c.opt("image_pid", str(req.param("image_pid")), 16)
	if c.err != nil {
		return nil, &apiError{Code: "40004", Msg: codeMsg("40004"), SubCode: "INVALID_PARAM", SubMsg: c.err.SubMsg}
	}
	fhs := req.files["image_content"]
	if len(fhs) != 1 {
		return nil, &apiError{Code: "40004", Msg: codeMsg("40004"), SubCode: "INVALID_PARAM", SubMsg: "参数无效: image_content 不能为空"}
	}
	fh := fhs[0]
	video := typ == "mp4" || typ == "mov" || typ == "avi"
	limit := int64(maxImageBytes)
	if video {
		limit = maxVideoBytes
	}
	if fh.size > limit || int64(len(fh.data)) > limit {
		return nil, &apiError{Code: "40004", Msg: codeMsg("40004"), SubCode: "EXCEED_MAX_SIZE", SubMsg: "文件大小超过限制"}
	}
	if fh.err != nil {
		return nil, &apiError{Code: "40004", Msg: codeMsg("40004"), SubCode: "INVALID_FILE_BYTES", SubMsg: "文件读取失败"}
	}
	data := fh.data
	if len(data) == 0 {
		return nil, &apiError{Code: "40004", Msg: codeMsg("40004"), SubCode: "INVALID_FILE_BYTES", SubMsg: "文件内容为空或无法读取"}
	}
	ct := http.DetectContentType(data)
	want := map[string]string{"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "bmp": "image/bmp", "mp4": "video/mp4"}[typ]
	if !video && want == "" {
		return nil, &apiError{Code: "40004", Msg: codeMsg("40004"), SubCode: "UNKNOWN_FORMAT", SubMsg: "不支持的文件格式"}
	}
	if want != "" && ct != want {
		return nil, &apiError{Code: "40004", Msg: codeMsg("40004"), SubCode: "UNKNOWN_FORMAT", SubMsg: "文件内容与 image_type 不符"}
	}
	img := &image{id: randomID(32), contentType: ct, data: data}
	s.st.images[img.id] = img
	return append(success(), field{"image_id", img.id}, field{"image_url", s.ts.URL + "/images/" + img.id}), nil
}

// handleImage serves uploaded images at their image_url.
func (s *Server) handleImage(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/images/")
	s.mu.Lock()
	img := s.st.images[id]
	s.mu.Unlock()
	if img == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", img.contentType)
	_, _ = w.Write(img.data)
}

// Image returns the bytes uploaded under imageID and whether it exists.
func (s *Server) Image(imageID string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	img := s.st.images[imageID]
	if img == nil {
		return nil, false
	}
	return append([]byte(nil), img.data...), true
}
