package wechattest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTokens(t *testing.T) {
	clk := newClock()
	c := newTC(t, &Options{Clock: clk.Now, TokenTTL: time.Hour})
	if c.s.TokenFetches() != 1 {
		t.Fatalf("TokenFetches = %d", c.s.TokenFetches())
	}
	c.ok("/card/getcolors", "{}")

	// wrong secret / appid / grant
	for q, want := range map[string]int{
		"grant_type=client_credential&appid=" + c.s.AppID() + "&secret=nope":      40125,
		"grant_type=client_credential&appid=wxnope&secret=" + c.s.AppSecret():     40013,
		"grant_type=password&appid=" + c.s.AppID() + "&secret=" + c.s.AppSecret(): 40002,
	} {
		if got := errcode(c.get("/cgi-bin/token?" + q)); got != want {
			t.Errorf("token %s: errcode %d, want %d", q, got, want)
		}
	}

	// missing / unknown token
	saved := c.token
	c.token = ""
	c.fail(41001, "/card/getcolors", "{}")
	c.token = "bogus"
	c.fail(40001, "/card/getcolors", "{}")
	c.token = saved

	// natural expiry through the clock
	clk.Add(time.Hour + time.Second)
	c.fail(42001, "/card/getcolors", "{}")
	c.token = c.fetchToken()
	c.ok("/card/getcolors", "{}")

	// forced expiry and revocation
	c.s.ExpireCredentials()
	c.fail(42001, "/card/create", memberCardBody(nil))
	c.token = c.fetchToken()
	c.ok("/card/getcolors", "{}")
	c.s.RevokeCredentials()
	c.fail(40001, "/card/getcolors", "{}")
	c.s.RestoreCredentials()
	c.token = c.fetchToken()

	// a newer token ends the older one five minutes later
	old := c.token
	c.token = c.fetchToken()
	c.token = old
	c.ok("/card/getcolors", "{}")
	clk.Add(5*time.Minute + time.Second)
	c.fail(42001, "/card/getcolors", "{}")

	// stable_token
	m := c.ok("/cgi-bin/stable_token", map[string]any{"grant_type": "client_credential", "appid": c.s.AppID(), "secret": c.s.AppSecret()})
	if m["access_token"] == nil || num(m["expires_in"]) != 3600 {
		t.Fatalf("stable_token: %v", m)
	}
	if n := c.s.TokenFetches(); n != 9 {
		t.Fatalf("TokenFetches = %d, want 9", n)
	}
	// GET on a POST endpoint
	if got := errcode(c.get("/card/create?access_token=" + url.QueryEscape(c.token))); got != 43002 {
		t.Fatalf("GET /card/create: %d", got)
	}
}

func TestTickets(t *testing.T) {
	clk := newClock()
	c := newTC(t, &Options{Clock: clk.Now, TicketTTL: time.Hour})
	q := "/cgi-bin/ticket/getticket?access_token=" + url.QueryEscape(c.token)
	w1 := c.get(q + "&type=wx_card")
	j1 := c.get(q + "&type=jsapi")
	if errcode(w1) != 0 || w1["errmsg"] != "ok" || num(w1["expires_in"]) != 3600 {
		t.Fatalf("wx_card ticket: %v", w1)
	}
	if w1["ticket"] == j1["ticket"] || w1["ticket"] == "" {
		t.Fatalf("wx_card and jsapi tickets must differ: %v %v", w1, j1)
	}
	if c.s.CardTicket() != w1["ticket"] {
		t.Fatal("CardTicket differs from the issued wx_card ticket")
	}
	w2 := c.get(q + "&type=wx_card")
	if w2["ticket"] != w1["ticket"] {
		t.Fatal("ticket changed before expiry")
	}
	clk.Add(time.Hour)
	w3 := c.get(q + "&type=wx_card")
	if w3["ticket"] == w1["ticket"] {
		t.Fatal("ticket not renewed after expiry")
	}
	if got := errcode(c.get(q + "&type=other")); got != 40097 {
		t.Fatalf("bad type: %d", got)
	}
	if c.s.TicketFetches("wx_card") != 3 || c.s.TicketFetches("jsapi") != 1 {
		t.Fatalf("fetches %d %d", c.s.TicketFetches("wx_card"), c.s.TicketFetches("jsapi"))
	}
	if got := errcode(c.get("/cgi-bin/ticket/getticket?type=wx_card")); got != 41001 {
		t.Fatalf("no token: %d", got)
	}
}

func TestFaultsAndCalls(t *testing.T) {
	c := newTC(t, nil)
	id := c.createMember(nil)
	c.s.FailNextCode("/card/get", -1, 2)
	c.fail(-1, "/card/get", map[string]any{"card_id": id})
	c.fail(-1, "/card/get", map[string]any{"card_id": id})
	c.ok("/card/get", map[string]any{"card_id": id})
	// a faulted mutation changes nothing
	c.s.FailNextCode("", 45009, 1)
	c.fail(45009, "/card/modifystock", map[string]any{"card_id": id, "reduce_stock_value": 10})
	if n, _ := c.s.Stock(id); n != 1000 {
		t.Fatalf("stock changed by a faulted call: %d", n)
	}
	if c.s.CallCount("/card/get") != 3 || c.s.CallCount("/card/modifystock") != 1 {
		t.Fatalf("calls: %d %d", c.s.CallCount("/card/get"), c.s.CallCount("/card/modifystock"))
	}
	if c.s.CallCount("") != 6 { // token, create, 3 get, modifystock
		t.Fatalf("total calls %d", c.s.CallCount(""))
	}
}

// TestApplyThenFailNext: the faulted call changes the state and answers the
// errcode; a call that fails on its own does not use the fault up.
func TestApplyThenFailNext(t *testing.T) {
	c := newTC(t, nil)
	id := c.createMember(nil)
	c.s.ApplyThenFailNext("/card/modifystock", -1, 1)
	c.fail(40073, "/card/modifystock", map[string]any{"card_id": "pUNKNOWN", "reduce_stock_value": 10}) // own error first
	c.fail(-1, "/card/modifystock", map[string]any{"card_id": id, "reduce_stock_value": 10})
	if n, _ := c.s.Stock(id); n != 990 {
		t.Fatalf("stock %d after an applied-then-failed reduce, want 990", n)
	}
	c.ok("/card/modifystock", map[string]any{"card_id": id, "reduce_stock_value": 10})
	if n, _ := c.s.Stock(id); n != 980 {
		t.Fatalf("stock %d, want 980", n)
	}
	c.s.ApplyThenFailNext("", 45009, 2)
	c.s.ApplyThenFailNext("", 0, 0)
	c.ok("/card/get", map[string]any{"card_id": id})
}

func TestLatencyHonoursCancel(t *testing.T) {
	c := newTC(t, nil)
	c.s.SetLatency("/card/getcolors", 2*time.Second)
	client := *c.s.HTTPClient()
	client.Timeout = 100 * time.Millisecond
	start := time.Now()
	_, err := client.Post(c.s.URL()+"/card/getcolors?access_token="+url.QueryEscape(c.token), "application/json", strings.NewReader("{}"))
	if err == nil {
		t.Fatal("want a timeout")
	}
	if time.Since(start) > time.Second {
		t.Fatal("latency not cut short")
	}
	// other paths are not delayed; the state lock is free while sleeping
	c.ok("/card/getapplyprotocol", "{}")
	t.Logf("A %v", time.Since(start))
	c.s.SetLatency("/card/getcolors", 0)
	c.s.SetLatency("", 30*time.Millisecond)
	start = time.Now()
	c.ok("/card/getcolors", "{}")
	if time.Since(start) < 30*time.Millisecond {
		t.Fatal("global latency not applied")
	}
}

func TestCloseCutsLatency(t *testing.T) {
	s := NewServer(nil)
	s.SetLatency("", time.Hour)
	errc := make(chan error, 1)
	go func() {
		resp, err := http.Get(s.URL() + "/card/getcolors")
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	for s.CallCount("") == 0 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	s.Close()
	s.Close()
	<-errc
	if time.Since(start) > 2*time.Second {
		t.Fatal("Close waited for the latency")
	}
}
