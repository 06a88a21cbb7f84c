package wechatredis

// Multi-process fleet tests: the test binary re-executes itself as N helper
// processes (TestHelperProcess) that share one redis-server and one
// wechattest server, both started by the parent. The parent drives them
// through a line protocol on stdin and reads "RESULT {json}" lines from
// their stdout.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/officialaccount"
	wxconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat"
	"github.com/walletcard/card/wechat/wechattest"
)

const helperEnv = "WALLETCARD_FLEET_HELPER"

// helperResult is what a helper reports for one command.
type helperResult struct {
	OK      int      `json:"ok"`
	Failed  int      `json:"failed"`
	Errors  []string `json:"errors,omitempty"`
	MaxMs   int64    `json:"max_ms"`
	Fetches []int64  `json:"fetches"` // unix ms of every token request this process sent
}

// TestHelperProcess is not a test: it is the body of a fleet member when the
// test binary is re-executed by startFleet (WALLETCARD_FLEET_HELPER=1). In a
// normal run it returns at once.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		return
	}
	if err := runHelper(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
}

// runHelper builds a Provider sharing credentials through Redis, then runs
// commands: "calls N" (N concurrent calls), "run MS W" (W workers calling
// for MS milliseconds), "advance SEC" (move the clock), "quit".
func runHelper(in io.Reader, out io.Writer) error {
	env := func(k string) string { return os.Getenv("FLEET_" + k) }
	lockMs, _ := strconv.Atoi(env("LOCK_TTL_MS"))
	clock := &offsetClock{}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 512
	ct := &countingTransport{base: tr}
	hc := &http.Client{Transport: ct, Timeout: 30 * time.Second}
	rdb := redis.NewClient(&redis.Options{Addr: env("REDIS")})
	defer rdb.Close()
	store := New(rdb, &Options{LockTTL: time.Duration(lockMs) * time.Millisecond})
	src := wechat.TokenSourceStable
	if env("SOURCE") == "classic" {
		src = wechat.TokenSourceClassic
	}
	oa := officialaccount.NewOfficialAccount(&wxconfig.Config{AppID: env("APPID"), AppSecret: env("SECRET"), Cache: wechat.NewMemoryCache()})
	oa.SetAccessTokenHandle(wechat.NewAccessTokenHandle(env("APPID"), env("SECRET"), nil, &wechat.TokenOptions{
		BaseURL: env("API"), HTTPClient: hc, Source: src, Fleet: store, Clock: clock.Now}))
	p, err := wechat.New(oa, &wechat.Options{BaseURL: env("API"), QRImageBaseURL: env("QR"), HTTPClient: hc,
		Fleet: store, Clock: clock.Now, Retry: card.RetryPolicy{Attempts: 3, Base: time.Millisecond, Max: 5 * time.Millisecond}})
	if err != nil {
		return err
	}
	call := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := p.CardAPITicket(ctx); err != nil {
			return err
		}
		_, err := p.GetColors(ctx, wechat.GetColorsRequest{})
		return err
	}
	var mu sync.Mutex
	var res helperResult
	record := func(d time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			res.Failed++
			if len(res.Errors) < 3 {
				res.Errors = append(res.Errors, err.Error())
			}
		} else {
			res.OK++
		}
		if ms := d.Milliseconds(); ms > res.MaxMs {
			res.MaxMs = ms
		}
	}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		res = helperResult{}
		switch f[0] {
		case "quit":
			return nil
		case "advance":
			sec, _ := strconv.Atoi(f[1])
			clock.Advance(time.Duration(sec) * time.Second)
		case "calls":
			n, _ := strconv.Atoi(f[1])
			var wg sync.WaitGroup
			start := make(chan struct{})
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					t0 := time.Now()
					err := call()
					record(time.Since(t0), err)
				}()
			}
			close(start)
			wg.Wait()
		case "run":
			ms, _ := strconv.Atoi(f[1])
			workers, _ := strconv.Atoi(f[2])
			deadline := time.Now().Add(time.Duration(ms) * time.Millisecond)
			var wg sync.WaitGroup
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for time.Now().Before(deadline) {
						t0 := time.Now()
						err := call()
						record(time.Since(t0), err)
						time.Sleep(2 * time.Millisecond)
					}
				}()
			}
			wg.Wait()
		default:
			return fmt.Errorf("unknown command %q", sc.Text())
		}
		res.Fetches = ct.fetchTimes()
		b, _ := json.Marshal(res)
		if _, err := fmt.Fprintf(out, "RESULT %s\n", b); err != nil {
			return err
		}
	}
	return sc.Err()
}

// member is one helper process seen from the parent.
type member struct {
	name    string
	cmd     *exec.Cmd
	in      io.WriteCloser
	results chan helperResult
	mu      sync.Mutex
	stderr  bytes.Buffer
}

func (m *member) Write(p []byte) (int, error) { // stderr sink
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stderr.Write(p)
}

func (m *member) log() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stderr.String()
}

// fleetEnv is what a fleet's members share.
type fleetEnv struct {
	redis  string
	server *wechattest.Server
	source string // "stable" (default) or "classic"
	lockMs int
}

// startFleet starts n member processes.
func startFleet(t *testing.T, n int, fe fleetEnv) []*member {
	t.Helper()
	if fe.lockMs == 0 {
		fe.lockMs = int(DefaultLockTTL / time.Millisecond)
	}
	var ms []*member
	for i := range n {
		m := &member{name: fmt.Sprintf("member%d", i), results: make(chan helperResult, 4)}
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"=1",
			"FLEET_REDIS="+fe.redis, "FLEET_API="+fe.server.URL(), "FLEET_QR="+fe.server.QRImageURL(),
			"FLEET_APPID="+fe.server.AppID(), "FLEET_SECRET="+fe.server.AppSecret(),
			"FLEET_SOURCE="+fe.source, "FLEET_LOCK_TTL_MS="+strconv.Itoa(fe.lockMs))
		cmd.Stderr = m
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		m.in, err = cmd.StdinPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		m.cmd = cmd
		go func() {
			sc := bufio.NewScanner(stdout)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				if line, ok := strings.CutPrefix(sc.Text(), "RESULT "); ok {
					var r helperResult
					if json.Unmarshal([]byte(line), &r) == nil {
						m.results <- r
					}
				}
			}
			close(m.results)
		}()
		t.Cleanup(func() {
			_, _ = io.WriteString(m.in, "quit\n")
			_ = m.in.Close()
			done := make(chan struct{})
			go func() { _ = m.cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = m.cmd.Process.Kill()
				<-done
			}
		})
		ms = append(ms, m)
	}
	return ms
}

func (m *member) send(t *testing.T, line string) {
	t.Helper()
	_, err := io.WriteString(m.in, line+"\n")
	require.NoError(t, err, "%s: %s", m.name, m.log())
}

func (m *member) result(t *testing.T) helperResult {
	t.Helper()
	select {
	case r, ok := <-m.results:
		require.True(t, ok, "%s exited: %s", m.name, m.log())
		return r
	case <-time.After(2 * time.Minute):
		t.Fatalf("%s gave no result: %s", m.name, m.log())
	}
	return helperResult{}
}

// all sends line to every member and collects their results.
func all(t *testing.T, ms []*member, line string) []helperResult {
	t.Helper()
	for _, m := range ms {
		m.send(t, line)
	}
	out := make([]helperResult, len(ms))
	for i, m := range ms {
		out[i] = m.result(t)
	}
	return out
}

// sum adds up the results' call counts.
func sum(rs []helperResult) (ok, failed int, errs []string, maxMs int64) {
	for _, r := range rs {
		ok += r.OK
		failed += r.Failed
		errs = append(errs, r.Errors...)
		maxMs = max(maxMs, r.MaxMs)
	}
	return
}

// fetchesIn counts a member's token requests in [from, to) (unix ms).
func fetchesIn(r helperResult, from, to int64) int {
	n := 0
	for _, ts := range r.Fetches {
		if ts >= from && ts < to {
			n++
		}
	}
	return n
}

// TestFleetProcessesColdStartAndExpiry: 4 processes × 250 concurrent calls
// (each: the wx_card ticket, then an API call) at a cold start and again
// after the token and ticket expired: exactly 1 token fetch and 1 ticket
// fetch each time, 0 calls rejected by WeChat, 0 failed calls.
func TestFleetProcessesColdStartAndExpiry(t *testing.T) {
	r := startRedis(t)
	clock := &offsetClock{}
	s := wechattest.NewServer(&wechattest.Options{Clock: clock.Now})
	t.Cleanup(s.Close)
	ms := startFleet(t, 4, fleetEnv{redis: r.Addr(), server: s})

	for phase, advance := range []int{0, 7300} {
		if advance > 0 { // past the token's and the ticket's 7,200 s, for WeChat and every member
			clock.Advance(time.Duration(advance) * time.Second)
			all(t, ms, fmt.Sprint("advance ", advance))
		}
		tokBefore, _ := s.StableTokenFetches()
		tickBefore, rejBefore := s.TicketFetches("wx_card"), s.TokenRejections()
		start := time.Now()
		ok, failed, errs, maxMs := sum(all(t, ms, "calls 250"))
		tok, _ := s.StableTokenFetches()
		name := []string{"cold start", "after expiry"}[phase]
		t.Logf("%s: 4 processes × 250 calls: %d ok, %d failed, %d token fetches, %d ticket fetches, %d calls rejected by WeChat, slowest call %d ms, round %v",
			name, ok, failed, tok-tokBefore, s.TicketFetches("wx_card")-tickBefore, s.TokenRejections()-rejBefore, maxMs, time.Since(start).Round(time.Millisecond))
		require.Zero(t, failed, "%s: %v", name, errs)
		assert.Equal(t, 1000, ok)
		assert.Equal(t, 1, tok-tokBefore, "%s: token fetches", name)
		assert.Equal(t, 1, s.TicketFetches("wx_card")-tickBefore, "%s: ticket fetches", name)
		assert.Zero(t, s.TokenRejections()-rejBefore, "%s: calls rejected by WeChat", name)
	}
}

// TestFleetProcessesOutOfBandResets: the token is reset out of band
// (revoked) 10 times while WeChat's clock and the members' clocks move on in
// 6-minute steps; each round 4 processes make 50 calls. At most one token
// fetch per reset and no failed call, for stable_token and for the classic
// endpoint.
func TestFleetProcessesOutOfBandResets(t *testing.T) {
	for _, source := range []string{"stable", "classic"} {
		t.Run(source, func(t *testing.T) {
			r := startRedis(t)
			clock := &offsetClock{}
			s := wechattest.NewServer(&wechattest.Options{Clock: clock.Now})
			t.Cleanup(s.Close)
			fetches := func() int {
				if source == "classic" {
					return s.CallCount("/cgi-bin/token")
				}
				n, _ := s.StableTokenFetches()
				return n
			}
			ms := startFleet(t, 4, fleetEnv{redis: r.Addr(), server: s, source: source})
			_, failed, errs, _ := sum(all(t, ms, "calls 20"))
			require.Zero(t, failed, "%v", errs)
			require.Equal(t, 1, fetches())
			totalFailed, totalRejected, worst := 0, 0, 0
			for round := 1; round <= 10; round++ {
				before, rej := fetches(), s.TokenRejections()
				s.ResetTokens()
				clock.Advance(6 * time.Minute)
				all(t, ms, "advance 360")
				ok, failed, errs, _ := sum(all(t, ms, "calls 50"))
				n := fetches() - before
				totalFailed += failed
				totalRejected += s.TokenRejections() - rej
				worst = max(worst, n)
				require.Zero(t, failed, "round %d: %v", round, errs)
				require.Equal(t, 200, ok)
				require.LessOrEqual(t, n, 1, "round %d: token fetches for one reset", round)
			}
			_, forced := s.StableTokenFetches()
			t.Logf("%s: 10 out-of-band resets × 4 processes × 50 calls: at most %d token fetch per reset, %d failed calls, %d calls rejected by WeChat (the revoked token, each repaired by one refresh), %d force refreshes",
				source, worst, totalFailed, totalRejected, forced)
			assert.Zero(t, forced, "an out-of-band reset must not use force_refresh")
		})
	}
}

// TestFleetLockHolderKilled: the member holding the fetch lock is killed
// with SIGKILL while its token request hangs at WeChat; another member
// fetches once the lock expires (2 s here), and no call of the others waits
// longer than that.
func TestFleetLockHolderKilled(t *testing.T) {
	const lockTTL = 2 * time.Second
	r := startRedis(t)
	s := wechattest.NewServer(nil)
	t.Cleanup(s.Close)
	ms := startFleet(t, 4, fleetEnv{redis: r.Addr(), server: s, lockMs: int(lockTTL / time.Millisecond)})
	const path = "/cgi-bin/stable_token"
	waitCalls := func(n int) time.Time {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for s.CallCount(path) < n {
			require.True(t, time.Now().Before(deadline), "token request %d never arrived", n)
			time.Sleep(time.Millisecond)
		}
		return time.Now()
	}
	s.SetLatency(path, time.Minute) // the holder's request hangs
	ms[0].send(t, "calls 1")
	locked := waitCalls(1) // member 0 holds the lock and is fetching
	s.SetLatency(path, 0)
	for _, m := range ms[1:] {
		m.send(t, "calls 100")
	}
	time.Sleep(200 * time.Millisecond)
	require.NoError(t, ms[0].cmd.Process.Kill()) // SIGKILL
	killed := time.Now()
	second := waitCalls(2)
	var rs []helperResult
	for _, m := range ms[1:] {
		rs = append(rs, m.result(t))
	}
	ok, failed, errs, maxMs := sum(rs)
	took := second.Sub(locked)
	t.Logf("lock holder SIGKILLed %v after taking the lock; next fetch %v after the lock was taken (lock TTL %v); other members: %d ok, %d failed, slowest call %d ms; %d token requests in all",
		killed.Sub(locked).Round(time.Millisecond), took.Round(time.Millisecond), lockTTL, ok, failed, maxMs, s.CallCount(path))
	require.Zero(t, failed, "%v", errs)
	assert.Equal(t, 300, ok)
	// Slack: one poll interval, scheduling of 4 race-instrumented processes
	// on a shared machine, and (for calls) the fetches after the lock.
	const slack = time.Second
	assert.LessOrEqual(t, took, lockTTL+slack, "the next fetch waited longer than the lock's expiry")
	assert.GreaterOrEqual(t, took, lockTTL-300*time.Millisecond, "another member fetched while the lock was held")
	assert.LessOrEqual(t, time.Duration(maxMs)*time.Millisecond, lockTTL+slack, "a call waited longer than the lock's expiry")
	assert.Equal(t, 2, s.CallCount(path), "token requests: the killed holder's and one more")
}

// TestFleetRedisStoppedAndRestarted: 4 processes call continuously while
// Redis is stopped, the token reset, Redis restarted (empty) and the token
// reset again: 0 failed calls; at most one fetch per process while Redis is
// down; the fleet makes one fetch for the reset after it rejoined.
func TestFleetRedisStoppedAndRestarted(t *testing.T) {
	r := startRedis(t)
	s := wechattest.NewServer(nil)
	t.Cleanup(s.Close)
	ms := startFleet(t, 4, fleetEnv{redis: r.Addr(), server: s})
	_, failed, errs, _ := sum(all(t, ms, "calls 20"))
	require.Zero(t, failed, "%v", errs)

	for _, m := range ms {
		m.send(t, "run 5500 8")
	}
	time.Sleep(800 * time.Millisecond)
	r.Stop()
	stopped := time.Now().UnixMilli()
	s.ResetTokens() // reset while Redis is down: every process must replace its token alone
	time.Sleep(1500 * time.Millisecond)
	r.Restart()
	restarted := time.Now().UnixMilli()
	time.Sleep(1500 * time.Millisecond) // past the members' per-process period
	rejoined := time.Now().UnixMilli()
	s.ResetTokens() // reset with the fleet back on Redis
	var rs []helperResult
	for _, m := range ms {
		rs = append(rs, m.result(t))
	}
	end := time.Now().UnixMilli()
	ok, failed, errs, maxMs := sum(rs)
	down, after := 0, 0
	perDown := make([]int, len(rs))
	for i, r := range rs {
		perDown[i] = fetchesIn(r, stopped, restarted)
		down += perDown[i]
		after += fetchesIn(r, rejoined, end)
	}
	t.Logf("Redis stopped for %d ms mid-run: %d calls ok, %d failed, slowest %d ms; token fetches while down %d (per process %v); after rejoining, %d fetch for the next reset",
		restarted-stopped, ok, failed, maxMs, down, perDown, after)
	require.Zero(t, failed, "%v", errs)
	for i, n := range perDown {
		assert.LessOrEqual(t, n, 1, "process %d fetched %d times while Redis was down", i, n)
	}
	assert.Equal(t, 1, after, "fetches for the reset after the fleet rejoined")
}
