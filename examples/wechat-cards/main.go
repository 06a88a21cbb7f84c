// Command wechat-cards walks through a WeChat member-card programme with the
// walletcard WeChat adapter: create a member card, put it on a QR code and a
// landing page, let a user claim it, activate (open) the claimed card, add
// points, consume the code, and receive the card events through the adapter's
// push handler.
//
// With no environment it runs against a local wechattest server (no
// credentials, no network) and the "user" is simulated:
//
//	go run ./examples/wechat-cards
//
// With WECHAT_APP_ID and WECHAT_APP_SECRET set it talks to the real
// api.weixin.qq.com for that official account: it creates the card, the QR
// code and the landing page and prints their links. Real users claim cards in
// WeChat; set WECHAT_CARD_ID and WECHAT_CARD_CODE to a claimed code to
// activate it, add points and consume it. Events need a public URL configured
// in the official account: set WECHAT_PUSH_TOKEN (and WECHAT_AES_KEY in safe
// or compatibility mode; with it, plaintext pushes are refused) and
// WECHAT_LISTEN (e.g. ":8080") to serve the handler at /wechat/events.
//
// The card's logo is uploaded first with UploadImage (POST
// /cgi-bin/media/uploadimg, JPG or PNG up to 1 MB): the file named by
// WECHAT_LOGO_FILE, or a generated PNG. WECHAT_LOGO_URL skips the upload
// and uses a logo uploaded before. The local server, like WeChat, accepts
// only logos it issued.
package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat"
	"github.com/walletcard/card/wechat/wechattest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "wechat-cards:", err)
		os.Exit(1)
	}
}

// run is the walk-through; it prints its progress to out.
func run(ctx context.Context, out io.Writer) error {
	appID, secret := os.Getenv("WECHAT_APP_ID"), os.Getenv("WECHAT_APP_SECRET")
	live := appID != "" && secret != ""
	pushToken, aesKey := os.Getenv("WECHAT_PUSH_TOKEN"), os.Getenv("WECHAT_AES_KEY")
	logo := os.Getenv("WECHAT_LOGO_URL")

	var s *wechattest.Server
	opts := &wechat.Options{}
	if !live {
		s = wechattest.NewServer(&wechattest.Options{RequireUploadedImages: true})
		defer s.Close()
		appID, secret, pushToken, aesKey = s.AppID(), s.AppSecret(), "test-push-token", ""
		opts.BaseURL, opts.QRImageBaseURL = s.URL(), s.QRImageURL()
		logo = ""
		fmt.Fprintln(out, "using a local wechattest server at", s.URL())
	} else {
		fmt.Fprintln(out, "using the real WeChat API for", appID)
	}

	// Tokens and tickets are kept in memory; set opts.Fleet
	// (wechatredis.New) to share them between processes.
	opts.PushToken, opts.PushAESKey = pushToken, aesKey
	p, err := wechat.NewFromCredentials(appID, secret, opts)
	if err != nil {
		return err
	}

	// The push handler: every card event, typed and neutral.
	var mu sync.Mutex
	var events []string // neutral events and what the typed hook noted
	neutral := 0
	if pushToken != "" {
		// Messages that are not card events (user messages, subscribe, menu
		// clicks …) reach Fallback as verified, decrypted plaintext XML; a
		// real programme would pass them to its message handling.
		h, err := p.NewHandler(&wechat.HandlerOptions{Fallback: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "success")
		})})
		if err != nil {
			return err
		}
		h.OnEvent(func(ctx context.Context, ev card.Event) error {
			mu.Lock()
			defer mu.Unlock()
			neutral++
			events = append(events, fmt.Sprintf("%s %s holder=%s channel=%q (%s)", ev.Type, ev.Ref, ev.Holder, ev.Channel, ev.Native.(*wechat.CardEvent).Event))
			return nil
		})
		h.On(wechat.EventUpdateMemberCard, func(ctx context.Context, ev *wechat.CardEvent) error {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, fmt.Sprintf("  update_member_card: bonus %+d, balance %+d fen", ev.ModifyBonus, ev.ModifyBalance))
			return nil
		})
		mux := http.NewServeMux()
		mux.Handle("/wechat/events", h)
		if s != nil {
			hs := httptest.NewServer(mux)
			defer hs.Close()
			s.SetEventURL(hs.URL + "/wechat/events")
		} else if addr := os.Getenv("WECHAT_LISTEN"); addr != "" {
			srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
			go func() { _ = srv.ListenAndServe() }()
			defer srv.Close()
		}
	}

	// 1. The card programme: its logo first (WeChat takes only images
	// uploaded to it), then the card.
	if logo == "" {
		name, image, err := logoImage(os.Getenv("WECHAT_LOGO_FILE"))
		if err != nil {
			return err
		}
		if logo, err = p.UploadImage(ctx, name, image); err != nil {
			return fmt.Errorf("upload logo: %w", err)
		}
		fmt.Fprintln(out, "uploaded logo:", logo)
	}
	tpl, err := p.CreateTemplate(ctx, card.TemplateSpec{
		Title: "咖啡会员卡", BrandName: "示例咖啡", LogoURL: logo, Notice: "结账时出示会员卡",
		Description: "消费1元积1分", Points: true, Balance: true, Levels: []string{"银卡", "金卡"}, Stock: 5000,
	})
	if err != nil {
		return fmt.Errorf("create card: %w", err)
	}
	fmt.Fprintf(out, "created member card %s (%s, stock %d)\n", tpl.ID, tpl.Status, tpl.Stock)

	// 2. Distribution: a QR code and a landing page.
	link, err := p.ClaimLink(ctx, card.ClaimLinkRequest{TemplateID: tpl.ID, Channel: "poster-lobby", ExpiresIn: 30 * time.Minute})
	if err != nil {
		return fmt.Errorf("QR code: %w", err)
	}
	fmt.Fprintln(out, "QR code:", link.URL, "image:", link.QRCodeURL)
	page, err := p.CreateLandingPage(ctx, wechat.CreateLandingPageRequest{
		Banner: logo, PageTitle: "会员中心", Scene: wechat.SceneQRCode,
		CardList: []wechat.LandingPageCard{{CardID: tpl.ID, ThumbURL: logo}},
	})
	if err != nil {
		return fmt.Errorf("landing page: %w", err)
	}
	fmt.Fprintln(out, "landing page:", page.URL)

	// 3. A user claims the card (simulated locally: scanning the QR code).
	code := os.Getenv("WECHAT_CARD_CODE")
	cardID := tpl.ID
	if s != nil {
		codes, err := s.ScanQR(link.Ticket, "oDemoUser0001")
		if err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		code = codes[0]
	} else if code == "" {
		fmt.Fprintln(out, "set WECHAT_CARD_ID and WECHAT_CARD_CODE to a claimed code to continue")
		return nil
	} else if id := os.Getenv("WECHAT_CARD_ID"); id != "" {
		cardID = id
	}
	fmt.Fprintln(out, "claimed code:", code)

	// 4. Activate (open) it, 5. add points, 6. consume the code.
	mc, err := p.Open(ctx, card.OpenRequest{TemplateID: cardID, Code: code, ExternalNo: "VIP-000123", Level: "银卡", Points: card.WholePoints(20)})
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	fmt.Fprintf(out, "opened %s: number %s, level %s, %s points\n", mc.Ref, mc.ExternalNo, mc.Level, mc.Points)
	// The merchant's own records hold the member's total; the card is told
	// the absolute value, so a repeated or concurrent update never adds
	// twice (never read the card and add: package ledger does this for a
	// real programme).
	total := card.WholePoints(20) + card.WholePoints(50)
	up, err := p.Update(ctx, card.UpdateRequest{Ref: mc.Ref, Points: &total, Note: "消费50元"})
	if err != nil {
		return fmt.Errorf("add points: %w", err)
	}
	fmt.Fprintf(out, "added 50 points: now %s\n", up.Points)
	if err := p.Consume(ctx, card.ConsumeRequest{Ref: mc.Ref}); err != nil {
		return fmt.Errorf("consume: %w", err)
	}
	fmt.Fprintln(out, "consumed code", code)

	if s != nil {
		s.WaitPushes()
	}
	mu.Lock()
	defer mu.Unlock()
	fmt.Fprintf(out, "received %d card events:\n", neutral)
	for _, e := range events {
		fmt.Fprintln(out, " ", e)
	}
	return nil
}

// logoImage returns the logo to upload: the file at path (its name and
// bytes), or, when path is empty, a generated 300×300 PNG.
func logoImage(path string) (name string, data []byte, err error) {
	if path != "" {
		data, err = os.ReadFile(path)
		if err != nil {
			return "", nil, fmt.Errorf("logo: %w", err)
		}
		return filepath.Base(path), data, nil
	}
	img := image.NewRGBA(image.Rect(0, 0, 300, 300))
	draw.Draw(img, img.Bounds(), &image.Uniform{C: color.RGBA{R: 0x6f, G: 0x4e, B: 0x37, A: 0xff}}, image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", nil, err
	}
	return "logo.png", buf.Bytes(), nil
}
