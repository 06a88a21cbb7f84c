package wechat

import (
	"testing"
	"time"

	wxconfig "github.com/silenceper/wechat/v2/officialaccount/config"

	"github.com/walletcard/card/internal/retry"
	"github.com/walletcard/card/wechat/wechattest"
)

// newTestProvider starts a wechattest server and returns a Provider talking
// to it: an OfficialAccount with a memory cache and this package's
// AccessTokenHandle pointed at the fake. Both are closed at test cleanup.
func newTestProvider(t testing.TB, opts *wechattest.Options) (*Provider, *wechattest.Server) {
	t.Helper()
	s := wechattest.NewServer(opts)
	t.Cleanup(s.Close)
	p := newProviderFor(t, s, nil)
	return p, s
}

// newProviderFor builds another Provider (own cache and token handle) on s.
func newProviderFor(t testing.TB, s *wechattest.Server, o *Options) *Provider {
	t.Helper()
	var opts Options
	if o != nil {
		opts = *o
	}
	opts.BaseURL, opts.QRImageBaseURL = s.URL(), s.QRImageURL()
	if opts.Retry == (retry.Policy{}) {
		opts.Retry = retry.Policy{Attempts: 3, Base: time.Millisecond, Max: 5 * time.Millisecond}
	}
	p, err := NewFromConfig(&wxconfig.Config{AppID: s.AppID(), AppSecret: s.AppSecret(), Token: "test-push-token"}, &opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
