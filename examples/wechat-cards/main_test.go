package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWeChatCards runs the whole example against the local server and checks
// that every step printed its result and the events arrived through the handler.
func TestWeChatCards(t *testing.T) {
	t.Setenv("WECHAT_APP_ID", "")
	t.Setenv("WECHAT_APP_SECRET", "")
	t.Setenv("WECHAT_LOGO_FILE", "")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out), "%s", &out)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`uploaded logo: http://mmbiz\.qpic\.cn/mmbiz_png/\S+/0`),
		regexp.MustCompile(`created member card \S+ \(approved, stock 5000\)`),
		regexp.MustCompile(`QR code: \S+ image: http://127\.0\.0\.1:\d+/cgi-bin/showqrcode\?ticket=\S+`),
		regexp.MustCompile(`landing page: \S+page_id=\d+`),
		regexp.MustCompile(`opened wechat/\S+: number VIP-000123, level 银卡, 20 points`),
		regexp.MustCompile(`added 50 points: now 70\b`),
		regexp.MustCompile(`consumed code \d+`),
		regexp.MustCompile(`received 3 card events:`),
		regexp.MustCompile(`card_claimed wechat/\S+ holder=oDemoUser0001 channel="poster-lobby" \(user_get_card\)`),
		regexp.MustCompile(`update_member_card: bonus \+50, balance \+0 fen`),
		regexp.MustCompile(`code_consumed wechat/\S+ holder=oDemoUser0001 .*\(user_consume_card\)`),
	} {
		assert.Regexp(t, want, out.String())
	}
	assert.NotContains(t, out.String(), "set WECHAT_CARD_ID", "the local run stopped before activating a card")
}

// TestWeChatCardsLogoFile: WECHAT_LOGO_FILE is uploaded as the logo; a file
// that is not a JPG or PNG stops the run before anything is created.
func TestWeChatCardsLogoFile(t *testing.T) {
	t.Setenv("WECHAT_APP_ID", "")
	t.Setenv("WECHAT_APP_SECRET", "")
	dir := t.TempDir()
	_, png, err := logoImage("")
	require.NoError(t, err)
	good := filepath.Join(dir, "shop.png")
	require.NoError(t, os.WriteFile(good, png, 0o600))
	t.Setenv("WECHAT_LOGO_FILE", good)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out), "%s", &out)
	assert.Contains(t, out.String(), "uploaded logo: http://mmbiz.qpic.cn/mmbiz_png/")

	bad := filepath.Join(dir, "shop.gif")
	require.NoError(t, os.WriteFile(bad, []byte("GIF89a"), 0o600))
	t.Setenv("WECHAT_LOGO_FILE", bad)
	out.Reset()
	err = run(context.Background(), &out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "upload logo")
	assert.NotContains(t, out.String(), "created member card")
}
