package wechattest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestConcurrentClaimsAndUpdates(t *testing.T) {
	c := newTC(t, nil)
	id := c.createMember(func(b, _ map[string]any) { b["sku"] = map[string]any{"quantity": 150} })
	const workers, each = 8, 25 // 200 attempts for 150 in stock
	var mu sync.Mutex
	codes := map[string]bool{}
	outOfStock := 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				code, err := c.s.Claim(id, fmt.Sprintf("o%d-%d", w, i), "")
				mu.Lock()
				if err != nil {
					if e, ok := err.(*Error); !ok || e.Code != 45031 {
						t.Errorf("claim: %v", err)
					}
					outOfStock++
				} else {
					if codes[code] {
						t.Errorf("code %s issued twice", code)
					}
					codes[code] = true
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	if len(codes) != 150 || outOfStock != 50 {
		t.Fatalf("issued %d, refused %d", len(codes), outOfStock)
	}
	if n, _ := c.s.Stock(id); n != 0 {
		t.Fatalf("stock %d", n)
	}

	// concurrent add_bonus on one code: every delta lands exactly once
	var code string
	for k := range codes {
		code = k
		break
	}
	c.ok("/card/membercard/activate", map[string]any{"card_id": id, "code": code, "membership_number": "M"})
	body, _ := json.Marshal(map[string]any{"card_id": id, "code": code, "add_bonus": 1})
	u := c.s.URL() + "/card/membercard/updateuser?access_token=" + url.QueryEscape(c.token)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				resp, err := http.Post(u, "application/json", bytes.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if !strings.Contains(string(b), `"errcode":0`) {
					t.Errorf("updateuser: %s", b)
				}
			}
		}()
	}
	wg.Wait()
	if m, _ := c.s.Member(id, code); m.Bonus != workers*each {
		t.Fatalf("bonus %d, want %d", m.Bonus, workers*each)
	}
	if c.s.CallCount("/card/membercard/updateuser") != workers*each {
		t.Fatalf("calls %d", c.s.CallCount("/card/membercard/updateuser"))
	}
}

// FuzzRequestBody feeds arbitrary bodies to every endpoint: the server must
// never panic and must always answer a JSON object, with errcode 47001 (or a
// business errcode) for bodies it cannot use.
func FuzzRequestBody(f *testing.F) {
	f.Add("/card/membercard/updateuser", []byte(`{"card_id":"x","code":"1","bonus":"12","add_balance":-3}`))
	f.Add("/card/create", []byte(`{"card":{"card_type":"MEMBER_CARD","member_card":{"base_info":{"sku":{"quantity":"1"},"date_info":{"type":2,"fixed_term":"3"}}}}}`))
	f.Add("/card/batchget", []byte(`{"offset":0,"count":10,"status_list":"CARD_STATUS_VERIFY_OK"}`))
	f.Add("/card/code/deposit", []byte(`{"card_id":"x","code":["a","b",""]}`))
	f.Add("/card/qrcode/create", []byte(`{"action_name":"QR_MULTIPLE_CARD","action_info":{"multiple_card":{"card_list":[null]}}}`))
	f.Add("/datacube/getcardbizuininfo", []byte(`{"begin_date":"2026-01-01","end_date":"2026-01-02","cond_source":"1"}`))
	f.Add("/card/paygiftcard/getbyid", []byte(`{"rule_id":1e400}`))
	f.Add("/card/submerchant/submit", []byte(`{"info":{"end_time":1.5}}`))
	s := NewServer(nil)
	defer s.Close()
	// a token and a card so that some bodies get past the lookups
	tok := func() string {
		rec := httptest.NewRecorder()
		s.serveAPI(rec, httptest.NewRequest("GET", "/cgi-bin/token?grant_type=client_credential&appid="+s.AppID()+"&secret="+s.AppSecret(), nil))
		var m struct {
			AccessToken string `json:"access_token"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &m)
		return m.AccessToken
	}()
	// one card of each kind with an issued code, so mutated bodies that keep
	// the ids get past the lookups: pWxT…1 member card (code 100000000001),
	// pWxT…2 deposit-mode member card, pWxT…3 movie ticket (code 100000000002).
	post := func(path, body string) {
		rec := httptest.NewRecorder()
		s.serveAPI(rec, httptest.NewRequest("POST", path+"?access_token="+url.QueryEscape(tok), strings.NewReader(body)))
		if !bytes.Contains(rec.Body.Bytes(), []byte(`"errcode":0`)) {
			f.Fatalf("setup %s: %s", path, rec.Body.Bytes())
		}
	}
	base := `"base_info":{"logo_url":"l","code_type":"CODE_TYPE_TEXT","brand_name":"b","title":"t","color":"Color010","notice":"n","description":"","sku":{"quantity":%d},"date_info":{"type":"DATE_TYPE_PERMANENT"}%s}`
	post("/card/create", `{"card":{"card_type":"MEMBER_CARD","member_card":{`+fmt.Sprintf(base, 100, "")+`,"prerogative":"p"}}}`)
	post("/card/create", `{"card":{"card_type":"MEMBER_CARD","member_card":{`+fmt.Sprintf(base, 0, `,"use_custom_code":true,"get_custom_code_mode":"GET_CUSTOM_CODE_MODE_DEPOSIT"`)+`,"prerogative":"p"}}}`)
	post("/card/create", `{"card":{"card_type":"MOVIE_TICKET","movie_ticket":{`+strings.Replace(fmt.Sprintf(base, 100, ""), "DATE_TYPE_PERMANENT", "DATE_TYPE_FIX_TERM\",\"fixed_term\":\"30", 1)+`}}}`)
	for _, id := range []string{"pWxT000000000000000000000001", "pWxT000000000000000000000003"} {
		if _, err := s.Claim(id, "o1", "seed"); err != nil {
			f.Fatal(err)
		}
	}
	paths := sortedKeys(routes)
	f.Fuzz(func(t *testing.T, path string, body []byte) {
		if _, ok := routes[path]; !ok {
			path = paths[len(body)%len(paths)]
		}
		if path == "/cgi-bin/token" || path == "/cgi-bin/ticket/getticket" {
			return // GET only
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", path+"?access_token="+url.QueryEscape(tok), bytes.NewReader(body))
		s.serveAPI(rec, req)
		if rec.Code != 200 {
			t.Fatalf("%s: HTTP %d", path, rec.Code)
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s: response is not a JSON object: %q", path, rec.Body.Bytes())
		}
		if _, ok := out["errcode"]; !ok && !strings.HasPrefix(path, "/card/submerchant/") && !strings.HasPrefix(path, "/datacube/") && path != "/cgi-bin/stable_token" {
			t.Fatalf("%s: no errcode in %v", path, out)
		}
		if len(bytes.TrimSpace(body)) == 0 || bytes.TrimSpace(body)[0] != '{' {
			if code, _ := out["errcode"].(float64); code != 47001 && routes[path].methods&mPOST != 0 && path != "/card/getcolors" && path != "/card/getapplyprotocol" &&
				!(path == "/cgi-bin/media/uploadimg" && code == 41005) { // multipart, not JSON
				t.Fatalf("%s: non-object body answered %v", path, out)
			}
		}
	})
}

// FuzzFlexInt checks the lenient integer decoder against strconv-style input.
func FuzzFlexInt(f *testing.F) {
	for _, s := range []string{`1`, `"42"`, `" 7 "`, `null`, `""`, `1.0`, `1.5`, `"x"`, `-9223372036854775808`, `1e3`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v struct {
			N flexInt     `json:"n"`
			B flexBool    `json:"b"`
			S flexStrings `json:"s"`
		}
		in := append(append([]byte(`{"n":`), b...), '}')
		if err := json.Unmarshal(in, &v); err == nil {
			// an accepted value re-encodes and decodes to the same number
			out, _ := json.Marshal(map[string]int64{"n": int64(v.N)})
			var w struct {
				N flexInt `json:"n"`
			}
			if err := json.Unmarshal(out, &w); err != nil || w.N != v.N {
				t.Fatalf("round trip %s -> %d -> %s", b, v.N, out)
			}
		}
		_ = json.Unmarshal(append(append([]byte(`{"b":`), b...), '}'), &v)
		_ = json.Unmarshal(append(append([]byte(`{"s":`), b...), '}'), &v)
	})
}

func BenchmarkUpdateUser(b *testing.B) {
	c := newTC(b, nil)
	id := c.createMember(nil)
	code := c.activated(id, "o1", "M1")
	body, _ := json.Marshal(map[string]any{"card_id": id, "code": code, "add_bonus": 1, "record_bonus": "消费", "balance": 100})
	u := c.s.URL() + "/card/membercard/updateuser?access_token=" + url.QueryEscape(c.token)
	client := c.s.HTTPClient()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Post(u, "application/json", bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

// BenchmarkUpdateUserHandler measures the server side alone (no sockets).
func BenchmarkUpdateUserHandler(b *testing.B) {
	c := newTC(b, nil)
	id := c.createMember(nil)
	code := c.activated(id, "o1", "M1")
	body, _ := json.Marshal(map[string]any{"card_id": id, "code": code, "add_bonus": 1, "record_bonus": "消费", "balance": 100})
	target := "/card/membercard/updateuser?access_token=" + url.QueryEscape(c.token)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := httptest.NewRecorder()
		c.s.serveAPI(rec, httptest.NewRequest("POST", target, bytes.NewReader(body)))
		if !bytes.HasPrefix(rec.Body.Bytes(), []byte(`{"errcode":0,`)) {
			b.Fatalf("%s", rec.Body.Bytes())
		}
	}
}

// TestCloseDuringPushTraffic: Close and WaitPushes while API calls keep
// starting asynchronous pushes neither panics nor races (run with -race);
// pushes started after Close are logged as failed, not sent.
func TestCloseDuringPushTraffic(t *testing.T) {
	for round := 0; round < 20; round++ {
		s := NewServer(nil)
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "success") }))
		s.SetEventURL(hook.URL)
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					s.pushAsync(Event{Event: "user_view_card", FromUserName: "o", CardId: "c", UserCardCode: "1"})
					s.WaitPushes()
				}
			}()
		}
		time.Sleep(time.Duration(round%4) * time.Millisecond)
		s.Close()
		close(stop)
		wg.Wait()
		s.WaitPushes()
		for _, p := range s.Pushes() {
			if p.Err != nil && !errors.Is(p.Err, ErrServerClosed) {
				t.Fatalf("push failed: %v", p.Err)
			}
		}
		hook.Close()
	}
}
