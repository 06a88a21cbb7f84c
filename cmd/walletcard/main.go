package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	card "github.com/walletcard/card"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv, hooks{})
	stop()
	os.Exit(code)
}

// run runs one walletcard command line and returns its exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, h hooks) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, hooks: h}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	a.close(context.WithoutCancel(ctx))
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errSilentExit) {
		return exitCode(errors.Unwrap(err))
	}
	if isCobraUsage(err) {
		err = usageError{err}
	}
	return a.reportError(err)
}

// isCobraUsage recognises the command-line errors cobra returns as plain
// errors (arguments, required flags, unknown commands).
func isCobraUsage(err error) bool {
	var ce *card.Error
	if errors.As(err, &ce) {
		return false
	}
	msg := err.Error()
	for _, p := range []string{"unknown command", "required flag", "accepts ", "requires at least", "requires at most", "received ", "unknown flag", "unknown shorthand", "flag needs an argument", "invalid argument", "if any flags in the group"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

const rootLong = `walletcard runs member cards on Alipay and WeChat from the command line:
card templates, claim links and QR codes, WeChat card codes, members' cards,
the member ledger (points and balance credited once and synced to every card)
and wallet events — the same operations as the Go library, for operators and
scripts.

Local fakes (no account needed)
  With no credentials configured (or with --fake) every command runs against
  local fake wallets: the library's alipaytest and wechattest gateways, with
  real signatures, tokens and state. Their state lives in memory, so a
  sequence of commands needs one fake process:

    walletcard fake serve &        # both fakes on 127.0.0.1 until interrupted

  It writes its URLs and generated credentials to fake-state.json in the
  config directory (mode 0600); every other command uses that running fake,
  or, when none runs, starts in-process fakes for that one command.

Configuration (highest precedence first)
  1. flags:       --alipay-app-id, --alipay-private-key-file, --alipay-public-key-file,
                  --alipay-sandbox, --alipay-base-url, --wechat-app-id,
                  --wechat-app-secret-file, --wechat-push-token-file,
                  --wechat-push-aes-key-file, --wechat-base-url, --db
                  (secrets only as files: a flag value shows in the process list)
  2. environment: WALLETCARD_ALIPAY_APP_ID, WALLETCARD_ALIPAY_PRIVATE_KEY,
                  WALLETCARD_ALIPAY_PUBLIC_KEY, WALLETCARD_ALIPAY_SANDBOX,
                  WALLETCARD_ALIPAY_BASE_URL, WALLETCARD_WECHAT_APP_ID,
                  WALLETCARD_WECHAT_APP_SECRET, WALLETCARD_WECHAT_PUSH_TOKEN,
                  WALLETCARD_WECHAT_PUSH_AES_KEY, WALLETCARD_WECHAT_BASE_URL,
                  WALLETCARD_LEDGER_DB (each secret also as <NAME>_FILE)
  3. config file: --config, $WALLETCARD_CONFIG, or config.yaml in the config
                  directory ($WALLETCARD_CONFIG_DIR, else $XDG_CONFIG_HOME/walletcard
                  or the OS user config dir); see 'walletcard config --help'.
  Credentials are never printed, not even with --verbose; 'walletcard config'
  shows only whether each is set and where it came from.

Output
  Tables by default; --json prints one JSON document for scripts (errors too,
  as {"error": {...}} on stdout). Long jobs (codes deposit, ledger sync,
  ledger reconcile) show a progress bar with rate and ETA on a terminal,
  plain lines otherwise (--progress), nothing with --quiet.

Exit codes
  0  success
  1  other error
  2  usage: bad command line
  3  invalid input: a field, file or setting is wrong (the message names it); nothing was sent
  4  refused by the wallet or the ledger: not found, exists, conflict, unauthenticated,
     permission denied, unsupported, insufficient funds
  5  unavailable: the wallet is down or rate limited; try again later
  6  outcome unknown: the wallet may have applied it; check before repeating
  130 interrupted (a deposit can be resumed by running it again)`

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "walletcard",
		Short:         "Member cards on Alipay and WeChat: templates, codes, cards, the ledger, events",
		Long:          rootLong,
		SilenceUsage:  true,
		SilenceErrors: true,
		Example: `  walletcard fake serve &
  walletcard template create --wallet wechat gold.yaml
  walletcard codes deposit --template pXYZ codes.csv
  walletcard card get wechat/pXYZ/123456789012 --json`,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd.Flags(), a.getenv)
			if err != nil {
				return err
			}
			a.cfg = cfg
			a.secret(cfg.secrets()...)
			switch a.progress {
			case progressAuto, progressBar, progressLines, progressNone:
			default:
				return usagef("--progress must be auto, bar, lines or none, got %q", a.progress)
			}
			return nil
		},
	}
	root.SetFlagErrorFunc(flagErrors)
	pf := root.PersistentFlags()
	pf.BoolVar(&a.json, "json", false, "print JSON for scripts instead of tables")
	pf.BoolVarP(&a.quiet, "quiet", "q", false, "print no progress and no notes")
	pf.BoolVarP(&a.verbose, "verbose", "v", false, "log every wallet call to stderr (never a credential)")
	pf.BoolVar(&a.fake, "fake", false, "use the local fake wallets even if credentials are configured")
	pf.StringVar(&a.progress, "progress", progressAuto, "progress of long jobs: auto, bar, lines or none")
	pf.String("config", "", "config file (default: config.yaml in the config directory)")
	pf.String("db", "", "ledger database file (SQLite)")
	pf.String("alipay-app-id", "", "Alipay app id")
	pf.String("alipay-private-key-file", "", "file holding the Alipay app private key (PEM)")
	pf.String("alipay-public-key-file", "", "file holding Alipay's public key (PEM)")
	pf.String("alipay-base-url", "", "Alipay gateway URL (default: production, or the sandbox)")
	pf.String("alipay-sandbox", "", "true to use Alipay's sandbox gateway")
	pf.String("wechat-app-id", "", "WeChat official account app id")
	pf.String("wechat-app-secret-file", "", "file holding the WeChat app secret")
	pf.String("wechat-push-token-file", "", "file holding the WeChat push token (server configuration)")
	pf.String("wechat-push-aes-key-file", "", "file holding the WeChat EncodingAESKey (safe mode)")
	pf.String("wechat-base-url", "", "WeChat API URL (default https://api.weixin.qq.com)")
	pf.String("wechat-qr-image-base-url", "", "WeChat QR image host (default https://mp.weixin.qq.com)")

	root.AddCommand(
		a.configCmd(),
		a.fakeCmd(),
		a.templateCmd(),
		a.claimLinkCmd(),
		a.codesCmd(),
		a.cardCmd(),
		a.eventsCmd(),
		a.ledgerCmd(),
	)
	return root
}

// errSilentExit wraps an error whose report the command printed itself
// (for example a deposit summary); run only maps it to an exit code.
var errSilentExit = errors.New("reported")

type silentExit struct{ err error }

func (e silentExit) Error() string        { return e.err.Error() }
func (e silentExit) Unwrap() error        { return e.err }
func (e silentExit) Is(target error) bool { return target == errSilentExit }
