package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	card "github.com/walletcard/card"
)

func (a *app) configCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "Show the configuration and where each value comes from (never a secret's value)",
		Long: `Show the resolved configuration: each value with its source (flag, env,
file or default). Secrets (the Alipay private key, the WeChat app secret,
push token and AES key) show only as (set) or (not set).

The config file is YAML:

  alipay:
    app_id: "2021000000000000"
    private_key_file: alipay-app-key.pem    # or private_key: | PEM
    alipay_public_key_file: alipay-public.pem
    sandbox: true
  wechat:
    app_id: wx0000000000000000
    app_secret_file: wechat-secret.txt      # or app_secret: ...
    push_token_file: wechat-push-token.txt
    push_aes_key_file: wechat-aes-key.txt
  ledger:
    db: /var/lib/walletcard/ledger.db

Relative *_file paths are read from the config file's directory. Keep the
file mode 0600.`,
		Example: `  walletcard config
  WALLETCARD_WECHAT_APP_ID=wx123 walletcard config --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			mode := "fake (no credentials configured)"
			if a.fake {
				mode = "fake (--fake)"
			} else if a.live() {
				mode = "live"
			}
			rows := a.cfg.rows()
			a.output(map[string]any{"mode": mode, "config_dir": a.cfg.Dir, "config_file": a.cfg.File, "settings": settingsJSON(rows)}, func() {
				a.keyValues([2]string{"mode", mode}, [2]string{"config dir", a.cfg.Dir}, [2]string{"config file", orDash(a.cfg.File)})
				a.table([]string{"KEY", "VALUE", "SOURCE"}, rows)
			})
			return nil
		},
	}
}

func settingsJSON(rows [][]string) []map[string]string {
	out := make([]map[string]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, map[string]string{"key": r[0], "value": r[1], "source": r[2]})
	}
	return out
}

func (a *app) fakeCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "fake",
		Short: "Run the local fake wallets and act as their users (no account needed)",
		Long: `The local fakes are the library's alipaytest and wechattest gateways: real
signatures, tokens and state, in memory. 'fake serve' keeps them running for a
sequence of commands; the other subcommands do what a wallet user would
(claim a WeChat card, authorize an Alipay app, delete a card) and read the
fakes' counters.`,
	}
	c.AddCommand(a.fakeServeCmd(), a.fakeClaimCmd(), a.fakeUserCmd(), a.fakeDeleteCmd(), a.fakeCallsCmd(), a.fakeFaultCmd(), a.fakeWaitCmd())
	return c
}

func (a *app) fakeServeCmd() *cobra.Command {
	addr := ""
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run both fake wallets on 127.0.0.1 until interrupted",
		Long: `Start the fake Alipay gateway and the fake WeChat API on loopback with
freshly generated credentials, write their URLs and credentials to
fake-state.json in the config directory (mode 0600), and serve until
interrupted (Ctrl-C or SIGTERM), then remove the state file. Every other
command without configured credentials uses this running fake.

The fake ledger database (fake-ledger.db in the config directory) is emptied
at start, since the cards it linked lived in an earlier fake.`,
		Example: `  walletcard fake serve &
  walletcard template create --wallet wechat gold.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if r, _, err := readFakeState(ctx, a.cfg.Dir); err == nil && r != nil {
				return &card.Error{Provider: "walletcard", Op: "fake serve", Kind: card.KindAlreadyExists, Message: "a fake is already running (pid " + itoa(r.st.PID) + "); stop it first"}
			}
			f, err := startFakes()
			if err != nil {
				return err
			}
			defer f.Close()
			a.secret(f.creds.secrets()...)
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return invalidArg("--admin-addr", "%v", err)
			}
			st := &fakeState{PID: os.Getpid(), Started: time.Now().UTC(), AdminURL: "http://" + ln.Addr().String(), AdminToken: randomHex(16), fakeCreds: f.creds}
			a.secret(st.AdminToken)
			srv := &http.Server{Handler: f.adminHandler(st.AdminToken), ReadHeaderTimeout: 10 * time.Second}
			go srv.Serve(ln) //nolint:errcheck // ends with Close
			defer srv.Close()
			for _, name := range []string{"fake-ledger.db", "fake-ledger.db-wal", "fake-ledger.db-shm"} {
				_ = os.Remove(filepath.Join(a.cfg.Dir, name))
			}
			if err := writeFakeState(a.cfg.Dir, st); err != nil {
				return err
			}
			defer os.Remove(stateFile(a.cfg.Dir))
			a.output(map[string]any{"pid": st.PID, "state_file": stateFile(a.cfg.Dir), "alipay_url": f.creds.Alipay.URL, "wechat_url": f.creds.WeChat.URL}, func() {
				a.keyValues(
					[2]string{"alipay", f.creds.Alipay.URL},
					[2]string{"wechat", f.creds.WeChat.URL},
					[2]string{"state", stateFile(a.cfg.Dir)},
				)
				a.logf("walletcard: fakes running (pid %d); Ctrl-C to stop", st.PID)
			})
			<-ctx.Done()
			// Report the access tokens issued, for the test hook.
			for _, t := range f.AccessTokens(context.Background()) {
				a.secret(t)
			}
			a.logf("walletcard: fakes stopped")
			return nil
		},
	}
	c.Flags().StringVar(&addr, "admin-addr", "127.0.0.1:0", "loopback address of the admin endpoint the other commands use")
	return c
}

func (a *app) fakeClaimCmd() *cobra.Command {
	var template, openid, channel string
	c := &cobra.Command{
		Use:   "claim --template CARD_ID",
		Short: "A WeChat user claims a card of a template (prints the code)",
		Long: `Simulate a WeChat user claiming a card (scanning its QR code): the fake
gives the user a code (from the deposited codes for a deposit-mode card) and
pushes user_get_card to the events URL, if one is set. Open the card with
'walletcard ledger open --code CODE' or read it with 'walletcard card get'.`,
		Example: `  walletcard fake claim --template pXYZ --openid oUser1`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := a.fakeCtl(cmd.Context())
			if err != nil {
				return err
			}
			code, err := f.Claim(cmd.Context(), template, openid, channel)
			if err != nil {
				return err
			}
			ref := card.Ref{Provider: card.WeChat, TemplateID: template, CardNo: code}
			a.output(map[string]string{"code": code, "ref": ref.String()}, func() { a.keyValues([2]string{"code", code}, [2]string{"ref", ref.String()}) })
			return nil
		},
	}
	c.Flags().StringVar(&template, "template", "", "the WeChat card_id (required)")
	c.Flags().StringVar(&openid, "openid", "", "the user's openid (default: a new user)")
	c.Flags().StringVar(&channel, "channel", "", "outer_str, as a claim link's channel")
	_ = c.MarkFlagRequired("template")
	return c
}

func (a *app) fakeUserCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "user",
		Short: "A new Alipay user authorizes the app (auth_ecard); prints the user id and the one-time auth code",
		Long: `Simulate a new Alipay user approving the app's OAuth request with scope
auth_ecard. Prints the user id and the one-time auth_code your redirect_uri
would receive; 'walletcard ledger open --wallet alipay --holder USER
--auth-code CODE' exchanges it for the user's token (never printed) and opens
the card.`,
		Example: `  walletcard fake user --json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := a.fakeCtl(cmd.Context())
			if err != nil {
				return err
			}
			u, code, err := f.NewAlipayUser(cmd.Context())
			if err != nil {
				return err
			}
			a.output(map[string]string{"user_id": u, "auth_code": code}, func() { a.keyValues([2]string{"user id", u}, [2]string{"auth code", code}) })
			return nil
		},
	}
}

func (a *app) fakeDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "delete-by-user REF",
		Short:   "A WeChat user deletes a card from their wallet (pushes user_del_card)",
		Example: `  walletcard fake delete-by-user wechat/pXYZ/123456789012`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := parseRef(args[0])
			if err != nil {
				return err
			}
			if ref.Provider != card.WeChat {
				return invalidArg("ref", "only WeChat users delete cards in the fake")
			}
			f, err := a.fakeCtl(cmd.Context())
			if err != nil {
				return err
			}
			if err := f.DeleteByUser(cmd.Context(), ref.TemplateID, ref.CardNo); err != nil {
				return err
			}
			a.output(map[string]string{"deleted": ref.String()}, func() { a.keyValues([2]string{"deleted", ref.String()}) })
			return nil
		},
	}
}

func (a *app) fakeCallsCmd() *cobra.Command {
	var wallet, op string
	var deposits bool
	c := &cobra.Command{
		Use:   "calls",
		Short: "How many calls reached a fake (per operation), or what reached /card/code/deposit",
		Example: `  walletcard fake calls --wallet wechat --op /card/code/deposit
  walletcard fake calls --deposits --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := a.fakeCtl(cmd.Context())
			if err != nil {
				return err
			}
			if deposits {
				s, err := f.DepositStats(cmd.Context())
				if err != nil {
					return err
				}
				a.output(s, func() {
					a.keyValues([2]string{"deposit calls", itoa(s.Calls)}, [2]string{"codes received", itoa(s.Codes)},
						[2]string{"distinct codes", itoa(s.Distinct)}, [2]string{"most sends of one code", itoa(s.MaxSends)})
				})
				return nil
			}
			if wallet == "" {
				return usageError{errors.New("--wallet or --deposits is required")}
			}
			n, err := f.Calls(cmd.Context(), wallet, op)
			if err != nil {
				return err
			}
			a.output(map[string]any{"wallet": wallet, "op": op, "calls": n}, func() { a.keyValues([2]string{"calls", itoa(n)}) })
			return nil
		},
	}
	c.Flags().StringVar(&wallet, "wallet", "", "alipay or wechat")
	c.Flags().StringVar(&op, "op", "", "the Alipay method or WeChat path (default: every call)")
	c.Flags().BoolVar(&deposits, "deposits", false, "count the codes that reached /card/code/deposit (repeats included)")
	return c
}

func (a *app) fakeFaultCmd() *cobra.Command {
	var fs faultSpec
	c := &cobra.Command{
		Use:   "fault --wallet W --op OP (--kind KIND | --lose-answer | --latency D) [--n N]",
		Short: "Make a fake fail its next calls, lose their answers, or answer slowly",
		Long: `Inject a fault at a running fake, in the fakes' fault vocabulary: --kind
(unavailable, rate_limited, unauthenticated, permission_denied, not_found,
conflict, invalid_argument) makes the next N calls to OP fail before being
applied; --lose-answer applies them and closes the connection with no answer
(the outcome is unknown to the caller); --latency delays every call to OP
(0 removes it). OP is the Alipay method (alipay.marketing.card.update) or the
WeChat path (/card/membercard/updateuser); empty means every call.`,
		Example: `  walletcard fake fault --wallet wechat --op /card/code/deposit --kind rate_limited --n 2
  walletcard fake fault --wallet alipay --op alipay.marketing.card.open --lose-answer`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n := 0
			for _, set := range []bool{fs.Kind != "", fs.LoseAnswer, cmd.Flags().Changed("latency")} {
				if set {
					n++
				}
			}
			if n != 1 {
				return usagef("give exactly one of --kind, --lose-answer and --latency")
			}
			f, err := a.fakeCtl(cmd.Context())
			if err != nil {
				return err
			}
			if err := f.Fault(cmd.Context(), fs); err != nil {
				return err
			}
			a.output(fs, func() { a.logf("walletcard: fault set") })
			return nil
		},
	}
	fl := c.Flags()
	fl.StringVar(&fs.Wallet, "wallet", "", "alipay or wechat (required)")
	fl.StringVar(&fs.Op, "op", "", "the Alipay method or WeChat path (default: every call)")
	fl.StringVar(&fs.Kind, "kind", "", "fail with this error kind")
	fl.BoolVar(&fs.LoseAnswer, "lose-answer", false, "apply, then lose the answer")
	fl.DurationVar(&fs.Latency, "latency", 0, "delay every call")
	fl.IntVar(&fs.N, "n", 1, "how many calls")
	_ = c.MarkFlagRequired("wallet")
	return c
}

func (a *app) fakeWaitCmd() *cobra.Command {
	var timeout time.Duration
	c := &cobra.Command{
		Use:   "wait",
		Short: "Wait until a 'walletcard fake serve' started in the background answers",
		Example: `  walletcard fake serve & walletcard fake wait
  walletcard template create --wallet wechat gold.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			for {
				r, _, err := readFakeState(ctx, a.cfg.Dir)
				if err != nil {
					return err
				}
				if r != nil {
					a.output(map[string]int{"pid": r.st.PID}, func() { a.keyValues([2]string{"fake", "running (pid " + itoa(r.st.PID) + ")"}) })
					return nil
				}
				select {
				case <-ctx.Done():
					return &card.Error{Provider: "walletcard", Op: "fake wait", Kind: card.KindUnavailable, Message: "no fake answered within " + timeout.String()}
				case <-time.After(20 * time.Millisecond):
				}
			}
		},
	}
	c.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "how long to wait")
	return c
}
