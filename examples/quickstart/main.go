// Command quickstart runs the member-card lifecycle on Alipay and WeChat
// through one card.MemberCard code path (a provider.Router) and prints what
// happened:
//
//	go run ./examples/quickstart
//
// With no credentials it starts the local fake gateways, alipaytest and
// wechattest, on 127.0.0.1 and runs the real adapters against them: real RSA2
// signatures, real access tokens, real wire formats. The "user" is simulated
// by the fakes (authorizing OAuth scope auth_ecard on Alipay, claiming the
// card on WeChat). A new template's logo is uploaded first: to Alipay with
// ImageUpload (an image id), to WeChat with UploadImage (an mmbiz.qpic.cn
// URL; the local WeChat server, like WeChat, refuses logos it did not issue).
// On the fakes it then runs the member ledger on an
// embedded SQLite file (ledger.go): a purchase credited once, both cards
// brought to the same total.
//
// Environment variables switch a wallet to the real service. The lifecycle
// WRITES to the member's card (level, points, stored-value balance) and then
// deletes it (USER_UNBUND), so use a test member; it runs only when
// WALLETCARD_LIVE=1 is also set, and Alipay uses its sandbox unless
// ALIPAY_PRODUCTION=1:
//
//	WALLETCARD_LIVE=1                                      confirm writes to a real wallet
//	ALIPAY_APP_ID, ALIPAY_PRIVATE_KEY, ALIPAY_PUBLIC_KEY   the app (RSA2, public-key mode)
//	ALIPAY_PRODUCTION=1                                    use the production gateway instead of the sandbox
//	ALIPAY_USER_ID, ALIPAY_AUTH_TOKEN                      a member and their auth_token from OAuth with scope auth_ecard
//	ALIPAY_TEMPLATE_ID                                     an existing card template (default: create one, uploading a logo)
//
//	WECHAT_APP_ID, WECHAT_APP_SECRET                       the official account
//	WECHAT_CARD_ID, WECHAT_CARD_CODE                       an approved member card and a code a user claimed (required)
//
// Secrets are never printed.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"log"
	"os"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
	"github.com/walletcard/card/provider"
	"github.com/walletcard/card/wechat"
	"github.com/walletcard/card/wechat/wechattest"
)

// wallet is one provider plus the way a real user would get what Open needs:
// on Alipay an auth_token from OAuth with scope auth_ecard, on WeChat the
// code they received when claiming the card.
type wallet struct {
	name      string
	provider  card.MemberCard
	newMember func(ctx context.Context, templateID string, n int) (card.OpenRequest, error)
	// templateID is an existing template to use; empty means create one.
	templateID string
	// logo is the card logo as the wallet wants it: on Alipay an uploaded
	// image id, on WeChat an image URL.
	logo  string
	close func()
}

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	wallets, err := setup(ctx)
	if err != nil {
		return err
	}
	defer func() {
		for _, w := range wallets {
			w.close()
		}
	}()
	var ps []card.MemberCard
	for _, w := range wallets {
		ps = append(ps, w.provider)
	}
	router, err := provider.NewRouter(ps...)
	if err != nil {
		return err
	}
	for i, w := range wallets {
		fmt.Printf("== %s (%s)\n", w.name, w.provider.Name())
		if err := lifecycle(ctx, router, w, i+1); err != nil {
			return fmt.Errorf("%s: %w", w.name, err)
		}
	}
	return ledgerStep(ctx, router, wallets)
}

// lifecycle is the one code path both wallets go through.
func lifecycle(ctx context.Context, mc card.MemberCard, w wallet, n int) error {
	tm, ok := mc.(card.TemplateManager)
	if !ok {
		return fmt.Errorf("provider cannot create templates")
	}
	var tpl *card.Template
	var err error
	if w.templateID != "" {
		tpl, err = tm.GetTemplate(ctx, w.provider.Name(), w.templateID)
	} else {
		tpl, err = tm.CreateTemplate(ctx, card.TemplateSpec{
			Provider: w.provider.Name(), Title: "金卡", BrandName: "钱包卡咖啡", LogoURL: w.logo,
			Levels: []string{"SILVER", "GOLD"}, Points: true, Balance: true, Stock: 1000,
			Notice: "出示会员卡", Description: "Earn 1 point per yuan.",
		})
	}
	if err != nil {
		return fmt.Errorf("template: %w", err)
	}
	if w.templateID == "" {
		fmt.Printf("logo       %s\n", w.logo)
	}
	fmt.Printf("template   %s (%s)\n", tpl.ID, tpl.Status)

	link, err := mc.ClaimLink(ctx, card.ClaimLinkRequest{Provider: w.provider.Name(), TemplateID: tpl.ID, Channel: "quickstart"})
	if err != nil {
		return fmt.Errorf("claim link: %w", err)
	}
	fmt.Printf("claim link %s\n", link.URL)

	req, err := w.newMember(ctx, tpl.ID, n)
	if err != nil {
		return fmt.Errorf("new member: %w", err)
	}
	req.Provider, req.Level, req.Points, req.Balance = w.provider.Name(), "SILVER", card.WholePoints(10), card.Yuan(50)
	c, err := mc.Open(ctx, req)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	fmt.Printf("opened     %s  external=%s level=%s points=%s balance=%s\n", c.Ref.CardNo, c.ExternalNo, c.Level, c.Points, c.Balance)

	again, err := mc.Open(ctx, req) // a retry with the same idempotency key
	if err != nil {
		return fmt.Errorf("open retry: %w", err)
	}
	if again.Ref != c.Ref {
		return fmt.Errorf("open retry with the same idempotency key gave card %v, first gave %v", again.Ref, c.Ref)
	}
	fmt.Printf("retried    same card %s\n", again.Ref.CardNo)

	c, err = mc.Update(ctx, card.UpdateRequest{Ref: c.Ref, Level: card.Ptr("GOLD"), Points: card.Ptr(card.WholePoints(138)), Balance: card.Ptr(card.Money(12888)), Note: "消费128元"})
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if c.Points != card.WholePoints(138) || c.Balance != 12888 {
		return fmt.Errorf("update returned %s points, %s yuan; want 138 and 128.88", c.Points, c.Balance)
	}
	fmt.Printf("updated    level=%s points=%s balance=%s\n", c.Level, c.Points, c.Balance)

	got, err := mc.Get(ctx, c.Ref)
	if err != nil {
		return fmt.Errorf("get: %w", err)
	}
	level := got.Level
	if level == "" {
		level = "(not reported)" // WeChat's userinfo/get does not return custom-field values
	}
	if got.Points != c.Points || got.Balance != c.Balance || got.Status != card.StatusActive {
		return fmt.Errorf("read back %s points, %s yuan, %s; want what Update wrote", got.Points, got.Balance, got.Status)
	}
	fmt.Printf("read back  level=%s points=%s balance=%s status=%s\n", level, got.Points, got.Balance, got.Status)

	if err := mc.Delete(ctx, card.DeleteRequest{Ref: c.Ref, Reason: card.ReasonUserUnbound}); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	_, err = mc.Get(ctx, c.Ref)
	if !errors.Is(err, card.ErrNotFound) {
		return fmt.Errorf("get after delete: %v, want card.ErrNotFound", err)
	}
	fmt.Printf("deleted    get → %v\n", err)
	return nil
}

// setup builds the two wallets, each on its local fake unless the
// environment names a real account.
func setup(ctx context.Context) ([]wallet, error) {
	if (os.Getenv("ALIPAY_APP_ID") != "" || os.Getenv("WECHAT_APP_ID") != "") && os.Getenv("WALLETCARD_LIVE") != "1" {
		return nil, errors.New("real credentials are set: the quickstart writes to and deletes the member's card; set WALLETCARD_LIVE=1 to confirm (use a test member)")
	}
	a, err := setupAlipay(ctx)
	if err != nil {
		return nil, fmt.Errorf("alipay: %w", err)
	}
	w, err := setupWeChat(ctx)
	if err != nil {
		a.close()
		return nil, fmt.Errorf("wechat: %w", err)
	}
	return []wallet{a, w}, nil
}

func setupAlipay(ctx context.Context) (wallet, error) {
	if id := os.Getenv("ALIPAY_APP_ID"); id != "" {
		p, err := alipay.NewFromKeys(id, os.Getenv("ALIPAY_PRIVATE_KEY"), os.Getenv("ALIPAY_PUBLIC_KEY"), &alipay.Options{Sandbox: os.Getenv("ALIPAY_PRODUCTION") != "1"})
		if err != nil {
			return wallet{}, err
		}
		var logo string
		if os.Getenv("ALIPAY_TEMPLATE_ID") == "" {
			if logo, err = uploadLogo(ctx, p); err != nil {
				return wallet{}, err
			}
		}
		return wallet{
			name: "Alipay", provider: p, close: func() {}, templateID: os.Getenv("ALIPAY_TEMPLATE_ID"), logo: logo,
			newMember: func(_ context.Context, tpl string, n int) (card.OpenRequest, error) {
				return card.OpenRequest{TemplateID: tpl, ExternalNo: fmt.Sprintf("A%06d", n), Holder: os.Getenv("ALIPAY_USER_ID"), AuthToken: os.Getenv("ALIPAY_AUTH_TOKEN"), IdempotencyKey: card.NewIdempotencyKey()}, nil
			},
		}, nil
	}
	s := alipaytest.NewServer(nil)
	client, err := s.NewClient()
	if err != nil {
		s.Close()
		return wallet{}, err
	}
	p, err := alipay.New(client, nil)
	if err != nil {
		s.Close()
		return wallet{}, err
	}
	logo, err := uploadLogo(ctx, p)
	if err != nil {
		s.Close()
		return wallet{}, err
	}
	return wallet{
		name: "Alipay (local gateway " + s.URL() + ")", provider: p, close: s.Close, logo: logo,
		newMember: func(ctx context.Context, tpl string, n int) (card.OpenRequest, error) {
			// The member approves OAuth with scope auth_ecard; the merchant
			// exchanges the auth_code for the member's token.
			user := s.NewUser()
			tok, err := p.ExchangeCode(ctx, s.Authorize(user, "auth_ecard"))
			if err != nil {
				return card.OpenRequest{}, err
			}
			return card.OpenRequest{TemplateID: tpl, ExternalNo: fmt.Sprintf("A%06d", n), Holder: user, AuthToken: tok.AccessToken, IdempotencyKey: card.NewIdempotencyKey()}, nil
		},
	}, nil
}

func setupWeChat(ctx context.Context) (wallet, error) {
	if id := os.Getenv("WECHAT_APP_ID"); id != "" {
		if os.Getenv("WECHAT_CARD_ID") == "" || os.Getenv("WECHAT_CARD_CODE") == "" {
			return wallet{}, errors.New("WECHAT_CARD_ID and WECHAT_CARD_CODE are required with WECHAT_APP_ID: new WeChat cards need review, so use an approved card and a code a test user claimed")
		}
		p, err := wechat.NewFromCredentials(id, os.Getenv("WECHAT_APP_SECRET"), nil)
		if err != nil {
			return wallet{}, err
		}
		return wallet{
			name: "WeChat", provider: p, close: func() {}, templateID: os.Getenv("WECHAT_CARD_ID"),
			newMember: func(_ context.Context, tpl string, n int) (card.OpenRequest, error) {
				return card.OpenRequest{TemplateID: tpl, ExternalNo: fmt.Sprintf("W%06d", n), Code: os.Getenv("WECHAT_CARD_CODE"), IdempotencyKey: card.NewIdempotencyKey()}, nil
			},
		}, nil
	}
	// The local server, like WeChat, takes only logos uploaded to it.
	s := wechattest.NewServer(&wechattest.Options{RequireUploadedImages: true})
	p, err := wechat.NewFromCredentials(s.AppID(), s.AppSecret(), &wechat.Options{BaseURL: s.URL(), QRImageBaseURL: s.QRImageURL()})
	if err != nil {
		s.Close()
		return wallet{}, err
	}
	png, err := logoPNG()
	if err != nil {
		s.Close()
		return wallet{}, err
	}
	logo, err := p.UploadImage(ctx, "walletcard-logo.png", png) // POST /cgi-bin/media/uploadimg
	if err != nil {
		s.Close()
		return wallet{}, fmt.Errorf("upload logo: %w", err)
	}
	return wallet{
		name: "WeChat (local API server " + s.URL() + ")", provider: p, close: s.Close,
		logo: logo, // the http://mmbiz.qpic.cn/… URL WeChat returned
		newMember: func(ctx context.Context, tpl string, n int) (card.OpenRequest, error) {
			// The member claims the card in WeChat and gets a code.
			code, err := s.Claim(tpl, fmt.Sprintf("oQuickstartUser%04d", n), "quickstart")
			return card.OpenRequest{TemplateID: tpl, ExternalNo: fmt.Sprintf("W%06d", n), Code: code, IdempotencyKey: card.NewIdempotencyKey()}, err
		},
	}, nil
}

// logoPNG draws the card logo: a 300×300 PNG (the size both wallets suggest).
func logoPNG() ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, 300, 300))
	draw.Draw(img, img.Bounds(), &image.Uniform{C: color.RGBA{R: 0x37, G: 0x70, B: 0xb3, A: 0xff}}, image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// uploadLogo uploads the logo to Alipay and returns Alipay's image id.
func uploadLogo(ctx context.Context, p *alipay.Provider) (string, error) {
	logo, err := logoPNG()
	if err != nil {
		return "", err
	}
	res, err := p.ImageUpload(ctx, alipay.ImageUploadRequest{ImageType: "png", ImageName: "walletcard-logo.png", Content: logo})
	if err != nil {
		return "", fmt.Errorf("upload logo: %w", err)
	}
	return res.ImageID, nil
}
