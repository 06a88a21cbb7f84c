package alipaytest

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/walletcard/card/internal/walletrules"
)

// template is a card template (会员卡模板).
type template struct {
	id           string
	cardType     string
	prefix       string
	suffixLen    int
	writeOffType string
	fields       map[string]json.RawMessage // the last create/modify body, for query
	levels       []string                   // card_level_conf[].level
	rules        map[string]fieldRule       // field_rule_list by field_name
	formRequired []string                   // formtemplate.set
	formOptional []string
	formSet      bool
	created      time.Time
	modified     time.Time
}

func (t *template) hasLevel(level string) bool {
	if len(t.levels) == 0 {
		return true
	}
	for _, l := range t.levels {
		if l == level {
			return true
		}
	}
	return false
}

type fieldRule struct {
	FieldName str `json:"field_name"`
	RuleName  str `json:"rule_name"`
	RuleValue str `json:"rule_value"`
}

type levelConf struct {
	Level         str `json:"level"`
	LevelShowName str `json:"level_show_name"`
	LevelIcon     str `json:"level_icon"`
	LevelDesc     str `json:"level_desc"`
}

type columnInfo struct {
	Code        str             `json:"code"`
	Title       str             `json:"title"`
	Value       str             `json:"value"`
	OperateType str             `json:"operate_type"`
	MoreInfo    json.RawMessage `json:"more_info"`
	IconID      str             `json:"icon_id"`
	Tag         str             `json:"tag"`
	GroupTitle  str             `json:"group_title"`
}

type actionInfo struct {
	Code       str             `json:"code"`
	Text       str             `json:"text"`
	URLType    str             `json:"url_type"`
	URL        str             `json:"url"`
	MiniAppURL json.RawMessage `json:"mini_app_url"`
}

// templateBody is template.create / template.modify: every documented
// member (a member not listed here is refused, see decodeBiz); the
// json.RawMessage ones are stored as sent without checks.
type templateBody struct {
	RequestID         str             `json:"request_id"`
	TemplateID        str             `json:"template_id"`
	CardType          str             `json:"card_type"`
	BizNoPrefix       str             `json:"biz_no_prefix"`
	BizNoSuffixLen    str             `json:"biz_no_suffix_len"`
	WriteOffType      str             `json:"write_off_type"`
	TemplateStyleInfo json.RawMessage `json:"template_style_info"`
	ColumnInfoList    []columnInfo    `json:"column_info_list"`
	FieldRuleList     []fieldRule     `json:"field_rule_list"`
	CardActionList    []actionInfo    `json:"card_action_list"`
	CardLevelConf     []levelConf     `json:"card_level_conf"`
	ShopIDs           []str           `json:"shop_ids"`
	OpenCardConf      json.RawMessage `json:"open_card_conf"`
	MdcodeNotifyConf  *struct {
		URL       str             `json:"url"`
		ExtParams json.RawMessage `json:"ext_params"`
	} `json:"mdcode_notify_conf"`
	TemplateBenefitInfo json.RawMessage `json:"template_benefit_info"`
	TemplateFormConfig  json.RawMessage `json:"template_form_config"`
	PubChannels         json.RawMessage `json:"pub_channels"`
	ServiceLabelList    json.RawMessage `json:"service_label_list"`
	SpiAppID            json.RawMessage `json:"spi_app_id"`
	AccessVersion       json.RawMessage `json:"access_version"`
	CardSpecTag         json.RawMessage `json:"card_spec_tag"`
	PaidOuterCardConf   json.RawMessage `json:"paid_outer_card_conf"`
	NotifyURL           json.RawMessage `json:"notify_url"`
}

// validateTemplateBody checks the rules shared by create and modify.
func validateTemplateBody(b *templateBody, modify bool) *apiError {
	var c checker
	if modify {
		c.req("request_id", b.RequestID, 64)
		c.req("template_id", b.TemplateID, 32)
		c.opt("biz_no_prefix", b.BizNoPrefix, 16)
	} else {
		c.req("request_id", b.RequestID, 32)
		c.req("card_type", b.CardType, 32)
		c.oneOf("card_type", b.CardType, "OUT_MEMBER_CARD")
		c.opt("biz_no_prefix", b.BizNoPrefix, 10)
		c.req("biz_no_suffix_len", b.BizNoSuffixLen, 2)
		if n, err := strconv.Atoi(string(b.BizNoSuffixLen)); b.BizNoSuffixLen != "" && (err != nil || n < 8 || n > 32) {
			c.fail("参数无效: biz_no_suffix_len 取值范围为 [8,32]")
		} else if err == nil && len(b.BizNoPrefix)+n > 32 {
			c.fail("参数无效: biz_no_prefix 与 biz_no_suffix_len 之和不能超过 32")
		}
	}
	for _, ch := range b.BizNoPrefix {
		if !(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z') {
			c.fail("参数无效: biz_no_prefix 只能包含字母和数字")
			break
		}
	}
	c.opt("write_off_type", b.WriteOffType, 32)
	c.oneOf("write_off_type", b.WriteOffType, "qrcode", "barcode", "dqrcode", "dbarcode", "mdqrcode", "mdbarcode", "text")
	if !isJSONObject(b.TemplateStyleInfo) {
		c.fail("参数无效: template_style_info 不能为空")
	} else {
		checkStyle(&c, b.TemplateStyleInfo)
	}
	maxActions := 3
	if modify {
		maxActions = 4
	}
	if len(b.CardActionList) > maxActions {
		c.fail("参数无效: card_action_list 最多 %d 个", maxActions)
	}
	for i, a := range b.CardActionList {
		c.req("card_action_list["+strconv.Itoa(i)+"].code", a.Code, 0)
		c.oneOf("card_action_list.url_type", a.URLType, "url", "miniAppUrl")
	}
	for i, col := range b.ColumnInfoList {
		c.req("column_info_list["+strconv.Itoa(i)+"].code", col.Code, 0)
		c.oneOf("column_info_list.operate_type", col.OperateType, "openNative", "openWeb", "staticinfo")
	}
	seen := map[str]bool{}
	for i, l := range b.CardLevelConf {
		c.req("card_level_conf["+strconv.Itoa(i)+"].level", l.Level, 64)
		if seen[l.Level] {
			c.fail("参数无效: card_level_conf 等级 %s 重复", l.Level)
		}
		seen[l.Level] = true
	}
	for _, r := range b.FieldRuleList {
		c.oneOf("field_rule_list.field_name", r.FieldName, "Balance", "Point", "Level", "OpenDate", "ValidDate")
		c.req("field_rule_list.rule_name", r.RuleName, 0)
		c.oneOf("field_rule_list.rule_name", r.RuleName, "ASSIGN_FROM_REQUEST", "DATE_IN_FUTURE", "CONST")
		if r.RuleName == "DATE_IN_FUTURE" {
			if r.FieldName != "OpenDate" && r.FieldName != "ValidDate" {
				c.fail("参数无效: DATE_IN_FUTURE 只能用于 OpenDate/ValidDate")
			} else if _, ok := futureOffset(time.Time{}, string(r.RuleValue)); !ok {
				c.fail("参数无效: DATE_IN_FUTURE 的 rule_value 格式如 10d、10m、10y")
			}
		}
	}
	if b.MdcodeNotifyConf != nil && b.MdcodeNotifyConf.URL != "" && !strings.HasPrefix(string(b.MdcodeNotifyConf.URL), "https://") {
		c.fail("参数无效: mdcode_notify_conf.url 必须为 https 地址")
	}
	return c.err
}

// checkStyle checks the images and colour of template_style_info. Emulator
// choice (Alipay documents no check): an image id (logo_id, background_id,
// slogan_img_id, banner_img_id) must look like the ids image.upload issues —
// 1–64 letters, digits, '_' or '-', never a URL — and bg_color must be
// "rgb(r,g,b)" with parts 0–255, the form of Alipay's samples.
func checkStyle(c *checker, raw json.RawMessage) {
	var st struct {
		LogoID       str `json:"logo_id"`
		BackgroundID str `json:"background_id"`
		SloganImgID  str `json:"slogan_img_id"`
		BannerImgID  str `json:"banner_img_id"`
		BgColor      str `json:"bg_color"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		c.fail("参数无效: template_style_info: %s", truncate(err.Error(), 200))
		return
	}
	for _, f := range []struct {
		name string
		v    str
	}{{"logo_id", st.LogoID}, {"background_id", st.BackgroundID}, {"slogan_img_id", st.SloganImgID}, {"banner_img_id", st.BannerImgID}} {
		if f.v != "" && !looksLikeImageID(string(f.v)) {
			c.fail("参数无效: template_style_info.%s 必须为图片上传接口(alipay.offline.material.image.upload)返回的 image_id", f.name)
		}
	}
	if st.BgColor != "" && !walletrules.IsRGB(string(st.BgColor)) {
		c.fail("参数无效: template_style_info.bg_color 格式必须为 rgb(r,g,b)")
	}
}

func looksLikeImageID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, ch := range s {
		if !(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch == '_' || ch == '-') {
			return false
		}
	}
	return true
}

// futureOffset adds a DATE_IN_FUTURE offset ("10d" days, "10m" months, "10y"
// years; the unit letters are this emulator's reading of the docs) to t.
func futureOffset(t time.Time, v string) (time.Time, bool) {
	if len(v) < 2 {
		return t, false
	}
	n, err := strconv.Atoi(v[:len(v)-1])
	if err != nil || n <= 0 || n > 1200 {
		return t, false
	}
	switch v[len(v)-1] {
	case 'd':
		return t.AddDate(0, 0, n), true
	case 'm':
		return t.AddDate(0, n, 0), true
	case 'y':
		return t.AddDate(n, 0, 0), true
	}
	return t, false
}

func isJSONObject(b json.RawMessage) bool {
	var m map[string]json.RawMessage
	return len(b) > 0 && json.Unmarshal(b, &m) == nil && m != nil
}

// rawFields decodes biz_content into its members for storage.
func rawFields(req *request) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	_ = json.Unmarshal([]byte(req.biz), &m)
	delete(m, "request_id")
	delete(m, "template_id")
	return m
}

func (t *template) apply(b *templateBody) {
	t.levels = t.levels[:0]
	for _, l := range b.CardLevelConf {
		t.levels = append(t.levels, string(l.Level))
	}
	t.rules = map[string]fieldRule{}
	for _, r := range b.FieldRuleList {
		t.rules[string(r.FieldName)] = r
	}
	if b.WriteOffType != "" {
		t.writeOffType = string(b.WriteOffType)
	}
}

// templateCreate implements alipay.marketing.card.template.create. A repeated
// request_id with the same biz_content returns the template it created; with
// a different one it is INVALID_PARAMETER (emulator choices).
func (s *Server) templateCreate(req *request) (node, *apiError) {
	var b templateBody
	if e := decodeBiz(req, &b); e != nil {
		return nil, e
	}
	if e := validateTemplateBody(&b, false); e != nil {
		return nil, e
	}
	bizKey := canonical(b)
	if rec, ok := s.st.templateReqs[string(b.RequestID)]; ok {
		// Reference §4.3 emulator choice: replay only an identical request.
		if rec.biz != bizKey {
			return nil, invalidParam("参数无效: request_id %s 已被使用", b.RequestID)
		}
		return append(success(), field{"template_id", rec.id}), nil
	}
	n, _ := strconv.Atoi(string(b.BizNoSuffixLen))
	t := &template{
		id:        s.datedID(32),
		cardType:  string(b.CardType),
		prefix:    string(b.BizNoPrefix),
		suffixLen: n,
		fields:    rawFields(req),
		created:   req.now,
		modified:  req.now,
	}
	t.apply(&b)
	s.st.templates[t.id] = t
	s.st.templateOrder = append(s.st.templateOrder, t.id)
	s.st.templateReqs[string(b.RequestID)] = templateReq{id: t.id, biz: bizKey}
	return append(success(), field{"template_id", t.id}), nil
}

// templateModify implements alipay.marketing.card.template.modify. Members
// sent replace the stored ones; shop_ids only grow; field_rule_list cannot
// change (the docs say it is not modifiable for merchant cards), so a
// different one is ignored and the stored rules stay.
func (s *Server) templateModify(req *request) (node, *apiError) {
	var b templateBody
	if e := decodeBiz(req, &b); e != nil {
		return nil, e
	}
	if e := validateTemplateBody(&b, true); e != nil {
		return nil, e
	}
	t := s.st.templates[string(b.TemplateID)]
	if t == nil {
		return nil, bizFail("TEMPLATE_NOT_EXIT", "模板不存在")
	}
	nf := rawFields(req)
	delete(nf, "field_rule_list")
	if raw, ok := nf["shop_ids"]; ok {
		var old, add []string
		_ = json.Unmarshal(t.fields["shop_ids"], &old)
		_ = json.Unmarshal(raw, &add)
		set := map[string]bool{}
		var merged []string
		for _, id := range append(old, add...) {
			if !set[id] {
				set[id] = true
				merged = append(merged, id)
			}
		}
		nf["shop_ids"], _ = json.Marshal(merged)
	}
	for k, v := range nf {
		t.fields[k] = v
	}
	rules := t.rules
	b.FieldRuleList = nil
	if b.CardLevelConf == nil {
		var old []levelConf
		_ = json.Unmarshal(t.fields["card_level_conf"], &old)
		b.CardLevelConf = old
	}
	t.apply(&b)
	t.rules = rules
	if b.BizNoPrefix != "" && len(b.BizNoPrefix)+t.suffixLen <= 32 {
		t.prefix = string(b.BizNoPrefix)
	}
	t.modified = req.now
	return append(success(), field{"template_id", t.id}), nil
}

// templateQuery implements alipay.marketing.card.template.query.
func (s *Server) templateQuery(req *request) (node, *apiError) {
	var b struct {
		TemplateID str `json:"template_id"`
	}
	if e := decodeBiz(req, &b); e != nil {
		return nil, e
	}
	var c checker
	c.req("template_id", b.TemplateID, 32)
	if c.err != nil {
		return nil, c.err
	}
	t := s.st.templates[string(b.TemplateID)]
	if t == nil {
		return nil, bizFail("TEMPLATE_NOT_EXIT", "模板不存在")
	}
	out := success()
	out = append(out, field{"card_type", t.cardType})
	out = out.add("biz_no_prefix", t.prefix)
	out = append(out, field{"biz_no_suffix_len", strconv.Itoa(t.suffixLen)})
	keys := make([]string, 0, len(t.fields))
	for k := range t.fields {
		switch k {
		case "card_type", "biz_no_prefix", "biz_no_suffix_len", "write_off_type":
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := k
		if k == "card_level_conf" {
			name = "card_level_confs" // plural in the query response
		}
		out = append(out, field{name, t.fields[k]})
	}
	return out, nil
}

// templateBatchQuery implements alipay.marketing.card.template.batchquery
// (templates in creation order).
func (s *Server) templateBatchQuery(req *request) (node, *apiError) {
	var b struct {
		PageNo   *int `json:"page_no"`
		PageSize *int `json:"page_size"`
	}
	if req.biz != "" {
		if e := decodeBiz(req, &b); e != nil {
			return nil, e
		}
	}
	page, size := 1, 20
	if b.PageNo != nil {
		page = *b.PageNo
	}
	if b.PageSize != nil {
		size = *b.PageSize
	}
	if page < 1 || size < 1 || size > 20 {
		return nil, invalidParam("参数无效: page_no ≥ 1，page_size 取值范围为 [1,20]")
	}
	list := []node{}
	for i := (page - 1) * size; i < len(s.st.templateOrder) && i < page*size; i++ {
		t := s.st.templates[s.st.templateOrder[i]]
		list = append(list, node{
			{"template_id", t.id},
			{"card_type", t.cardType},
			{"gmt_create", formatTime(t.created)},
			{"gmt_modified", formatTime(t.modified)},
			{"template_style_info", t.fields["template_style_info"]},
		})
	}
	return append(success(), field{"mcard_template", list}, field{"template_total", len(s.st.templateOrder)}), nil
}
