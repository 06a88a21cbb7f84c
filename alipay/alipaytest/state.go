package alipaytest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
)

// state is everything the gateway remembers. It is guarded by Server.mu.
type state struct {
	users   map[string]*user
	openIDs map[string]string // open_id → user id
	codes   map[string]*authCode
	tokens  map[string]*token
	refresh map[string]*token

	appAuthTokens map[string]bool // IssueAppAuthToken

	templates     map[string]*template
	templateOrder []string
	templateReqs  map[string]templateReq // template.create request_id → template

	cards         map[string]*cardState
	prefixSeq     map[string]int64  // biz_no_prefix → last card sequence
	holders       map[string]string // template id + "|" + user id → live biz_card_no
	cancelled     map[string]bool   // template id + "|" + user id of cards deleted with CANCEL
	openSerials   map[string]*openRecord
	deleteSerials map[string]*deleteRecord
	notifies      map[string]string // notify_no → biz_card_no

	applies map[string]*applyRecord    // template id → latest activateurl.apply
	forms   map[string]*formSubmission // request_id → submitted form

	benefits map[string]*benefit
	images   map[string]*image
}

func newState() state {
	return state{
		users:         make(map[string]*user),
		openIDs:       make(map[string]string),
		codes:         make(map[string]*authCode),
		tokens:        make(map[string]*token),
		refresh:       make(map[string]*token),
		appAuthTokens: make(map[string]bool),
		templates:     make(map[string]*template),
		templateReqs:  make(map[string]templateReq),
		cards:         make(map[string]*cardState),
		prefixSeq:     make(map[string]int64),
		holders:       make(map[string]string),
		cancelled:     make(map[string]bool),
		openSerials:   make(map[string]*openRecord),
		deleteSerials: make(map[string]*deleteRecord),
		notifies:      make(map[string]string),
		applies:       make(map[string]*applyRecord),
		forms:         make(map[string]*formSubmission),
		benefits:      make(map[string]*benefit),
		images:        make(map[string]*image),
	}
}

// str is a JSON string field that, like Alipay's parser, also accepts a JSON
// number (kept as its literal text).
type str string

// UnmarshalJSON accepts a JSON string, number or null.
func (s *str) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return fmt.Errorf("empty value")
	}
	switch b[0] {
	case '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = str(v)
		return nil
	case 'n':
		if string(b) == "null" {
			*s = ""
			return nil
		}
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err == nil {
			*s = str(n.String())
			return nil
		}
	}
	return fmt.Errorf("expected a string, got %s", truncate(string(b), 32))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// decodeBiz decodes the request's biz_content into v. A missing biz_content,
// a type mismatch or a member v does not declare (emulator choice: a
// misspelt or invented field fails here rather than being ignored, as the
// real gateway may silently do) is INVALID_PARAMETER.
func decodeBiz(req *request, v any) *apiError {
	if req.biz == "" {
		return invalidParam("参数无效: biz_content 不能为空")
	}
	d := json.NewDecoder(strings.NewReader(req.biz))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return invalidParam("参数无效: biz_content: %s", truncate(err.Error(), 200))
	}
	if d.More() {
		return invalidParam("参数无效: biz_content 后有多余内容")
	}
	return nil
}

// checker collects the first validation failure.
type checker struct{ err *apiError }

func (c *checker) fail(format string, args ...any) {
	if c.err == nil {
		c.err = invalidParam(format, args...)
	}
}

// req requires a non-empty value of at most max characters.
func (c *checker) req(name string, v str, max int) {
	if v == "" {
		c.fail("参数无效: %s 不能为空", name)
		return
	}
	c.opt(name, v, max)
}

// opt limits an optional value to max characters.
func (c *checker) opt(name string, v str, max int) {
	if max > 0 && utf8.RuneCountInString(string(v)) > max {
		c.fail("参数无效: %s 长度不能超过 %d", name, max)
	}
}

// oneOf requires v (when non-empty) to be one of the allowed values.
func (c *checker) oneOf(name string, v str, allowed ...string) {
	if v == "" {
		return
	}
	for _, a := range allowed {
		if string(v) == a {
			return
		}
	}
	c.fail("参数无效: %s 取值必须为 %s", name, strings.Join(allowed, "/"))
}

// date parses an optional "yyyy-MM-dd HH:mm:ss" Beijing time.
func (c *checker) date(name string, v str) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, err := driver.ParseWalletTime(string(v))
	if err != nil {
		c.fail("参数无效: %s 格式必须为 yyyy-MM-dd HH:mm:ss", name)
	}
	return t
}

// points validates an optional non-negative point value with ≤ 2 decimals.
func (c *checker) points(name string, v str) {
	if v == "" {
		return
	}
	c.opt(name, v, 64)
	p, err := card.ParsePoints(string(v))
	if err != nil || p < 0 {
		c.fail("参数无效: %s 必须为非负数字，最多两位小数", name)
	}
}

// money validates an optional non-negative yuan amount with ≤ 2 decimals.
func (c *checker) money(name string, v str) {
	if v == "" {
		return
	}
	c.opt(name, v, 32)
	m, err := card.ParseMoney(string(v))
	if err != nil || m < 0 {
		c.fail("参数无效: %s 必须为非负金额（元），最多两位小数", name)
	}
}

// randomID returns n random hex characters.
func randomID(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// datedID returns yyyyMMdd (server clock) followed by a zero-padded sequence,
// total characters long. Callers hold s.mu.
func (s *Server) datedID(total int) string {
	d := s.now().Format("20060102")
	return d + fmt.Sprintf("%0*d", total-len(d), s.nextSeq())
}

// formatTime renders t as wallet time, or "" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return driver.FormatWalletTime(t)
}

// templateReq is a template.create request_id: the template it created and
// its canonical biz_content.
type templateReq struct {
	id, biz string
}
