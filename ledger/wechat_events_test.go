package ledger_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/sqlitestore"
	"github.com/walletcard/card/wechat"
	"github.com/walletcard/card/wechat/wechattest"
)

// End to end on the wire: the user deletes the card in WeChat, WeChat pushes
// a signed user_del_card to the merchant's handler, and the ledger unlinks
// the card (the adapter's OnEvent hook is Ledger.HandleEvent).
func TestWeChatDeletionPushUnlinksTheCard(t *testing.T) {
	ctx := context.Background()
	s := wechattest.NewServer(nil)
	defer s.Close()
	p, err := wechat.NewFromCredentials(s.AppID(), s.AppSecret(), &wechat.Options{BaseURL: s.URL(), PushToken: "test-push-token"})
	require.NoError(t, err)
	st, err := sqlitestore.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"), nil)
	require.NoError(t, err)
	defer st.Close()
	l, err := ledger.New(st, p, nil)
	require.NoError(t, err)

	h, err := p.NewHandler(&wechat.HandlerOptions{Fallback: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "success") })})
	require.NoError(t, err)
	h.OnEvent(l.HandleEvent)
	hs := httptest.NewServer(h)
	defer hs.Close()
	s.SetEventURL(hs.URL)

	tpl, err := p.CreateTemplate(ctx, card.TemplateSpec{Title: "Gold", BrandName: "Coffee", LogoURL: "https://mmbiz.qpic.cn/mmbiz/logo.png", Points: true, Balance: true})
	require.NoError(t, err)
	_, err = l.CreateMember(ctx, "M1", "")
	require.NoError(t, err)
	_, err = l.Apply(ctx, ledger.Request{Key: "k1", MemberID: "M1", Op: ledger.CreditPoints, Points: card.WholePoints(30)})
	require.NoError(t, err)
	code, err := s.Claim(tpl.ID, "oUser1", "")
	require.NoError(t, err)
	link, c, err := l.Open(ctx, ledger.OpenRequest{MemberID: "M1", Card: card.OpenRequest{Provider: card.WeChat, TemplateID: tpl.ID, ExternalNo: "M1", Code: code}})
	require.NoError(t, err)
	assert.False(t, link.Pending())
	m, ok := s.Member(tpl.ID, code)
	require.True(t, ok)
	assert.Equal(t, int64(30), m.Bonus, "opened with the member's points")

	require.NoError(t, s.DeleteByUser(tpl.ID, code)) // pushes user_del_card, signed
	got, err := l.LinkOf(ctx, c.Ref)
	require.NoError(t, err)
	assert.Equal(t, ledger.LinkUnlinked, got.State)
	assert.Contains(t, got.UnlinkReason, "deleted in the wallet")
	pushes := s.Pushes()
	require.NotEmpty(t, pushes)
	assert.NoError(t, pushes[len(pushes)-1].Err, "the handler accepted the push")
}
