package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/wechat"
)

// hooks let tests observe a run; main passes none.
type hooks struct {
	// secret is told every credential the run used (from any source,
	// including the fakes' generated ones), so that a test can check that
	// none of them appears in any output.
	secret func(string)
}

// app is one invocation of walletcard: its streams, global flags and the
// wallets it builds on demand.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	hooks          hooks

	// global flags
	json, quiet, verbose, fake bool
	progress                   string

	cfg *Config

	mu       sync.Mutex
	fakes    fakeControl // nil in live mode
	local    *localFakes // in-process fakes to close at the end
	alipayP  *alipay.Provider
	wechatP  *wechat.Provider
	closeFns []func()
}

func (a *app) close(ctx context.Context) {
	if a.fakes != nil && a.hooks.secret != nil {
		for _, t := range a.fakes.AccessTokens(ctx) {
			a.hooks.secret(t)
		}
	}
	for i := len(a.closeFns) - 1; i >= 0; i-- {
		a.closeFns[i]()
	}
	if a.local != nil {
		a.local.Close()
	}
}

func (a *app) secret(vals ...string) {
	if a.hooks.secret == nil {
		return
	}
	for _, v := range vals {
		if v != "" {
			a.hooks.secret(v)
		}
	}
}

// logf writes an informational line to stderr unless --quiet.
func (a *app) logf(format string, args ...any) {
	if a.quiet {
		return
	}
	fmt.Fprintf(a.stderr, format+"\n", args...)
}

// vlogf writes a line to stderr with --verbose only.
func (a *app) vlogf(format string, args ...any) {
	if a.verbose && !a.quiet {
		fmt.Fprintf(a.stderr, format+"\n", args...)
	}
}

// live reports whether real credentials are configured (and --fake not given).
func (a *app) live() bool {
	return !a.fake && (a.cfg.Alipay.configured() || a.cfg.WeChat.configured())
}

// fakeControl returns the fakes the command uses, starting in-process ones
// when no `walletcard fake serve` runs. It fails in live mode.
func (a *app) fakeCtl(ctx context.Context) (fakeControl, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.live() {
		return nil, &card.Error{Provider: "walletcard", Op: "fake", Kind: card.KindInvalidArgument, Field: "--fake", Message: "credentials are configured, so the wallets are real; pass --fake to use the local fakes"}
	}
	if a.fakes != nil {
		return a.fakes, nil
	}
	r, warn, err := readFakeState(ctx, a.cfg.Dir)
	if err != nil {
		return nil, err
	}
	if warn != "" {
		a.logf("walletcard: %s", warn)
	}
	if r != nil {
		a.fakes = r
		a.vlogf("walletcard: using the local fakes of `walletcard fake serve` (pid %d)", r.st.PID)
	} else {
		l, err := startFakes()
		if err != nil {
			return nil, err
		}
		a.local, a.fakes = l, l
		a.logf("walletcard: no credentials configured and no `walletcard fake serve` running: using in-process fakes (their state ends with this command)")
	}
	a.secret(a.fakes.Creds().secrets()...)
	return a.fakes, nil
}

func (a *app) logger() *slog.Logger {
	if !a.verbose {
		return nil
	}
	return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// alipayProvider builds the Alipay provider from the configuration or the fakes.
func (a *app) alipayProvider(ctx context.Context) (*alipay.Provider, error) {
	if a.alipayP != nil {
		return a.alipayP, nil
	}
	var appID, key, pub, base string
	sandbox := false
	if a.live() {
		c := a.cfg.Alipay
		if !c.configured() {
			return nil, notConfigured(card.Alipay, "alipay.app_id", "WALLETCARD_ALIPAY_APP_ID")
		}
		if !c.PrivateKey.set() {
			return nil, notConfigured(card.Alipay, "alipay.private_key", "WALLETCARD_ALIPAY_PRIVATE_KEY")
		}
		if !c.PublicKey.set() {
			return nil, notConfigured(card.Alipay, "alipay.alipay_public_key", "WALLETCARD_ALIPAY_PUBLIC_KEY")
		}
		appID, key, pub, base = c.AppID.Value, c.PrivateKey.Value, c.PublicKey.Value, c.BaseURL.Value
		if c.Sandbox.set() {
			b, err := strconv.ParseBool(c.Sandbox.Value)
			if err != nil {
				return nil, invalidArg("alipay.sandbox", "must be true or false (%s)", c.Sandbox.Source)
			}
			sandbox = b
		}
	} else {
		f, err := a.fakeCtl(ctx)
		if err != nil {
			return nil, err
		}
		c := f.Creds().Alipay
		appID, key, pub, base = c.AppID, c.PrivateKey, c.PublicKey, c.URL
	}
	a.secret(key)
	p, err := alipay.NewFromKeys(appID, key, pub, &alipay.Options{BaseURL: base, Sandbox: sandbox, Logger: a.logger()})
	if err != nil {
		return nil, err
	}
	a.alipayP = p
	return p, nil
}

// wechatProvider builds the WeChat provider from the configuration or the fakes.
func (a *app) wechatProvider(ctx context.Context) (*wechat.Provider, error) {
	if a.wechatP != nil {
		return a.wechatP, nil
	}
	var appID, secret string
	opts := &wechat.Options{Logger: a.logger()}
	if a.live() {
		c := a.cfg.WeChat
		if !c.configured() {
			return nil, notConfigured(card.WeChat, "wechat.app_id", "WALLETCARD_WECHAT_APP_ID")
		}
		if !c.AppSecret.set() {
			return nil, notConfigured(card.WeChat, "wechat.app_secret", "WALLETCARD_WECHAT_APP_SECRET")
		}
		appID, secret = c.AppID.Value, c.AppSecret.Value
		opts.BaseURL, opts.QRImageBaseURL = c.BaseURL.Value, c.QRImageBaseURL.Value
		opts.PushToken, opts.PushAESKey = c.PushToken.Value, c.PushAESKey.Value
	} else {
		f, err := a.fakeCtl(ctx)
		if err != nil {
			return nil, err
		}
		c := f.Creds().WeChat
		appID, secret = c.AppID, c.AppSecret
		opts.BaseURL, opts.QRImageBaseURL = c.URL, c.QRImageURL
		opts.PushToken, opts.PushAESKey = c.PushToken, c.PushAESKey
	}
	a.secret(secret, opts.PushToken, opts.PushAESKey)
	p, err := wechat.NewFromCredentials(appID, secret, opts)
	if err != nil {
		return nil, err
	}
	a.wechatP = p
	return p, nil
}

// wallet returns the neutral provider of one wallet.
func (a *app) wallet(ctx context.Context, name string) (card.MemberCard, error) {
	switch name {
	case card.Alipay:
		return a.alipayProvider(ctx)
	case card.WeChat:
		return a.wechatProvider(ctx)
	}
	return nil, invalidArg("--wallet", "must be alipay or wechat, got %q", name)
}

func notConfigured(wallet, key, env string) error {
	return &card.Error{Provider: "walletcard", Op: "config", Kind: card.KindInvalidArgument, Field: key,
		Message: fmt.Sprintf("%s is not configured: set %s (or %s in the config file), or pass --fake", wallet, env, key)}
}

func invalidArg(field, format string, args ...any) error {
	return &card.Error{Provider: "walletcard", Kind: card.KindInvalidArgument, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Exit codes, documented in the package doc and `walletcard --help`.
const (
	exitOK          = 0
	exitError       = 1 // anything else (a bug, a local file that cannot be written …)
	exitUsage       = 2 // bad command line
	exitInvalid     = 3 // invalid input: card.ErrInvalidArgument, a bad file, missing configuration
	exitRefused     = 4 // the wallet (or the ledger) refused: not found, exists, conflict, unauthenticated, permission, unsupported
	exitUnavailable = 5 // the wallet is unavailable or rate limited; try again later
	exitUnknown     = 6 // the outcome is unknown: the wallet may have applied it; check before repeating
	exitInterrupted = 130
)

// usageError marks a command-line error (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// errInterrupted ends a command that stopped on SIGINT/SIGTERM (exit 130).
var errInterrupted = errors.New("interrupted")

// exitCode maps an error to the documented exit codes.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, errInterrupted), errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.Is(err, card.ErrOutcomeUnknown):
		return exitUnknown
	}
	switch card.KindOf(err) {
	case card.KindInvalidArgument:
		return exitInvalid
	case card.KindNotFound, card.KindAlreadyExists, card.KindConflict, card.KindUnauthenticated,
		card.KindPermissionDenied, card.KindUnsupported:
		return exitRefused
	case card.KindUnavailable, card.KindRateLimited:
		return exitUnavailable
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return exitUnavailable
	}
	return exitError
}

// reportError prints err on stderr and, with --json, as an object on stdout.
func (a *app) reportError(err error) int {
	code := exitCode(err)
	msg := err.Error()
	if !strings.HasPrefix(msg, "walletcard") {
		msg = "walletcard: " + msg
	}
	fmt.Fprintln(a.stderr, msg)
	if code == exitUsage {
		fmt.Fprintln(a.stderr, "Run 'walletcard --help' for usage.")
	}
	if a.json {
		e := map[string]any{"message": err.Error(), "exit_code": code}
		var ce *card.Error
		if errors.As(err, &ce) {
			e["kind"] = ce.Kind.String()
			if ce.Field != "" {
				e["field"] = ce.Field
			}
			if ce.Provider != "" {
				e["provider"] = ce.Provider
			}
			if ce.Code != "" {
				e["code"] = ce.Code
			}
		}
		e["outcome_unknown"] = errors.Is(err, card.ErrOutcomeUnknown)
		a.writeJSON(map[string]any{"error": e})
	}
	return code
}

// flagErrors turns cobra's flag errors into usage errors.
func flagErrors(_ *cobra.Command, err error) error { return usageError{err} }
