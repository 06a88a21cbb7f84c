package wechattest

import (
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
)

// maxCodeLen is the documented string(20) of a code (wire reference §3.10).
const maxCodeLen = 20

type codeListIn struct {
	CardID string   `json:"card_id"`
	Code   []string `json:"code"`
}

func (in *codeListIn) check() *apiError {
	if in.CardID == "" {
		return errc(41012)
	}
	if len(in.Code) == 0 {
		return errm(40109, "too many code size, must <= 100 (and at least 1)")
	}
	if len(in.Code) > 100 {
		return errc(40109)
	}
	return nil
}

func hDeposit(s *Server, rq *request) (any, *apiError) {
	var in codeListIn
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if e := in.check(); e != nil {
		return nil, e
	}
	seen := make(map[string]bool, len(in.Code))
	for _, c := range in.Code {
		if strings.TrimSpace(c) == "" {
			return nil, errc(40110)
		}
		if seen[c] {
			return nil, errm(40111, "have same code: %q", c)
		}
		seen[c] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.st.card(in.CardID)
	if e != nil {
		return nil, e
	}
	if !c.deposit {
		return nil, errm(40136, "invalid use DepositCodeMode: card %s is not in GET_CUSTOM_CODE_MODE_DEPOSIT", c.id)
	}
	succ, dup, fail := []string{}, []string{}, []string{}
	for _, code := range in.Code {
		switch _, have := c.depState[code]; {
		case have:
			dup = append(dup, code)
		case len(code) > maxCodeLen:
			fail = append(fail, code)
		default:
			c.depState[code] = false
			c.depCodes = append(c.depCodes, code)
			succ = append(succ, code)
		}
	}
	return okObj("succ_code", succ, "duplicate_code", dup, "fail_code", fail), nil
}

func hDepositCount(s *Server, rq *request) (any, *apiError) {
	return s.withCard(rq, func(c *cardRec) (any, *apiError) {
		return okObj("count", len(c.depCodes)), nil
	})
}

func hCheckCode(s *Server, rq *request) (any, *apiError) {
	var in codeListIn
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if e := in.check(); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.st.card(in.CardID)
	if e != nil {
		return nil, e
	}
	exist, not := []string{}, []string{}
	for _, code := range in.Code {
		if _, ok := c.depState[code]; ok {
			exist = append(exist, code)
		} else {
			not = append(not, code)
		}
	}
	return okObj("exist_code", exist, "not_exist_code", not), nil
}

type codeIn struct {
	Code         string    `json:"code"`
	CardID       string    `json:"card_id"`
	CheckConsume *flexBool `json:"check_consume"`
}

func hCodeGet(s *Server, rq *request) (any, *apiError) {
	var in codeIn
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, e := s.st.code(in.CardID, in.Code)
	if e != nil {
		return nil, e
	}
	now := s.now().Unix()
	status := r.effectiveStatus(now)
	ue := r.usable(now)
	if in.CheckConsume == nil || *in.CheckConsume {
		if ue != nil {
			return nil, ue
		}
	}
	return okObj(
		"card", map[string]any{"card_id": r.card.id, "begin_time": r.begin, "end_time": r.end},
		"openid", r.openid,
		"can_consume", ue == nil,
		"user_card_status", status,
		"outer_str", r.outerStr,
	), nil
}

func hConsume(s *Server, rq *request) (any, *apiError) {
	var in codeIn
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	s.mu.Lock()
	r, e := s.st.code(in.CardID, in.Code)
	if e == nil && r.card.useCustom && in.CardID == "" {
		e = errm(41012, "missing card id: card_id is required for custom-code cards")
	}
	if e == nil {
		e = r.usable(s.now().Unix())
	}
	if e != nil {
		s.mu.Unlock()
		return nil, e
	}
	r.status = CodeConsumed
	now := s.now()
	d := s.st.day(now, r.card.id)
	d.verify++
	d.verifyU[r.openid] = true
	ev := Event{FromUserName: r.openid, Event: "user_consume_card", CardId: r.card.id, UserCardCode: r.code,
		ConsumeSource: "FROM_API", OuterStr: r.outerStr}
	cardID, openid := r.card.id, r.openid
	s.mu.Unlock()
	s.pushAsync(ev)
	return okObj("card", map[string]string{"card_id": cardID}, "openid", openid), nil
}

// EncryptCode returns the encrypt_code WeChat would put on a URL opened from
// the card (or return from wx.chooseCard) for the issued code; /card/code/decrypt
// turns it back into code. It is standard base64 (it ends in "==" and may hold '+'
// and '/'), so callers must URL-escape it. It returns "" when the code was not issued for cardID.
func (s *Server) EncryptCode(cardID, code string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.codes[code][cardID]
	if r == nil {
		return ""
	}
	h := sha256.Sum256([]byte(s.opts.AppSecret + "\x00" + cardID + "\x00" + code))
	enc := base64.StdEncoding.EncodeToString(h[:25])
	s.st.encrypt[enc] = r
	return enc
}

func hDecrypt(s *Server, rq *request) (any, *apiError) {
	var in struct {
		EncryptCode string `json:"encrypt_code"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if in.EncryptCode == "" {
		return nil, errm(41011, "missing required fields: encrypt_code")
	}
	ec := in.EncryptCode
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.encrypt[ec]
	if r == nil && strings.ContainsAny(ec, "% ") {
		// tolerate a still-escaped value, or '+' turned into ' ' by a form decoder
		if u, err := url.QueryUnescape(ec); err == nil && s.st.encrypt[u] != nil {
			r = s.st.encrypt[u]
		} else {
			r = s.st.encrypt[strings.ReplaceAll(ec, " ", "+")]
		}
	}
	if r == nil {
		return nil, errc(40075)
	}
	return okObj("code", r.code), nil
}

func hCodeUpdate(s *Server, rq *request) (any, *apiError) {
	var in struct {
		Code    string `json:"code"`
		NewCode string `json:"new_code"`
		CardID  string `json:"card_id"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if in.NewCode == "" {
		return nil, errm(41011, "missing required fields: new_code")
	}
	if len(in.NewCode) > maxCodeLen {
		return nil, errm(45021, "some argument may be out of length limit! new_code is longer than 20")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, e := s.st.usableCode(in.CardID, in.Code, s.now().Unix())
	if e != nil {
		return nil, e
	}
	if in.NewCode == r.code {
		return nil, nil
	}
	if s.st.codes[in.NewCode][r.card.id] != nil {
		return nil, errm(40116, "invalid code: new_code %q already exists on this card", in.NewCode)
	}
	delete(s.st.codes[r.code], r.card.id)
	if len(s.st.codes[r.code]) == 0 {
		delete(s.st.codes, r.code)
	}
	r.code = in.NewCode
	m := s.st.codes[r.code]
	if m == nil {
		m = map[string]*codeRec{}
		s.st.codes[r.code] = m
	}
	m[r.card.id] = r
	return nil, nil
}

// maxUnavailableReason bounds the reason of code/unavailable: WeChat
// documents no limit, so this emulator uses the adapter's choice
// (wechat.MaxUnavailableReasonBytes, 128 bytes of UTF-8).
const maxUnavailableReason = 128

func hUnavailable(s *Server, rq *request) (any, *apiError) {
	var in struct {
		Code   string `json:"code"`
		CardID string `json:"card_id"`
		Reason string `json:"reason"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if len(in.Reason) > maxUnavailableReason {
		return nil, errm(45021, "some argument may be out of length limit! reason is longer than %d bytes", maxUnavailableReason)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, e := s.st.code(in.CardID, in.Code)
	if e != nil {
		return nil, e
	}
	switch r.status {
	case CodeNormal:
	case CodeConsumed:
		return nil, errc(40099)
	default:
		return nil, errc(40127)
	}
	r.status = CodeUnavailable
	return nil, nil
}

func hMark(s *Server, rq *request) (any, *apiError) {
	var in struct {
		Code   string    `json:"code"`
		CardID string    `json:"card_id"`
		OpenID string    `json:"openid"`
		IsMark *flexBool `json:"is_mark"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if in.CardID == "" {
		return nil, errc(41012)
	}
	if in.OpenID == "" || in.IsMark == nil {
		return nil, errm(41011, "missing required fields: openid and is_mark")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, e := s.st.usableCode(in.CardID, in.Code, s.now().Unix())
	if e != nil {
		return nil, e
	}
	if r.markedBy != "" && r.markedBy != in.OpenID {
		return nil, errc(40146)
	}
	if *in.IsMark {
		r.markedBy = in.OpenID
	} else {
		r.markedBy = ""
	}
	return nil, nil
}
