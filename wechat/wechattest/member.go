package wechattest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

const (
	maxMembershipNumber = 20 // membership_number string(20)
	maxRecordRunes      = 14 // record_bonus / record_balance
	maxCustomValueBytes = 12 // custom_field_value*: 4 Chinese characters / 12 bytes
)

func memberCode(st *state, cardID, code string, types ...string) (*codeRec, *apiError) {
	if cardID == "" {
		return nil, errc(41012)
	}
	if code == "" {
		return nil, errc(41013)
	}
	c, e := st.card(cardID)
	if e != nil {
		return nil, e
	}
	okType := false
	for _, t := range types {
		okType = okType || c.typ == t
	}
	if !okType {
		return nil, errm(40071, "invalid card type: card %s is %s", cardID, c.typ)
	}
	return st.code(cardID, code)
}

type activateIn struct {
	MembershipNumber  string  `json:"membership_number"`
	Code              string  `json:"code"`
	CardID            string  `json:"card_id"`
	BackgroundPicURL  string  `json:"background_pic_url"`
	ActivateBeginTime flexInt `json:"activate_begin_time"`
	ActivateEndTime   flexInt `json:"activate_end_time"`
	InitBonus         flexInt `json:"init_bonus"`
	InitBonusRecord   string  `json:"init_bonus_record"`
	InitBalance       flexInt `json:"init_balance"`
	InitCustom1       *string `json:"init_custom_field_value1"`
	InitCustom2       *string `json:"init_custom_field_value2"`
	InitCustom3       *string `json:"init_custom_field_value3"`
	customs           [3]*string
}

func (in *activateIn) check(needNumber bool) *apiError {
	if in.Code == "" {
		return errc(41013)
	}
	if needNumber && in.MembershipNumber == "" {
		return errm(41011, "missing required fields: membership_number")
	}
	if len(in.MembershipNumber) > maxMembershipNumber {
		return errm(45021, "some argument may be out of length limit! membership_number is longer than %d", maxMembershipNumber)
	}
	if tooLong(in.InitBonusRecord, maxRecordRunes) {
		return errm(45021, "some argument may be out of length limit! init_bonus_record")
	}
	if in.InitBonus < 0 {
		return errc(45022)
	}
	if in.InitBalance < 0 {
		return errc(45023)
	}
	if in.ActivateEndTime > 0 && in.ActivateEndTime <= in.ActivateBeginTime {
		return errm(40079, "invalid time: activate_end_time must be after activate_begin_time")
	}
	in.customs = [3]*string{in.InitCustom1, in.InitCustom2, in.InitCustom3}
	for i, v := range in.customs {
		if v != nil && len(*v) > maxCustomValueBytes {
			return errm(45021, "some argument may be out of length limit! init_custom_field_value%d is longer than 12 bytes", i+1)
		}
	}
	return nil
}

func (s *Server) activate(rq *request, types ...string) (any, *apiError) {
	var in activateIn
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if e := in.check(types[0] == "MEMBER_CARD"); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cardID := in.CardID
	if cardID == "" {
		// card_id is only required for custom-code cards; find it from the code.
		r, e := s.st.code("", in.Code)
		if e != nil {
			return nil, e
		}
		if r.card.useCustom {
			return nil, errm(41012, "missing card id: card_id is required for custom-code cards")
		}
		cardID = r.card.id
	}
	r, e := memberCode(s.st, cardID, in.Code, types...)
	if e != nil {
		return nil, e
	}
	now := s.now()
	if e := r.usable(now.Unix()); e != nil {
		return nil, e
	}
	number := in.MembershipNumber
	if number == "" {
		number = r.code
	}
	if r.activated {
		// Not in the reference: re-activation is idempotent for the same number.
		if r.membershipNumber == number {
			return nil, nil
		}
		return nil, errm(40127, "invalid user-card status! the code is already activated with another membership_number")
	}
	r.activated = true
	r.membershipNumber = number
	r.bonus, r.balance = int64(in.InitBonus), int64(in.InitBalance)
	for i, v := range in.customs {
		if v != nil {
			r.custom[i] = *v
		}
	}
	if in.BackgroundPicURL != "" {
		r.background = in.BackgroundPicURL
	}
	if in.ActivateBeginTime > 0 {
		r.begin = int64(in.ActivateBeginTime)
	}
	if in.ActivateEndTime > 0 {
		r.end = int64(in.ActivateEndTime)
	}
	d := s.st.day(now, r.card.id)
	d.active++
	d.activeU[r.openid] = true
	return nil, nil
}

func hActivate(s *Server, rq *request) (any, *apiError) { return s.activate(rq, "MEMBER_CARD") }

// withMemberCode decodes {"card_id","code"}, finds the code of a card of
// type typ and runs fn with the state lock held.
func (s *Server) withMemberCode(rq *request, typ string, fn func(r *codeRec) (any, *apiError)) (any, *apiError) {
	var in struct {
		CardID string `json:"card_id"`
		Code   string `json:"code"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, e := memberCode(s.st, in.CardID, in.Code, typ)
	if e != nil {
		return nil, e
	}
	return fn(r)
}

func hGeneralActivate(s *Server, rq *request) (any, *apiError) {
	return s.activate(rq, "GENERAL_CARD")
}

func hGeneralUnactivate(s *Server, rq *request) (any, *apiError) {
	return s.withMemberCode(rq, "GENERAL_CARD", func(r *codeRec) (any, *apiError) {
		if !r.activated {
			return nil, errm(40127, "invalid user-card status! the code is not activated")
		}
		r.activated = false
		return nil, nil
	})
}

func hActivateUserForm(s *Server, rq *request) (any, *apiError) {
	var in map[string]json.RawMessage
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	var cardID string
	_ = json.Unmarshal(in["card_id"], &cardID)
	if cardID == "" {
		return nil, errc(41012)
	}
	type formIn struct {
		CanModify         flexBool `json:"can_modify"`
		CommonFieldIDList []string `json:"common_field_id_list"`
		CustomFieldList   []string `json:"custom_field_list"`
		RichFieldList     []struct {
			Type   string   `json:"type"`
			Name   string   `json:"name"`
			Values []string `json:"values"`
		} `json:"rich_field_list"`
	}
	for _, k := range []string{"required_form", "optional_form"} {
		raw, ok := in[k]
		if !ok {
			continue
		}
		var f formIn
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, errm(47001, "data format error: %s: %v", k, err)
		}
		for _, id := range f.CommonFieldIDList {
			if !strings.HasPrefix(id, "USER_FORM_INFO_FLAG_") {
				return nil, errm(40097, "invalid args: %s.common_field_id_list value %q", k, id)
			}
		}
		for _, rf := range f.RichFieldList {
			switch rf.Type {
			case "FORM_FIELD_RADIO", "FORM_FIELD_SELECT", "FORM_FIELD_CHECK_BOX":
			default:
				return nil, errm(40097, "invalid args: %s.rich_field_list type %q", k, rf.Type)
			}
		}
	}
	form, err := decodeMap(mustJSON(in))
	if err != nil {
		return nil, errm(47001, "data format error: %v", err)
	}
	delete(form, "card_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.st.card(cardID)
	if e != nil {
		return nil, e
	}
	if c.typ != "MEMBER_CARD" {
		return nil, errm(40071, "invalid card type: card %s is %s", cardID, c.typ)
	}
	c.form = form
	return nil, nil
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func hUserInfo(s *Server, rq *request) (any, *apiError) {
	return s.withMemberCode(rq, "MEMBER_CARD", func(r *codeRec) (any, *apiError) {
		sex := ""
		for _, f := range r.common {
			if f.Name == "USER_FORM_INFO_FLAG_SEX" {
				switch strings.ToUpper(f.Value) {
				case "MALE", "男", "M":
					sex = "MALE"
				case "FEMALE", "女", "F":
					sex = "FEMALE"
				}
			}
		}
		common := append([]formField{}, r.common...)
		custom := make([]formField, len(r.customFields))
		for i, f := range r.customFields {
			if f.ValueList == nil {
				f.ValueList = []string{}
			}
			custom[i] = f
		}
		return &userInfoOut{
			ok: okv, OpenID: r.openid, Nickname: "微信用户", MembershipNumber: r.membershipNumber,
			Bonus: r.bonus, Balance: r.balance, Sex: sex,
			UserInfo:       userInfoFields{CommonFieldList: common, CustomFieldList: custom},
			UserCardStatus: r.effectiveStatus(s.now().Unix()), HasActive: r.activated,
		}, nil
	})
}

type userInfoOut struct {
	ok
	OpenID           string         `json:"openid"`
	Nickname         string         `json:"nickname"`
	MembershipNumber string         `json:"membership_number"`
	Bonus            int64          `json:"bonus"`
	Balance          int64          `json:"balance"`
	Sex              string         `json:"sex"`
	UserInfo         userInfoFields `json:"user_info"`
	UserCardStatus   string         `json:"user_card_status"`
	HasActive        bool           `json:"has_active"`
}

type userInfoFields struct {
	CommonFieldList []formField `json:"common_field_list"`
	CustomFieldList []formField `json:"custom_field_list"`
}

type updateUserIn struct {
	Code             string   `json:"code"`
	CardID           string   `json:"card_id"`
	BackgroundPicURL *string  `json:"background_pic_url"`
	Bonus            *flexInt `json:"bonus"`
	AddBonus         *flexInt `json:"add_bonus"`
	RecordBonus      string   `json:"record_bonus"`
	Balance          *flexInt `json:"balance"`
	AddBalance       *flexInt `json:"add_balance"`
	RecordBalance    string   `json:"record_balance"`
	Custom1          *string  `json:"custom_field_value1"`
	Custom2          *string  `json:"custom_field_value2"`
	Custom3          *string  `json:"custom_field_value3"`
	NotifyOptional   *struct {
		IsNotifyBonus   flexBool `json:"is_notify_bonus"`
		IsNotifyBalance flexBool `json:"is_notify_balance"`
	} `json:"notify_optional"`
}

type updateUserOut struct {
	ok
	ResultBonus   int64  `json:"result_bonus"`
	ResultBalance int64  `json:"result_balance"`
	OpenID        string `json:"openid"`
}

func (s *Server) updateUser(rq *request, typ string) (any, *apiError) {
	var in updateUserIn
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if tooLong(in.RecordBonus, maxRecordRunes) {
		return nil, errm(45021, "some argument may be out of length limit! record_bonus is longer than %d characters", maxRecordRunes)
	}
	if tooLong(in.RecordBalance, maxRecordRunes) {
		return nil, errm(45021, "some argument may be out of length limit! record_balance is longer than %d characters", maxRecordRunes)
	}
	customs := [3]*string{in.Custom1, in.Custom2, in.Custom3}
	for i, v := range customs {
		if v != nil && len(*v) > maxCustomValueBytes {
			return nil, errm(45021, "some argument may be out of length limit! custom_field_value%d is longer than 12 bytes", i+1)
		}
	}
	s.mu.Lock()
	r, e := memberCode(s.st, in.CardID, in.Code, typ)
	if e == nil {
		e = r.usable(s.now().Unix())
	}
	if e != nil {
		s.mu.Unlock()
		return nil, e
	}
	bonus, balance := r.bonus, r.balance
	if in.Bonus != nil {
		bonus = int64(*in.Bonus)
	} else if in.AddBonus != nil {
		bonus += int64(*in.AddBonus)
	}
	if in.Balance != nil {
		balance = int64(*in.Balance)
	} else if in.AddBalance != nil {
		balance += int64(*in.AddBalance)
	}
	if bonus < 0 || bonus > 1e12 {
		s.mu.Unlock()
		return nil, errc(45022)
	}
	if balance < 0 || balance > 1e12 {
		s.mu.Unlock()
		return nil, errc(45023)
	}
	modBonus, modBalance := bonus-r.bonus, balance-r.balance
	if in.AddBonus != nil {
		modBonus = int64(*in.AddBonus)
	}
	if in.AddBalance != nil {
		modBalance = int64(*in.AddBalance)
	}
	changed := bonus != r.bonus || balance != r.balance
	r.bonus, r.balance = bonus, balance
	for i, v := range customs {
		if v != nil {
			r.custom[i] = *v
		}
	}
	if in.BackgroundPicURL != nil {
		r.background = *in.BackgroundPicURL
	}
	out := &updateUserOut{ok: okv, ResultBonus: bonus, ResultBalance: balance, OpenID: r.openid}
	var ev *Event
	if changed && s.st.eventURL != "" {
		ev = &Event{FromUserName: r.openid, Event: "update_member_card", CardId: r.card.id, UserCardCode: r.code,
			ModifyBonus: modBonus, ModifyBalance: modBalance}
	}
	s.mu.Unlock()
	if ev != nil {
		s.pushAsync(*ev)
	}
	return out, nil
}

func hUpdateUser(s *Server, rq *request) (any, *apiError) { return s.updateUser(rq, "MEMBER_CARD") }

func hGeneralUpdateUser(s *Server, rq *request) (any, *apiError) {
	return s.updateUser(rq, "GENERAL_CARD")
}

func hActivateTempInfo(s *Server, rq *request) (any, *apiError) {
	var in struct {
		ActivateTicket string `json:"activate_ticket"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if in.ActivateTicket == "" {
		return nil, errm(41011, "missing required fields: activate_ticket")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.st.temp[in.ActivateTicket]
	if t == nil && strings.Contains(in.ActivateTicket, "%") {
		if u, err := url.QueryUnescape(in.ActivateTicket); err == nil {
			t = s.st.temp[u]
		}
	}
	if t == nil {
		return nil, errm(40097, "invalid args: unknown or expired activate_ticket")
	}
	common := append([]formField{}, t.common...)
	custom := append([]formField{}, t.custom...)
	return okObj("info", userInfoFields{CommonFieldList: common, CustomFieldList: custom}), nil
}

func hActivateGetURL(s *Server, rq *request) (any, *apiError) {
	var in struct {
		CardID   string `json:"card_id"`
		OuterStr string `json:"outer_str"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if tooLong(in.OuterStr, 128) {
		return nil, errm(45021, "some argument may be out of length limit! outer_str")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.st.card(in.CardID)
	if e != nil {
		return nil, e
	}
	if c.typ != "MEMBER_CARD" {
		return nil, errm(40071, "invalid card type: card %s is %s", c.id, c.typ)
	}
	q := url.Values{"action": {"preshow"}, "encrypt_card_id": {c.id}, "outer_str": {in.OuterStr}, "biz": {s.opts.AppID}}
	return okObj("url", s.mp.URL+"/bizmall/activatemembercard?"+q.Encode()+"#wechat_redirect"), nil
}

// ---- paygiftcard rules (支付后投放) ----

func hPayGiftAdd(s *Server, rq *request) (any, *apiError) {
	var in struct {
		RuleInfo json.RawMessage `json:"rule_info"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if len(in.RuleInfo) == 0 {
		return nil, errm(41011, "missing required fields: rule_info")
	}
	var ri struct {
		Type     string `json:"type"`
		BaseInfo *struct {
			MchidList []string `json:"mchid_list"`
			BeginTime flexInt  `json:"begin_time"`
			EndTime   flexInt  `json:"end_time"`
		} `json:"base_info"`
		MemberRule *struct {
			CardID    string  `json:"card_id"`
			LeastCost flexInt `json:"least_cost"`
			MaxCost   flexInt `json:"max_cost"`
		} `json:"member_rule"`
		SinglePay *struct {
			CardID string `json:"card_id"`
		} `json:"single_pay"`
	}
	if err := json.Unmarshal(in.RuleInfo, &ri); err != nil {
		return nil, errm(47001, "data format error: rule_info: %v", err)
	}
	var cardID string
	switch ri.Type {
	case "RULE_TYPE_PAY_MEMBER_CARD":
		if ri.MemberRule == nil {
			return nil, errm(41011, "missing required fields: rule_info.member_rule")
		}
		cardID = ri.MemberRule.CardID
		if ri.MemberRule.MaxCost > 0 && ri.MemberRule.MaxCost < ri.MemberRule.LeastCost {
			return nil, errm(40097, "invalid args: max_cost < least_cost")
		}
	case "RULE_TYPE_SINGLE_PAY":
		if ri.SinglePay == nil {
			return nil, errm(41011, "missing required fields: rule_info.single_pay")
		}
		cardID = ri.SinglePay.CardID
	case "":
		return nil, errm(41011, "missing required fields: rule_info.type")
	default:
		return nil, errm(40097, "invalid args: rule_info.type %q", ri.Type)
	}
	if ri.BaseInfo == nil || len(ri.BaseInfo.MchidList) == 0 {
		return nil, errm(41011, "missing required fields: rule_info.base_info.mchid_list")
	}
	if ri.BaseInfo.EndTime <= ri.BaseInfo.BeginTime {
		return nil, errm(40079, "invalid time: end_time must be after begin_time")
	}
	info, err := decodeMap(in.RuleInfo)
	if err != nil {
		return nil, errm(47001, "data format error: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.st.card(cardID)
	if e != nil {
		return nil, e
	}
	if ri.Type == "RULE_TYPE_PAY_MEMBER_CARD" && c.typ != "MEMBER_CARD" {
		return nil, errm(40071, "invalid card type: card %s is %s", c.id, c.typ)
	}
	s.st.ruleSeq++
	id := strconv.Itoa(1000 + s.st.ruleSeq)
	s.st.rules[id] = &payGiftRule{id: id, typ: ri.Type, info: info, end: int64(ri.BaseInfo.EndTime)}
	s.st.ruleOrder = append(s.st.ruleOrder, id)
	return okObj("rule_id", id, "fail_mchid_list", []any{}, "succ_mchid_list", ri.BaseInfo.MchidList), nil
}

func ruleIDBody(rq *request) (string, *apiError) {
	var in struct {
		RuleID flexID `json:"rule_id"`
	}
	if e := decode(rq.body, &in); e != nil {
		return "", e
	}
	if in.RuleID == "" {
		return "", errm(41011, "missing required fields: rule_id")
	}
	return string(in.RuleID), nil
}

// flexID accepts a string or a number.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexID(n.String())
	return nil
}

func hPayGiftDelete(s *Server, rq *request) (any, *apiError) {
	id, e := ruleIDBody(rq)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.rules[id] == nil {
		return nil, errm(40097, "invalid args: unknown rule_id %s", id)
	}
	delete(s.st.rules, id)
	return nil, nil
}

func hPayGiftGet(s *Server, rq *request) (any, *apiError) {
	id, e := ruleIDBody(rq)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.rules[id]
	if r == nil {
		return nil, errm(40097, "invalid args: unknown rule_id %s", id)
	}
	return okObj("rule_info", r.view()), nil
}

func (r *payGiftRule) view() map[string]any {
	m := make(map[string]any, len(r.info)+1)
	for k, v := range r.info {
		m[k] = v
	}
	m["rule_id"] = r.id
	return m
}

func hPayGiftBatchGet(s *Server, rq *request) (any, *apiError) {
	var in struct {
		Type      string    `json:"type"`
		Effective *flexBool `json:"effective"`
		Offset    flexInt   `json:"offset"`
		Count     flexInt   `json:"count"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if in.Type != "RULE_TYPE_PAY_MEMBER_CARD" && in.Type != "RULE_TYPE_SINGLE_PAY" {
		return nil, errm(40097, "invalid args: type %q", in.Type)
	}
	if in.Count < 1 || in.Count > 100 || in.Offset < 0 {
		return nil, errm(40097, "invalid args: count must be 1..100 and offset >= 0")
	}
	now := s.now().Unix()
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []map[string]any
	for _, id := range s.st.ruleOrder {
		r := s.st.rules[id]
		if r == nil || r.typ != in.Type {
			continue
		}
		if in.Effective != nil && bool(*in.Effective) != (r.end > now) {
			continue
		}
		all = append(all, r.view())
	}
	total := len(all)
	off := min(int(in.Offset), total)
	end := min(off+int(in.Count), total)
	return okObj("rule_list", append([]map[string]any{}, all[off:end]...), "total_count", total), nil
}

// ---- special tickets ----

func (s *Server) ticketUpdate(rq *request, typ string, check func(m map[string]any) *apiError) (any, *apiError) {
	var in struct {
		Code   string `json:"code"`
		CardID string `json:"card_id"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	m, err := decodeMap(rq.body)
	if err != nil {
		return nil, errm(47001, "data format error: %v", err)
	}
	if e := check(m); e != nil {
		return nil, e
	}
	delete(m, "code")
	delete(m, "card_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	var r *codeRec
	var e *apiError
	if in.CardID == "" {
		r, e = s.st.code("", in.Code)
		if e == nil && r.card.typ != typ {
			e = errm(40071, "invalid card type: card %s is %s", r.card.id, r.card.typ)
		}
	} else {
		r, e = memberCode(s.st, in.CardID, in.Code, typ)
	}
	if e != nil {
		return nil, e
	}
	if e := r.usable(s.now().Unix()); e != nil {
		return nil, e
	}
	if r.ticketInfo == nil {
		r.ticketInfo = map[string]any{}
	}
	if typ == "BOARDING_PASS" && m["is_cancel"] == true {
		r.ticketInfo = map[string]any{"is_cancel": true}
		return nil, nil
	}
	for k, v := range m {
		r.ticketInfo[k] = v
	}
	return nil, nil
}

func str(m map[string]any, k string) string {
	switch v := m[k].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func hBoardingCheckin(s *Server, rq *request) (any, *apiError) {
	return s.ticketUpdate(rq, "BOARDING_PASS", func(m map[string]any) *apiError {
		if m["is_cancel"] == true {
			return nil
		}
		for _, f := range []string{"passenger_name", "class", "etkt_bnr"} {
			if str(m, f) == "" {
				return errm(41011, "missing required fields: %s", f)
			}
		}
		if tooLong(str(m, "passenger_name"), 15) || tooLong(str(m, "class"), 5) || len(str(m, "etkt_bnr")) > 14 {
			return errm(45021, "some argument may be out of length limit! passenger_name ≤ 15, class ≤ 5, etkt_bnr ≤ 14")
		}
		return nil
	})
}

func hMeetingUpdate(s *Server, rq *request) (any, *apiError) {
	return s.ticketUpdate(rq, "MEETING_TICKET", func(m map[string]any) *apiError {
		for _, f := range []string{"zone", "entrance", "seat_number"} {
			if str(m, f) == "" {
				return errm(41011, "missing required fields: %s", f)
			}
		}
		return nil
	})
}

func hMovieUpdate(s *Server, rq *request) (any, *apiError) {
	return s.ticketUpdate(rq, "MOVIE_TICKET", func(m map[string]any) *apiError {
		if str(m, "ticket_class") == "" {
			return errc(41014)
		}
		if str(m, "show_time") == "" {
			return errc(41015)
		}
		if str(m, "duration") == "" {
			return errm(41011, "missing required fields: duration")
		}
		return nil
	})
}
