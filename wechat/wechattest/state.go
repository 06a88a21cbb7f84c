package wechattest

import (
	"fmt"
	"time"
)

var beijing = time.FixedZone("CST", 8*3600)

// Card review statuses (base_info.status).
const (
	StatusNotVerify  = "CARD_STATUS_NOT_VERIFY"
	StatusVerifyFail = "CARD_STATUS_VERIFY_FAIL"
	StatusVerifyOK   = "CARD_STATUS_VERIFY_OK"
	StatusDelete     = "CARD_STATUS_DELETE"
	StatusDispatch   = "CARD_STATUS_DISPATCH"
)

// User-card (code) statuses (user_card_status).
const (
	CodeNormal      = "NORMAL"
	CodeConsumed    = "CONSUMED"
	CodeDelete      = "DELETE"
	CodeUnavailable = "UNAVAILABLE"
	CodeExpire      = "EXPIRE"
)

type state struct {
	cards     map[string]*cardRec
	cardOrder []string
	codes     map[string]map[string]*codeRec // code -> card_id -> rec
	byUser    map[string][]*codeRec          // openid -> codes in claim order
	encrypt   map[string]*codeRec            // encrypt_code -> rec
	temp      map[string]*tempInfo           // activate_ticket -> info
	qrs       map[string]*qrRec
	pages     int
	whitelist map[string]bool
	subs      map[int64]*subMerchant
	subSeq    int64
	rules     map[string]*payGiftRule
	ruleOrder []string
	ruleSeq   int
	cardSeq   int
	codeSeq   int64
	transSeq  int64
	eventURL  string
	days      map[string]*dayStats // "YYYY-MM-DD|card_id"
}

func newState() *state {
	return &state{
		cards:     map[string]*cardRec{},
		codes:     map[string]map[string]*codeRec{},
		byUser:    map[string][]*codeRec{},
		encrypt:   map[string]*codeRec{},
		temp:      map[string]*tempInfo{},
		qrs:       map[string]*qrRec{},
		whitelist: map[string]bool{},
		subs:      map[int64]*subMerchant{},
		rules:     map[string]*payGiftRule{},
		days:      map[string]*dayStats{},
	}
}

type dateInfo struct {
	typ        string // DATE_TYPE_FIX_TIME_RANGE, DATE_TYPE_FIX_TERM, DATE_TYPE_PERMANENT
	begin, end int64
	fixedTerm  int64
	fixedBegin int64
}

type cardRec struct {
	id, typ, key string
	base         map[string]any // base_info as sent (merged by update)
	fields       map[string]any // the other keys of the type object (advanced_info, member_card fields …)
	status       string
	refuse       string
	quantity     int64
	total        int64
	created      int64
	updated      int64
	color        string
	useCustom    bool
	deposit      bool
	bindOpenid   bool
	getLimit     int64
	locations    int
	firstLoc     int64
	centerCell   bool
	date         dateInfo
	payCell      bool
	selfConsume  bool
	verifyCod    bool
	remarkAmount bool
	supplyBonus  bool
	wxActivate   bool
	afterSubmit  bool
	autoActivate bool
	form         map[string]any
	deleted      bool
	depCodes     []string        // deposited codes in import order
	depState     map[string]bool // code -> issued
	depNext      int             // index of the next unissued candidate in depCodes
	claimedBy    map[string]int64
	lastRemind   time.Time
}

func (c *cardRec) approved() bool { return c.status == StatusVerifyOK || c.status == StatusDispatch }

func (c *cardRec) unissuedDeposit() int64 {
	var n int64
	for _, code := range c.depCodes[c.depNext:] {
		if !c.depState[code] {
			n++
		}
	}
	return n
}

type codeRec struct {
	card       *cardRec
	code       string
	openid     string
	outerStr   string
	status     string // NORMAL, CONSUMED, DELETE, UNAVAILABLE
	claimed    int64
	begin, end int64 // validity window (unix), 0 = open
	markedBy   string

	activated        bool
	membershipNumber string
	bonus, balance   int64
	custom           [3]string
	background       string
	common           []formField
	customFields     []formField
	ticketInfo       map[string]any
}

type formField struct {
	Name      string   `json:"name"`
	Value     string   `json:"value"`
	ValueList []string `json:"value_list,omitempty"`
}

type tempInfo struct {
	cardID, code, openid string
	common, custom       []formField
}

type qrRec struct {
	ticket  string
	expires int64 // unix, 0 = never
	cards   []qrCard
	unique  bool
	used    bool
}

type qrCard struct {
	cardID, code, openid, outerStr string
}

type subMerchant struct {
	info map[string]any
	id   int64
}

type payGiftRule struct {
	id   string
	typ  string
	info map[string]any
	end  int64
}

type dayStats struct {
	view, receive, verify, given, expire, active int64
	viewU, receiveU, verifyU, activeU            map[string]bool
}

func (st *state) day(t time.Time, cardID string) *dayStats {
	k := t.In(beijing).Format("2006-01-02") + "|" + cardID
	d := st.days[k]
	if d == nil {
		d = &dayStats{viewU: map[string]bool{}, receiveU: map[string]bool{}, verifyU: map[string]bool{}, activeU: map[string]bool{}}
		st.days[k] = d
	}
	return d
}

// card returns the live (not deleted) card or 40073.
func (st *state) card(id string) (*cardRec, *apiError) {
	if id == "" {
		return nil, errc(41012)
	}
	c := st.cards[id]
	if c == nil || c.deleted {
		return nil, errc(40073)
	}
	return c, nil
}

// usableCode finds an issued code that can be used at now (unix seconds).
func (st *state) usableCode(cardID, code string, now int64) (*codeRec, *apiError) {
	r, e := st.code(cardID, code)
	if e != nil {
		return nil, e
	}
	if e := r.usable(now); e != nil {
		return nil, e
	}
	return r, nil
}

// code finds an issued code. cardID may be "" when the code is unique.
func (st *state) code(cardID, code string) (*codeRec, *apiError) {
	if code == "" {
		return nil, errc(41013)
	}
	if cardID != "" {
		if c := st.cards[cardID]; c == nil {
			return nil, errc(40073)
		}
		if r := st.codes[code][cardID]; r != nil {
			return r, nil
		}
		return nil, errc(40056)
	}
	m := st.codes[code]
	switch len(m) {
	case 0:
		return nil, errc(40056)
	case 1:
		for _, r := range m {
			return r, nil
		}
	}
	return nil, errm(41012, "missing card id: code %q exists on several cards", code)
}

func (st *state) nextCode() string {
	st.codeSeq++
	return fmt.Sprintf("%012d", 100000000000+st.codeSeq)
}

// effectiveStatus is the user_card_status shown for r at now.
func (r *codeRec) effectiveStatus(now int64) string {
	if r.status != CodeNormal {
		return r.status
	}
	if r.card.deleted {
		return CodeUnavailable
	}
	if r.end > 0 && now > r.end {
		return CodeExpire
	}
	return CodeNormal
}

// usable checks that r can be consumed or updated at now.
func (r *codeRec) usable(now int64) *apiError {
	switch r.effectiveStatus(now) {
	case CodeNormal:
	case CodeConsumed:
		return errc(40099)
	default:
		return errc(40127)
	}
	if r.begin > 0 && now < r.begin {
		return errm(40079, "invalid time: the code is valid from %s", time.Unix(r.begin, 0).In(beijing).Format(time.DateTime))
	}
	return nil
}

// window computes a claimed code's validity window.
func (c *cardRec) window(claimed time.Time) (begin, end int64) {
	switch c.date.typ {
	case "DATE_TYPE_FIX_TIME_RANGE":
		return c.date.begin, c.date.end
	case "DATE_TYPE_FIX_TERM":
		b := claimed.In(beijing)
		day := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, beijing)
		start := day.AddDate(0, 0, int(c.date.fixedBegin))
		stop := start.AddDate(0, 0, int(c.date.fixedTerm)).Add(-time.Second)
		if c.date.end > 0 && stop.Unix() > c.date.end {
			return start.Unix(), c.date.end
		}
		return start.Unix(), stop.Unix()
	}
	return 0, 0
}
