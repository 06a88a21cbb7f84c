package alipaytest

import (
	"encoding/json"
	"fmt"
	"time"

	card "github.com/walletcard/card"
)

// Card is a member card as the gateway stores it. Point and Balance are the
// strings the merchant sent (validated: ≤ 2 decimals, not negative); parse
// them with card.ParsePoints and card.ParseMoney.
type Card struct {
	BizCardNo      string    // Alipay's card number (biz_no_prefix + zero-padded sequence)
	TemplateID     string    // the template the card belongs to now
	ExternalCardNo string    // the merchant's card number
	UserID         string    // the holder's 2088… user id
	Level          string    // "" when not set
	Point          string    // "" when not set
	Balance        string    // yuan, "" when not set
	OpenDate       time.Time // Beijing time
	ValidDate      time.Time // zero when neither the request nor a template rule set it
	Deleted        bool
	DeleteReason   string // USER_UNBUND, CANCEL or PRESENT once deleted

	// The card face as last sent by card.open or card.update.
	FrontImageID string
	FrontText    []FrontText
	MdCodeStatus string // mdcode_info.code_status
	MdCodeValue  string // mdcode_info.code_value

	// Member is card.open's member_ext_info (name, gende, birth, cell as
	// sent); nil when absent.
	Member map[string]string
	// DeleteExtInfo is card.delete's ext_info JSON object (new_card_no,
	// donee_user_id); nil when absent.
	DeleteExtInfo map[string]string
}

// FrontText is one row of card-face text (front_text_list).
type FrontText struct {
	Label string
	Value string
}

// clone returns a copy of c that shares no slices or maps with it.
func (c Card) clone() Card {
	c.FrontText = append([]FrontText(nil), c.FrontText...)
	c.Member = cloneMap(c.Member)
	c.DeleteExtInfo = cloneMap(c.DeleteExtInfo)
	return c
}

// Consumption is one record sent with alipay.marketing.card.consume.sync.
type Consumption struct {
	TradeNo      string
	TradeType    string // OPEN, TRADE, DEPOSIT or RETURN
	TradeName    string
	TradeTime    time.Time
	TradeAmount  string // yuan as sent, "" when absent
	ActPayAmount string // yuan as sent, "" when absent
}

// Message is one alipay.marketing.card.message.notify the merchant sent.
type Message struct {
	NotifyNo   string
	NotifyType string
	OccurTime  time.Time
	Info       map[string]string
}

type cardState struct {
	Card
	passID       string
	channel      string
	channelID    string
	lastTrade    time.Time
	consumptions []Consumption
	messages     []Message
	bizSerialNo  string
}

type openRecord struct {
	bizCardNo  string
	templateID string
	userID     string
	biz        string // the request's business fields, canonical JSON
	resp       node
}

type deleteRecord struct {
	bizCardNo   string
	bizSerialNo string
}

// merchantCard is card_ext_info / card_info (MerchantCard).
type merchantCard struct {
	BizCardNo      str `json:"biz_card_no"`
	ExternalCardNo str `json:"external_card_no"`
	OpenDate       str `json:"open_date"`
	ValidDate      str `json:"valid_date"`
	Level          str `json:"level"`
	Point          str `json:"point"`
	Balance        str `json:"balance"`
	TemplateID     str `json:"template_id"`
	FrontImageID   str `json:"front_image_id"`
	FrontTextList  []struct {
		Label str `json:"label"`
		Value str `json:"value"`
	} `json:"front_text_list"`
	MdcodeInfo *struct {
		CodeStatus str `json:"code_status"`
		CodeValue  str `json:"code_value"`
		ExpireTime str `json:"expire_time"`
		TimeStamp  str `json:"time_stamp"`
	} `json:"mdcode_info"`
}

// check validates the fields of a MerchantCard.
func (m *merchantCard) check(c *checker, prefix string) (open, valid time.Time) {
	c.opt(prefix+".external_card_no", m.ExternalCardNo, 64)
	open = c.date(prefix+".open_date", m.OpenDate)
	c.opt(prefix+".valid_date", m.ValidDate, 32)
	valid = c.date(prefix+".valid_date", m.ValidDate)
	c.opt(prefix+".level", m.Level, 64)
	c.points(prefix+".point", m.Point)
	c.money(prefix+".balance", m.Balance)
	c.opt(prefix+".template_id", m.TemplateID, 32)
	c.opt(prefix+".front_image_id", m.FrontImageID, 64)
	if len(m.FrontTextList) > 4 {
		c.fail("参数无效: %s.front_text_list 最多 4 行", prefix)
	}
	for _, t := range m.FrontTextList {
		c.opt(prefix+".front_text_list.label", t.Label, 64)
		c.opt(prefix+".front_text_list.value", t.Value, 64)
	}
	if m.MdcodeInfo != nil {
		c.oneOf(prefix+".mdcode_info.code_status", m.MdcodeInfo.CodeStatus, "SUCCESS", "FAIL_RETRY", "FAIL_NOT_RETRY")
	}
	return open, valid
}

// applyFace stores the card-face fields m sends (front image, front text,
// merchant dynamic code); fields m leaves out stay as they are.
func (c *Card) applyFace(m *merchantCard) {
	if m.FrontImageID != "" {
		c.FrontImageID = string(m.FrontImageID)
	}
	if m.FrontTextList != nil {
		c.FrontText = c.FrontText[:0:0]
		for _, t := range m.FrontTextList {
			c.FrontText = append(c.FrontText, FrontText{Label: string(t.Label), Value: string(t.Value)})
		}
	}
	if m.MdcodeInfo != nil {
		c.MdCodeStatus, c.MdCodeValue = string(m.MdcodeInfo.CodeStatus), string(m.MdcodeInfo.CodeValue)
	}
}

// assignValues sets the point and balance m sends (absolute values);
// absent ones stay as they are.
func (c *Card) assignValues(m *merchantCard) {
	if m.Point != "" {
		c.Point = string(m.Point)
	}
	if m.Balance != "" {
		c.Balance = string(m.Balance)
	}
}

// cardInfo renders a card as card_info.
func cardInfo(c *Card) node {
	n := node{{"biz_card_no", c.BizCardNo}}
	n = n.add("external_card_no", c.ExternalCardNo)
	n = n.add("open_date", formatTime(c.OpenDate))
	n = n.add("valid_date", formatTime(c.ValidDate))
	n = n.add("level", c.Level)
	n = n.add("point", c.Point)
	n = n.add("balance", c.Balance)
	return n
}

type cardUserInfo struct {
	UserUniID     str `json:"user_uni_id"`
	UserUniIDType str `json:"user_uni_id_type"`
	OpenID        str `json:"open_id"`
}

// cardOpen implements alipay.marketing.card.open. It needs an auth_token with
// scope auth_ecard whose user is card_user_info.user_uni_id (or the user
// whose open_id card_user_info.open_id is). A repeated
// out_serial_no with the same business fields (biz_content) replays the
// first answer (no second card), with different ones it is INVALID_PARAMETER; a user whose card of the template was deleted with
// reason CANCEL cannot open another (emulator choice: CARD_HAS_OPENED, see
// cardOpen); one user holds at most one live card per template
// (CARD_HAS_OPENED).
func (s *Server) cardOpen(req *request) (node, *apiError) {
	tok, e := s.checkToken(req, ScopeAuthECard)
	if e != nil {
		return nil, e
	}
	var b struct {
		OutSerialNo    str           `json:"out_serial_no"`
		CardTemplateID str           `json:"card_template_id"`
		CardUserInfo   *cardUserInfo `json:"card_user_info"`
		CardExtInfo    *merchantCard `json:"card_ext_info"`
		MemberExtInfo  *struct {
			Name  str `json:"name"`
			Gende str `json:"gende"`
			Birth str `json:"birth"`
			Cell  str `json:"cell"`
		} `json:"member_ext_info"`
		OpenCardChannel   str `json:"open_card_channel"`
		OpenCardChannelID str `json:"open_card_channel_id"`
	}
	if e := decodeBiz(req, &b); e != nil {
		return nil, e
	}
	var c checker
	c.req("out_serial_no", b.OutSerialNo, 64)
	c.req("card_template_id", b.CardTemplateID, 32)
	if b.CardUserInfo == nil {
		c.fail("参数无效: card_user_info 不能为空")
	} else {
		c.req("card_user_info.user_uni_id_type", b.CardUserInfo.UserUniIDType, 32)
		c.oneOf("card_user_info.user_uni_id_type", b.CardUserInfo.UserUniIDType, "UID")
		c.opt("card_user_info.user_uni_id", b.CardUserInfo.UserUniID, 32)
		c.opt("card_user_info.open_id", b.CardUserInfo.OpenID, 128)
		if b.CardUserInfo.OpenID == "" && b.CardUserInfo.UserUniID == "" {
			c.fail("参数无效: card_user_info.user_uni_id 与 open_id 不能同时为空")
		}
	}
	var openDate, validDate time.Time
	if b.CardExtInfo == nil {
		c.fail("参数无效: card_ext_info 不能为空")
	} else {
		if b.CardExtInfo.BizCardNo != "" {
			c.fail("参数无效: card_ext_info.biz_card_no 开卡时不能传入")
		}
		c.req("card_ext_info.external_card_no", b.CardExtInfo.ExternalCardNo, 64)
		openDate, validDate = b.CardExtInfo.check(&c, "card_ext_info")
	}
	if b.MemberExtInfo != nil && b.MemberExtInfo.Birth != "" {
		if _, err := time.Parse("2006-01-02", string(b.MemberExtInfo.Birth)); err != nil {
			c.fail("参数无效: member_ext_info.birth 格式必须为 yyyy-MM-dd")
		}
	}
	if c.err != nil {
		return nil, c.err
	}
	userID, e := s.holderID(b.CardUserInfo)
	if e != nil {
		return nil, e
	}
	if userID != tok.userID {
		return nil, bizFail("USER_AUTH_FAIL", "用户授权失败: auth_token 不属于 card_user_info 中的用户")
	}
	bizKey := canonical(b)
	if rec := s.st.openSerials[string(b.OutSerialNo)]; rec != nil && !s.forget {
		// Reference §4.3 emulator choice: a repeat replays the first answer
		// only when every business field is the same.
		if rec.templateID == string(b.CardTemplateID) && rec.userID == userID && rec.biz == bizKey {
			return rec.resp, nil
		}
		return nil, invalidParam("参数无效: out_serial_no %s 已被使用", b.OutSerialNo)
	}
	t := s.st.templates[string(b.CardTemplateID)]
	if t == nil {
		return nil, bizFail("TEMPLATE_NOT_EXIT", "模板不存在")
	}
	ext := b.CardExtInfo
	if ext.TemplateID != "" && string(ext.TemplateID) != t.id {
		return nil, invalidParam("参数无效: card_ext_info.template_id 与 card_template_id 不一致")
	}
	if ext.Level != "" && !t.hasLevel(string(ext.Level)) {
		return nil, invalidParam("会员等级参数有误;必须和卡模板中的等级匹配")
	}
	holderKey := t.id + "|" + userID
	if no, ok := s.st.holders[holderKey]; ok {
		return nil, bizFail("CARD_HAS_OPENED", "用户已开卡: %s", no)
	}
	if s.st.cancelled[holderKey] {
		// Reference §4.4: after CANCEL (销户) the user cannot bind again.
		// Alipay documents no sub_code for it; answering CARD_HAS_OPENED
		// is this emulator's choice.
		return nil, bizFail("CARD_HAS_OPENED", "用户已销户，不能重新开卡")
	}
	// Template field rules fill what the request leaves out.
	level, point, balance := string(ext.Level), string(ext.Point), string(ext.Balance)
	for name, r := range t.rules {
		if r.RuleName == "CONST" {
			switch name {
			case "Level":
				level = orDefault(level, string(r.RuleValue))
			case "Point":
				point = orDefault(point, string(r.RuleValue))
			case "Balance":
				balance = orDefault(balance, string(r.RuleValue))
			}
		}
	}
	if openDate.IsZero() {
		openDate = req.now.Truncate(time.Second)
		if r, ok := t.rules["OpenDate"]; ok && r.RuleName == "DATE_IN_FUTURE" {
			openDate, _ = futureOffset(openDate, string(r.RuleValue))
		}
	}
	if validDate.IsZero() {
		if r, ok := t.rules["ValidDate"]; ok && r.RuleName == "DATE_IN_FUTURE" {
			validDate, _ = futureOffset(req.now.Truncate(time.Second), string(r.RuleValue))
		}
	}
	if !validDate.IsZero() && validDate.Before(openDate) {
		return nil, invalidParam("参数无效: valid_date 不能早于 open_date")
	}
	no, ok := s.nextCardNo(t)
	if !ok {
		return nil, bizFail("SYSTEM_ERROR", "卡号已用尽")
	}
	cs := &cardState{
		Card: Card{
			BizCardNo:      no,
			TemplateID:     t.id,
			ExternalCardNo: string(ext.ExternalCardNo),
			UserID:         userID,
			Level:          level,
			Point:          point,
			Balance:        balance,
			OpenDate:       openDate.In(card.Beijing()),
			ValidDate:      validDate,
		},
		passID:    randomID(32),
		channel:   string(b.OpenCardChannel),
		channelID: string(b.OpenCardChannelID),
	}
	if !cs.ValidDate.IsZero() {
		cs.ValidDate = cs.ValidDate.In(card.Beijing())
	}
	cs.applyFace(ext)
	if m := b.MemberExtInfo; m != nil {
		cs.Member = map[string]string{"name": string(m.Name), "gende": string(m.Gende), "birth": string(m.Birth), "cell": string(m.Cell)}
	}
	s.st.cards[no] = cs
	s.st.holders[holderKey] = no
	resp := append(success(), field{"card_info", cardInfo(&cs.Card)})
	resp = resp.add("open_card_channel", cs.channel)
	resp = resp.add("open_card_channel_id", cs.channelID)
	s.st.openSerials[string(b.OutSerialNo)] = &openRecord{bizCardNo: no, templateID: t.id, userID: userID, biz: bizKey, resp: resp}
	return resp, nil
}

// holderID resolves card_user_info to a user id: user_uni_id, or the user
// whose open_id it is; when both are given they must name the same user.
// Callers hold s.mu.
func (s *Server) holderID(u *cardUserInfo) (string, *apiError) {
	id := string(u.UserUniID)
	if u.OpenID == "" {
		return id, nil
	}
	byOpenID, ok := s.st.openIDs[string(u.OpenID)]
	if !ok {
		return "", invalidParam("参数无效: card_user_info.open_id 无效")
	}
	if id != "" && id != byOpenID {
		return "", invalidParam("参数无效: card_user_info.open_id 与 user_uni_id 不是同一用户")
	}
	return byOpenID, nil
}

// nextCardNo returns a new biz_card_no: the template's prefix and a
// zero-padded sequence kept per prefix, so templates sharing a prefix never
// share a number. Callers hold s.mu.
func (s *Server) nextCardNo(t *template) (string, bool) {
	for {
		s.st.prefixSeq[t.prefix]++
		digits := fmt.Sprintf("%0*d", t.suffixLen, s.st.prefixSeq[t.prefix])
		if len(digits) > t.suffixLen {
			return "", false
		}
		if no := t.prefix + digits; s.st.cards[no] == nil {
			return no, true
		}
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// liveCard finds a card by BIZ_CARD number; deleted and unknown cards are
// CARD_NOT_EXIT.
func (s *Server) liveCard(typ, no str) (*cardState, *apiError) {
	if typ != "BIZ_CARD" {
		return nil, invalidParam("参数无效: target_card_no_type 只支持 BIZ_CARD")
	}
	cs := s.st.cards[string(no)]
	if cs == nil || cs.Deleted {
		return nil, bizFail("CARD_NOT_EXIT", "会员卡不存在")
	}
	return cs, nil
}

// cardQuery implements alipay.marketing.card.query (BIZ_CARD and
// EXTERNAL_CARD; this gateway issues no dynamic codes, so D_QR_CODE and
// D_BAR_CODE find nothing).
func (s *Server) cardQuery(req *request) (node, *apiError) {
	var b struct {
		TargetCardNoType str           `json:"target_card_no_type"`
		TargetCardNo     str           `json:"target_card_no"`
		CardUserInfo     *cardUserInfo `json:"card_user_info"`
		TemplateID       str           `json:"template_id"`
		ExtInfo          str           `json:"ext_info"`
	}
	if e := decodeBiz(req, &b); e != nil {
		return nil, e
	}
	var c checker
	c.req("target_card_no_type", b.TargetCardNoType, 64)
	c.oneOf("target_card_no_type", b.TargetCardNoType, "BIZ_CARD", "EXTERNAL_CARD", "D_QR_CODE", "D_BAR_CODE")
	if b.TargetCardNoType == "EXTERNAL_CARD" {
		c.req("target_card_no", b.TargetCardNo, 64) // as card.open's external_card_no
	} else {
		c.req("target_card_no", b.TargetCardNo, 32)
	}
	c.opt("template_id", b.TemplateID, 32)
	c.opt("ext_info", b.ExtInfo, 1024)
	if c.err != nil {
		return nil, c.err
	}
	var cs *cardState
	switch b.TargetCardNoType {
	case "BIZ_CARD":
		cs = s.st.cards[string(b.TargetCardNo)]
	case "EXTERNAL_CARD":
		for _, x := range s.st.cards {
			if !x.Deleted && x.ExternalCardNo == string(b.TargetCardNo) && (b.TemplateID == "" || x.TemplateID == string(b.TemplateID)) {
				if cs != nil {
					return nil, invalidParam("参数无效: external_card_no 对应多张卡，请传入 template_id")
				}
				cs = x
			}
		}
	}
	holder := ""
	if b.CardUserInfo != nil {
		var e *apiError
		if holder, e = s.holderID(b.CardUserInfo); e != nil {
			return nil, e
		}
	}
	if cs == nil || cs.Deleted ||
		(b.TemplateID != "" && cs.TemplateID != string(b.TemplateID)) ||
		(holder != "" && holder != cs.UserID) {
		return nil, bizFail("CARD_NOT_EXIT", "会员卡不存在")
	}
	out := append(success(), field{"card_info", cardInfo(&cs.Card)})
	out = append(out, field{"schema_url", "alipays://platformapi/startapp?appId=20000021&p=" + cs.passID})
	out = append(out, field{"pass_id", cs.passID})
	return out, nil
}

// cardUpdate implements alipay.marketing.card.update: card_info holds the new
// absolute values; open_date and valid_date cannot change; card_info.template_id
// moves the card to another template; level must be one of the template's
// levels when it defines any.
func (s *Server) cardUpdate(req *request) (node, *apiError) {
	var b struct {
		TargetCardNo        str           `json:"target_card_no"`
		TargetCardNoType    str           `json:"target_card_no_type"`
		OccurTime           str           `json:"occur_time"`
		CardInfo            *merchantCard `json:"card_info"`
		MerchantCardMsgInfo *struct {
			ChangedPoint str `json:"changed_point"`
		} `json:"merchant_card_msg_info"`
		McardStyleInfo json.RawMessage `json:"mcard_style_info"`
		ExtInfo        str             `json:"ext_info"`
	}
	if e := decodeBiz(req, &b); e != nil {
		return nil, e
	}
	var c checker
	c.req("target_card_no", b.TargetCardNo, 32)
	c.req("target_card_no_type", b.TargetCardNoType, 32)
	c.req("occur_time", b.OccurTime, 32)
	c.date("occur_time", b.OccurTime)
	c.opt("ext_info", b.ExtInfo, 1024)
	var openDate, validDate time.Time
	if b.CardInfo == nil {
		c.fail("参数无效: card_info 不能为空")
	} else {
		openDate, validDate = b.CardInfo.check(&c, "card_info")
		if b.CardInfo.TemplateID != "" && len(b.McardStyleInfo) > 0 && string(b.McardStyleInfo) != "null" {
			c.fail("参数无效: mcard_style_info 不能与 card_info.template_id 同时使用")
		}
	}
	if b.MerchantCardMsgInfo != nil && b.MerchantCardMsgInfo.ChangedPoint != "" {
		if _, err := card.ParsePoints(string(b.MerchantCardMsgInfo.ChangedPoint)); err != nil {
			c.fail("参数无效: merchant_card_msg_info.changed_point 必须为数字，最多两位小数")
		}
	}
	if c.err != nil {
		return nil, c.err
	}
	cs, e := s.liveCard(b.TargetCardNoType, b.TargetCardNo)
	if e != nil {
		return nil, e
	}
	ci := b.CardInfo
	if ci.BizCardNo != "" && string(ci.BizCardNo) != cs.BizCardNo {
		return nil, invalidParam("参数无效: card_info.biz_card_no 与 target_card_no 不一致")
	}
	if e := cs.checkFixedDates(openDate, validDate); e != nil {
		return nil, e
	}
	t := s.st.templates[cs.TemplateID]
	if ci.TemplateID != "" && string(ci.TemplateID) != cs.TemplateID {
		t = s.st.templates[string(ci.TemplateID)]
		if t == nil {
			return nil, bizFail("TEMPLATE_NOT_EXIT", "模板不存在")
		}
		if no, ok := s.st.holders[t.id+"|"+cs.UserID]; ok && no != cs.BizCardNo {
			return nil, bizFail("CARD_HAS_OPENED", "用户在目标模板下已有会员卡: %s", no)
		}
	}
	level := cs.Level
	if ci.Level != "" {
		level = string(ci.Level)
	}
	if level != "" && (ci.Level != "" || t.id != cs.TemplateID) && !t.hasLevel(level) {
		return nil, invalidParam("会员等级参数有误;必须和卡模板中的等级匹配")
	}
	if t.id != cs.TemplateID {
		delete(s.st.holders, cs.TemplateID+"|"+cs.UserID)
		s.st.holders[t.id+"|"+cs.UserID] = cs.BizCardNo
		cs.TemplateID = t.id
	}
	cs.Level = level
	cs.applyFace(ci)
	if ci.ExternalCardNo != "" {
		cs.ExternalCardNo = string(ci.ExternalCardNo)
	}
	cs.assignValues(ci)
	return success(), nil
}

// cardDelete implements alipay.marketing.card.delete. A repeated
// out_serial_no for the same card replays the first biz_serial_no; deleting
// a deleted card under a new serial is CARD_IS_DELETED_ALREADY.
func (s *Server) cardDelete(req *request) (node, *apiError) {
	var b struct {
		OutSerialNo      str `json:"out_serial_no"`
		TargetCardNo     str `json:"target_card_no"`
		TargetCardNoType str `json:"target_card_no_type"`
		ReasonCode       str `json:"reason_code"`
		ExtInfo          str `json:"ext_info"`
	}
	if e := decodeBiz(req, &b); e != nil {
		return nil, e
	}
	var c checker
	c.req("out_serial_no", b.OutSerialNo, 32)
	c.req("target_card_no", b.TargetCardNo, 32)
	c.req("target_card_no_type", b.TargetCardNoType, 32)
	c.oneOf("target_card_no_type", b.TargetCardNoType, "BIZ_CARD")
	c.req("reason_code", b.ReasonCode, 32)
	c.oneOf("reason_code", b.ReasonCode, "USER_UNBUND", "CANCEL", "PRESENT")
	c.opt("ext_info", b.ExtInfo, 1024)
	var extInfo map[string]string
	if b.ExtInfo != "" {
		var m map[string]string
		if err := json.Unmarshal([]byte(b.ExtInfo), &m); err != nil || m == nil {
			c.fail("参数无效: ext_info 必须为 JSON 对象字符串")
		} else if d, ok := m["donee_user_id"]; ok && !validUserID(d) {
			c.fail("参数无效: ext_info.donee_user_id 必须为 2088 开头的 16 位用户 ID")
		}
		extInfo = m
	}
	if c.err != nil {
		return nil, c.err
	}
	if rec := s.st.deleteSerials[string(b.OutSerialNo)]; rec != nil && !s.forget {
		if rec.bizCardNo == string(b.TargetCardNo) {
			return append(success(), field{"biz_serial_no", rec.bizSerialNo}), nil
		}
		return nil, invalidParam("参数无效: out_serial_no %s 已被使用", b.OutSerialNo)
	}
	cs := s.st.cards[string(b.TargetCardNo)]
	if cs == nil {
		return nil, bizFail("CARD_NOT_EXIT", "会员卡不存在")
	}
	if cs.Deleted {
		return nil, bizFail("CARD_IS_DELETED_ALREADY", "会员卡已删除")
	}
	cs.Deleted = true
	cs.DeleteReason = string(b.ReasonCode)
	cs.DeleteExtInfo = extInfo
	cs.bizSerialNo = s.datedID(28)
	delete(s.st.holders, cs.TemplateID+"|"+cs.UserID)
	if cs.DeleteReason == "CANCEL" {
		s.st.cancelled[cs.TemplateID+"|"+cs.UserID] = true
	}
	s.st.deleteSerials[string(b.OutSerialNo)] = &deleteRecord{bizCardNo: cs.BizCardNo, bizSerialNo: cs.bizSerialNo}
	return append(success(), field{"biz_serial_no", cs.bizSerialNo}), nil
}

// checkFixedDates refuses a card_info that changes open_date or valid_date,
// which Alipay fixes at card.open.
func (cs *cardState) checkFixedDates(openDate, validDate time.Time) *apiError {
	if !openDate.IsZero() && !openDate.Equal(cs.OpenDate) {
		return invalidParam("参数无效: open_date 不能修改")
	}
	if !validDate.IsZero() && !validDate.Equal(cs.ValidDate) {
		return invalidParam("参数无效: valid_date 不能修改")
	}
	return nil
}

// consumeSync implements alipay.marketing.card.consume.sync. card_info, when
// sent, changes the card only if trade_time is later than the last synced
// trade, as the docs say.
func (s *Server) consumeSync(req *request) (node, *apiError) {
	var b struct {
		TargetCardNo     str             `json:"target_card_no"`
		TargetCardNoType str             `json:"target_card_no_type"`
		TradeType        str             `json:"trade_type"`
		TradeNo          str             `json:"trade_no"`
		TradeTime        str             `json:"trade_time"`
		TradeName        str             `json:"trade_name"`
		TradeAmount      str             `json:"trade_amount"`
		ActPayAmount     str             `json:"act_pay_amount"`
		CardInfo         *merchantCard   `json:"card_info"`
		GainBenefitList  json.RawMessage `json:"gain_benefit_list"`
		UseBenefitList   json.RawMessage `json:"use_benefit_list"`
		ShopCode         str             `json:"shop_code"`
		Memo             str             `json:"memo"`
		SwipeCertType    str             `json:"swipe_cert_type"`
	}
	if e := decodeBiz(req, &b); e != nil {
		return nil, e
	}
	var c checker
	c.req("target_card_no", b.TargetCardNo, 32)
	c.req("target_card_no_type", b.TargetCardNoType, 32)
	c.req("trade_type", b.TradeType, 16)
	c.oneOf("trade_type", b.TradeType, "OPEN", "TRADE", "DEPOSIT", "RETURN")
	c.req("trade_no", b.TradeNo, 64)
	c.req("trade_time", b.TradeTime, 64)
	tradeTime := c.date("trade_time", b.TradeTime)
	c.opt("trade_name", b.TradeName, 256)
	c.money("trade_amount", b.TradeAmount)
	c.money("act_pay_amount", b.ActPayAmount)
	c.oneOf("swipe_cert_type", b.SwipeCertType, "ALIPAY", "ENTITY", "OTHER")
	var openDate, validDate time.Time
	if b.CardInfo != nil {
		openDate, validDate = b.CardInfo.check(&c, "card_info")
	}
	if c.err != nil {
		return nil, c.err
	}
	cs, e := s.liveCard(b.TargetCardNoType, b.TargetCardNo)
	if e != nil {
		return nil, e
	}
	for _, r := range cs.consumptions {
		if r.TradeNo == string(b.TradeNo) {
			return append(success(), field{"external_card_no", cs.ExternalCardNo}), nil
		}
	}
	if ci := b.CardInfo; ci != nil && tradeTime.After(cs.lastTrade) {
		if e := cs.checkFixedDates(openDate, validDate); e != nil {
			return nil, e
		}
		if ci.Level != "" {
			if !s.st.templates[cs.TemplateID].hasLevel(string(ci.Level)) {
				return nil, invalidParam("会员等级参数有误;必须和卡模板中的等级匹配")
			}
			cs.Level = string(ci.Level)
		}
		cs.assignValues(ci)
	}
	if tradeTime.After(cs.lastTrade) {
		cs.lastTrade = tradeTime
	}
	cs.consumptions = append(cs.consumptions, Consumption{
		TradeNo: string(b.TradeNo), TradeType: string(b.TradeType), TradeName: string(b.TradeName),
		TradeTime: tradeTime, TradeAmount: string(b.TradeAmount), ActPayAmount: string(b.ActPayAmount),
	})
	return append(success(), field{"external_card_no", cs.ExternalCardNo}), nil
}

// messageNotify implements alipay.marketing.card.message.notify; notify_no
// is its idempotency key.
func (s *Server) messageNotify(req *request) (node, *apiError) {
	var b struct {
		TargetCardNo     str            `json:"target_card_no"`
		TargetCardNoType str            `json:"target_card_no_type"`
		OccurTime        str            `json:"occur_time"`
		NotifyType       str            `json:"notify_type"`
		NotifyNo         str            `json:"notify_no"`
		NotifyInfo       map[string]str `json:"notify_info"`
	}
	if e := decodeBiz(req, &b); e != nil {
		return nil, e
	}
	var c checker
	c.req("target_card_no", b.TargetCardNo, 32)
	c.req("target_card_no_type", b.TargetCardNoType, 32)
	c.req("occur_time", b.OccurTime, 32)
	occur := c.date("occur_time", b.OccurTime)
	c.req("notify_type", b.NotifyType, 32)
	c.oneOf("notify_type", b.NotifyType, "POINT_REMIND")
	c.req("notify_no", b.NotifyNo, 64)
	if b.NotifyType == "POINT_REMIND" && b.NotifyInfo != nil {
		c.points("notify_info.expired_point", b.NotifyInfo["expired_point"])
		c.date("notify_info.expired_time", b.NotifyInfo["expired_time"])
	}
	if c.err != nil {
		return nil, c.err
	}
	cs, e := s.liveCard(b.TargetCardNoType, b.TargetCardNo)
	if e != nil {
		return nil, e
	}
	if prev, ok := s.st.notifies[string(b.NotifyNo)]; ok {
		if prev == cs.BizCardNo {
			return success(), nil
		}
		return nil, invalidParam("参数无效: notify_no %s 已被使用", b.NotifyNo)
	}
	info := map[string]string{}
	for k, v := range b.NotifyInfo {
		info[k] = string(v)
	}
	s.st.notifies[string(b.NotifyNo)] = cs.BizCardNo
	cs.messages = append(cs.messages, Message{NotifyNo: string(b.NotifyNo), NotifyType: string(b.NotifyType), OccurTime: occur, Info: info})
	return success(), nil
}

// Card returns a copy of the card with Alipay number bizCardNo, deleted or
// not, and whether it exists.
func (s *Server) Card(bizCardNo string) (Card, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.st.cards[bizCardNo]
	if cs == nil {
		return Card{}, false
	}
	return cs.Card.clone(), true
}

// CardCount returns the number of live (not deleted) cards.
func (s *Server) CardCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, cs := range s.st.cards {
		if !cs.Deleted {
			n++
		}
	}
	return n
}

// Consumptions returns the consume.sync records of a card, oldest first.
func (s *Server) Consumptions(bizCardNo string) []Consumption {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cs := s.st.cards[bizCardNo]; cs != nil {
		return append([]Consumption(nil), cs.consumptions...)
	}
	return nil
}

// Messages returns the message.notify calls accepted for a card, oldest first.
func (s *Server) Messages(bizCardNo string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cs := s.st.cards[bizCardNo]; cs != nil {
		out := make([]Message, len(cs.messages))
		for i, m := range cs.messages {
			m.Info = cloneMap(m.Info)
			out[i] = m
		}
		return out
	}
	return nil
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// canonical returns v (a decoded biz_content) as JSON, to compare the
// business fields of two requests.
func canonical(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
