package main

import (
	"context"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	card "github.com/walletcard/card"
)

func (a *app) cardCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "card",
		Short: "Open, get, update and delete members' cards by ref (provider/template/cardno)",
		Long: `Work on one member's card, named by its ref: provider/template/cardno, e.g.
wechat/pXYZ/123456789012 (WeChat card_id and code) or
alipay/20240101000000001/A0000001 (Alipay template id and biz_card_no).

Values set here are absolute. For members kept by the ledger use
'walletcard ledger apply' instead: a card written here is overwritten by the
next ledger sync.`,
	}
	c.AddCommand(a.cardOpenCmd(), a.cardGetCmd(), a.cardUpdateCmd(), a.cardDeleteCmd())
	return c
}

// openFlags are the flags that say which user's card to open.
type openFlags struct {
	wallet, template, external, holder, authCode, code, level, points, balance, key string
}

func (o *openFlags) register(f *pflag.FlagSet, values bool) {
	f.StringVar(&o.wallet, "wallet", "", "alipay or wechat (required)")
	f.StringVar(&o.template, "template", "", "the template (Alipay template id, WeChat card_id) (required)")
	f.StringVar(&o.external, "external-no", "", "your own card number (Alipay external_card_no, WeChat membership_number) (required)")
	f.StringVar(&o.holder, "holder", "", "Alipay: the user id (2088…)")
	f.StringVar(&o.authCode, "auth-code", "", "Alipay: the user's one-time auth_code (scope auth_ecard), exchanged for their token; or set WALLETCARD_ALIPAY_AUTH_TOKEN")
	f.StringVar(&o.code, "code", "", "WeChat: the code the user got when claiming the card")
	f.StringVar(&o.key, "idempotency-key", "", "repeat an open with the same key to get the same card (default: generated)")
	if values {
		f.StringVar(&o.level, "level", "", "initial level")
		f.StringVar(&o.points, "points", "", "initial points (e.g. 10 or 10.50)")
		f.StringVar(&o.balance, "balance", "", "initial balance in yuan (e.g. 50.00)")
	}
}

// request builds the neutral open request; on Alipay it exchanges the auth
// code for the user's token (never printed).
func (a *app) openRequest(ctx context.Context, o *openFlags) (card.OpenRequest, error) {
	req := card.OpenRequest{Provider: o.wallet, TemplateID: o.template, ExternalNo: o.external, Holder: o.holder, Code: o.code, Level: o.level, IdempotencyKey: o.key}
	var err error
	if o.points != "" {
		if req.Points, err = card.ParsePoints(o.points); err != nil {
			return req, invalidArg("--points", "%v", err)
		}
	}
	if o.balance != "" {
		if req.Balance, err = card.ParseMoney(o.balance); err != nil {
			return req, invalidArg("--balance", "%v", err)
		}
	}
	if req.IdempotencyKey == "" {
		req.IdempotencyKey = card.NewIdempotencyKey()
	}
	if o.wallet == card.Alipay {
		tok := a.getenv("WALLETCARD_ALIPAY_AUTH_TOKEN")
		if o.authCode != "" {
			p, err := a.alipayProvider(ctx)
			if err != nil {
				return req, err
			}
			t, err := p.ExchangeCode(ctx, o.authCode)
			if err != nil {
				return req, err
			}
			tok = t.AccessToken
			if req.Holder == "" {
				req.Holder = t.UserID
			}
		}
		if tok == "" {
			return req, invalidArg("--auth-code", "Alipay needs the user's authorization: --auth-code CODE or WALLETCARD_ALIPAY_AUTH_TOKEN")
		}
		a.secret(tok)
		req.AuthToken = tok
	}
	return req, nil
}

func (a *app) cardOpenCmd() *cobra.Command {
	var o openFlags
	c := &cobra.Command{
		Use:   "open",
		Short: "Open (activate) a member's card",
		Long: `Open a member's card: Alipay card.open with the user's authorization
(--auth-code from OAuth scope auth_ecard, exchanged for the user's token, or
WALLETCARD_ALIPAY_AUTH_TOKEN), WeChat membercard/activate with the code the
user claimed. To keep the card in sync with a member's points, open it with
'walletcard ledger open' instead.`,
		Example: `  walletcard card open --wallet wechat --template pXYZ --code 123456789012 --external-no M0001 --points 10
  walletcard card open --wallet alipay --template 2024… --holder 2088… --auth-code CODE --external-no M0002`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			mc, err := a.wallet(ctx, o.wallet)
			if err != nil {
				return err
			}
			req, err := a.openRequest(ctx, &o)
			if err != nil {
				return err
			}
			cd, err := mc.Open(ctx, req)
			if err != nil {
				return err
			}
			a.printCard(cd)
			return nil
		},
	}
	o.register(c.Flags(), true)
	_ = c.MarkFlagRequired("wallet")
	return c
}

// walletOfRef returns the provider that holds ref's card.
func (a *app) walletOfRef(ctx context.Context, s string) (card.MemberCard, card.Ref, error) {
	ref, err := parseRef(s)
	if err != nil {
		return nil, ref, err
	}
	mc, err := a.wallet(ctx, ref.Provider)
	return mc, ref, err
}

func (a *app) cardGetCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "get REF",
		Short: "Show a member's card as the wallet holds it",
		Long: `Read a card from its wallet (Alipay card.query, WeChat membercard/userinfo/get
and code/get). WeChat does not report the level (custom-field values).`,
		Example: `  walletcard card get wechat/pXYZ/123456789012
  walletcard card get alipay/2024…/A0000001 --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			mc, ref, err := a.walletOfRef(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			cd, err := mc.Get(cmd.Context(), ref)
			if err != nil {
				return err
			}
			a.printCard(cd)
			return nil
		},
	}
}

func (a *app) cardUpdateCmd() *cobra.Command {
	var level, points, balance, note string
	c := &cobra.Command{
		Use:   "update REF",
		Short: "Set a card's level, points and/or balance (absolute values)",
		Long: `Set absolute values on a card (Alipay card.update, WeChat membercard/updateuser).
Repeating an update is safe. WeChat points are whole numbers; notes are cut at
14 characters there.`,
		Example: `  walletcard card update wechat/pXYZ/123456789012 --points 138 --balance 128.88 --note 消费128元
  walletcard card update alipay/2024…/A0000001 --level GOLD`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			mc, ref, err := a.walletOfRef(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			req := card.UpdateRequest{Ref: ref, Note: note}
			f := cmd.Flags()
			if f.Changed("level") {
				req.Level = &level
			}
			if f.Changed("points") {
				p, err := card.ParsePoints(points)
				if err != nil {
					return invalidArg("--points", "%v", err)
				}
				req.Points = &p
			}
			if f.Changed("balance") {
				m, err := card.ParseMoney(balance)
				if err != nil {
					return invalidArg("--balance", "%v", err)
				}
				req.Balance = &m
			}
			cd, err := mc.Update(cmd.Context(), req)
			if err != nil {
				return err
			}
			a.printCard(cd)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&level, "level", "", "new level")
	f.StringVar(&points, "points", "", "new point balance (e.g. 138 or 88.50 on Alipay)")
	f.StringVar(&balance, "balance", "", "new stored-value balance in yuan (e.g. 128.88)")
	f.StringVar(&note, "note", "", "the change note the wallet shows (≤ 64 characters; WeChat shows 14)")
	return c
}

func (a *app) cardDeleteCmd() *cobra.Command {
	var reason, key string
	c := &cobra.Command{
		Use:   "delete REF",
		Short: "Delete a card from the member's wallet",
		Long: `Delete a card (Alipay card.delete, WeChat code/unavailable). Reason CANCEL
(default) closes the membership; USER_UNBUND lets the user bind again.`,
		Example: `  walletcard card delete wechat/pXYZ/123456789012
  walletcard card delete alipay/2024…/A0000001 --reason USER_UNBUND`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			mc, ref, err := a.walletOfRef(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := mc.Delete(cmd.Context(), card.DeleteRequest{Ref: ref, Reason: card.DeleteReason(reason), IdempotencyKey: key}); err != nil {
				return err
			}
			a.output(map[string]string{"deleted": ref.String()}, func() { a.keyValues([2]string{"deleted", ref.String()}) })
			return nil
		},
	}
	c.Flags().StringVar(&reason, "reason", "", "CANCEL (default) or USER_UNBUND")
	c.Flags().StringVar(&key, "idempotency-key", "", "repeat a delete with the same key safely (Alipay out_serial_no)")
	return c
}
