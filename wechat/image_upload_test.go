package wechat

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/silenceper/wechat/v2/util"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat/wechattest"
)

func pngImage(t testing.TB) []byte {
	var b bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	img.Set(3, 3, color.RGBA{10, 120, 200, 255})
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

func jpegImage(t testing.TB) []byte {
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 16, 16)), nil))
	return b.Bytes()
}

// TestUploadImage: JPG and PNG reach the server as sent and come back as a
// WeChat image URL, which a strict server then accepts as a logo.
func TestUploadImage(t *testing.T) {
	p, s := newTestProvider(t, &wechattest.Options{RequireUploadedImages: true})
	ctx := context.Background()
	for _, tc := range []struct {
		name, file string
		data       []byte
		typ        string
	}{
		{"png", "logo.png", pngImage(t), "png"},
		{"jpeg", "logo.JPEG", jpegImage(t), "jpg"},
		{"default name", "", jpegImage(t), "jpg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := p.UploadImage(ctx, tc.file, tc.data)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(u, "http://mmbiz.qpic.cn/mmbiz_"+tc.typ+"/"), u)
			got, ok := s.Image(u)
			require.True(t, ok, "the server issued the URL")
			assert.Equal(t, tc.data, got)
		})
	}

	logo, err := p.UploadImage(ctx, "logo.png", pngImage(t))
	require.NoError(t, err)
	spec := testSpec
	spec.LogoURL = logo
	tpl, err := p.CreateTemplate(ctx, spec)
	require.NoError(t, err)
	assert.NotEmpty(t, tpl.ID)

	spec.LogoURL = "http://mmbiz.qpic.cn/mmbiz_png/not-uploaded/0"
	_, err = p.CreateTemplate(ctx, spec)
	require.Error(t, err, "a strict server refuses a logo it did not issue (40141)")
	code, _ := errcodeOf(err)
	assert.EqualValues(t, 40141, code)
}

// TestUploadImageRefusedBeforeSending: every rule names its field and
// nothing reaches the server.
func TestUploadImageRefusedBeforeSending(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	png, jpg := pngImage(t), jpegImage(t)
	tooBig := append(append([]byte(nil), png...), make([]byte, MaxImageBytes)...)
	cases := []struct {
		name, file string
		data       []byte
		field      string
	}{
		{"empty", "a.png", nil, "image"},
		{"over 1 MB", "a.png", tooBig, "image"},
		{"GIF", "a.png", []byte("GIF89a\x01\x00\x01\x00"), "image"},
		{"text named .jpg", "a.jpg", []byte("not an image"), "image"},
		{"SVG", "a.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), "image"},
		{"wrong extension", "a.gif", png, "filename"},
		{"no extension", "logo", png, "filename"},
		{"name says jpg, content is png", "a.jpg", png, "filename"},
		{"name says png, content is jpg", "a.png", jpg, "filename"},
		{"path", "../a.png", png, "filename"},
		{"quote", `a".png`, png, "filename"},
		{"control character", "a\r\n.png", png, "filename"},
		{"bidi override", "a\u202egnp.png", png, "filename"},
		{"blank", "   ", png, "filename"},
		{"invalid UTF-8", "a\xff.png", png, "filename"},
		{"too long", strings.Repeat("a", MaxImageFilenameBytes) + ".png", png, "filename"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := p.UploadImage(ctx, tc.file, tc.data)
			require.ErrorIs(t, err, card.ErrInvalidArgument)
			assert.Empty(t, u)
			var ce *card.Error
			require.True(t, errors.As(err, &ce))
			assert.Equal(t, tc.field, ce.Field)
			assert.Equal(t, "UploadImage", ce.Op)
			assert.Equal(t, Name, ce.Provider)
		})
	}
	assert.Zero(t, s.CallCount("/cgi-bin/media/uploadimg"), "nothing may be sent")

	// Exactly the limit is sent.
	limit := append(append([]byte(nil), png...), make([]byte, MaxImageBytes)...)[:MaxImageBytes]
	_, err := p.UploadImage(ctx, "big.png", limit)
	require.NoError(t, err)
}

// TestUploadImageTokenRefresh: an expired or revoked token is refreshed
// once and the upload goes through.
func TestUploadImageTokenRefresh(t *testing.T) {
	for _, tc := range []struct {
		name    string
		breakIt func(*wechattest.Server)
		fetches int
	}{
		{"expired 42001", (*wechattest.Server).ExpireCredentials, 1},
		{"reset 40001", (*wechattest.Server).ResetTokens, 1},
		// WeChat still hands the refused token out as current: stable_token
		// returns it, then one force_refresh replaces it.
		{"invalid 40014", func(s *wechattest.Server) { s.FailNextCode(mediaUploadImgPath, 40014, 1) }, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, s := newTestProvider(t, nil)
			ctx := context.Background()
			_, err := p.UploadImage(ctx, "", pngImage(t))
			require.NoError(t, err)
			before := s.TokenFetches()
			tc.breakIt(s)
			u, err := p.UploadImage(ctx, "", pngImage(t))
			require.NoError(t, err)
			_, ok := s.Image(u)
			assert.True(t, ok)
			assert.Equal(t, before+tc.fetches, s.TokenFetches(), "token fetches")
			assert.Equal(t, 3, s.CallCount(mediaUploadImgPath))
		})
	}

	// The token is refreshed once per call, not again when the new one is
	// refused too.
	p, s := newTestProvider(t, nil)
	_, err := p.UploadImage(context.Background(), "", pngImage(t))
	require.NoError(t, err)
	before := s.TokenFetches()
	s.FailNextCode(mediaUploadImgPath, 40001, 2)
	_, err = p.UploadImage(context.Background(), "", pngImage(t))
	require.ErrorIs(t, err, card.ErrUnauthenticated)
	assert.Equal(t, before+2, s.TokenFetches(), "stable_token, then one force_refresh; no more")

	// Refused credentials are not retried forever, and the secret is not
	// in the error.
	s.RevokeCredentials()
	_, err = p.UploadImage(context.Background(), "", pngImage(t))
	require.ErrorIs(t, err, card.ErrUnauthenticated)
	assert.NotContains(t, err.Error(), s.AppSecret())
}

// TestUploadImageWeChatFailures: -1 is retried with backoff; WeChat's own
// refusals name the image; other failures keep their kind.
func TestUploadImageWeChatFailures(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	s.FailNext(mediaUploadImgPath, card.KindUnavailable, 2)
	u, err := p.UploadImage(ctx, "", pngImage(t))
	require.NoError(t, err, "busy answers are retried")
	assert.NotEmpty(t, u)
	assert.Equal(t, 3, s.CallCount(mediaUploadImgPath))

	for code := range imageRefusals {
		s.FailNextCode(mediaUploadImgPath, int(code), 1)
		_, err := p.UploadImage(ctx, "", pngImage(t))
		require.ErrorIs(t, err, card.ErrInvalidArgument)
		var ce *card.Error
		require.True(t, errors.As(err, &ce))
		assert.Equal(t, "image", ce.Field)
		var we *util.CommonError
		require.True(t, errors.As(err, &we), "the vendor error stays reachable")
		assert.Equal(t, code, we.ErrCode)
	}
	s.FailNext(mediaUploadImgPath, card.KindRateLimited, 1)
	_, err = p.UploadImage(ctx, "", pngImage(t))
	assert.ErrorIs(t, err, card.ErrRateLimited)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = p.UploadImage(canceled, "", pngImage(t))
	assert.Equal(t, context.Canceled, err, "a canceled context comes back bare")
}

// TestUploadImageBadAnswers: an answer without a usable URL is refused.
func TestUploadImageBadAnswers(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	for _, body := range []string{
		`{}`,
		`{"url":""}`,
		`{"url":"javascript:alert(1)"}`,
		`{"url":"ftp://mmbiz.qpic.cn/x/0"}`,
		`{"url":"HTTP://mmbiz.qpic.cn/x/0"}`,
		`{"url":"/relative/0"}`,
		`{"url":"http://mmbiz.qpic.cn/a b/0"}`,
		`{"url":"http://u:p@evil.example/0"}`,
		`{"url":"http://mmbiz.qpic.cn/\u0000/0"}`,
		`<html>502</html>`,
		`{"url":12}`,
	} {
		s.HostileNext(mediaUploadImgPath, wechattest.RawBody([]byte(body)))
		u, err := p.UploadImage(ctx, "", pngImage(t))
		assert.ErrorIs(t, err, card.ErrUnavailable, body)
		assert.Empty(t, u)
	}
}

// TestMissingLogoNamesUploadImage: the neutral CreateTemplate says how to
// get a logo.
func TestMissingLogoNamesUploadImage(t *testing.T) {
	p, s := newTestProvider(t, nil)
	spec := testSpec
	spec.LogoURL = ""
	_, err := p.CreateTemplate(context.Background(), spec)
	require.ErrorIs(t, err, card.ErrInvalidArgument)
	var ce *card.Error
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, "LogoURL", ce.Field)
	assert.Contains(t, ce.Message, "UploadImage")
	assert.Contains(t, ce.Message, "media/uploadimg")
	assert.Zero(t, s.CallCount("/card/create"))
}

// FuzzUploadImageAnswer: the decoder of uploadimg answers never panics and
// returns only absolute http(s) URLs without whitespace or control
// characters.
func FuzzUploadImageAnswer(f *testing.F) {
	for _, s := range []string{
		`{"url":"http://mmbiz.qpic.cn/mmbiz/iaL1LJM1mF9aRKPZJkmG8xXhiaHqkKSVMMWeN3hLut7X7hicFNjakmxibMLGWpXrEXB33367o7zHN0CwngnQY7zb7g/0"}`,
		`{"url":"https://mmbiz.qpic.cn/mmbiz_png/x/0?wx_fmt=png"}`,
		`{"url":""}`, `{}`, `null`, `{"url":"javascript:x"}`, `{"url":"http://\u2028/"}`, `{"url":"HTTP://a/b"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		u, err := decodeUploadImageAnswer(body)
		if err != nil {
			require.Empty(t, u)
			return
		}
		require.NotEmpty(t, u)
		require.LessOrEqual(t, len(u), maxImageURLBytes)
		require.True(t, strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://"), u)
		for _, r := range u {
			require.False(t, r <= ' ' || r == 0x7f, "%q", u)
		}
	})
}
