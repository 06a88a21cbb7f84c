package wechattest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Card types /card/create knows. Coupons are refused unless
// Options.AllowLegacyCoupons is set.
var cardTypes = map[string]bool{
	"MEMBER_CARD": false, "GENERAL_CARD": false, "MEETING_TICKET": false, "SCENIC_TICKET": false,
	"MOVIE_TICKET": false, "BOARDING_PASS": false, "BUS_TICKET": false,
	"GROUPON": true, "CASH": true, "DISCOUNT": true, "GIFT": true, "GENERAL_COUPON": true,
}

var codeTypes = map[string]bool{
	"CODE_TYPE_TEXT": true, "CODE_TYPE_BARCODE": true, "CODE_TYPE_QRCODE": true,
	"CODE_TYPE_ONLY_BARCODE": true, "CODE_TYPE_ONLY_QRCODE": true, "CODE_TYPE_NONE": true,
}

// colors is the /card/getcolors palette (official sample values, wire
// reference §3.6), completed with Color082 and Color102 from the older list.
var colors = []struct{ Name, Value string }{
	{"Color010", "#55bd47"}, {"Color020", "#10ad61"}, {"Color030", "#35a4de"}, {"Color040", "#3d78da"},
	{"Color050", "#9058cb"}, {"Color060", "#de9c33"}, {"Color070", "#ebac16"}, {"Color080", "#f9861f"},
	{"Color081", "#f08500"}, {"Color082", "#a9d92d"}, {"Color090", "#e75735"}, {"Color100", "#d54036"},
	{"Color101", "#cf3e36"}, {"Color102", "#5e6671"},
}

func colorHex(name string) (string, bool) {
	for _, c := range colors {
		if c.Name == name {
			return c.Value, true
		}
	}
	return "", false
}

// baseInfoIn is the part of base_info the server validates.
type baseInfoIn struct {
	LogoURL           *string   `json:"logo_url"`
	CodeType          *string   `json:"code_type"`
	BrandName         *string   `json:"brand_name"`
	Title             *string   `json:"title"`
	SubTitle          *string   `json:"sub_title"`
	Color             *string   `json:"color"`
	Notice            *string   `json:"notice"`
	Description       *string   `json:"description"`
	Sku               *skuIn    `json:"sku"`
	DateInfo          *dateIn   `json:"date_info"`
	UseCustomCode     flexBool  `json:"use_custom_code"`
	GetCustomCodeMode string    `json:"get_custom_code_mode"`
	BindOpenid        flexBool  `json:"bind_openid"`
	LocationIDs       []flexInt `json:"location_id_list"`
	UseAllLocations   flexBool  `json:"use_all_locations"`
	CenterTitle       *string   `json:"center_title"`
	GetLimit          *flexInt  `json:"get_limit"`
	CustomURLSubTitle *string   `json:"custom_url_sub_title"`
	CustomURLName     *string   `json:"custom_url_name"`
	PromotionURLName  *string   `json:"promotion_url_name"`
	ServicePhone      *string   `json:"service_phone"`
}

type skuIn struct {
	Quantity *flexInt `json:"quantity"`
}

type dateIn struct {
	Type           json.RawMessage `json:"type"`
	BeginTimestamp flexInt         `json:"begin_timestamp"`
	EndTimestamp   flexInt         `json:"end_timestamp"`
	FixedTerm      *flexInt        `json:"fixed_term"`
	FixedBeginTerm flexInt         `json:"fixed_begin_term"`
}

func (d *dateIn) parse(cardType string) (dateInfo, *apiError) {
	var t string
	raw := bytes.TrimSpace(d.Type)
	if len(raw) > 0 && raw[0] == '"' {
		_ = json.Unmarshal(raw, &t)
	} else {
		t = string(raw)
	}
	switch t {
	case "1", "DATE_TYPE_FIX_TIME_RANGE":
		t = "DATE_TYPE_FIX_TIME_RANGE"
		if d.BeginTimestamp <= 0 || d.EndTimestamp <= 0 {
			return dateInfo{}, errm(41011, "missing required fields: date_info.begin_timestamp and end_timestamp")
		}
		if d.EndTimestamp <= d.BeginTimestamp {
			return dateInfo{}, errm(40079, "invalid time: end_timestamp must be after begin_timestamp")
		}
		return dateInfo{typ: t, begin: int64(d.BeginTimestamp), end: int64(d.EndTimestamp)}, nil
	case "2", "DATE_TYPE_FIX_TERM":
		t = "DATE_TYPE_FIX_TERM"
		if d.FixedTerm == nil {
			return dateInfo{}, errm(41011, "missing required fields: date_info.fixed_term")
		}
		if *d.FixedTerm <= 0 || d.FixedBeginTerm < 0 {
			return dateInfo{}, errm(40079, "invalid time: fixed_term must be > 0 and fixed_begin_term >= 0")
		}
		return dateInfo{typ: t, fixedTerm: int64(*d.FixedTerm), fixedBegin: int64(d.FixedBeginTerm), end: int64(d.EndTimestamp)}, nil
	case "DATE_TYPE_PERMANENT":
		if cardType != "MEMBER_CARD" {
			return dateInfo{}, errm(40079, "invalid time: DATE_TYPE_PERMANENT is for member cards only")
		}
		return dateInfo{typ: t}, nil
	case "":
		return dateInfo{}, errm(41011, "missing required fields: date_info.type")
	}
	return dateInfo{}, errm(40079, "invalid time: unknown date_info.type %s", t)
}

// checkLengths applies the base_info length limits (wire reference §3.2).
func (b *baseInfoIn) checkLengths() *apiError {
	lim := []struct {
		name string
		v    *string
		max  int
	}{
		{"brand_name", b.BrandName, 12}, {"title", b.Title, 9}, {"sub_title", b.SubTitle, 18},
		{"notice", b.Notice, 16}, {"description", b.Description, 1024}, {"custom_url_name", b.CustomURLName, 5},
		{"custom_url_sub_title", b.CustomURLSubTitle, 6}, {"promotion_url_name", b.PromotionURLName, 5},
		{"center_title", b.CenterTitle, 6}, {"service_phone", b.ServicePhone, 24},
	}
	for _, l := range lim {
		if l.v != nil && tooLong(*l.v, l.max) {
			return errm(45021, "some argument may be out of length limit! %s is longer than %d characters", l.name, l.max)
		}
	}
	if b.LogoURL != nil && len(*b.LogoURL) > 128 {
		return errm(45021, "some argument may be out of length limit! logo_url is longer than 128 bytes")
	}
	return nil
}

func (b *baseInfoIn) checkColorCode() *apiError {
	if b.Color != nil {
		if _, ok := colorHex(*b.Color); !ok {
			return errm(40076, "invalid color id %q", *b.Color)
		}
	}
	if b.CodeType != nil && !codeTypes[*b.CodeType] {
		return errm(40072, "invalid encoding method (code_type %q)", *b.CodeType)
	}
	return nil
}

func decodeMap(raw json.RawMessage) (map[string]any, error) {
	m := map[string]any{}
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return m, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

type typeObj struct {
	BaseInfo              json.RawMessage `json:"base_info"`
	BackgroundPicURL      *string         `json:"background_pic_url"`
	Prerogative           *string         `json:"prerogative"`
	SupplyBonus           flexBool        `json:"supply_bonus"`
	SupplyBalance         flexBool        `json:"supply_balance"`
	WxActivate            flexBool        `json:"wx_activate"`
	WxActivateAfterSubmit flexBool        `json:"wx_activate_after_submit"`
	AutoActivate          flexBool        `json:"auto_activate"`
	CustomCell1           *struct {
		Tips string `json:"tips"`
	} `json:"custom_cell1"`
}

func hCreateCard(s *Server, rq *request) (any, *apiError) {
	var in struct {
		Card map[string]json.RawMessage `json:"card"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if in.Card == nil {
		return nil, errm(41011, "missing required fields: card")
	}
	var ct string
	if raw, ok := in.Card["card_type"]; ok {
		_ = json.Unmarshal(raw, &ct)
	}
	if ct == "" {
		return nil, errm(41011, "missing required fields: card.card_type")
	}
	ct = strings.ToUpper(ct)
	coupon, known := cardTypes[ct]
	if !known {
		return nil, errm(40071, "invalid card type %q", ct)
	}
	if coupon && !s.opts.AllowLegacyCoupons {
		return nil, errm(48001, "api unauthorized: new %s coupons are no longer accepted (卡券 coupons closed in April 2021); create a MEMBER_CARD or GENERAL_CARD", ct)
	}
	key := strings.ToLower(ct)
	rawType, ok := in.Card[key]
	if !ok {
		return nil, errm(41011, "missing required fields: card.%s", key)
	}
	var to typeObj
	if err := json.Unmarshal(rawType, &to); err != nil {
		return nil, errm(47001, "data format error: card.%s: %v", key, err)
	}
	var b baseInfoIn
	if len(to.BaseInfo) == 0 {
		return nil, errm(41011, "missing required fields: card.%s.base_info", key)
	}
	if err := json.Unmarshal(to.BaseInfo, &b); err != nil {
		return nil, errm(47001, "data format error: base_info: %v", err)
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"logo_url", b.LogoURL}, {"code_type", b.CodeType}, {"brand_name", b.BrandName}, {"title", b.Title},
		{"color", b.Color}, {"notice", b.Notice}, {"description", b.Description}} {
		if f.v == nil || (*f.v == "" && f.name != "description") {
			return nil, errm(41011, "missing required fields: base_info.%s", f.name)
		}
	}
	if b.Sku == nil || b.Sku.Quantity == nil {
		return nil, errm(41011, "missing required fields: base_info.sku.quantity")
	}
	if b.DateInfo == nil {
		return nil, errm(41011, "missing required fields: base_info.date_info")
	}
	if e := b.checkColorCode(); e != nil {
		return nil, e
	}
	if e := b.checkLengths(); e != nil {
		return nil, e
	}
	if e := s.checkImageURLs(map[string]*string{"logo_url": b.LogoURL, "background_pic_url": to.BackgroundPicURL}); e != nil {
		return nil, e
	}
	q := int64(*b.Sku.Quantity)
	if q < 0 || q > 100000000 {
		return nil, errm(40070, "invalid sku info: quantity must be 0..100000000")
	}
	di, e := b.DateInfo.parse(ct)
	if e != nil {
		return nil, e
	}
	deposit := b.GetCustomCodeMode == "GET_CUSTOM_CODE_MODE_DEPOSIT"
	if b.GetCustomCodeMode != "" && !deposit {
		return nil, errm(40097, "invalid args: get_custom_code_mode %q", b.GetCustomCodeMode)
	}
	if deposit && !bool(b.UseCustomCode) {
		return nil, errm(40097, "invalid args: get_custom_code_mode needs use_custom_code true")
	}
	if deposit && q > 0 {
		return nil, errc(40136)
	}
	if ct == "MEMBER_CARD" {
		if to.Prerogative == nil || *to.Prerogative == "" {
			return nil, errm(41011, "missing required fields: member_card.prerogative")
		}
		if tooLong(*to.Prerogative, 1024) {
			return nil, errm(45021, "some argument may be out of length limit! prerogative")
		}
	}
	base, err := decodeMap(to.BaseInfo)
	if err != nil {
		return nil, errm(47001, "data format error: %v", err)
	}
	fields, err := decodeMap(rawType)
	if err != nil {
		return nil, errm(47001, "data format error: %v", err)
	}
	delete(fields, "base_info")
	for _, k := range []string{"id", "status", "create_time", "update_time", "appid"} {
		delete(base, k)
	}
	getLimit := int64(50)
	if b.GetLimit != nil && *b.GetLimit > 0 {
		getLimit = int64(*b.GetLimit)
	}
	now := s.now().Unix()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	st.cardSeq++
	c := &cardRec{
		id:           fmt.Sprintf("pWxT%024d", st.cardSeq),
		typ:          ct,
		key:          key,
		base:         base,
		fields:       fields,
		status:       StatusVerifyOK,
		quantity:     q,
		total:        q,
		created:      now,
		updated:      now,
		color:        *b.Color,
		useCustom:    bool(b.UseCustomCode),
		deposit:      deposit,
		bindOpenid:   bool(b.BindOpenid),
		getLimit:     getLimit,
		locations:    len(b.LocationIDs),
		centerCell:   b.CenterTitle != nil && *b.CenterTitle != "",
		date:         di,
		supplyBonus:  bool(to.SupplyBonus),
		wxActivate:   bool(to.WxActivate),
		afterSubmit:  bool(to.WxActivateAfterSubmit),
		autoActivate: bool(to.AutoActivate),
		depState:     map[string]bool{},
		claimedBy:    map[string]int64{},
	}
	if b.UseAllLocations {
		c.locations++
	}
	if len(b.LocationIDs) > 0 {
		c.firstLoc = int64(b.LocationIDs[0])
	}
	if s.opts.ManualReview {
		c.status = StatusNotVerify
	}
	st.cards[c.id] = c
	st.cardOrder = append(st.cardOrder, c.id)
	return okObj("card_id", c.id), nil
}

func cardIDBody(rq *request) (string, *apiError) {
	var in struct {
		CardID string `json:"card_id"`
	}
	if e := decode(rq.body, &in); e != nil {
		return "", e
	}
	if in.CardID == "" {
		return "", errc(41012)
	}
	return in.CardID, nil
}

// withCard is the body of the handlers that take {"card_id"} and act on a
// live (not deleted) card: fn runs with the state lock held.
func (s *Server) withCard(rq *request, fn func(c *cardRec) (any, *apiError)) (any, *apiError) {
	id, e := cardIDBody(rq)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.st.card(id)
	if e != nil {
		return nil, e
	}
	return fn(c)
}

// view renders a card the way /card/get returns it.
func (c *cardRec) view() map[string]any {
	base := make(map[string]any, len(c.base)+8)
	for k, v := range c.base {
		base[k] = v
	}
	base["id"] = c.id
	base["status"] = c.status
	if c.deleted {
		base["status"] = StatusDelete
	}
	hex, _ := colorHex(c.color)
	base["color"] = strings.ToUpper(hex[:1]) + strings.ToUpper(hex[1:])
	base["sku"] = map[string]any{"quantity": c.quantity, "total_quantity": c.total}
	di := map[string]any{"type": c.date.typ}
	switch c.date.typ {
	case "DATE_TYPE_FIX_TIME_RANGE":
		di["begin_timestamp"], di["end_timestamp"] = c.date.begin, c.date.end
	case "DATE_TYPE_FIX_TERM":
		di["fixed_term"], di["fixed_begin_term"] = c.date.fixedTerm, c.date.fixedBegin
		if c.date.end > 0 {
			di["end_timestamp"] = c.date.end
		}
	}
	base["date_info"] = di
	base["create_time"] = c.created
	base["update_time"] = c.updated
	if _, ok := base["area_code_list"]; !ok {
		base["area_code_list"] = []any{}
	}
	t := make(map[string]any, len(c.fields)+1)
	for k, v := range c.fields {
		t[k] = v
	}
	t["base_info"] = base
	if _, ok := t["advanced_info"]; !ok {
		t["advanced_info"] = map[string]any{"time_limit": []any{}, "text_image_list": []any{}, "business_service": []any{}, "consume_share_card_list": []any{}, "share_friends": false}
	}
	return map[string]any{"card_type": c.typ, c.key: t}
}

func hGetCard(s *Server, rq *request) (any, *apiError) {
	id, e := cardIDBody(rq)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.st.cards[id]
	if c == nil {
		return nil, errc(40073)
	}
	return okObj("card", c.view()), nil
}

func hBatchGet(s *Server, rq *request) (any, *apiError) {
	var in struct {
		Offset     flexInt     `json:"offset"`
		Count      *flexInt    `json:"count"`
		StatusList flexStrings `json:"status_list"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if in.Count == nil {
		return nil, errm(41011, "missing required fields: count")
	}
	if *in.Count < 1 || *in.Count > 50 || in.Offset < 0 {
		return nil, errm(40097, "invalid args: count must be 1..50 and offset >= 0")
	}
	want := map[string]bool{}
	for _, st := range in.StatusList {
		switch st {
		case StatusNotVerify, StatusVerifyFail, StatusVerifyOK, StatusDelete, StatusDispatch:
			want[st] = true
		default:
			return nil, errm(40097, "invalid args: status_list value %q", st)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for _, id := range s.st.cardOrder {
		c := s.st.cards[id]
		st := c.status
		if c.deleted {
			st = StatusDelete
		}
		if len(want) == 0 && c.deleted || len(want) > 0 && !want[st] {
			continue
		}
		ids = append(ids, id)
	}
	total := len(ids)
	off := int(in.Offset)
	if off > total {
		off = total
	}
	end := off + int(*in.Count)
	if end > total {
		end = total
	}
	return okObj("card_id_list", append([]string{}, ids[off:end]...), "total_num", total), nil
}

var reviewFields = []string{"title", "sub_title", "color", "notice", "description", "logo_url", "brand_name", "code_type"}

func hUpdateCard(s *Server, rq *request) (any, *apiError) {
	var in map[string]json.RawMessage
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	var id string
	if raw, ok := in["card_id"]; ok {
		_ = json.Unmarshal(raw, &id)
	}
	if id == "" {
		return nil, errc(41012)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.st.card(id)
	if e != nil {
		return nil, e
	}
	rawType, ok := in[c.key]
	if !ok {
		for k := range in {
			if k != "card_id" {
				return nil, errm(40071, "invalid card type: card %s is %s, not %s", id, c.typ, strings.ToUpper(k))
			}
		}
		return nil, errm(41011, "missing required fields: %s", c.key)
	}
	var to typeObj
	if err := json.Unmarshal(rawType, &to); err != nil {
		return nil, errm(47001, "data format error: %v", err)
	}
	var b baseInfoIn
	if len(to.BaseInfo) > 0 {
		if err := json.Unmarshal(to.BaseInfo, &b); err != nil {
			return nil, errm(47001, "data format error: base_info: %v", err)
		}
	}
	if e := b.checkColorCode(); e != nil {
		return nil, e
	}
	if e := b.checkLengths(); e != nil {
		return nil, e
	}
	if e := s.checkImageURLs(map[string]*string{"logo_url": b.LogoURL, "background_pic_url": to.BackgroundPicURL}); e != nil {
		return nil, e
	}
	if b.Sku != nil {
		return nil, errm(40070, "invalid sku info: use /card/modifystock to change the stock")
	}
	var newDate *dateInfo
	if b.DateInfo != nil {
		di, e := b.DateInfo.parse(c.typ)
		if e != nil {
			return nil, e
		}
		old := c.date
		if di.typ != old.typ ||
			di.typ == "DATE_TYPE_FIX_TIME_RANGE" && (di.begin > old.begin || di.end < old.end) {
			return nil, errc(40100)
		}
		newDate = &di
	}
	fields, err := decodeMap(rawType)
	if err != nil {
		return nil, errm(47001, "data format error: %v", err)
	}
	if v, ok := fields["supply_bonus"]; ok && c.supplyBonus && !bool(to.SupplyBonus) && v != nil {
		return nil, errc(40135)
	}
	centerCell := c.centerCell
	if b.CenterTitle != nil {
		centerCell = *b.CenterTitle != ""
	}
	if centerCell && c.payCell {
		return nil, errc(40145)
	}
	base, err := decodeMap(to.BaseInfo)
	if err != nil {
		return nil, errm(47001, "data format error: %v", err)
	}
	sendCheck := false
	for _, f := range reviewFields {
		if v, ok := base[f]; ok && fmt.Sprint(v) != fmt.Sprint(c.base[f]) {
			sendCheck = true
		}
	}
	// all checks passed: apply
	delete(fields, "base_info")
	for _, k := range []string{"id", "status", "create_time", "update_time", "appid", "sku"} {
		delete(base, k)
	}
	for k, v := range base {
		c.base[k] = v
	}
	for k, v := range fields {
		c.fields[k] = v
	}
	if b.Color != nil {
		c.color = *b.Color
	}
	if newDate != nil {
		c.date = *newDate
	}
	if b.LocationIDs != nil {
		c.locations = len(b.LocationIDs)
		c.firstLoc = 0
		if len(b.LocationIDs) > 0 {
			c.firstLoc = int64(b.LocationIDs[0])
		}
	}
	if b.GetLimit != nil && *b.GetLimit > 0 {
		c.getLimit = int64(*b.GetLimit)
	}
	c.centerCell = centerCell
	if _, ok := fields["supply_bonus"]; ok {
		c.supplyBonus = bool(to.SupplyBonus)
	}
	if _, ok := fields["wx_activate"]; ok {
		c.wxActivate = bool(to.WxActivate)
	}
	if _, ok := fields["wx_activate_after_submit"]; ok {
		c.afterSubmit = bool(to.WxActivateAfterSubmit)
	}
	if _, ok := fields["auto_activate"]; ok {
		c.autoActivate = bool(to.AutoActivate)
	}
	c.updated = s.now().Unix()
	if sendCheck && s.opts.ManualReview {
		c.status = StatusNotVerify
	}
	return okObj("send_check", sendCheck), nil
}

func hDeleteCard(s *Server, rq *request) (any, *apiError) {
	return s.withCard(rq, func(c *cardRec) (any, *apiError) {
		c.deleted = true
		c.updated = s.now().Unix()
		return nil, nil
	})
}

func hModifyStock(s *Server, rq *request) (any, *apiError) {
	var in struct {
		CardID   string   `json:"card_id"`
		Increase *flexInt `json:"increase_stock_value"`
		Reduce   *flexInt `json:"reduce_stock_value"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if in.CardID == "" {
		return nil, errc(41012)
	}
	if (in.Increase == nil) == (in.Reduce == nil) {
		return nil, errm(40122, "invalid card quantity: send exactly one of increase_stock_value and reduce_stock_value")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.st.card(in.CardID)
	if e != nil {
		return nil, e
	}
	if in.Increase != nil {
		n := int64(*in.Increase)
		if n <= 0 || c.quantity+n > 100000000 {
			return nil, errc(40122)
		}
		if c.deposit && c.quantity+n > c.unissuedDeposit() {
			return nil, errc(40136)
		}
		c.quantity += n
		c.total += n
	} else {
		n := int64(*in.Reduce)
		if n <= 0 || n > c.quantity {
			return nil, errm(40122, "invalid card quantity: cannot reduce %d from %d", n, c.quantity)
		}
		c.quantity -= n
		c.total -= n
	}
	c.updated = s.now().Unix()
	return nil, nil
}

// cellSwitch is the body shared by paycell/set and selfconsumecell/set.
type cellSwitch struct {
	CardID           string    `json:"card_id"`
	IsOpen           *flexBool `json:"is_open"`
	NeedVerifyCod    flexBool  `json:"need_verify_cod"`
	NeedRemarkAmount flexBool  `json:"need_remark_amount"`
}

// withCell decodes a cell switch, checks card_id and is_open, and runs fn
// on the live card with the state lock held. Opening a cell needs an
// approved card with locations (40107).
func (s *Server) withCell(rq *request, fn func(c *cardRec, in *cellSwitch) (any, *apiError)) (any, *apiError) {
	var in cellSwitch
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if in.CardID == "" {
		return nil, errc(41012)
	}
	if in.IsOpen == nil {
		return nil, errm(41011, "missing required fields: is_open")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.st.card(in.CardID)
	if e != nil {
		return nil, e
	}
	if bool(*in.IsOpen) && (!c.approved() || c.locations == 0) {
		return nil, errc(40107)
	}
	return fn(c, &in)
}

func hPayCell(s *Server, rq *request) (any, *apiError) {
	return s.withCell(rq, func(c *cardRec, in *cellSwitch) (any, *apiError) {
		if bool(*in.IsOpen) && c.centerCell {
			return nil, errc(40145)
		}
		c.payCell = bool(*in.IsOpen)
		return nil, nil
	})
}

func hSelfConsumeCell(s *Server, rq *request) (any, *apiError) {
	return s.withCell(rq, func(c *cardRec, in *cellSwitch) (any, *apiError) {
		c.selfConsume = bool(*in.IsOpen)
		c.verifyCod = bool(in.NeedVerifyCod) && c.selfConsume
		c.remarkAmount = bool(in.NeedRemarkAmount) && c.selfConsume
		return nil, nil
	})
}

func hUserCardList(s *Server, rq *request) (any, *apiError) {
	var in struct {
		OpenID string `json:"openid"`
		CardID string `json:"card_id"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if in.OpenID == "" {
		return nil, errm(41011, "missing required fields: openid")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.CardID != "" {
		if _, e := s.st.card(in.CardID); e != nil {
			return nil, e
		}
	}
	now := s.now().Unix()
	list := []map[string]string{}
	for _, r := range s.st.byUser[in.OpenID] {
		if in.CardID != "" && r.card.id != in.CardID {
			continue
		}
		if r.effectiveStatus(now) != CodeNormal {
			continue
		}
		list = append(list, map[string]string{"code": r.code, "card_id": r.card.id})
	}
	return okObj("card_list", list, "has_share_card", false), nil
}

func hColors(s *Server, rq *request) (any, *apiError) {
	out := make([]map[string]string, len(colors))
	for i, c := range colors {
		out[i] = map[string]string{"name": c.Name, "value": c.Value}
	}
	return okObj("colors", out), nil
}

// categories is the /card/getapplyprotocol tree sub-merchants are checked against.
var categories = []map[string]any{
	{"primary_category_id": 1, "category_name": "美食", "secondary_category": []map[string]any{
		{"secondary_category_id": 101, "category_name": "粤菜", "need_qualification_stuffs": []string{"food_service_license_id", "food_service_license_bizmedia_id"}, "can_choose_prepaid_card": 1, "can_choose_payment_card": 1},
		{"secondary_category_id": 102, "category_name": "茶餐厅", "need_qualification_stuffs": []string{"food_service_license_id", "food_service_license_bizmedia_id"}, "can_choose_prepaid_card": 1, "can_choose_payment_card": 1},
	}},
	{"primary_category_id": 2, "category_name": "购物", "secondary_category": []map[string]any{
		{"secondary_category_id": 201, "category_name": "便利店", "need_qualification_stuffs": []string{}, "can_choose_prepaid_card": 1, "can_choose_payment_card": 0},
		{"secondary_category_id": 202, "category_name": "服饰", "need_qualification_stuffs": []string{}, "can_choose_prepaid_card": 0, "can_choose_payment_card": 1},
	}},
}

func validCategory(p, sec int64) bool {
	for _, c := range categories {
		if int64(c["primary_category_id"].(int)) != p {
			continue
		}
		for _, sc := range c["secondary_category"].([]map[string]any) {
			if int64(sc["secondary_category_id"].(int)) == sec {
				return true
			}
		}
	}
	return false
}

func hApplyProtocol(s *Server, rq *request) (any, *apiError) {
	return okObj("category", categories), nil
}

// sortedKeys is a small helper for deterministic output.
func sortedKeys[M ~map[string]V, V any](m M) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
