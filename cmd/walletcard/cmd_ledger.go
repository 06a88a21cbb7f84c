package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/sqlitestore"
	"github.com/walletcard/card/provider"
)

// ledgerEvents returns the ledger's event handler for `events serve
// --ledger`, or nil without it.
func (a *app) ledgerEvents(ctx context.Context, on bool) (card.EventHandler, error) {
	if !on {
		return nil, nil
	}
	l, err := a.openLedger(ctx)
	if err != nil {
		return nil, err
	}
	return l.HandleEvent, nil
}

// ledgerPath is the database: --db, WALLETCARD_LEDGER_DB, ledger.db in the
// config file, else ledger.db (live) or fake-ledger.db (on the fakes) in the
// config directory.
func (a *app) ledgerPath() string {
	if a.cfg.LedgerDB.set() {
		return a.cfg.LedgerDB.Value
	}
	if a.live() {
		return filepath.Join(a.cfg.Dir, "ledger.db")
	}
	return filepath.Join(a.cfg.Dir, "fake-ledger.db")
}

// openLedger opens the SQLite ledger over every wallet the command can reach.
func (a *app) openLedger(ctx context.Context) (*ledger.Ledger, error) {
	router, err := a.router(ctx)
	if err != nil {
		return nil, err
	}
	path := a.ledgerPath()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	st, err := sqlitestore.Open(ctx, path, nil)
	if err != nil {
		return nil, err
	}
	a.closeFns = append(a.closeFns, func() { _ = st.Close() })
	return ledger.New(st, router, &ledger.Options{Logger: a.logger()})
}

// router returns a provider.Router over every wallet that can be built:
// both on the fakes, the configured ones in live mode.
func (a *app) router(ctx context.Context) (card.MemberCard, error) {
	var ps []card.MemberCard
	if !a.live() || a.cfg.Alipay.configured() {
		p, err := a.alipayProvider(ctx)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	if !a.live() || a.cfg.WeChat.configured() {
		p, err := a.wechatProvider(ctx)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return provider.NewRouter(ps...)
}

func (a *app) ledgerCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "ledger",
		Short: "The member ledger: members, transactions credited once, cards kept in sync",
		Long: `The member ledger (package ledger on an embedded SQLite file) is the source
of truth for members' points, balance and level. Transactions are keyed by
your key (an order id) and applied exactly once; every card linked to the
member is then given the new absolute values by 'ledger sync' (or any
running sync worker).

The database is --db, WALLETCARD_LEDGER_DB or ledger.db in the config file;
by default ledger.db in the config directory, or fake-ledger.db there when
the wallets are the local fakes (emptied by each 'walletcard fake serve').`,
	}
	c.AddCommand(a.ledgerMemberCmd(), a.ledgerOpenCmd(), a.ledgerLinkCmd(), a.ledgerUnlinkCmd(), a.ledgerApplyCmd(),
		a.ledgerTransactionsCmd(), a.ledgerSyncCmd(), a.ledgerReconcileCmd(), a.ledgerParkedCmd(), a.ledgerRetryCmd())
	return c
}

type memberJSON struct {
	ID       string     `json:"id"`
	Points   string     `json:"points"`
	Balance  string     `json:"balance"`
	Level    string     `json:"level,omitempty"`
	Version  int64      `json:"version"`
	LastNote string     `json:"last_note,omitempty"`
	Links    []linkJSON `json:"links,omitempty"`
}

type linkJSON struct {
	Ref         string `json:"ref"`
	MemberID    string `json:"member_id"`
	State       string `json:"state"`
	Fields      string `json:"fields"`
	WantVersion int64  `json:"want_version"`
	DoneVersion int64  `json:"done_version"`
	Pending     bool   `json:"pending"`
	Attempts    int    `json:"attempts,omitempty"`
	LastError   string `json:"last_error,omitempty"`
	ParkReason  string `json:"park_reason,omitempty"`
	Unlinked    string `json:"unlink_reason,omitempty"`
}

func toMemberJSON(m *ledger.Member) memberJSON {
	return memberJSON{ID: m.ID, Points: m.Points.String(), Balance: m.Balance.String(), Level: m.Level, Version: m.Version, LastNote: m.LastNote}
}

func toLinkJSON(l ledger.Link) linkJSON {
	return linkJSON{Ref: l.Ref.String(), MemberID: l.MemberID, State: string(l.State), Fields: l.Fields.String(),
		WantVersion: l.WantVersion, DoneVersion: l.DoneVersion, Pending: l.Pending(), Attempts: l.Attempts,
		LastError: l.LastError, ParkReason: l.ParkReason, Unlinked: l.UnlinkReason}
}

func (a *app) printMember(m memberJSON) {
	a.output(m, func() {
		a.keyValues([2]string{"member", m.ID}, [2]string{"points", m.Points}, [2]string{"balance", m.Balance},
			[2]string{"level", orDash(m.Level)}, [2]string{"version", itoa64(m.Version)})
		if len(m.Links) > 0 {
			fmt := func(l linkJSON) []string {
				sync := "in sync"
				if l.Pending {
					sync = "pending"
				}
				if l.State != string(ledger.LinkActive) {
					sync = l.ParkReason + l.Unlinked
				}
				return []string{l.Ref, l.State, sync}
			}
			rows := make([][]string, 0, len(m.Links))
			for _, l := range m.Links {
				rows = append(rows, fmt(l))
			}
			a.table([]string{"CARD", "STATE", "SYNC"}, rows)
		}
	})
}

func (a *app) ledgerMemberCmd() *cobra.Command {
	c := &cobra.Command{Use: "member", Short: "Create and show members"}
	var level string
	create := &cobra.Command{
		Use:     "create ID",
		Short:   "Create a member (creating one that exists returns it unchanged)",
		Example: `  walletcard ledger member create M0001 --level SILVER`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.openLedger(cmd.Context())
			if err != nil {
				return err
			}
			m, err := l.CreateMember(cmd.Context(), args[0], level)
			if err != nil {
				return err
			}
			a.printMember(toMemberJSON(m))
			return nil
		},
	}
	create.Flags().StringVar(&level, "level", "", "initial level")
	get := &cobra.Command{
		Use:     "get ID",
		Short:   "Show a member with its linked cards",
		Example: `  walletcard ledger member get M0001 --json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.openLedger(cmd.Context())
			if err != nil {
				return err
			}
			m, err := l.Member(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			links, err := l.Links(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			j := toMemberJSON(m)
			for _, lk := range links {
				j.Links = append(j.Links, toLinkJSON(lk))
			}
			a.printMember(j)
			return nil
		},
	}
	c.AddCommand(create, get)
	return c
}

// parseFields parses --fields "points,balance,level".
func parseFields(s string) (ledger.Fields, error) {
	if s == "" {
		return 0, nil
	}
	var f ledger.Fields
	for _, p := range strings.Split(s, ",") {
		switch strings.TrimSpace(p) {
		case "points":
			f |= ledger.ShowPoints
		case "balance":
			f |= ledger.ShowBalance
		case "level":
			f |= ledger.ShowLevel
		default:
			return 0, invalidArg("--fields", "want points, balance and/or level, got %q", p)
		}
	}
	return f, nil
}

func (a *app) ledgerOpenCmd() *cobra.Command {
	var o openFlags
	var member, fields string
	c := &cobra.Command{
		Use:   "open --member ID --wallet W --template T ...",
		Short: "Open a member's card on a wallet with the member's values, and link it",
		Long: `Open a card on a wallet with the member's current values and link it to the
member, so that every later transaction reaches it. Which user: on WeChat
--code (the code the user claimed), on Alipay --auth-code (exchanged for the
user's token, never printed) or WALLETCARD_ALIPAY_AUTH_TOKEN. --fields says
what the template shows (a template without stored value: points,level).`,
		Example: `  walletcard ledger open --member M0001 --wallet wechat --template pXYZ --code 123456789012 --external-no M0001`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			f, err := parseFields(fields)
			if err != nil {
				return err
			}
			if o.external == "" {
				o.external = member
			}
			l, err := a.openLedger(ctx)
			if err != nil {
				return err
			}
			req, err := a.openRequest(ctx, &o)
			if err != nil {
				return err
			}
			link, cd, err := l.Open(ctx, ledger.OpenRequest{MemberID: member, Card: req, Fields: f})
			if err != nil {
				return err
			}
			j := toCardJSON(cd)
			a.output(map[string]any{"card": j, "link": toLinkJSON(*link)}, func() { a.printCard(cd) })
			return nil
		},
	}
	o.register(c.Flags(), false)
	c.Flags().StringVar(&member, "member", "", "the member (required)")
	c.Flags().StringVar(&fields, "fields", "", "what the template shows: points,balance,level (default all)")
	_ = c.MarkFlagRequired("member")
	_ = c.MarkFlagRequired("wallet")
	return c
}

func (a *app) ledgerLinkCmd() *cobra.Command {
	var member, fields string
	c := &cobra.Command{
		Use:     "link --member ID REF",
		Short:   "Link an existing card to a member (the next sync gives it the member's values)",
		Example: `  walletcard ledger link --member M0001 wechat/pXYZ/123456789012`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := parseRef(args[0])
			if err != nil {
				return err
			}
			f, err := parseFields(fields)
			if err != nil {
				return err
			}
			l, err := a.openLedger(cmd.Context())
			if err != nil {
				return err
			}
			link, err := l.Link(cmd.Context(), ledger.LinkRequest{MemberID: member, Ref: ref, Fields: f})
			if err != nil {
				return err
			}
			j := toLinkJSON(*link)
			a.output(j, func() {
				a.keyValues([2]string{"linked", j.Ref}, [2]string{"member", j.MemberID}, [2]string{"pending", boolStr(j.Pending)})
			})
			return nil
		},
	}
	c.Flags().StringVar(&member, "member", "", "the member (required)")
	c.Flags().StringVar(&fields, "fields", "", "what the template shows: points,balance,level (default all)")
	_ = c.MarkFlagRequired("member")
	return c
}

func (a *app) ledgerUnlinkCmd() *cobra.Command {
	var reason string
	c := &cobra.Command{
		Use:     "unlink REF",
		Short:   "Stop syncing a card (it stays in the user's wallet)",
		Example: `  walletcard ledger unlink wechat/pXYZ/123456789012 --reason "lost phone"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := parseRef(args[0])
			if err != nil {
				return err
			}
			l, err := a.openLedger(cmd.Context())
			if err != nil {
				return err
			}
			if err := l.Unlink(cmd.Context(), ref, reason); err != nil {
				return err
			}
			a.output(map[string]string{"unlinked": ref.String()}, func() { a.keyValues([2]string{"unlinked", ref.String()}) })
			return nil
		},
	}
	c.Flags().StringVar(&reason, "reason", "operator", "why")
	return c
}

func boolStr(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

type transactionJSON struct {
	Key      string `json:"key"`
	MemberID string `json:"member_id"`
	Op       string `json:"op"`
	Points   string `json:"points,omitempty"`
	Amount   string `json:"amount,omitempty"`
	Level    string `json:"level,omitempty"`
	Actor    string `json:"actor,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Note     string `json:"note,omitempty"`
	Status   string `json:"status"`
	Refusal  string `json:"refusal,omitempty"`
	Seq      int64  `json:"seq"`
	At       string `json:"at"`
	Version  int64  `json:"version"`
	After    struct {
		Points  string `json:"points"`
		Balance string `json:"balance"`
		Level   string `json:"level,omitempty"`
	} `json:"after"`
	Replayed bool `json:"replayed"`
}

func toTransactionJSON(t *ledger.Transaction) transactionJSON {
	j := transactionJSON{Key: t.Key, MemberID: t.MemberID, Op: string(t.Op), Level: t.Level, Actor: t.Actor, Reason: t.Reason,
		Note: t.Note, Status: string(t.Status), Refusal: t.Refusal, Seq: t.Seq, At: fmtTime(t.At), Version: t.Version, Replayed: t.Replayed}
	if t.Points != 0 {
		j.Points = t.Points.String()
	}
	if t.Amount != 0 {
		j.Amount = t.Amount.String()
	}
	j.After.Points, j.After.Balance, j.After.Level = t.After.Points.String(), t.After.Balance.String(), t.After.Level
	return j
}

func (a *app) ledgerApplyCmd() *cobra.Command {
	var req ledger.Request
	var op, points, amount string
	c := &cobra.Command{
		Use:   "apply --key KEY --member ID --op OP [--points P | --amount A | --level L]",
		Short: "Apply a transaction exactly once (credit/debit points, top up/spend balance, set level)",
		Long: `Apply a transaction keyed by your key (an order id): the same key with the
same content returns the original result (replayed: true), with different
content it is refused (exit 4), as is a debit below zero (insufficient
funds, recorded under the key). Ops: credit_points, debit_points, top_up,
spend, set_level. The member's cards get the new values from the next
'walletcard ledger sync'.`,
		Example: `  walletcard ledger apply --key order-1001 --member M0001 --op credit_points --points 12 --reason coffee
  walletcard ledger apply --key order-1002 --member M0001 --op spend --amount 5.00 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req.Op = ledger.Op(strings.ReplaceAll(op, "-", "_"))
			var err error
			if points != "" {
				if req.Points, err = card.ParsePoints(points); err != nil {
					return invalidArg("--points", "%v", err)
				}
			}
			if amount != "" {
				if req.Amount, err = card.ParseMoney(amount); err != nil {
					return invalidArg("--amount", "%v", err)
				}
			}
			l, err := a.openLedger(cmd.Context())
			if err != nil {
				return err
			}
			t, err := l.Apply(cmd.Context(), req)
			if err != nil {
				return err
			}
			j := toTransactionJSON(t)
			a.output(j, func() {
				a.keyValues([2]string{"key", j.Key}, [2]string{"member", j.MemberID}, [2]string{"op", j.Op}, [2]string{"status", j.Status},
					[2]string{"points", j.After.Points}, [2]string{"balance", j.After.Balance}, [2]string{"level", orDash(j.After.Level)},
					[2]string{"version", itoa64(j.Version)}, [2]string{"replayed", boolStr(j.Replayed)})
			})
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&req.Key, "key", "", "your key for the transaction, e.g. an order id (required)")
	f.StringVar(&req.MemberID, "member", "", "the member (required)")
	f.StringVar(&op, "op", "", "credit_points, debit_points, top_up, spend or set_level (required)")
	f.StringVar(&points, "points", "", "points for credit_points and debit_points (e.g. 12 or 0.50)")
	f.StringVar(&amount, "amount", "", "yuan for top_up and spend (e.g. 5.00)")
	f.StringVar(&req.Level, "level", "", "the level for set_level")
	f.StringVar(&req.Actor, "actor", "", "who made the change")
	f.StringVar(&req.Reason, "reason", "", "why")
	f.StringVar(&req.Note, "note", "", "what the cards show with the change (WeChat shows 14 characters)")
	for _, n := range []string{"key", "member", "op"} {
		_ = c.MarkFlagRequired(n)
	}
	return c
}

func (a *app) ledgerTransactionsCmd() *cobra.Command {
	var after int64
	var limit int
	c := &cobra.Command{
		Use:     "transactions MEMBER",
		Short:   "List a member's transactions, oldest first",
		Example: `  walletcard ledger transactions M0001 --json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.openLedger(cmd.Context())
			if err != nil {
				return err
			}
			ts, err := l.Transactions(cmd.Context(), args[0], ledger.TransactionQuery{AfterSeq: after, Limit: limit})
			if err != nil {
				return err
			}
			out := make([]transactionJSON, 0, len(ts))
			for i := range ts {
				out = append(out, toTransactionJSON(&ts[i]))
			}
			a.output(out, func() {
				rows := make([][]string, 0, len(out))
				for _, t := range out {
					amt := t.Points + t.Amount + t.Level
					rows = append(rows, []string{itoa64(t.Seq), t.At, t.Key, t.Op, amt, t.Status, t.After.Points, t.After.Balance, t.Reason})
				}
				a.table([]string{"SEQ", "AT", "KEY", "OP", "AMOUNT", "STATUS", "POINTS", "BALANCE", "REASON"}, rows)
			})
			return nil
		},
	}
	c.Flags().Int64Var(&after, "after", 0, "only transactions after this seq")
	c.Flags().IntVar(&limit, "limit", 100, "at most this many (≤ 1000)")
	return c
}

func (a *app) syncProgress(what string) (func(ledger.Progress), progress) {
	prog := a.newProgress(what, "cards", 0)
	return func(p ledger.Progress) { prog.Update(p.Done, p.Failed, p.Total) }, prog
}

func (a *app) printSyncSummary(s ledger.SyncSummary) {
	a.keyValues([2]string{"pushed", itoa(s.Pushed)}, [2]string{"unchanged", itoa(s.Unchanged)}, [2]string{"retried", itoa(s.Retried)},
		[2]string{"parked", itoa(s.Parked)}, [2]string{"unlinked", itoa(s.Unlinked)}, [2]string{"lost leases", itoa(s.Lost)})
	a.printFailures(s.Failures)
}

func (a *app) printFailures(fs []ledger.Failure) {
	if len(fs) == 0 {
		return
	}
	rows := make([][]string, 0, len(fs))
	for _, f := range fs {
		rows = append(rows, []string{f.Ref.String(), f.MemberID, string(f.State), f.Reason})
	}
	a.table([]string{"CARD", "MEMBER", "STATE", "REASON"}, rows)
}

func (a *app) ledgerSyncCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "sync",
		Short: "Push every pending card's new values to its wallet, with progress",
		Long: `Push the member's latest values to every card that has a push pending
(ledger.SyncPending) and return when none is pending: retryable failures are
retried with backoff, permanent ones park the card (see 'ledger parked'),
cards their wallet no longer knows are unlinked. --json prints the library's
SyncSummary as is.`,
		Example: `  walletcard ledger sync
  walletcard ledger sync --json --progress lines`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := a.openLedger(cmd.Context())
			if err != nil {
				return err
			}
			cb, prog := a.syncProgress("sync")
			sum, err := l.SyncPending(cmd.Context(), cb)
			prog.Finish()
			if err != nil {
				return err
			}
			a.output(sum, func() { a.printSyncSummary(sum) })
			return nil
		},
	}
}

func (a *app) ledgerReconcileCmd() *cobra.Command {
	var noRepair bool
	c := &cobra.Command{
		Use:   "reconcile",
		Short: "Read every linked card, compare with the ledger, repair drift, with progress",
		Long: `Read every linked card from its wallet (ledger.Reconcile), compare it with
what the ledger last wrote, mark drifted cards pending and (unless
--no-repair) push them again; cards their wallet no longer knows are
unlinked. --json prints the library's ReconcileSummary as is.`,
		Example: `  walletcard ledger reconcile
  walletcard ledger reconcile --no-repair --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := a.openLedger(cmd.Context())
			if err != nil {
				return err
			}
			prog := a.newProgress("reconcile", "cards", 0)
			var phase string
			sum, err := l.Reconcile(cmd.Context(), &ledger.ReconcileOptions{NoRepair: noRepair, Progress: func(p ledger.Progress) {
				if p.Phase != phase && phase != "" {
					prog.Finish()
					prog = a.newProgress(p.Phase, "cards", p.Total)
				}
				phase = p.Phase
				prog.Update(p.Done, p.Failed, p.Total)
			}})
			prog.Finish()
			if err != nil {
				return err
			}
			a.output(sum, func() {
				a.keyValues([2]string{"cards", itoa(sum.Total)}, [2]string{"checked", itoa(sum.Checked)}, [2]string{"in sync", itoa(sum.InSync)},
					[2]string{"drifted", itoa(sum.Drifted)}, [2]string{"pending", itoa(sum.Pending)}, [2]string{"unlinked", itoa(sum.Unlinked)},
					[2]string{"failed", itoa(sum.Failed)}, [2]string{"repaired (pushed)", itoa(sum.Repair.Pushed)})
				a.printFailures(sum.Failures)
			})
			return nil
		},
	}
	c.Flags().BoolVar(&noRepair, "no-repair", false, "only report drift")
	return c
}

func (a *app) ledgerParkedCmd() *cobra.Command {
	var limit int
	c := &cobra.Command{
		Use:     "parked",
		Short:   "List cards whose sync stopped on a permanent failure, with the reason",
		Example: `  walletcard ledger parked --json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := a.openLedger(cmd.Context())
			if err != nil {
				return err
			}
			var out []linkJSON
			after := card.Ref{}
			for len(out) < limit {
				page, err := l.Parked(cmd.Context(), after, min(100, limit-len(out)))
				if err != nil {
					return err
				}
				for _, lk := range page {
					out = append(out, toLinkJSON(lk))
				}
				if len(page) < 100 {
					break
				}
				after = page[len(page)-1].Ref
			}
			if out == nil {
				out = []linkJSON{}
			}
			a.output(out, func() {
				rows := make([][]string, 0, len(out))
				for _, l := range out {
					rows = append(rows, []string{l.Ref, l.MemberID, l.ParkReason})
				}
				a.table([]string{"CARD", "MEMBER", "REASON"}, rows)
			})
			return nil
		},
	}
	c.Flags().IntVar(&limit, "limit", 1000, "at most this many")
	return c
}

func (a *app) ledgerRetryCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "retry REF",
		Short:   "Make a parked card active again (the next sync pushes the member's values)",
		Example: `  walletcard ledger retry wechat/pXYZ/123456789012 && walletcard ledger sync`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := parseRef(args[0])
			if err != nil {
				return err
			}
			l, err := a.openLedger(cmd.Context())
			if err != nil {
				return err
			}
			if err := l.RetryParked(cmd.Context(), ref); err != nil {
				return err
			}
			a.output(map[string]string{"requeued": ref.String()}, func() { a.keyValues([2]string{"requeued", ref.String()}) })
			return nil
		},
	}
}
