package mock_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
	"github.com/walletcard/card/mock"
	"github.com/walletcard/card/wechat"
	"github.com/walletcard/card/wechat/wechattest"
)

// A side is one thing the parity table runs on: a wallet's provider on its
// local fake, or the mock flavour that imitates it.
type side struct {
	name string
	p    card.MemberCard
	logo string // a logo the wallet accepts (Alipay: an image id; WeChat: an uploaded image URL)
	tpl  string
	// member returns a valid open request for a new member of tpl.
	member func(t *testing.T, tpl string) card.OpenRequest
	// template creates and approves a template from spec.
	template func(t *testing.T, spec card.TemplateSpec) string
}

var seq atomic.Int64

func alipayAdapterSide(t *testing.T) *side {
	s := alipaytest.NewServer(nil)
	t.Cleanup(s.Close)
	p, err := alipay.NewFromKeys(s.AppID(), s.AppPrivateKey(), s.AlipayPublicKey(), &alipay.Options{
		BaseURL: s.URL(), HTTPClient: s.HTTPClient(), Retry: card.RetryPolicy{Attempts: 2, Base: time.Millisecond}})
	require.NoError(t, err)
	sd := &side{name: "alipay provider on alipaytest", p: p, logo: ""}
	sd.member = func(t *testing.T, tpl string) card.OpenRequest {
		uid := s.NewUser()
		return card.OpenRequest{TemplateID: tpl, ExternalNo: fmt.Sprintf("M%d", seq.Add(1)), Holder: uid, AuthToken: s.IssueToken(uid, alipay.ScopeECard)}
	}
	sd.template = func(t *testing.T, spec card.TemplateSpec) string {
		tpl, err := p.CreateTemplate(context.Background(), spec)
		require.NoError(t, err)
		return tpl.ID
	}
	return sd
}

func alipayMockSide(t *testing.T) *side {
	m := mock.NewAlipay(nil)
	sd := &side{name: "mock.NewAlipay", p: m, logo: ""}
	sd.member = func(t *testing.T, tpl string) card.OpenRequest {
		n := seq.Add(1)
		return card.OpenRequest{TemplateID: tpl, ExternalNo: fmt.Sprintf("M%d", n), Holder: fmt.Sprintf("2088%012d", n), AuthToken: fmt.Sprintf("authusrB%d", n)}
	}
	sd.template = func(t *testing.T, spec card.TemplateSpec) string {
		tpl, err := m.CreateTemplate(context.Background(), spec)
		require.NoError(t, err)
		return tpl.ID
	}
	return sd
}

const uploadedLogo = "https://mmbiz.qpic.cn/mmbiz/parity-logo.png"

func weChatAdapterSide(t *testing.T) *side {
	s := wechattest.NewServer(nil)
	t.Cleanup(s.Close)
	p, err := wechat.NewFromCredentials(s.AppID(), s.AppSecret(), &wechat.Options{
		BaseURL: s.URL(), QRImageBaseURL: s.QRImageURL(), HTTPClient: s.HTTPClient(), Retry: card.RetryPolicy{Attempts: 2, Base: time.Millisecond}})
	require.NoError(t, err)
	sd := &side{name: "wechat provider on wechattest", p: p, logo: uploadedLogo}
	sd.member = func(t *testing.T, tpl string) card.OpenRequest {
		openid := fmt.Sprintf("oParity%06d", seq.Add(1))
		code, err := s.Claim(tpl, openid, "")
		require.NoError(t, err)
		return card.OpenRequest{TemplateID: tpl, ExternalNo: "M" + code[len(code)-8:], Holder: openid, Code: code}
	}
	sd.template = func(t *testing.T, spec card.TemplateSpec) string {
		tpl, err := p.CreateTemplate(context.Background(), spec)
		require.NoError(t, err)
		require.NoError(t, s.Approve(tpl.ID))
		return tpl.ID
	}
	return sd
}

func weChatMockSide(t *testing.T) *side {
	m := mock.NewWeChat(nil)
	sd := &side{name: "mock.NewWeChat", p: m, logo: uploadedLogo}
	sd.member = func(t *testing.T, tpl string) card.OpenRequest {
		openid := fmt.Sprintf("oParity%06d", seq.Add(1))
		code, err := m.Claim(context.Background(), tpl, openid, "")
		require.NoError(t, err)
		return card.OpenRequest{TemplateID: tpl, ExternalNo: "M" + code[len(code)-8:], Holder: openid, Code: code}
	}
	sd.template = func(t *testing.T, spec card.TemplateSpec) string {
		tpl, err := m.CreateTemplate(context.Background(), spec)
		require.NoError(t, err)
		return tpl.ID
	}
	return sd
}

// outcome is what the parity test compares: the kind and the field named,
// or "ok".
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	var ce *card.Error
	if !assert.ErrorAs(nil, err, &ce) {
		return "not a *card.Error: " + err.Error()
	}
	if ce.Field != "" {
		return ce.Kind.String() + " " + ce.Field
	}
	return ce.Kind.String()
}

// row is one request of the parity table; run returns the error of the
// call under test (setup calls must succeed).
type row struct {
	name string
	run  func(t *testing.T, ctx context.Context, s *side) error
}

func opened(t *testing.T, ctx context.Context, s *side) *card.Card {
	t.Helper()
	c, err := s.p.Open(ctx, s.member(t, s.tpl))
	require.NoError(t, err, s.name)
	return c
}

func openWith(mod func(*card.OpenRequest)) func(*testing.T, context.Context, *side) error {
	return func(t *testing.T, ctx context.Context, s *side) error {
		req := s.member(t, s.tpl)
		mod(&req)
		_, err := s.p.Open(ctx, req)
		return err
	}
}

func updateWith(mod func(*card.UpdateRequest)) func(*testing.T, context.Context, *side) error {
	return func(t *testing.T, ctx context.Context, s *side) error {
		c := opened(t, ctx, s)
		req := card.UpdateRequest{Ref: c.Ref}
		mod(&req)
		_, err := s.p.Update(ctx, req)
		return err
	}
}

func claimWith(mod func(*card.ClaimLinkRequest)) func(*testing.T, context.Context, *side) error {
	return func(t *testing.T, ctx context.Context, s *side) error {
		req := card.ClaimLinkRequest{TemplateID: s.tpl}
		mod(&req)
		_, err := s.p.ClaimLink(ctx, req)
		return err
	}
}

func templateWith(mod func(*card.TemplateSpec)) func(*testing.T, context.Context, *side) error {
	return func(t *testing.T, ctx context.Context, s *side) error {
		spec := card.TemplateSpec{Title: "Gold", BrandName: "Walletcard", LogoURL: s.logo, Points: true, Balance: true}
		mod(&spec)
		_, err := s.p.(card.TemplateManager).CreateTemplate(ctx, spec)
		return err
	}
}

func getRef(mod func(*card.Ref)) func(*testing.T, context.Context, *side) error {
	return func(t *testing.T, ctx context.Context, s *side) error {
		c := opened(t, ctx, s)
		ref := c.Ref
		mod(&ref)
		_, err := s.p.Get(ctx, ref)
		return err
	}
}

func parityRows() []row {
	pts := func(p card.Points) *card.Points { return &p }
	return []row{
		{"open", openWith(func(*card.OpenRequest) {})},
		{"open with points, balance, level", openWith(func(r *card.OpenRequest) {
			r.Points, r.Balance, r.Level = card.WholePoints(10), card.Yuan(5), "GOLD"
		})},
		{"open again by the same holder, no key", func(t *testing.T, ctx context.Context, s *side) error {
			req := s.member(t, s.tpl)
			_, err := s.p.Open(ctx, req)
			require.NoError(t, err)
			_, err = s.p.Open(ctx, req)
			return err
		}},
		{"open again by the same holder with the caller's key", func(t *testing.T, ctx context.Context, s *side) error {
			req := s.member(t, s.tpl)
			req.IdempotencyKey = fmt.Sprintf("order%d", seq.Add(1))
			_, err := s.p.Open(ctx, req)
			require.NoError(t, err)
			req.IdempotencyKey += "b"
			_, err = s.p.Open(ctx, req)
			return err
		}},
		{"open again by the same holder, another number", func(t *testing.T, ctx context.Context, s *side) error {
			req := s.member(t, s.tpl)
			req.IdempotencyKey = fmt.Sprintf("order%d", seq.Add(1))
			_, err := s.p.Open(ctx, req)
			require.NoError(t, err)
			req.IdempotencyKey += "b"
			req.ExternalNo += "X"
			_, err = s.p.Open(ctx, req)
			return err
		}},
		{"open without ExternalNo", openWith(func(r *card.OpenRequest) { r.ExternalNo = "" })},
		{"open ExternalNo of 20 bytes", openWith(func(r *card.OpenRequest) { r.ExternalNo = strings.Repeat("7", 20) })},
		{"open ExternalNo of 21 bytes", openWith(func(r *card.OpenRequest) { r.ExternalNo = strings.Repeat("7", 21) })},
		{"open ExternalNo of 33 bytes", openWith(func(r *card.OpenRequest) { r.ExternalNo = strings.Repeat("7", 33) })},
		{"open ExternalNo with a newline", openWith(func(r *card.OpenRequest) { r.ExternalNo = "M\n1" })},
		{"open ExternalNo with a bidi override", openWith(func(r *card.OpenRequest) { r.ExternalNo = "M\u202e1" })},
		{"open whitespace-only Level", openWith(func(r *card.OpenRequest) { r.Level = "  " })},
		{"open Level of 13 bytes", openWith(func(r *card.OpenRequest) { r.Level = strings.Repeat("L", 13) })},
		{"open fractional points", openWith(func(r *card.OpenRequest) { r.Points = 150 })},
		{"open balance over the wallets' maximum", openWith(func(r *card.OpenRequest) { r.Balance = card.Money(1 << 62) })},
		{"open negative balance", openWith(func(r *card.OpenRequest) { r.Balance = -1 })},
		{"open without AuthToken", openWith(func(r *card.OpenRequest) { r.AuthToken = "" })},
		{"open without Code", openWith(func(r *card.OpenRequest) { r.Code = "" })},
		{"open for another provider", openWith(func(r *card.OpenRequest) { r.Provider = "paypal" })},
		{"open with a key of 33 bytes", openWith(func(r *card.OpenRequest) { r.IdempotencyKey = strings.Repeat("k", 33) })},

		{"get", getRef(func(*card.Ref) {})},
		{"get a missing card", getRef(func(r *card.Ref) { r.CardNo = "99999999999" })},
		{"get a card number of 21 bytes", getRef(func(r *card.Ref) { r.CardNo = strings.Repeat("9", 21) })},
		{"get a card number of 33 bytes", getRef(func(r *card.Ref) { r.CardNo = strings.Repeat("9", 33) })},
		{"get another provider's card", getRef(func(r *card.Ref) { r.Provider = "paypal" })},

		{"update points and balance", updateWith(func(r *card.UpdateRequest) {
			r.Points, r.Balance, r.Note = pts(card.WholePoints(12)), card.Ptr(card.Yuan(3)), "消费获得12积分"
		})},
		{"update nothing", updateWith(func(*card.UpdateRequest) {})},
		{"update fractional points", updateWith(func(r *card.UpdateRequest) { r.Points = pts(card.Points(1250)) })},
		{"update with a 15-汉字 note", updateWith(func(r *card.UpdateRequest) {
			r.Points, r.Note = pts(card.WholePoints(1)), strings.Repeat("积", 15)
		})},
		{"update with a note of 14 汉字", updateWith(func(r *card.UpdateRequest) {
			r.Points, r.Note = pts(card.WholePoints(1)), strings.Repeat("积", 14)
		})},
		{"update with a zero-width space in the note", updateWith(func(r *card.UpdateRequest) {
			r.Points, r.Note = pts(card.WholePoints(1)), "积分\u200b"
		})},
		{"update a missing card", func(t *testing.T, ctx context.Context, s *side) error {
			_, err := s.p.Update(ctx, card.UpdateRequest{Ref: card.Ref{Provider: s.p.Name(), TemplateID: s.tpl, CardNo: "99999999999"}, Points: pts(0)})
			return err
		}},
		{"update a deleted card", func(t *testing.T, ctx context.Context, s *side) error {
			c := opened(t, ctx, s)
			require.NoError(t, s.p.Delete(ctx, card.DeleteRequest{Ref: c.Ref}))
			_, err := s.p.Update(ctx, card.UpdateRequest{Ref: c.Ref, Points: pts(0)})
			return err
		}},
		{"update points over the maximum", updateWith(func(r *card.UpdateRequest) { r.Points = pts(card.Points(1 << 62)) })},

		{"delete", func(t *testing.T, ctx context.Context, s *side) error {
			return s.p.Delete(ctx, card.DeleteRequest{Ref: opened(t, ctx, s).Ref})
		}},
		{"delete twice", func(t *testing.T, ctx context.Context, s *side) error {
			c := opened(t, ctx, s)
			require.NoError(t, s.p.Delete(ctx, card.DeleteRequest{Ref: c.Ref}))
			return s.p.Delete(ctx, card.DeleteRequest{Ref: c.Ref})
		}},
		{"delete twice with the caller's key", func(t *testing.T, ctx context.Context, s *side) error {
			c := opened(t, ctx, s)
			del := card.DeleteRequest{Ref: c.Ref, IdempotencyKey: fmt.Sprintf("del%d", seq.Add(1))}
			require.NoError(t, s.p.Delete(ctx, del))
			return s.p.Delete(ctx, del)
		}},
		{"delete with an unknown reason", func(t *testing.T, ctx context.Context, s *side) error {
			return s.p.Delete(ctx, card.DeleteRequest{Ref: opened(t, ctx, s).Ref, Reason: "PRESENT"})
		}},

		{"claim link", claimWith(func(*card.ClaimLinkRequest) {})},
		{"claim link living 10 minutes", claimWith(func(r *card.ClaimLinkRequest) { r.ExpiresIn = 10 * time.Minute })},
		{"claim link living an hour", claimWith(func(r *card.ClaimLinkRequest) { r.ExpiresIn = time.Hour })},
		{"claim link living 10 seconds", claimWith(func(r *card.ClaimLinkRequest) { r.ExpiresIn = 10 * time.Second })},
		{"claim link with a channel holding a newline", claimWith(func(r *card.ClaimLinkRequest) { r.Channel = "poster\n1" })},
		{"claim link for a holder of 33 bytes", claimWith(func(r *card.ClaimLinkRequest) { r.Holder = strings.Repeat("o", 33) })},

		{"template", templateWith(func(*card.TemplateSpec) {})},
		{"template without a logo", templateWith(func(s *card.TemplateSpec) { s.LogoURL = "" })},
		{"template with a logo URL", templateWith(func(s *card.TemplateSpec) { s.LogoURL = uploadedLogo })},
		{"template with a title of 9 汉字", templateWith(func(s *card.TemplateSpec) { s.Title = strings.Repeat("金", 9) })},
		{"template with a title of 10 汉字", templateWith(func(s *card.TemplateSpec) { s.Title = strings.Repeat("金", 10) })},
		{"template with a title of 11 ASCII bytes", templateWith(func(s *card.TemplateSpec) { s.Title = "Gold member" })},
		{"template with a WeChat colour name", templateWith(func(s *card.TemplateSpec) { s.Color = "Color010" })},
		{"template with a hex colour", templateWith(func(s *card.TemplateSpec) { s.Color = "#336699" })},
		{"template with a whitespace-only notice", templateWith(func(s *card.TemplateSpec) { s.Notice = " " })},
	}
}

// TestParityWithProviders runs one table of valid and invalid requests
// through each wallet's provider (on its local fake) and through the mock
// flavour that imitates it, and requires the same outcome kind and the
// same field name for every row, and the same optional interfaces.
func TestParityWithProviders(t *testing.T) {
	pairs := []struct {
		wallet        string
		adapter, mock func(*testing.T) *side
	}{
		{card.Alipay, alipayAdapterSide, alipayMockSide},
		{card.WeChat, weChatAdapterSide, weChatMockSide},
	}
	for _, pair := range pairs {
		t.Run(pair.wallet, func(t *testing.T) {
			ctx := context.Background()
			sides := []*side{pair.adapter(t), pair.mock(t)}
			for _, s := range sides {
				s.tpl = s.template(t, card.TemplateSpec{Title: "Gold", BrandName: "Walletcard", LogoURL: s.logo, Points: true, Balance: true})
			}
			a, m := sides[0], sides[1]
			for _, iface := range []struct {
				name string
				has  func(card.MemberCard) bool
			}{
				{"card.Consumer", func(p card.MemberCard) bool { _, ok := p.(card.Consumer); return ok }},
				{"card.TemplateManager", func(p card.MemberCard) bool { _, ok := p.(card.TemplateManager); return ok }},
			} {
				assert.Equal(t, iface.has(a.p), iface.has(m.p), "%s: %s offered by one and not the other", pair.wallet, iface.name)
			}
			rows := parityRows()
			rows = append(rows, row{"consume twice", func(t *testing.T, ctx context.Context, s *side) error {
				cons, ok := s.p.(card.Consumer)
				if !ok {
					return nil
				}
				c := opened(t, ctx, s)
				require.NoError(t, cons.Consume(ctx, card.ConsumeRequest{Ref: c.Ref}))
				return cons.Consume(ctx, card.ConsumeRequest{Ref: c.Ref})
			}})
			for _, r := range rows {
				want := outcome(r.run(t, ctx, a))
				got := outcome(r.run(t, ctx, m))
				assert.Equal(t, want, got, "%s / %s: %s answers %q, %s answers %q", pair.wallet, r.name, a.name, want, m.name, got)
			}
		})
	}
}
