package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestWeChatCards runs the whole example against the local server and checks
// that every step printed its result and the events arrived through the handler.
func TestWeChatCards(t *testing.T) {
	t.Setenv("WECHAT_APP_ID", "")
	t.Setenv("WECHAT_APP_SECRET", "")
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("%v\n%s", err, &out)
	}
	for _, want := range []*regexp.Regexp{
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
		if !want.MatchString(out.String()) {
			t.Errorf("output lacks %q:\n%s", want, &out)
		}
	}
	if strings.Contains(out.String(), "set WECHAT_CARD_ID") {
		t.Error("the local run stopped before activating a card")
	}
}
