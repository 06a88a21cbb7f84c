package wechat

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/internal/heapwatch"
	"github.com/walletcard/card/wechat/wechattest"
)

// activeCard opens a member card on s and returns its ref.
func activeCard(t *testing.T, p *Provider, s *wechattest.Server, cardID, openid string) card.Ref {
	t.Helper()
	code := claim(t, s, cardID, openid)
	c, err := p.Open(context.Background(), card.OpenRequest{TemplateID: cardID, ExternalNo: "M" + code[len(code)-6:], Code: code})
	require.NoError(t, err)
	return c.Ref
}

// TestEndlessAnswerIsBounded: an answer that never ends is cut at
// Options.MaxAnswerBytes, nothing of it decoded, and the heap grows by a few
// megabytes at most (the bound is 64 MB).
func TestEndlessAnswerIsBounded(t *testing.T) {
	_, s := newTestProvider(t, nil)
	p := newProviderFor(t, s, &Options{Retry: card.RetryPolicy{Attempts: 1}}) // one hostile answer, no retry
	id := newCardID(t, p)
	ref := activeCard(t, p, s, id, "oEndless")
	s.HostileNext("/card/membercard/userinfo/get", wechattest.EndlessBody())
	var err error
	growth := heapwatch.PeakGrowth(func() { _, err = p.Get(context.Background(), ref) })
	require.ErrorIs(t, err, card.ErrUnavailable)
	assert.Contains(t, err.Error(), "larger than")
	t.Logf("peak heap growth reading an endless answer: %.1f MiB (limit %d MiB)", float64(growth)/(1<<20), DefaultMaxAnswerBytes>>20)
	assert.Less(t, growth, int64(64<<20))

	// A non-2xx answer is refused before its (large) body is read.
	s.HostileNext("/card/membercard/userinfo/get", wechattest.ErrorStatus(http.StatusBadGateway, 512<<20))
	growth = heapwatch.PeakGrowth(func() { _, err = p.Get(context.Background(), ref) })
	require.ErrorIs(t, err, card.ErrUnavailable)
	assert.Contains(t, err.Error(), "502")
	assert.Less(t, growth, int64(8<<20), "the body of a 502 is not read")

	// An oversized answer just over the limit.
	small := newProviderFor(t, s, &Options{MaxAnswerBytes: 64 << 10, Retry: card.RetryPolicy{Attempts: 1}})
	s.HostileNext("/card/membercard/userinfo/get", wechattest.OversizedBody(65<<10))
	_, err = small.Get(context.Background(), ref)
	require.ErrorIs(t, err, card.ErrUnavailable)
}

// TestRedirectsAreNotFollowed: a card call answered with a redirect to
// another host never reaches it: not the access token, not the body.
func TestRedirectsAreNotFollowed(t *testing.T) {
	var reached atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }))
	defer other.Close()
	_, s := newTestProvider(t, nil)
	p := newProviderFor(t, s, &Options{Retry: card.RetryPolicy{Attempts: 1}})
	id := newCardID(t, p)
	ref := activeCard(t, p, s, id, "oRedirect")
	for _, status := range []int{301, 302, 303, 307, 308} {
		s.HostileNext("/card/membercard/updateuser", wechattest.Redirect(status, other.URL+"/steal"))
		_, err := p.Update(context.Background(), card.UpdateRequest{Ref: ref, Points: card.Ptr(card.WholePoints(1))})
		require.Error(t, err, "status %d", status)
	}
	// The merchant's own client, which follows redirects, is copied, not changed.
	hc := s.HTTPClient()
	mp := newProviderFor(t, s, &Options{HTTPClient: hc, Retry: card.RetryPolicy{Attempts: 1}})
	s.HostileNext("/card/membercard/userinfo/get", wechattest.Redirect(307, other.URL+"/steal"))
	_, err := mp.Get(context.Background(), ref)
	require.Error(t, err)
	assert.Nil(t, hc.CheckRedirect, "the merchant's client was changed")
	assert.Zero(t, reached.Load(), "requests reached the other host")
}

// TestReplayedAnswersBoundToTheirRequest: answers echo what was asked; one
// given to another card, or showing values other than those written, is
// refused (with retries, the pipeline then asks again and gets the genuine
// answer: a forged one is never accepted).
func TestReplayedAnswersBoundToTheirRequest(t *testing.T) {
	ctx := context.Background()
	_, s := newTestProvider(t, nil)
	p := newProviderFor(t, s, &Options{Retry: card.RetryPolicy{Attempts: 1}})
	idA, idB := newCardID(t, p), newCardID(t, p)
	refA := activeCard(t, p, s, idA, "oA")
	refB := activeCard(t, p, s, idB, "oB")

	_, err := p.Get(ctx, refA)
	require.NoError(t, err)
	answers := s.Answers("/card/code/get")
	require.NotEmpty(t, answers)
	s.ReplayNext("/card/code/get", answers[len(answers)-1]) // card A's code/get, given to a Get of card B
	_, err = p.Get(ctx, refB)
	var ce *card.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, CodeForgedAnswer, ce.Code)

	_, err = p.Update(ctx, card.UpdateRequest{Ref: refA, Points: card.Ptr(card.WholePoints(5))})
	require.NoError(t, err)
	up := s.Answers("/card/membercard/updateuser")
	s.ReplayNext("/card/membercard/updateuser", up[len(up)-1]) // "result_bonus 5" given to a write of 9
	_, err = p.Update(ctx, card.UpdateRequest{Ref: refA, Points: card.Ptr(card.WholePoints(9))})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, CodeForgedAnswer, ce.Code)
	assert.ErrorIs(t, err, card.ErrOutcomeUnknown, "the write may or may not have happened")

	_, err = p.GetCard(ctx, GetCardRequest{CardID: idA})
	require.NoError(t, err)
	cg := s.Answers("/card/get")
	s.ReplayNext("/card/get", cg[len(cg)-1])
	_, err = p.GetCard(ctx, GetCardRequest{CardID: idB})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, CodeForgedAnswer, ce.Code)
}

// TestBadTextNeverReachesWeChat: control characters, invisible formatting
// characters and whitespace-only values in any text field that reaches
// WeChat are refused naming the field, and no request is sent (counted at
// the fake).
func TestBadTextNeverReachesWeChat(t *testing.T) {
	ctx := context.Background()
	p, s := newTestProvider(t, nil)
	id := newCardID(t, p)
	ref := activeCard(t, p, s, id, "oText")
	bad := []string{"a\x00b", "a\nb", "a\rb", "\x1b[2J", "a\u200bb", "a\u202eb", "a\u2066b", "\ufeffa", "   ", "\u3000"}
	type field struct {
		name string
		call func(v string) error
	}
	fields := []field{
		{"OpenRequest.ExternalNo", func(v string) error {
			_, err := p.Open(ctx, card.OpenRequest{TemplateID: id, ExternalNo: v, Code: "123456789"})
			return err
		}},
		{"OpenRequest.Level", func(v string) error {
			_, err := p.Open(ctx, card.OpenRequest{TemplateID: id, ExternalNo: "M1", Code: "123456789", Level: v})
			return err
		}},
		{"OpenRequest.Code", func(v string) error {
			_, err := p.Open(ctx, card.OpenRequest{TemplateID: id, ExternalNo: "M1", Code: v})
			return err
		}},
		{"UpdateRequest.Note", func(v string) error {
			_, err := p.Update(ctx, card.UpdateRequest{Ref: ref, Points: card.Ptr(card.Points(0)), Note: v})
			return err
		}},
		{"UpdateRequest.Level", func(v string) error {
			_, err := p.Update(ctx, card.UpdateRequest{Ref: ref, Level: &v})
			return err
		}},
		{"Ref.CardNo", func(v string) error {
			_, err := p.Get(ctx, card.Ref{Provider: card.WeChat, TemplateID: id, CardNo: v})
			return err
		}},
		{"ClaimLinkRequest.Channel", func(v string) error {
			_, err := p.ClaimLink(ctx, card.ClaimLinkRequest{TemplateID: id, Channel: v})
			return err
		}},
		{"ClaimLinkRequest.Holder", func(v string) error {
			_, err := p.ClaimLink(ctx, card.ClaimLinkRequest{TemplateID: id, Holder: v})
			return err
		}},
		{"TemplateSpec.Title", func(v string) error {
			_, err := p.CreateTemplate(ctx, card.TemplateSpec{Title: v, BrandName: "B", LogoURL: "https://mmbiz.qpic.cn/l.png"})
			return err
		}},
		{"TemplateSpec.BrandName", func(v string) error {
			_, err := p.CreateTemplate(ctx, card.TemplateSpec{Title: "T", BrandName: v, LogoURL: "https://mmbiz.qpic.cn/l.png"})
			return err
		}},
		{"TemplateSpec.Notice", func(v string) error {
			_, err := p.CreateTemplate(ctx, card.TemplateSpec{Title: "T", BrandName: "B", Notice: v, LogoURL: "https://mmbiz.qpic.cn/l.png"})
			return err
		}},
		{"TemplateSpec.ServicePhone", func(v string) error {
			_, err := p.CreateTemplate(ctx, card.TemplateSpec{Title: "T", BrandName: "B", ServicePhone: v, LogoURL: "https://mmbiz.qpic.cn/l.png"})
			return err
		}},
		{"UpdateMemberUserRequest.RecordBonus", func(v string) error {
			_, err := p.UpdateMemberUser(ctx, UpdateMemberUserRequest{Code: ref.CardNo, CardID: id, Bonus: card.Ptr(int64(1)), RecordBonus: v})
			return err
		}},
		{"ActivateMemberCardRequest.MembershipNumber", func(v string) error {
			return p.ActivateMemberCard(ctx, ActivateMemberCardRequest{Code: "123456789", CardID: id, MembershipNumber: v})
		}},
		{"CreateQRCodeRequest.Card.OuterStr", func(v string) error {
			_, err := p.CreateQRCode(ctx, CreateQRCodeRequest{Card: &QRCard{CardID: id, OuterStr: v}})
			return err
		}},
		{"UnavailableCodeRequest.Reason", func(v string) error {
			return p.UnavailableCode(ctx, UnavailableCodeRequest{Code: ref.CardNo, CardID: id, Reason: v})
		}},
		{"CreateCardRequest.Title", func(v string) error {
			d := catMemberCard()
			d.MemberCard.BaseInfo.Title = v
			_, err := p.CreateCard(ctx, CreateCardRequest{Card: d})
			return err
		}},
	}
	before := s.CallCount("")
	reached := 0
	for _, f := range fields {
		for _, v := range bad {
			err := f.call(v)
			if !errors.Is(err, card.ErrInvalidArgument) {
				t.Errorf("%s = %q: %v, want ErrInvalidArgument", f.name, v, err)
			}
		}
	}
	reached = s.CallCount("") - before
	assert.Zero(t, reached, "requests that reached WeChat with bad text")
	t.Logf("%d text fields × %d bad values: %d requests reached the fake", len(fields), len(bad), reached)

	// Amounts beyond WeChat's 32-bit integers are refused too.
	_, err := p.Update(ctx, card.UpdateRequest{Ref: ref, Balance: card.Ptr(card.Money(1) << 40)})
	var ce *card.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "Balance", ce.Field)
	assert.True(t, strings.Contains(ce.Message, "limit"))
	assert.Equal(t, before, s.CallCount(""))
}
