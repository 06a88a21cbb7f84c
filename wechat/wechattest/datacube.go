package wechattest

import (
	"time"
)

const maxCubeDays = 62 // assumed span limit (wire reference §3.21: not found)

// couponTypeNum is getcardcardinfo.card_type (wire reference §3.21).
var couponTypeNum = map[string]int{"DISCOUNT": 0, "CASH": 1, "GIFT": 2, "GENERAL_COUPON": 3, "GROUPON": 4}

type cubeIn struct {
	BeginDate  string   `json:"begin_date"`
	EndDate    string   `json:"end_date"`
	CondSource *flexInt `json:"cond_source"`
	CardID     string   `json:"card_id"`
}

// dates validates the range and returns its days. Data exists up to
// yesterday (Beijing time).
// cubeQuery decodes a datacube request and its days. The summaries need
// cond_source; the member-card detail (detail true) needs card_id instead.
func (s *Server) cubeQuery(rq *request, detail bool) (*cubeIn, []time.Time, *apiError) {
	var in cubeIn
	if e := decode(rq.body, &in); e != nil {
		return nil, nil, e
	}
	if detail && in.CardID == "" {
		return nil, nil, errc(41012)
	}
	days, e := s.cubeDays(&in, !detail)
	if e != nil {
		return nil, nil, e
	}
	return &in, days, nil
}

func (s *Server) cubeDays(in *cubeIn, needCond bool) ([]time.Time, *apiError) {
	if in.BeginDate == "" || in.EndDate == "" {
		return nil, errm(41011, "missing required fields: begin_date and end_date")
	}
	b, err1 := time.ParseInLocation(time.DateOnly, in.BeginDate, beijing)
	e, err2 := time.ParseInLocation(time.DateOnly, in.EndDate, beijing)
	if err1 != nil || err2 != nil {
		return nil, errm(61500, "date format error: dates are YYYY-MM-DD")
	}
	now := s.now().In(beijing)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, beijing)
	switch {
	case e.Before(b):
		return nil, errm(61501, "date range error: end_date is before begin_date")
	case !e.Before(today):
		return nil, errm(61501, "date range error: end_date must be before today (data is ready the next day)")
	case e.Sub(b) >= maxCubeDays*24*time.Hour:
		return nil, errm(61501, "date range error: at most %d days per query", maxCubeDays)
	}
	if needCond && in.CondSource != nil && *in.CondSource != 0 && *in.CondSource != 1 {
		return nil, errm(40097, "invalid args: cond_source must be 0 or 1")
	}
	var days []time.Time
	for d := b; !d.After(e); d = d.AddDate(0, 0, 1) {
		days = append(days, d)
	}
	return days, nil
}

// apiSource reports whether the query covers API-created cards. Every card of
// this server is created by API (cond_source 1); cond_source 0 (MP platform)
// gives zero rows' counters.
func apiSource(in *cubeIn) bool { return in.CondSource != nil && *in.CondSource == 1 }

func (st *state) dayOf(d time.Time, cardID string) *dayStats {
	return st.days[d.Format(time.DateOnly)+"|"+cardID]
}

type sum struct {
	view, viewU, receive, receiveU, verify, verifyU, given, givenU, expire, expireU, active, activeU int64
}

func (st *state) sumDay(d time.Time, include func(*cardRec) bool) sum {
	var out sum
	vu, ru, cu, au := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, id := range st.cardOrder {
		c := st.cards[id]
		if !include(c) {
			continue
		}
		ds := st.dayOf(d, id)
		if ds == nil {
			continue
		}
		out.view += ds.view
		out.receive += ds.receive
		out.verify += ds.verify
		out.given += ds.given
		out.expire += ds.expire
		out.active += ds.active
		for u := range ds.viewU {
			vu[u] = true
		}
		for u := range ds.receiveU {
			ru[u] = true
		}
		for u := range ds.verifyU {
			cu[u] = true
		}
		for u := range ds.activeU {
			au[u] = true
		}
	}
	out.viewU, out.receiveU, out.verifyU, out.activeU = int64(len(vu)), int64(len(ru)), int64(len(cu)), int64(len(au))
	return out
}

// holders counts codes of matching cards claimed before the end of day d, and
// distinct users among them.
func (st *state) holders(d time.Time, include func(*cardRec) bool) (codes, users int64) {
	end := d.AddDate(0, 0, 1).Unix()
	seen := map[string]bool{}
	for openid, list := range st.byUser {
		for _, r := range list {
			if include(r.card) && r.claimed < end {
				codes++
				if !seen[openid] {
					seen[openid] = true
					users++
				}
			}
		}
	}
	return codes, users
}

func hCubeBizUin(s *Server, rq *request) (any, *apiError) {
	in, days, e := s.cubeQuery(rq, false)
	if e != nil {
		return nil, e
	}
	api := apiSource(in)
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]map[string]any, 0, len(days))
	for _, d := range days {
		x := s.st.sumDay(d, func(*cardRec) bool { return api })
		list = append(list, map[string]any{"ref_date": d.Format(time.DateOnly),
			"view_cnt": x.view, "view_user": x.viewU, "receive_cnt": x.receive, "receive_user": x.receiveU,
			"verify_cnt": x.verify, "verify_user": x.verifyU, "given_cnt": x.given, "given_user": x.givenU,
			"expire_cnt": x.expire, "expire_user": x.expireU})
	}
	return map[string]any{"list": list}, nil
}

func hCubeCardInfo(s *Server, rq *request) (any, *apiError) {
	in, days, e := s.cubeQuery(rq, false)
	if e != nil {
		return nil, e
	}
	api := apiSource(in)
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.CardID != "" {
		c := s.st.cards[in.CardID]
		if c == nil {
			return nil, errc(40073)
		}
		if _, ok := couponTypeNum[c.typ]; !ok {
			return nil, errm(40071, "invalid card type: getcardcardinfo covers coupons, card %s is %s", c.id, c.typ)
		}
	}
	list := []map[string]any{}
	for _, d := range days {
		end := d.AddDate(0, 0, 1).Unix()
		for _, id := range s.st.cardOrder {
			c := s.st.cards[id]
			t, coupon := couponTypeNum[c.typ]
			if !api || !coupon || c.created >= end || in.CardID != "" && id != in.CardID {
				continue
			}
			x := s.st.sumDay(d, func(cc *cardRec) bool { return cc == c })
			list = append(list, map[string]any{"ref_date": d.Format(time.DateOnly), "card_id": id, "card_type": t, "is_pay": 0,
				"view_cnt": x.view, "view_user": x.viewU, "receive_cnt": x.receive, "receive_user": x.receiveU,
				"verify_cnt": x.verify, "verify_user": x.verifyU, "given_cnt": x.given, "given_user": x.givenU,
				"expire_cnt": x.expire, "expire_user": x.expireU})
		}
	}
	return map[string]any{"list": list}, nil
}

func isMember(c *cardRec) bool { return c.typ == "MEMBER_CARD" }

func hCubeMemberInfo(s *Server, rq *request) (any, *apiError) {
	in, days, e := s.cubeQuery(rq, false)
	if e != nil {
		return nil, e
	}
	api := apiSource(in)
	incl := func(c *cardRec) bool { return api && isMember(c) }
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]map[string]any, 0, len(days))
	for _, d := range days {
		x := s.st.sumDay(d, incl)
		codes, users := s.st.holders(d, incl)
		list = append(list, map[string]any{"ref_date": d.Format(time.DateOnly),
			"view_cnt": x.view, "view_user": x.viewU, "receive_cnt": x.receive, "receive_user": x.receiveU,
			"active_user": x.activeU, "verify_cnt": x.verify, "verify_user": x.verifyU,
			"total_user": users, "total_receive_user": codes})
	}
	return map[string]any{"list": list}, nil
}

func hCubeMemberDetail(s *Server, rq *request) (any, *apiError) {
	in, days, e := s.cubeQuery(rq, true)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.st.cards[in.CardID]
	if c == nil {
		return nil, errc(40073)
	}
	if !isMember(c) {
		return nil, errm(40071, "invalid card type: card %s is %s", c.id, c.typ)
	}
	incl := func(cc *cardRec) bool { return cc == c }
	list := make([]map[string]any, 0, len(days))
	for _, d := range days {
		x := s.st.sumDay(d, incl)
		_, users := s.st.holders(d, incl)
		list = append(list, map[string]any{"ref_date": d.Format(time.DateOnly), "merchanttype": 1, "cardid": c.id,
			"submerchantid": 0, "view_cnt": x.view, "view_user": x.viewU, "receive_cnt": x.receive,
			"receive_user": x.receiveU, "verify_cnt": x.verify, "verify_user": x.verifyU, "active_cnt": x.active,
			"active_user": x.activeU, "total_user": users, "new_user": x.receiveU, "payOriginalFee": 0, "fee": 0})
	}
	return map[string]any{"list": list}, nil
}
