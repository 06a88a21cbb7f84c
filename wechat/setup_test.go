package wechat

import (
	"context"
	"fmt"
	"testing"
	"time"

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
	if opts.PushToken == "" {
		opts.PushToken = "test-push-token"
	}
	if opts.Retry == (retry.Policy{}) {
		opts.Retry = retry.Policy{Attempts: 3, Base: time.Millisecond, Max: 5 * time.Millisecond}
	}
	p, err := NewFromCredentials(s.AppID(), s.AppSecret(), &opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sendTyped calls the typed Provider method that takes req, as a merchant
// would, and returns the method's name and error. Validation tables use it to
// list requests instead of closures.
func sendTyped(ctx context.Context, p *Provider, req validatable) (op string, err error) {
	switch r := req.(type) {
	case ActivateMemberCardRequest:
		return "ActivateMemberCard", p.ActivateMemberCard(ctx, r)
	case SetActivateUserFormRequest:
		return "SetActivateUserForm", p.SetActivateUserForm(ctx, r)
	case UnavailableCodeRequest:
		return "UnavailableCode", p.UnavailableCode(ctx, r)
	case UpdateMemberUserRequest:
		_, err = p.UpdateMemberUser(ctx, r)
		return "UpdateMemberUser", err
	case GetMemberUserInfoRequest:
		_, err = p.GetMemberUserInfo(ctx, r)
		return "GetMemberUserInfo", err
	case GetActivateTempInfoRequest:
		_, err = p.GetActivateTempInfo(ctx, r)
		return "GetActivateTempInfo", err
	case GetActivateURLRequest:
		_, err = p.GetActivateURL(ctx, r)
		return "GetActivateURL", err
	case DecryptCodeRequest:
		_, err = p.DecryptCode(ctx, r)
		return "DecryptCode", err
	case ConsumeCodeRequest:
		_, err = p.ConsumeCode(ctx, r)
		return "ConsumeCode", err
	case GetCodeRequest:
		_, err = p.GetCode(ctx, r)
		return "GetCode", err
	case BoardingPassCheckinRequest:
		_, err = p.BoardingPassCheckin(ctx, r)
		return "BoardingPassCheckin", err
	case MeetingTicketUpdateUserRequest:
		_, err = p.MeetingTicketUpdateUser(ctx, r)
		return "MeetingTicketUpdateUser", err
	case MovieTicketUpdateUserRequest:
		_, err = p.MovieTicketUpdateUser(ctx, r)
		return "MovieTicketUpdateUser", err
	}
	panic(fmt.Sprintf("sendTyped: no method for %T", req))
}

// with returns a copy of r changed by f: a valid request with one thing broken.
func with[T any](r T, f func(*T)) T {
	f(&r)
	return r
}
