package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDepositInterruptedBySignal deposits 10,000 codes against `walletcard
// fake serve` with 20 ms of latency per deposit call, sends SIGINT once the
// journal shows 30 batches done, and resumes: the first run exits 130 after
// letting the batches in flight finish, the second sends only the rest, and
// the fake has received every code exactly once in 100 calls.
func TestDepositInterruptedBySignal(t *testing.T) {
	dir := t.TempDir()
	env := append(os.Environ(), "WALLETCARD_CONFIG_DIR="+dir, "WALLETCARD_WECHAT_APP_ID=", "WALLETCARD_ALIPAY_APP_ID=", "WALLETCARD_TEST_LOG=")
	wc := func(args ...string) (string, string, int) {
		cmd := exec.Command("walletcard", args...)
		cmd.Env, cmd.Dir = env, dir
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			require.NoError(t, err)
		}
		return out.String(), errb.String(), code
	}
	serve := exec.Command("walletcard", "fake", "serve")
	serve.Env = env
	require.NoError(t, serve.Start())
	t.Cleanup(func() {
		_ = serve.Process.Signal(syscall.SIGINT)
		_ = serve.Wait()
	})
	require.Eventually(t, func() bool { _, err := os.Stat(stateFile(dir)); return err == nil }, 20*time.Second, 20*time.Millisecond)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "logo.png"), mustPNG(t), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "deposit.yaml"), []byte(depositCardYAML), 0o644))
	out, errs, code := wc("template", "create", "deposit.yaml", "--json")
	require.Zero(t, code, errs)
	var tpl struct{ ID string }
	require.NoError(t, json.Unmarshal([]byte(out), &tpl))
	var codes strings.Builder
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&codes, "S%08d\n", i)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "codes.txt"), []byte(codes.String()), 0o644))
	_, errs, code = wc("fake", "fault", "--wallet", "wechat", "--op", "/card/code/deposit", "--latency", "20ms")
	require.Zero(t, code, errs)

	// First run: SIGINT when 30 batches are in the journal.
	start := time.Now()
	cmd := exec.Command("walletcard", "codes", "deposit", "--template", tpl.ID, "codes.txt", "--json", "--concurrency", "4", "--progress", "lines")
	cmd.Env, cmd.Dir = env, dir
	var out1, err1 bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out1, &err1
	require.NoError(t, cmd.Start())
	journal := filepath.Join(dir, "codes.txt.journal")
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(journal)
		return strings.Count(string(b), `"state":"done"`) >= 30
	}, 30*time.Second, 2*time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	err := cmd.Wait()
	first := time.Since(start)
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, err1.String())
	assert.Equal(t, exitInterrupted, ee.ExitCode(), err1.String())
	assert.Contains(t, err1.String(), "finishing the batches in flight")
	var s1 depositSummary
	require.NoError(t, json.Unmarshal(out1.Bytes(), &s1), out1.String())
	assert.True(t, s1.Interrupted)
	assert.Less(t, s1.BatchesDone, 100)
	assert.Equal(t, s1.BatchesDone*100, s1.Deposited)
	assert.Equal(t, s1.BatchesDone, s1.CallsThisRun, "the batches in flight finished; none was cut")

	// Second run: the rest.
	start = time.Now()
	out, errs, code = wc("codes", "deposit", "--template", tpl.ID, "codes.txt", "--json", "--progress", "lines")
	second := time.Since(start)
	require.Zero(t, code, errs)
	var s2 depositSummary
	require.NoError(t, json.Unmarshal([]byte(out), &s2))
	assert.True(t, s2.Complete)
	assert.Equal(t, 10000, s2.Deposited)
	assert.Equal(t, 100-s1.BatchesDone, s2.CallsThisRun)
	assert.Contains(t, errs, "resuming from")

	r := &remoteFakes{hc: &http.Client{Timeout: 10 * time.Second}}
	b, err := os.ReadFile(stateFile(dir))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &r.st))
	stats, err := r.DepositStats(context.Background())
	require.NoError(t, err)
	assert.Equal(t, depositStats{Calls: 100, Codes: 10000, Distinct: 10000, MaxSends: 1}, stats)
	t.Logf("SIGINT after %d batches; first run %s, resumed run %s (%d calls); at the fake: %+v",
		s1.BatchesDone, first.Round(time.Millisecond), second.Round(time.Millisecond), s2.CallsThisRun, stats)
}

const depositCardYAML = `wallet: wechat
logo: logo.png
wechat_card:
  card_type: MEMBER_CARD
  member_card:
    base_info:
      code_type: CODE_TYPE_TEXT
      brand_name: 钱包卡咖啡
      title: 储值卡
      color: Color010
      notice: 出示会员卡
      description: 凭码消费
      sku: {quantity: 0}
      date_info: {type: DATE_TYPE_PERMANENT}
      use_custom_code: true
      get_custom_code_mode: GET_CUSTOM_CODE_MODE_DEPOSIT
    prerogative: 会员九折
    supply_bonus: true
    supply_balance: false
`

// TestNoSecretsCheckFindsALeak plants a credential and a piece of a PEM key
// in a fake suite log and checks that the scan of TestScripts finds both.
func TestNoSecretsCheckFindsALeak(t *testing.T) {
	dir := t.TempDir()
	key := "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAwUff0zSXk2hHSbF/alzPG9RhpKpsYfU/LgbmWIL9VNL7mmZK\n-----END RSA PRIVATE KEY-----\n"
	sec, _ := json.Marshal("app-secret-123456")
	k, _ := json.Marshal(key)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "secrets-1.jsonl"), append(append(sec, '\n'), append(k, '\n')...), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "out-1.log"), []byte("ok\nsigned with …G9RhpKpsYfU/LgbmWIL9… and app-secret-123456\n"), 0o600))
	sc := scanForSecrets(t, dir, nil)
	assert.Equal(t, 1, sc.processes)
	assert.Equal(t, 2, sc.reported)
	assert.Greater(t, sc.checked, 2)
	require.NotEmpty(t, sc.hits)
	assert.Contains(t, sc.hits[0], "a credential of 17 characters")
	assert.Len(t, sc.hits, 1+5, "the secret, and the 5 windows of 16 characters of the key in the 20 leaked")
	sc = scanForSecrets(t, dir, []string{"never-printed-value"})
	assert.Len(t, sc.hits, 6)
	assert.Equal(t, 2, sc.reported, "extra credentials are not counted as reported")

	// No process reported anything: a live PEM key in extra still makes
	// many pieces to look for, but none was reported.
	sc = scanForSecrets(t, t.TempDir(), []string{key})
	assert.Zero(t, sc.processes)
	assert.Zero(t, sc.reported)
	assert.Positive(t, sc.checked)
}
