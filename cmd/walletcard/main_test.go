package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/skip2/go-qrcode"
	"github.com/stretchr/testify/require"

	"github.com/walletcard/card/alipay/alipaytest"
	"github.com/walletcard/card/wechat/wechattest"
)

// TestMain makes the test binary the real walletcard command for the
// scripts (testscript installs it in $PATH as "walletcard").
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"walletcard": walletcardUnderTest,
	})
}

// walletcardUnderTest runs walletcard as main does, and also copies its
// stdout and stderr to $WALLETCARD_TEST_LOG/out-<pid>.log and records every
// credential it used in $WALLETCARD_TEST_LOG/secrets-<pid>.jsonl, so that
// TestScripts can check that no credential appears in any output of the
// suite.
func walletcardUnderTest() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	var stdout, stderr io.Writer = os.Stdout, os.Stderr
	h := hooks{}
	if dir := os.Getenv("WALLETCARD_TEST_LOG"); dir != "" {
		pid := strconv.Itoa(os.Getpid())
		out, err := os.Create(filepath.Join(dir, "out-"+pid+".log"))
		if err != nil {
			panic(err)
		}
		defer out.Close()
		sec, err := os.Create(filepath.Join(dir, "secrets-"+pid+".jsonl"))
		if err != nil {
			panic(err)
		}
		defer sec.Close()
		stdout, stderr = io.MultiWriter(os.Stdout, out), io.MultiWriter(os.Stderr, out)
		enc := json.NewEncoder(sec)
		h.secret = func(s string) { _ = enc.Encode(s) }
	}
	code := run(ctx, os.Args[1:], os.Stdin, stdout, stderr, os.Getenv, h)
	stop()
	os.Exit(code) // the log files are unbuffered: nothing is lost
}

// liveFakes are fakes started by the test process, used by the scripts as
// "real" configured wallets (credentials through env vars, flags and the
// config file), unlike the fakes the command starts itself.
type liveFakes struct {
	ali *alipaytest.Server
	wx  *wechattest.Server
}

func TestScripts(t *testing.T) { runScripts(t, "testdata/script") }

// runScripts runs the scripts of dir, then checks that no credential used by
// any walletcard process appears in anything they printed.
func runScripts(t *testing.T, dir string) {
	logDir := t.TempDir()
	live := liveFakes{
		ali: alipaytest.NewServer(&alipaytest.Options{AppID: "2021000000000042", FreshKeys: true}),
		wx:  wechattest.NewServer(&wechattest.Options{AppID: "wx00000000000000aa", AppSecret: "live-secret-" + randomHex(8), PushToken: "live-push-" + randomHex(6)}),
	}
	t.Cleanup(live.ali.Close)
	t.Cleanup(live.wx.Close)
	// After every script has run: no credential in any output.
	t.Cleanup(func() { checkNoSecrets(t, logDir, []string{live.ali.AppPrivateKey(), live.wx.AppSecret()}) })

	testscript.Run(t, testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("WALLETCARD_CONFIG_DIR", filepath.Join(e.WorkDir, "config"))
			e.Setenv("WALLETCARD_TEST_LOG", logDir)
			e.Setenv("LIVE_ALIPAY_URL", live.ali.URL())
			e.Setenv("LIVE_ALIPAY_APP_ID", live.ali.AppID())
			e.Setenv("LIVE_WECHAT_URL", live.wx.URL())
			e.Setenv("LIVE_WECHAT_APP_ID", live.wx.AppID())
			// Secrets only as files, as an operator would keep them.
			for name, v := range map[string]string{
				"alipay-key.pem": live.ali.AppPrivateKey(), "alipay-public.pem": live.ali.AlipayPublicKey(),
				"wechat-secret.txt": live.wx.AppSecret(),
			} {
				if err := os.WriteFile(filepath.Join(e.WorkDir, name), []byte(v), 0o600); err != nil {
					return err
				}
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitfile":     cmdWaitFile,
			"jsonset":      cmdJSONSet,
			"gencodes":     cmdGenCodes,
			"setline":      cmdSetLine,
			"exitcode":     cmdExitCode,
			"mkpng":        cmdMkPNG,
			"qrpng":        cmdQRPNG,
			"cmpenv":       cmdCmpEnv,
			"postunsigned": cmdPostUnsigned,
		},
	})
}

// checkNoSecrets fails the test if any credential reported by the
// walletcard processes of the suite (or in extra) appears in their output.
func checkNoSecrets(t *testing.T, dir string, extra []string) {
	sc := scanForSecrets(t, dir, extra)
	for _, h := range sc.hits {
		t.Errorf("a credential appears in the output of the suite: %s", h)
	}
	t.Logf("no-credential check: %d credentials reported by %d walletcard processes, %d credentials and key pieces looked for in %d bytes of output, %d hits",
		sc.reported, sc.processes, sc.checked, sc.size, len(sc.hits))
	require.Positive(t, sc.processes, "the suite ran walletcard")
	require.Greater(t, sc.reported, 4, "the processes reported their credentials")
}

// secretScan is what scanForSecrets found.
type secretScan struct {
	hits      []string // a description of each credential found in the output
	processes int      // walletcard processes that wrote a secrets file
	reported  int      // distinct credentials read from those files (extra not counted)
	checked   int      // credentials (reported and extra) and PEM key pieces looked for
	size      int      // bytes of output
}

// scanForSecrets reads every credential the walletcard processes reported
// (secrets-*.jsonl) and every byte they printed (out-*.log), and looks in
// the output for each credential: a whole credential, or any 16 characters
// of a PEM key's body.
func scanForSecrets(t *testing.T, dir string, extra []string) secretScan {
	var sc secretScan
	var whole []string
	var keys []string
	seen := map[string]bool{}
	add := func(s string) {
		s = strings.TrimSpace(s)
		if len(s) < 6 || seen[s] {
			return
		}
		seen[s] = true
		whole = append(whole, s)
		if strings.Contains(s, "-----BEGIN") {
			keys = append(keys, s)
		}
	}
	for _, s := range extra {
		add(s)
	}
	files, err := filepath.Glob(filepath.Join(dir, "secrets-*.jsonl"))
	require.NoError(t, err)
	sc.processes = len(files)
	reported := map[string]bool{}
	for _, f := range files {
		fh, err := os.Open(f)
		require.NoError(t, err)
		lines := bufio.NewScanner(fh)
		lines.Buffer(make([]byte, 1<<20), 1<<20)
		for lines.Scan() {
			var s string
			require.NoError(t, json.Unmarshal(lines.Bytes(), &s))
			if s = strings.TrimSpace(s); s != "" {
				reported[s] = true
			}
			add(s)
		}
		fh.Close()
	}
	sc.reported = len(reported)
	outs, err := filepath.Glob(filepath.Join(dir, "out-*.log"))
	require.NoError(t, err)
	var all strings.Builder
	for _, f := range outs {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		all.Write(b)
		all.WriteByte('\n')
	}
	text := all.String()
	for _, s := range whole {
		if strings.Contains(text, s) {
			sc.hits = append(sc.hits, fmt.Sprintf("a credential of %d characters starting %q", len(s), s[:3]))
		}
	}
	// Every 16-character window of the output, against every 16-character
	// window of each key's base64 body.
	const w = 16
	windows := make(map[string]bool, len(text))
	for i := 0; i+w <= len(text); i++ {
		windows[text[i:i+w]] = true
	}
	pieces := 0
	for _, k := range keys {
		for _, line := range strings.Split(k, "\n") {
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "-----") {
				continue
			}
			for i := 0; i+w <= len(line); i++ {
				pieces++
				if windows[line[i:i+w]] {
					sc.hits = append(sc.hits, fmt.Sprintf("16 characters of a PEM key: %q", line[i:i+w]))
				}
			}
		}
	}
	sc.checked, sc.size = len(whole)+pieces, len(text)
	return sc
}

// exitcode N PROG [ARGS...]: run PROG as exec does (its stdout and stderr
// are kept for the commands that follow) and fail unless it exits with
// status N, for the documented exit codes.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// waitfile FILE [SECONDS]: wait until FILE exists and is not empty.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 {
		ts.Fatalf("usage: waitfile FILE [SECONDS]")
	}
	limit := 20 * time.Second
	if len(args) > 1 {
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		limit = time.Duration(n) * time.Second
	}
	path := ts.MkAbs(args[0])
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if st, err := os.Stat(path); err == nil && st.Size() > 0 {
			return
		}
	}
	ts.Fatalf("%s did not appear within %s", args[0], limit)
}

// jsonset VAR FILE PATH: set VAR to the value at PATH (dot-separated keys
// and indexes) of the JSON in FILE ("stdout" is the last command's).
func cmdJSONSet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: jsonset VAR FILE PATH")
	}
	var v any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[1])), &v))
	for _, k := range strings.Split(args[2], ".") {
		switch t := v.(type) {
		case map[string]any:
			v = t[k]
		case []any:
			i, err := strconv.Atoi(k)
			ts.Check(err)
			if i < 0 {
				i += len(t)
			}
			v = t[i]
		default:
			ts.Fatalf("no %s in the JSON", args[2])
		}
	}
	ts.Setenv(args[0], fmt.Sprint(v))
}

// gencodes N FILE [PREFIX]: write N distinct codes, one per line.
func cmdGenCodes(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: gencodes N FILE [PREFIX]")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	prefix := "C"
	if len(args) > 2 {
		prefix = args[2]
	}
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%s%08d\n", prefix, i)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(b.String()), 0o644))
}

// setline FILE N TEXT: replace line N (1-based) of FILE with TEXT; a TEXT in
// double quotes is unquoted as a Go string, so that "\u200b" writes an
// invisible character the script still shows.
func cmdSetLine(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: setline FILE N TEXT")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	text := args[2]
	if strings.HasPrefix(text, `"`) {
		text, err = strconv.Unquote(text)
		ts.Check(err)
	}
	lines := strings.SplitAfter(ts.ReadFile(args[0]), "\n")
	if n < 1 || n > len(lines) {
		ts.Fatalf("%s has no line %d", args[0], n)
	}
	lines[n-1] = text + "\n"
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(strings.Join(lines, "")), 0o644))
}

// mkpng FILE: write a small PNG (a card logo).
func cmdMkPNG(ts *testscript.TestScript, neg bool, args []string) {
	b, err := base64.StdEncoding.DecodeString(logoPNG)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), b, 0o644))
}

// logoPNG is a 1×1 PNG.
const logoPNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGM4s2M7AASAAmHKbCbiAAAAAElFTkSuQmCC"

// mustPNG returns logoPNG's bytes.
func mustPNG(t *testing.T) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(logoPNG)
	require.NoError(t, err)
	return b
}

// qrpng FILE URL: FILE is a PNG of the QR code of URL (module for module).
func cmdQRPNG(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: qrpng FILE URL")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	img, err := png.Decode(f)
	ts.Check(err)
	q, err := qrcode.New(args[1], qrcode.Medium)
	ts.Check(err)
	bm := q.Bitmap() // with its quiet zone
	b := img.Bounds()
	if b.Dx() != b.Dy() || b.Dx() < len(bm) {
		ts.Fatalf("image %dx%d cannot hold %d modules", b.Dx(), b.Dy(), len(bm))
	}
	scale := float64(b.Dx()) / float64(len(bm))
	bad := 0
	for y := range bm {
		for x := range bm {
			px := img.At(b.Min.X+int((float64(x)+0.5)*scale), b.Min.Y+int((float64(y)+0.5)*scale))
			r, _, _, _ := px.RGBA()
			if (r < 0x8000) != bm[y][x] {
				bad++
			}
		}
	}
	if (bad == 0) == neg {
		ts.Fatalf("%d of %d modules differ from the QR code of %s", bad, len(bm)*len(bm), args[1])
	}
}

// cmpenv VAR VALUE: the variable holds VALUE.
func cmdCmpEnv(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: cmpenv VAR VALUE")
	}
	if (ts.Getenv(args[0]) == args[1]) == neg {
		ts.Fatalf("$%s is %q, want %s%q", args[0], ts.Getenv(args[0]), map[bool]string{true: "not ", false: ""}[neg], args[1])
	}
}

// postunsigned URLFILE STATUS: POST a card event with a made-up signature to
// the URL in URLFILE and check the answer's status.
func cmdPostUnsigned(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: postunsigned URLFILE STATUS")
	}
	u := strings.TrimSpace(ts.ReadFile(args[0]))
	q := fmt.Sprintf("?signature=%040d&timestamp=%d&nonce=123", 0, time.Now().Unix())
	body := "<xml><ToUserName>gh_1</ToUserName><FromUserName>oX</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>user_get_card</Event><CardId>p1</CardId><UserCardCode>1</UserCardCode></xml>"
	resp, err := http.Post(u+q, "text/xml", strings.NewReader(body))
	ts.Check(err)
	resp.Body.Close()
	if want := args[1]; strconv.Itoa(resp.StatusCode) != want {
		ts.Fatalf("status %d, want %s", resp.StatusCode, want)
	}
}
