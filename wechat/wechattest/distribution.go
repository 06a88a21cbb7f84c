package wechattest

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const (
	qrMinExpire     = 60
	qrMaxExpire     = 1800
	qrDefaultExpire = 365 * 24 * 3600 // "不填默认为365天有效"
	qrMaxCards      = 5               // QR_MULTIPLE_CARD card_list limit: an emulator choice, WeChat documents no number (wire reference §9)
	maxWhitelist    = 10
)

type qrCardIn struct {
	CardID       string   `json:"card_id"`
	Code         string   `json:"code"`
	OpenID       string   `json:"openid"`
	IsUniqueCode flexBool `json:"is_unique_code"`
	OuterID      flexInt  `json:"outer_id"`
	OuterStr     string   `json:"outer_str"`
}

func hQRCreate(s *Server, rq *request) (any, *apiError) {
	var in struct {
		ActionName    string   `json:"action_name"`
		ExpireSeconds *flexInt `json:"expire_seconds"`
		ActionInfo    *struct {
			Card         *qrCardIn `json:"card"`
			MultipleCard *struct {
				CardList []qrCardIn `json:"card_list"`
			} `json:"multiple_card"`
		} `json:"action_info"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	var list []qrCardIn
	unique := false
	switch in.ActionName {
	case "QR_CARD":
		if in.ActionInfo == nil || in.ActionInfo.Card == nil {
			return nil, errm(40053, "invalid action info, please check document: action_info.card is required for QR_CARD")
		}
		list = []qrCardIn{*in.ActionInfo.Card}
		unique = bool(in.ActionInfo.Card.IsUniqueCode)
	case "QR_MULTIPLE_CARD":
		if in.ActionInfo == nil || in.ActionInfo.MultipleCard == nil || len(in.ActionInfo.MultipleCard.CardList) == 0 {
			return nil, errm(40053, "invalid action info, please check document: action_info.multiple_card.card_list is required")
		}
		list = in.ActionInfo.MultipleCard.CardList
		if len(list) > qrMaxCards {
			return nil, errm(45039, "card_list_size out of limit (at most %d cards)", qrMaxCards)
		}
	case "":
		return nil, errm(41011, "missing required fields: action_name")
	default:
		return nil, errm(40053, "invalid action info, please check document: action_name %q", in.ActionName)
	}
	expire := int64(qrDefaultExpire)
	if in.ExpireSeconds != nil && *in.ExpireSeconds != 0 {
		if *in.ExpireSeconds < qrMinExpire || *in.ExpireSeconds > qrMaxExpire {
			return nil, errm(40053, "invalid action info, please check document: expire_seconds must be %d..%d", qrMinExpire, qrMaxExpire)
		}
		expire = int64(*in.ExpireSeconds)
	}
	for _, c := range list {
		if tooLong(c.OuterStr, 128) {
			return nil, errm(45021, "some argument may be out of length limit! outer_str")
		}
		if len(c.Code) > maxCodeLen {
			return nil, errm(45021, "some argument may be out of length limit! code")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := &qrRec{unique: unique}
	for _, in := range list {
		c, e := s.st.card(in.CardID)
		if e != nil {
			return nil, e
		}
		if c.useCustom && !c.deposit && in.Code == "" {
			return nil, errm(41013, "missing code: card %s uses custom codes", c.id)
		}
		if c.bindOpenid && in.OpenID == "" {
			return nil, errm(41011, "missing required fields: openid (card %s has bind_openid)", c.id)
		}
		if unique {
			if !c.approved() {
				return nil, errc(40078)
			}
			if c.quantity <= 0 {
				return nil, errc(45031)
			}
		}
		rec.cards = append(rec.cards, qrCard{cardID: c.id, code: in.Code, openid: in.OpenID, outerStr: in.OuterStr})
	}
	if in.ActionName == "QR_CARD" && (list[0].Code != "" || list[0].OpenID != "") {
		rec.unique = true // "a QR with an explicit code or openid can be scanned only once"
	}
	b := make([]byte, 48)
	_, _ = rand.Read(b)
	rec.ticket = base64.StdEncoding.EncodeToString(b[:46]) // ends in "=="; holds '+' and '/' often
	rec.expires = s.now().Unix() + expire
	s.st.qrs[rec.ticket] = rec
	short := base64.RawURLEncoding.EncodeToString(b[30:])
	return okObj(
		"ticket", rec.ticket,
		"expire_seconds", expire,
		"url", "http://weixin.qq.com/q/"+short,
		"show_qrcode_url", s.mp.URL+"/cgi-bin/showqrcode?ticket="+url.QueryEscape(rec.ticket),
	), nil
}

// ScanQR simulates a user scanning a card QR code made by /card/qrcode/create:
// every card on it is claimed for openid (see Claim), with the QR's code and
// outer_str. A single-use QR (is_unique_code, or one with a code or openid)
// answers 40056 on the second scan; an expired one 40079.
func (s *Server) ScanQR(ticket, openid string) (codes []string, err error) {
	s.mu.Lock()
	rec := s.st.qrs[ticket]
	if rec == nil {
		rec = s.st.qrs[strings.ReplaceAll(ticket, " ", "+")]
	}
	var e *apiError
	switch {
	case rec == nil:
		e = errm(40056, "invalid serial code: unknown QR ticket")
	case s.now().Unix() >= rec.expires:
		e = errm(40079, "invalid time: the QR code has expired")
	case rec.used && rec.unique:
		e = errm(40056, "invalid serial code: the QR code was already used")
	case rec.cards[0].openid != "" && rec.cards[0].openid != openid:
		e = errm(40003, "invalid openid: the QR code is bound to another user")
	}
	if e != nil {
		s.mu.Unlock()
		return nil, e.export()
	}
	rec.used = true
	var evs []Event
	for _, c := range rec.cards {
		code, ev, e := s.claimLocked(c.cardID, openid, c.outerStr, c.code)
		if e != nil {
			s.mu.Unlock()
			s.pushAll(evs)
			return codes, e.export()
		}
		codes = append(codes, code)
		evs = append(evs, ev...)
	}
	s.mu.Unlock()
	return codes, s.pushAll(evs)
}

func (s *Server) serveMP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/cgi-bin/showqrcode":
		t := r.URL.Query().Get("ticket")
		if strings.Contains(r.URL.RawQuery, "ticket=") && !strings.Contains(r.URL.RawQuery, "%") {
			// a raw (unescaped) ticket: '+' arrived as ' ', turn it back
			t = strings.ReplaceAll(t, " ", "+")
		}
		s.mu.Lock()
		rec := s.st.qrs[t]
		if rec == nil {
			rec = s.st.qrs[strings.ReplaceAll(t, " ", "+")]
		}
		live := rec != nil && s.now().Unix() < rec.expires
		s.mu.Unlock()
		if !live {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(qrPNG(t))
	case "/bizmall/activatemembercard", "/bizmall/cardlandingpage", "/bizmall/appmsgcard":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!doctype html><title>wechattest</title><p>" + r.URL.Path + "</p>"))
	default:
		http.NotFound(w, r)
	}
}

// qrPNG draws a small deterministic 25×25 module pattern (not a scannable QR).
func qrPNG(seed string) []byte {
	const n, scale = 25, 4
	img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	h := uint32(2166136261)
	for i := 0; i < len(seed); i++ {
		h = (h ^ uint32(seed[i])) * 16777619
	}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			h ^= h << 13
			h ^= h >> 17
			h ^= h << 5
			c := color.Gray{Y: 255}
			if h&1 == 1 || (x < 7 && y < 7) || (x >= n-7 && y < 7) || (x < 7 && y >= n-7) {
				c.Y = 0
			}
			for dy := 0; dy < scale; dy++ {
				for dx := 0; dx < scale; dx++ {
					img.SetGray(x*scale+dx, y*scale+dy, c)
				}
			}
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

var scenes = map[string]bool{
	"SCENE_NEAR_BY": true, "SCENE_MENU": true, "SCENE_QRCODE": true, "SCENE_ARTICLE": true,
	"SCENE_H5": true, "SCENE_IVR": true, "SCENE_CARD_CUSTOM_CELL": true,
}

func hLandingPage(s *Server, rq *request) (any, *apiError) {
	var in struct {
		Banner    string   `json:"banner"`
		PageTitle string   `json:"page_title"`
		CanShare  flexBool `json:"can_share"`
		Scene     string   `json:"scene"`
		CardList  []struct {
			CardID   string `json:"card_id"`
			ThumbURL string `json:"thumb_url"`
		} `json:"card_list"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	switch {
	case in.Banner == "":
		return nil, errm(41011, "missing required fields: banner")
	case in.PageTitle == "":
		return nil, errm(41011, "missing required fields: page_title")
	case in.Scene == "":
		return nil, errm(41011, "missing required fields: scene")
	case !scenes[in.Scene]:
		return nil, errm(40129, "invalid scene %q", in.Scene)
	case len(in.CardList) == 0:
		return nil, errm(41011, "missing required fields: card_list")
	case tooLong(in.PageTitle, 16):
		return nil, errm(45021, "some argument may be out of length limit! page_title")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range in.CardList {
		if c.ThumbURL == "" {
			return nil, errm(41011, "missing required fields: card_list.thumb_url")
		}
		if _, e := s.st.card(c.CardID); e != nil {
			return nil, e
		}
	}
	s.st.pages++
	id := s.st.pages
	q := url.Values{"biz": {s.opts.AppID}, "page_id": {strconv.Itoa(id)}, "scene": {in.Scene}}
	return okObj("url", s.mp.URL+"/bizmall/cardlandingpage?"+q.Encode()+"#wechat_redirect", "page_id", id), nil
}

func hMpNewsHTML(s *Server, rq *request) (any, *apiError) {
	return s.withCard(rq, func(c *cardRec) (any, *apiError) {
		if c.deposit && len(c.depCodes) == 0 {
			return nil, errm(40136, "invalid use DepositCodeMode: deposit codes before embedding the card")
		}
		q := url.Values{"action": {"show"}, "biz": {s.opts.AppID}, "cardid": {c.id}, "wechat_card_js": {"1"}}
		return okObj("content", `<iframe class="res_iframe card_iframe js_editor_card" data-src="`+
			s.mp.URL+`/bizmall/appmsgcard?`+q.Encode()+`#wechat_redirect"></iframe>`), nil
	})
}

func hTestWhitelist(s *Server, rq *request) (any, *apiError) {
	var in struct {
		OpenID   []string `json:"openid"`
		Username []string `json:"username"`
	}
	if e := decode(rq.body, &in); e != nil {
		return nil, e
	}
	if n := len(in.OpenID) + len(in.Username); n > maxWhitelist {
		return nil, errm(45021, "some argument may be out of length limit! whitelist has %d entries, at most %d", n, maxWhitelist)
	}
	for _, o := range in.OpenID {
		if o == "" || len(o) > 64 {
			return nil, errc(40003)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.whitelist = map[string]bool{}
	for _, o := range in.OpenID {
		s.st.whitelist[o] = true
	}
	for _, u := range in.Username {
		s.st.whitelist["username:"+u] = true
	}
	return nil, nil
}

// Whitelist returns the openids and usernames (prefixed "username:") of the
// current test whitelist, sorted.
func (s *Server) Whitelist() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedKeys(s.st.whitelist)
}
