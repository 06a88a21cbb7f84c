package wechattest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for Options.Clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 10, 10, 0, 0, 0, beijing)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// tc is a raw JSON client for one server.
type tc struct {
	t     testing.TB
	s     *Server
	token string
}

func newTC(t testing.TB, opts *Options) *tc {
	t.Helper()
	s := NewServer(opts)
	t.Cleanup(s.Close)
	c := &tc{t: t, s: s}
	c.token = c.fetchToken()
	return c
}

func (c *tc) fetchToken() string {
	c.t.Helper()
	q := url.Values{"grant_type": {"client_credential"}, "appid": {c.s.AppID()}, "secret": {c.s.AppSecret()}}
	m := c.get("/cgi-bin/token?" + q.Encode())
	tok, _ := m["access_token"].(string)
	if tok == "" {
		c.t.Fatalf("no access_token: %v", m)
	}
	return tok
}

func (c *tc) get(pathQuery string) map[string]any {
	c.t.Helper()
	resp, err := http.Get(c.s.URL() + pathQuery)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.read(resp)
}

func (c *tc) read(resp *http.Response) map[string]any {
	c.t.Helper()
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		c.t.Fatalf("HTTP %d: %s", resp.StatusCode, b)
	}
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		c.t.Fatalf("bad JSON %q: %v", b, err)
	}
	return m
}

// raw posts body (a string or a value to marshal) to path with the token.
func (c *tc) raw(path string, body any) map[string]any {
	c.t.Helper()
	var b []byte
	switch v := body.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			c.t.Fatal(err)
		}
	}
	resp, err := http.Post(c.s.URL()+path+"?access_token="+url.QueryEscape(c.token), "application/json", bytes.NewReader(b))
	if err != nil {
		c.t.Fatal(err)
	}
	return c.read(resp)
}

// ok posts and requires errcode 0 (or no errcode).
func (c *tc) ok(path string, body any) map[string]any {
	c.t.Helper()
	m := c.raw(path, body)
	if code := errcode(m); code != 0 {
		c.t.Fatalf("%s: errcode %d (%v)", path, code, m["errmsg"])
	}
	return m
}

// fail posts and requires errcode want.
func (c *tc) fail(want int, path string, body any) map[string]any {
	c.t.Helper()
	m := c.raw(path, body)
	if code := errcode(m); code != want {
		c.t.Fatalf("%s: errcode %d (%v), want %d", path, code, m["errmsg"], want)
	}
	if msg, _ := m["errmsg"].(string); !strings.Contains(msg, "hint: [") {
		c.t.Fatalf("%s: errmsg %q has no hint suffix", path, msg)
	}
	return m
}

func errcode(m map[string]any) int {
	switch v := m["errcode"].(type) {
	case json.Number:
		n, _ := v.Int64()
		return int(n)
	case nil:
		return 0
	}
	return -999
}

func num(v any) int64 {
	switch x := v.(type) {
	case json.Number:
		n, err := x.Int64()
		if err != nil {
			panic(err)
		}
		return n
	case nil:
		return 0
	}
	panic(fmt.Sprintf("not a number: %T %v", v, v))
}

func path(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func memberCardBody(mut func(base, mc map[string]any)) map[string]any {
	base := map[string]any{
		"logo_url":    "http://mmbiz.qpic.cn/logo.png",
		"code_type":   "CODE_TYPE_QRCODE",
		"brand_name":  "微信餐厅",
		"title":       "会员卡",
		"color":       "Color010",
		"notice":      "出示会员卡",
		"description": "说明",
		"sku":         map[string]any{"quantity": 1000},
		"date_info":   map[string]any{"type": "DATE_TYPE_PERMANENT"},
	}
	mc := map[string]any{
		"base_info":      base,
		"prerogative":    "会员折扣",
		"supply_bonus":   true,
		"supply_balance": true,
		"custom_field1":  map[string]any{"name_type": "FIELD_NAME_TYPE_LEVEL"},
	}
	if mut != nil {
		mut(base, mc)
	}
	return map[string]any{"card": map[string]any{"card_type": "MEMBER_CARD", "member_card": mc}}
}

func (c *tc) createMember(mut func(base, mc map[string]any)) string {
	c.t.Helper()
	m := c.ok("/card/create", memberCardBody(mut))
	id, _ := m["card_id"].(string)
	if id == "" {
		c.t.Fatalf("no card_id: %v", m)
	}
	return id
}

// activated claims and activates a member card code for openid.
func (c *tc) activated(cardID, openid, number string) string {
	c.t.Helper()
	code, err := c.s.Claim(cardID, openid, "")
	if err != nil {
		c.t.Fatal(err)
	}
	c.ok("/card/membercard/activate", map[string]any{"card_id": cardID, "code": code, "membership_number": number})
	return code
}
