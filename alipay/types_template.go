package alipay

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/walletcard/card/internal/walletrules"
)

// CardTypeOutMember is the only documented card_type: 外部权益卡.
const CardTypeOutMember = "OUT_MEMBER_CARD"

// TemplateStyleInfo is a template's look (template_style_info).
type TemplateStyleInfo struct {
	// CardShowName is the card's name. Required.
	CardShowName string `json:"card_show_name"`
	// LogoID and BackgroundID are image ids from ImageUpload.
	LogoID       string `json:"logo_id,omitempty"`
	BackgroundID string `json:"background_id,omitempty"`
	// BgColor is the text colour, e.g. "rgb(55,112,179)".
	BgColor             string   `json:"bg_color,omitempty"`
	FeatureDescriptions []string `json:"feature_descriptions,omitempty"`
	Slogan              string   `json:"slogan,omitempty"`
	SloganImgID         string   `json:"slogan_img_id,omitempty"`
	BrandName           string   `json:"brand_name,omitempty"`
	BannerImgID         string   `json:"banner_img_id,omitempty"`
	BannerURL           string   `json:"banner_url,omitempty"`
	// ColumnInfoLayout is "list" (default) or "grid".
	ColumnInfoLayout    string `json:"column_info_layout,omitempty"`
	FrontImageEnable    bool   `json:"front_image_enable,omitempty"`
	FrontTextListEnable bool   `json:"front_text_list_enable,omitempty"`
}

// TemplateBenefitInfo is a benefit shown on the card (template_benefit_info).
type TemplateBenefitInfo struct {
	Title       string
	BenefitDesc []string
	StartDate   time.Time
	EndDate     time.Time
}

type templateBenefitInfoWire struct {
	Title       string     `json:"title,omitempty"`
	BenefitDesc []string   `json:"benefit_desc,omitempty"`
	StartDate   flexString `json:"start_date,omitempty"`
	EndDate     flexString `json:"end_date,omitempty"`
}

// MarshalJSON writes the dates in Beijing wallet time.
func (b TemplateBenefitInfo) MarshalJSON() ([]byte, error) {
	return json.Marshal(templateBenefitInfoWire{b.Title, b.BenefitDesc,
		flexString(formatTime(b.StartDate)), flexString(formatTime(b.EndDate))})
}

// UnmarshalJSON reads wallet-time dates.
func (b *TemplateBenefitInfo) UnmarshalJSON(data []byte) error {
	var w templateBenefitInfoWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	s, e, err := parseSpan(w.StartDate, w.EndDate)
	if err != nil {
		return err
	}
	*b = TemplateBenefitInfo{Title: w.Title, BenefitDesc: w.BenefitDesc, StartDate: s, EndDate: e}
	return nil
}

// Standard column codes for TemplateColumnInfo.Code.
const (
	ColumnBalance   = "BALANCE"
	ColumnPoint     = "POINT"
	ColumnLevel     = "LEVEL"
	ColumnTelephone = "TELEPHONE"
)

// TemplateColumnInfo is a column on the card page (column_info_list).
type TemplateColumnInfo struct {
	// Code is BALANCE, POINT, LEVEL, TELEPHONE or a custom code.
	Code  string `json:"code"`
	Title string `json:"title"`
	Value string `json:"value,omitempty"`
	// OperateType is openNative, openWeb or staticinfo (default).
	OperateType string          `json:"operate_type,omitempty"`
	MoreInfo    *ColumnMoreInfo `json:"more_info,omitempty"`
	IconID      string          `json:"icon_id,omitempty"`
	Tag         string          `json:"tag,omitempty"`
	GroupTitle  string          `json:"group_title,omitempty"`
}

// ColumnMoreInfo is a column's detail page.
type ColumnMoreInfo struct {
	Title  string   `json:"title,omitempty"`
	URL    string   `json:"url,omitempty"`
	Params string   `json:"params,omitempty"`
	Descs  []string `json:"descs,omitempty"`
}

// TemplateFieldRule says where a card field's value comes from (field_rule_list).
type TemplateFieldRule struct {
	// FieldName is Balance, Point, Level, OpenDate or ValidDate.
	FieldName string `json:"field_name"`
	// RuleName is ASSIGN_FROM_REQUEST, DATE_IN_FUTURE or CONST.
	RuleName  string `json:"rule_name"`
	RuleValue string `json:"rule_value"`
}

// TemplateActionInfo is a button on the card (card_action_list).
type TemplateActionInfo struct {
	Code string `json:"code"`
	Text string `json:"text"`
	// URLType is "url" or "miniAppUrl".
	URLType    string      `json:"url_type,omitempty"`
	URL        string      `json:"url,omitempty"`
	MiniAppURL *MiniAppURL `json:"mini_app_url,omitempty"`
}

// MiniAppURL opens a mini program page.
type MiniAppURL struct {
	MiniAppID      string `json:"mini_app_id,omitempty"`
	MiniPageParam  string `json:"mini_page_param,omitempty"`
	MiniQueryParam string `json:"mini_query_param,omitempty"`
	DisplayOnList  string `json:"display_on_list,omitempty"`
}

// TemplateOpenCardConf configures where the user opens the card (open_card_conf).
type TemplateOpenCardConf struct {
	// OpenCardSourceType is ISV or MER.
	OpenCardSourceType string      `json:"open_card_source_type,omitempty"`
	SourceAppID        string      `json:"source_app_id,omitempty"`
	OpenCardURL        string      `json:"open_card_url,omitempty"`
	Conf               string      `json:"conf,omitempty"`
	CardRights         []CardRight `json:"card_rights,omitempty"`
}

// CardRight is a right shown on the open-card page.
type CardRight struct {
	Title  string `json:"title,omitempty"`
	Detail string `json:"detail,omitempty"`
	LogoID string `json:"logo_id,omitempty"`
}

// TemplateCardLevelConf declares a level cards may carry (card_level_conf).
type TemplateCardLevelConf struct {
	Level         string `json:"level"`
	LevelShowName string `json:"level_show_name,omitempty"`
	LevelIcon     string `json:"level_icon,omitempty"`
	LevelDesc     string `json:"level_desc,omitempty"`
}

// TemplateMdcodeNotifyConf is where Alipay asks for a merchant dynamic code.
type TemplateMdcodeNotifyConf struct {
	// URL must be https.
	URL       string `json:"url"`
	ExtParams string `json:"ext_params,omitempty"`
}

// TemplateFormConfig is the template's form configuration.
type TemplateFormConfig struct {
	Fields            *TemplateFormFields `json:"fields,omitempty"`
	OpenCardMiniAppID string              `json:"open_card_mini_app_id,omitempty"`
}

// TemplateFormFields lists form fields in template_form_config.
type TemplateFormFields struct {
	Required []string `json:"required,omitempty"`
	Optional []string `json:"optional,omitempty"`
}

// PubChannel is a channel where the card is shown.
type PubChannel struct {
	// PubChannel is e.g. SHOP_DETAIL.
	PubChannel string `json:"pub_channel"`
	ExtInfo    string `json:"ext_info,omitempty"`
}

// TemplateConfig is what template.create and template.modify share.
type TemplateConfig struct {
	// BizNoPrefix is the prefix of biz_card_no (create ≤ 10, modify ≤ 16).
	BizNoPrefix string `json:"biz_no_prefix,omitempty"`
	// BizNoSuffixLen is the length of biz_card_no's sequence, 8–32
	// (prefix + suffix ≤ 32). Required on create.
	BizNoSuffixLen IntString `json:"biz_no_suffix_len,omitempty"`
	// WriteOffType is qrcode, barcode, dqrcode, dbarcode, mdqrcode or mdbarcode.
	WriteOffType string `json:"write_off_type,omitempty"`
	// TemplateStyleInfo is the look. Required.
	TemplateStyleInfo   TemplateStyleInfo         `json:"template_style_info"`
	TemplateBenefitInfo []TemplateBenefitInfo     `json:"template_benefit_info,omitempty"`
	ColumnInfoList      []TemplateColumnInfo      `json:"column_info_list,omitempty"`
	FieldRuleList       []TemplateFieldRule       `json:"field_rule_list,omitempty"`
	CardActionList      []TemplateActionInfo      `json:"card_action_list,omitempty"`
	OpenCardConf        *TemplateOpenCardConf     `json:"open_card_conf,omitempty"`
	CardLevelConf       []TemplateCardLevelConf   `json:"card_level_conf,omitempty"`
	MdcodeNotifyConf    *TemplateMdcodeNotifyConf `json:"mdcode_notify_conf,omitempty"`
	TemplateFormConfig  *TemplateFormConfig       `json:"template_form_config,omitempty"`
	ShopIDs             []string                  `json:"shop_ids,omitempty"`
	PubChannels         []PubChannel              `json:"pub_channels,omitempty"`
	SpiAppID            string                    `json:"spi_app_id,omitempty"`
}

func (t TemplateConfig) validate(ck *checker, create bool) {
	maxPrefix, maxActions := 10, 3
	if !create {
		maxPrefix, maxActions = 16, 4
	}
	ck.optional("BizNoPrefix", t.BizNoPrefix, maxPrefix)
	switch {
	case create && t.BizNoSuffixLen == 0:
		ck.fail("BizNoSuffixLen", "is required (8–32)")
	case t.BizNoSuffixLen != 0 && (t.BizNoSuffixLen < 8 || t.BizNoSuffixLen > 32):
		ck.fail("BizNoSuffixLen", "must be 8–32")
	case len(t.BizNoPrefix)+int(t.BizNoSuffixLen) > 32:
		ck.fail("BizNoSuffixLen", "prefix plus suffix must be at most 32 characters")
	}
	ck.oneOf("WriteOffType", t.WriteOffType, "qrcode", "barcode", "dqrcode", "dbarcode", "mdqrcode", "mdbarcode")
	// Alipay documents no length for card_show_name or the image ids.
	ck.required("TemplateStyleInfo.CardShowName", t.TemplateStyleInfo.CardShowName, 0)
	ck.imageID("TemplateStyleInfo.LogoID", t.TemplateStyleInfo.LogoID)
	ck.imageID("TemplateStyleInfo.BackgroundID", t.TemplateStyleInfo.BackgroundID)
	ck.rgb("TemplateStyleInfo.BgColor", t.TemplateStyleInfo.BgColor)
	ck.oneOf("TemplateStyleInfo.ColumnInfoLayout", t.TemplateStyleInfo.ColumnInfoLayout, "list", "grid")
	for _, c := range t.ColumnInfoList {
		ck.required("ColumnInfoList.Code", c.Code, 64)
		ck.required("ColumnInfoList.Title", c.Title, 64)
		ck.oneOf("ColumnInfoList.OperateType", c.OperateType, "openNative", "openWeb", "staticinfo")
	}
	for _, r := range t.FieldRuleList {
		ck.oneOf("FieldRuleList.FieldName", r.FieldName, "Balance", "Point", "Level", "OpenDate", "ValidDate")
		ck.required("FieldRuleList.FieldName", r.FieldName, 32)
		ck.oneOf("FieldRuleList.RuleName", r.RuleName, "ASSIGN_FROM_REQUEST", "DATE_IN_FUTURE", "CONST")
		ck.required("FieldRuleList.RuleName", r.RuleName, 32)
	}
	if len(t.CardActionList) > maxActions {
		ck.fail("CardActionList", "has %d actions, the limit is %d", len(t.CardActionList), maxActions)
	}
	for _, a := range t.CardActionList {
		ck.required("CardActionList.Code", a.Code, 64)
		ck.oneOf("CardActionList.URLType", a.URLType, "url", "miniAppUrl")
	}
	if c := t.OpenCardConf; c != nil {
		ck.oneOf("OpenCardConf.OpenCardSourceType", c.OpenCardSourceType, "ISV", "MER")
		if c.OpenCardURL != "" && !strings.HasPrefix(c.OpenCardURL, "http://") && !strings.HasPrefix(c.OpenCardURL, "https://") {
			ck.fail("OpenCardConf.OpenCardURL", "must be an http or https URL")
		}
	}
	for _, l := range t.CardLevelConf {
		ck.required("CardLevelConf.Level", l.Level, walletrules.AlipayMaxLevelRunes)
	}
	if m := t.MdcodeNotifyConf; m != nil && !strings.HasPrefix(m.URL, "https://") {
		ck.fail("MdcodeNotifyConf.URL", "must be an https URL")
	}
}

// TemplateCreateRequest is alipay.marketing.card.template.create.
type TemplateCreateRequest struct {
	// RequestID is unique per template (≤ 32), reused on retries.
	// TemplateCreate generates one when empty.
	RequestID string `json:"request_id"`
	// CardType defaults to OUT_MEMBER_CARD.
	CardType string `json:"card_type"`
	TemplateConfig
	ServiceLabelList []string `json:"service_label_list,omitempty"`
	// NotifyURL is the common parameter notify_url (≤ 256). Optional.
	NotifyURL string `json:"-"`
}

// Validate checks the documented rules.
func (r TemplateCreateRequest) Validate() error {
	ck := checker{}
	ck.required("RequestID", r.RequestID, 32)
	ck.oneOf("CardType", r.CardType, CardTypeOutMember)
	r.TemplateConfig.validate(&ck, true)
	ck.optional("NotifyURL", r.NotifyURL, 256)
	return ck.err()
}

// TemplateCreateResponse is the answer to template.create.
type TemplateCreateResponse struct {
	TemplateID string `json:"template_id"`
}

// TemplateModifyRequest is alipay.marketing.card.template.modify.
type TemplateModifyRequest struct {
	// RequestID is unique per request (≤ 64). TemplateModify generates one when empty.
	RequestID string `json:"request_id"`
	// TemplateID is the template to change (≤ 32). Required.
	TemplateID string `json:"template_id"`
	TemplateConfig
}

// Validate checks the documented rules.
func (r TemplateModifyRequest) Validate() error {
	ck := checker{}
	ck.required("RequestID", r.RequestID, 64)
	ck.required("TemplateID", r.TemplateID, walletrules.AlipayMaxTemplateIDRunes)
	r.TemplateConfig.validate(&ck, false)
	return ck.err()
}

// TemplateModifyResponse is the answer to template.modify.
type TemplateModifyResponse struct {
	TemplateID string `json:"template_id"`
}

// TemplateQueryRequest is alipay.marketing.card.template.query.
type TemplateQueryRequest struct {
	// TemplateID (≤ 32). Required.
	TemplateID string `json:"template_id"`
}

// Validate checks the documented rules.
func (r TemplateQueryRequest) Validate() error {
	ck := checker{}
	ck.required("TemplateID", r.TemplateID, walletrules.AlipayMaxTemplateIDRunes)
	return ck.err()
}

// TemplateQueryResponse is the answer to template.query. Note that levels
// come back as card_level_confs (plural).
type TemplateQueryResponse struct {
	CardType string `json:"card_type"`
	TemplateConfig
	CardLevelConfs   []TemplateCardLevelConf `json:"card_level_confs"`
	ServiceLabelList []string                `json:"service_label_list"`
}

// TemplateBatchQueryRequest is alipay.marketing.card.template.batchquery.
type TemplateBatchQueryRequest struct {
	// PageNo starts at 1 (0 means 1).
	PageNo int `json:"page_no,omitempty"`
	// PageSize is 1–20 (0 means 20).
	PageSize int `json:"page_size,omitempty"`
}

// Validate checks the documented rules.
func (r TemplateBatchQueryRequest) Validate() error {
	ck := checker{}
	if r.PageNo < 0 {
		ck.fail("PageNo", "must not be negative")
	}
	if r.PageSize < 0 || r.PageSize > 20 {
		ck.fail("PageSize", "must be 1–20")
	}
	return ck.err()
}

// TemplateSummary is one template in a batch query.
type TemplateSummary struct {
	TemplateID        string            `json:"template_id"`
	CardType          string            `json:"card_type"`
	GmtCreate         string            `json:"gmt_create"`
	GmtModified       string            `json:"gmt_modified"`
	TemplateStyleInfo TemplateStyleInfo `json:"template_style_info"`
}

// TemplateBatchQueryResponse is the answer to template.batchquery.
type TemplateBatchQueryResponse struct {
	Templates []TemplateSummary `json:"mcard_template"`
	Total     IntString         `json:"template_total"`
}
