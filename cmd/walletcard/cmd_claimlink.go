package main

import (
	"fmt"
	"os"
	"time"

	"github.com/skip2/go-qrcode"
	"github.com/spf13/cobra"

	card "github.com/walletcard/card"
)

func (a *app) claimLinkCmd() *cobra.Command {
	var wallet, channel, holder, qr, png string
	var expires time.Duration
	var wechatImage bool
	var size int
	c := &cobra.Command{
		Use:   "claim-link TEMPLATE",
		Short: "Get a link (and QR code) through which users claim a card",
		Long: `Get a claim link for a template (Alipay activateurl.apply, WeChat
qrcode/create QR_CARD) and print its URL; --qr draws the QR code in the
terminal, --png writes it as a PNG file (for a shop counter).

The QR code is encoded locally from the URL (skip2/go-qrcode, medium error
correction). On WeChat, --wechat-image writes the QR image WeChat renders for
the ticket (showqrcode) instead.`,
		Example: `  walletcard claim-link --wallet wechat pXYZ --qr
  walletcard claim-link --wallet alipay 20240101000000001 --png counter.png --channel shop-12
  walletcard claim-link --wallet wechat pXYZ --expires 30m --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if wechatImage && (wallet != card.WeChat || png == "") {
				return invalidArg("--wechat-image", "needs --wallet wechat and --png FILE")
			}
			mc, err := a.wallet(ctx, wallet)
			if err != nil {
				return err
			}
			link, err := mc.ClaimLink(ctx, card.ClaimLinkRequest{Provider: wallet, TemplateID: args[0], Channel: channel, Holder: holder, ExpiresIn: expires})
			if err != nil {
				return err
			}
			var code *qrcode.QRCode
			if qr != "" || (png != "" && !wechatImage) {
				code, err = qrcode.New(link.URL, qrcode.Medium)
				if err != nil {
					return fmt.Errorf("qr code: %w", err)
				}
			}
			if png != "" {
				var b []byte
				if wechatImage {
					p, err := a.wechatProvider(ctx)
					if err != nil {
						return err
					}
					if b, err = p.ShowQRCode(ctx, link.Ticket); err != nil {
						return err
					}
				} else if b, err = code.PNG(size); err != nil {
					return fmt.Errorf("qr code: %w", err)
				}
				if err := os.WriteFile(png, b, 0o644); err != nil {
					return err
				}
			}
			out := map[string]any{"provider": link.Provider, "template_id": link.TemplateID, "url": link.URL,
				"qr_code_url": link.QRCodeURL, "ticket": link.Ticket, "expires_at": fmtTime(link.ExpiresAt)}
			if png != "" {
				out["png"] = png
			}
			a.output(out, func() {
				a.keyValues([2]string{"url", link.URL}, [2]string{"qr image", orDash(link.QRCodeURL)},
					[2]string{"expires", orDash(fmtTime(link.ExpiresAt))})
				if png != "" {
					a.keyValues([2]string{"png", png})
				}
				if qr != "" {
					fmt.Fprint(a.stdout, code.ToSmallString(qr == "inverse"))
				}
			})
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&wallet, "wallet", "", "alipay or wechat (required)")
	f.StringVar(&channel, "channel", "", "attribution echoed in claim events (≤ 32 bytes)")
	f.StringVar(&holder, "holder", "", "restrict the link to one user (WeChat openid)")
	f.DurationVar(&expires, "expires", 0, "link lifetime where the wallet supports it (WeChat 1m–30m; default 365 days)")
	f.StringVar(&qr, "qr", "", "draw the QR code in the terminal: normal (dark on light) or inverse (for dark terminals)")
	f.Lookup("qr").NoOptDefVal = "normal"
	f.StringVar(&png, "png", "", "write the QR code to this PNG file")
	f.IntVar(&size, "size", 512, "PNG size in pixels")
	f.BoolVar(&wechatImage, "wechat-image", false, "with --png: write the image WeChat renders (showqrcode) instead")
	_ = c.MarkFlagRequired("wallet")
	return c
}
