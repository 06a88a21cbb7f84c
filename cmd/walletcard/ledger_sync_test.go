package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/internal/racebuild"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/sqlitestore"
	"github.com/walletcard/card/provider"
	"github.com/walletcard/card/wechat"
)

// TestSyncThroughCLIMatchesLibrary seeds N members (10,000; 2,000 under the
// race detector, which makes the binary several times slower;
// WALLETCARD_SYNC_MEMBERS overrides), each with a WeChat card on a running
// `walletcard fake serve` and a credit pending, in one SQLite ledger, and
// copies that database. `walletcard ledger sync` syncs one copy and must
// show progress; ledger.SyncPending syncs the other in this process. Both
// start from the same state with the same pending pushes, so both summaries
// must be equal — every card pushed once, nothing parked or lost — and the
// cards on the fake must show the member's points once the CLI has synced
// (and not before).
func TestSyncThroughCLIMatchesLibrary(t *testing.T) {
	n := 10000
	if racebuild.Enabled {
		n = 2000
	}
	if s := os.Getenv("WALLETCARD_SYNC_MEMBERS"); s != "" {
		var err error
		n, err = strconv.Atoi(s)
		require.NoError(t, err)
	}
	ctx := context.Background()
	dir := t.TempDir()
	env := append(os.Environ(), "WALLETCARD_CONFIG_DIR="+dir, "WALLETCARD_LEDGER_DB=", "WALLETCARD_WECHAT_APP_ID=", "WALLETCARD_ALIPAY_APP_ID=")

	serve := exec.Command("walletcard", "fake", "serve")
	serve.Env = env
	require.NoError(t, serve.Start())
	t.Cleanup(func() {
		_ = serve.Process.Signal(syscall.SIGINT)
		_ = serve.Wait()
	})
	var st fakeState
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(stateFile(dir))
		return err == nil && json.Unmarshal(b, &st) == nil
	}, 20*time.Second, 20*time.Millisecond)
	remote := &remoteFakes{st: st, hc: &http.Client{Timeout: 30 * time.Second}}

	// The library, in this process, on the same fake.
	wc := st.WeChat
	p, err := wechat.NewFromCredentials(wc.AppID, wc.AppSecret, &wechat.Options{BaseURL: wc.URL, QRImageBaseURL: wc.QRImageURL})
	require.NoError(t, err)
	router, err := provider.NewRouter(p)
	require.NoError(t, err)
	logo, err := p.UploadImage(ctx, "logo.png", mustPNG(t))
	require.NoError(t, err)
	tpl, err := p.CreateTemplate(ctx, card.TemplateSpec{Title: "金卡", BrandName: "钱包卡咖啡", LogoURL: logo, Points: true, Balance: true, Stock: int64(n)})
	require.NoError(t, err)

	seedDB := filepath.Join(dir, "seed.db")
	start := time.Now()
	store, err := sqlitestore.Open(ctx, seedDB, &sqlitestore.Options{Synchronous: "OFF"})
	require.NoError(t, err)
	l, err := ledger.New(store, router, nil)
	require.NoError(t, err)
	work := make(chan int)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := seedMember(ctx, l, remote, tpl.ID, i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		select {
		case work <- i:
		case err := <-errs:
			t.Fatal(err)
		}
	}
	close(work)
	wg.Wait()
	close(errs)
	require.NoError(t, <-errs)
	require.NoError(t, store.Close())
	t.Logf("seeded %d members with a WeChat card and a pending credit in %s", n, time.Since(start).Round(time.Millisecond))

	cliDB, libDB := filepath.Join(dir, "cli.db"), filepath.Join(dir, "lib.db")
	copyFile(t, seedDB, cliDB)
	copyFile(t, seedDB, libDB)
	store2, err := sqlitestore.Open(ctx, libDB, nil)
	require.NoError(t, err)
	defer store2.Close()
	l2, err := ledger.New(store2, router, nil)
	require.NoError(t, err)

	// What the members see: a sample of cards at the fake (the copies hold
	// the same links). Before any sync they do not show the credit yet.
	sample := []int{0, n / 2, n - 1}
	cardPoints := func(i int) card.Points {
		links, err := l2.Links(ctx, memberID(i))
		require.NoError(t, err)
		require.Len(t, links, 1)
		c, err := p.Get(ctx, links[0].Ref)
		require.NoError(t, err)
		return c.Points
	}
	for _, i := range sample {
		require.NotEqual(t, card.WholePoints(int64(i%50+1)), cardPoints(i), "member %d: the credit is pending, not pushed yet", i)
	}

	// Through the CLI, with progress lines.
	start = time.Now()
	cmd := exec.Command("walletcard", "ledger", "sync", "--json", "--progress", "lines", "--db", cliDB)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	cliTime := time.Since(start)
	var cliSum ledger.SyncSummary
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &cliSum), stdout.String())
	progressLines := strings.Count(stderr.String(), "sync: ")
	assert.GreaterOrEqual(t, progressLines, 5, "progress shown:\n%s", stderr.String())
	assert.Contains(t, stderr.String(), fmt.Sprintf("sync: %d/%d cards done", n, n))

	// The CLI's own push: the sample shows the points now, before the
	// library below pushes the same values again.
	for _, i := range sample {
		assert.Equal(t, card.WholePoints(int64(i%50+1)), cardPoints(i), "member %d", i)
	}

	// The library call on the copy.
	start = time.Now()
	libSum, err := l2.SyncPending(ctx, nil)
	require.NoError(t, err)
	libTime := time.Since(start)

	t.Logf("CLI sync of %d cards: %s (%d progress lines); library SyncPending: %s; summaries %+v / %+v",
		n, cliTime.Round(time.Millisecond), progressLines, libTime.Round(time.Millisecond), cliSum, libSum)
	assert.Equal(t, libSum, cliSum)
	assert.Equal(t, ledger.SyncSummary{Pushed: n}, cliSum)
}

func memberID(i int) string { return fmt.Sprintf("M%06d", i) }

// seedMember creates member i, has a user claim a card at the fake, opens
// and links it through the ledger, and credits points (pending sync).
func seedMember(ctx context.Context, l *ledger.Ledger, f fakeControl, tplID string, i int) error {
	id := memberID(i)
	if _, err := l.CreateMember(ctx, id, ""); err != nil {
		return err
	}
	code, err := f.Claim(ctx, tplID, fmt.Sprintf("oSync%08d", i), "")
	if err != nil {
		return err
	}
	if _, _, err := l.Open(ctx, ledger.OpenRequest{MemberID: id, Card: card.OpenRequest{Provider: card.WeChat, TemplateID: tplID, ExternalNo: id, Code: code}}); err != nil {
		return err
	}
	_, err = l.Apply(ctx, ledger.Request{Key: "seed-" + id, MemberID: id, Op: ledger.CreditPoints, Points: card.WholePoints(int64(i%50 + 1))})
	return err
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	require.NoError(t, err)
	defer in.Close()
	out, err := os.Create(to)
	require.NoError(t, err)
	_, err = io.Copy(out, in)
	require.NoError(t, err)
	require.NoError(t, out.Close())
}
