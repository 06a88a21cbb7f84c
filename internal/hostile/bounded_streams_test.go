package hostile

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/walletcard/card/internal/heapwatch"
)

// testFrame is a success-looking JSON frame, as a fake gives Serve.
var testFrame = Frame{ContentType: "application/json", Prefix: `{"code":"10000","padding":"`, Suffix: `"}`}

// streamServer serves every request with the answer a, through Serve; done
// is Serve's done channel and active counts the answers being written.
type streamServer struct {
	*httptest.Server
	done     chan struct{}
	doneOnce sync.Once
	active   atomic.Int32
}

func newStreamServer(t *testing.T, a Answer) *streamServer {
	t.Helper()
	s := &streamServer{done: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.active.Add(1)
		defer s.active.Add(-1)
		Serve(w, r, a, testFrame, s.done)
	}))
	t.Cleanup(s.close)
	return s
}

// finish closes done, as a fake's Close does before closing its server.
func (s *streamServer) finish() { s.doneOnce.Do(func() { close(s.done) }) }

// close ends the answers still being written (done), then the server.
func (s *streamServer) close() {
	s.finish()
	s.Server.Close()
}

// get returns the answer with its body read (up to 64 MiB).
func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	require.NoError(t, err)
	return resp, b
}

// TestOversizedBodyIsExactlyN: exactly n bytes, announced in
// Content-Length, the frame padded into valid JSON; a size below the frame
// cuts the frame.
func TestOversizedBodyIsExactlyN(t *testing.T) {
	const n = 3<<20 + 7
	resp, body := get(t, newStreamServer(t, OversizedBody(n)).URL)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, strconv.Itoa(n), resp.Header.Get("Content-Length"))
	assert.Equal(t, testFrame.ContentType, resp.Header.Get("Content-Type"))
	require.Len(t, body, n)
	assert.True(t, bytes.HasPrefix(body, []byte(testFrame.Prefix+"AAA")))
	assert.True(t, bytes.HasSuffix(body, []byte("AAA"+testFrame.Suffix)))
	assert.True(t, json.Valid(body), "the oversized answer is valid JSON")

	_, body = get(t, newStreamServer(t, OversizedBody(10)).URL)
	assert.Equal(t, testFrame.Prefix[:10], string(body))
}

// TestOversizedBodyBoundedMemory: a 256 MiB answer is streamed, not held:
// the process heap (server and a discarding client) grows by a few MiB at
// most, so a fake does not distort a client's own memory measurements.
func TestOversizedBodyBoundedMemory(t *testing.T) {
	const n = 256 << 20
	s := newStreamServer(t, OversizedBody(n))
	var got int64
	var err error
	peak := heapwatch.PeakGrowth(func() {
		resp, gerr := http.Get(s.URL)
		if gerr != nil {
			err = gerr
			return
		}
		defer resp.Body.Close()
		got, err = io.Copy(io.Discard, resp.Body)
	})
	require.NoError(t, err)
	require.EqualValues(t, n, got)
	t.Logf("peak heap growth while streaming %d MiB: %.1f MiB", n>>20, float64(peak)/(1<<20))
	assert.Less(t, peak, int64(16<<20))
}

// TestEndlessBodyEndsWithItsClient: an endless answer goes on past any
// bound, without Content-Length, and stops when its client leaves.
func TestEndlessBodyEndsWithItsClient(t *testing.T) {
	s := newStreamServer(t, EndlessBody())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	assert.Empty(t, resp.Header.Get("Content-Length"))
	const bound = 16 << 20
	n, err := io.Copy(io.Discard, io.LimitReader(resp.Body, bound))
	require.NoError(t, err)
	assert.EqualValues(t, bound, n, "an endless answer goes past any bound")
	cancel()
	_ = resp.Body.Close()
	require.Eventually(t, func() bool { return s.active.Load() == 0 }, 3*time.Second, 5*time.Millisecond,
		"the endless answer must end when its client leaves")
}

// TestEndlessBodyEndsWhenDone: closing done (a fake's Close) ends an
// endless answer a client is still reading.
func TestEndlessBodyEndsWhenDone(t *testing.T) {
	s := newStreamServer(t, EndlessBody())
	resp, err := http.Get(s.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	read := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, resp.Body); close(read) }()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	s.finish()
	select {
	case <-read:
	case <-time.After(5 * time.Second):
		t.Fatal("the endless answer did not end when done was closed")
	}
	assert.Less(t, time.Since(start), 3*time.Second)
}

// TestErrorStatusIsJudgedByItsStatus: a non-2xx status with an HTML body of
// exactly n bytes.
func TestErrorStatusIsJudgedByItsStatus(t *testing.T) {
	resp, body := get(t, newStreamServer(t, ErrorStatus(http.StatusBadGateway, 1<<20)).URL)
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	assert.Equal(t, strconv.Itoa(1<<20), resp.Header.Get("Content-Length"))
	assert.Len(t, body, 1<<20)
	assert.True(t, strings.HasPrefix(string(body), "<html>"))
	assert.True(t, strings.HasSuffix(string(body), "</html>"))
}
