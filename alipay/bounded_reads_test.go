package alipay_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
	"github.com/walletcard/card/internal/heapwatch"
	"github.com/walletcard/card/internal/retry"
)

// providersFor returns a provider on s for each way a merchant builds one:
// NewFromKeys with the default client, NewFromKeys with the merchant's
// client, New on a smartwalle client with the merchant's client.
func providersFor(t *testing.T, s *alipaytest.Server, mod func(*alipay.Options)) map[string]*alipay.Provider {
	t.Helper()
	opts := func() *alipay.Options {
		o := &alipay.Options{BaseURL: s.URL(), Retry: retry.Policy{Attempts: 1}}
		if mod != nil {
			mod(o)
		}
		return o
	}
	def, err := alipay.NewFromKeys(s.AppID(), s.AppPrivateKey(), s.AlipayPublicKey(), opts())
	require.NoError(t, err)
	o := opts()
	o.HTTPClient = s.HTTPClient()
	merchant, err := alipay.NewFromKeys(s.AppID(), s.AppPrivateKey(), s.AlipayPublicKey(), o)
	require.NoError(t, err)
	existing := newProvider(t, s, func(o *alipay.Options) {
		o.Retry = retry.Policy{Attempts: 1}
		if mod != nil {
			mod(o)
		}
	})
	return map[string]*alipay.Provider{"default client": def, "merchant client": merchant, "New": existing}
}

// TestEndlessAnswerBoundedHeap feeds each kind of provider an answer that
// never ends: the call fails unavailable (ANSWER_TOO_LARGE) and the heap
// grows by at most 64 MB while it runs.
func TestEndlessAnswerBoundedHeap(t *testing.T) {
	s := newServer(t)
	ref := card.Ref{Provider: alipay.Name, TemplateID: "t", CardNo: "c1"}
	for name, p := range providersFor(t, s, nil) {
		var err error
		peak := heapwatch.PeakGrowth(func() {
			s.HostileNext(alipay.MethodCardQuery, alipaytest.EndlessBody())
			_, err = p.Get(ctx(t), ref)
		})
		require.ErrorIs(t, err, card.ErrUnavailable, name)
		assert.Equal(t, "ANSWER_TOO_LARGE", codeOfErr(err), name)
		assert.LessOrEqual(t, peak, int64(64<<20), "%s: heap grew by %d bytes", name, peak)
		t.Logf("%s: endless answer refused, peak heap growth %.1f MiB", name, float64(peak)/(1<<20))
	}
}

// TestOversizedAndErrorStatusAnswers: an answer over MaxAnswerBytes and a
// non-2xx answer are refused with nothing decoded; a mutation's outcome is
// then unknown.
func TestOversizedAndErrorStatusAnswers(t *testing.T) {
	s := newServer(t)
	p := newProvider(t, s, func(o *alipay.Options) { o.MaxAnswerBytes = 64 << 10; o.Retry = retry.Policy{Attempts: 1} })
	tpl := newTemplate(t, p)
	c := openCard(t, s, p, tpl)

	// Just under the limit is read (and refused: it is not signed); just
	// over it is refused for its size.
	s.HostileNext(alipay.MethodCardQuery, alipaytest.OversizedBody(64<<10))
	_, err := p.Get(ctx(t), c.Ref)
	assert.Equal(t, alipay.CodeUnsignedResponse, codeOfErr(err))
	s.HostileNext(alipay.MethodCardQuery, alipaytest.OversizedBody(64<<10+1))
	_, err = p.Get(ctx(t), c.Ref)
	require.ErrorIs(t, err, card.ErrUnavailable)
	assert.Equal(t, "ANSWER_TOO_LARGE", codeOfErr(err))
	assert.Contains(t, err.Error(), "65536 bytes")

	// A 502 page of 50 MB is refused by its status, unread.
	peak := heapwatch.PeakGrowth(func() {
		s.HostileNext(alipay.MethodCardQuery, alipaytest.ErrorStatus(http.StatusBadGateway, 50<<20))
		_, err = p.Get(ctx(t), c.Ref)
	})
	require.ErrorIs(t, err, card.ErrUnavailable)
	assert.Equal(t, "BAD_HTTP_STATUS", codeOfErr(err))
	assert.Less(t, peak, int64(16<<20))

	// A mutation whose answer is refused may have been applied.
	uid, tok := member(s)
	s.HostileNext(alipay.MethodCardOpen, alipaytest.EndlessBody())
	_, err = p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "E1", Holder: uid, AuthToken: tok})
	require.ErrorIs(t, err, card.ErrOutcomeUnknown)
	s.HostileNext(alipay.MethodCardDelete, alipaytest.ErrorStatus(http.StatusServiceUnavailable, 10))
	err = p.Delete(ctx(t), card.DeleteRequest{Ref: c.Ref})
	require.ErrorIs(t, err, card.ErrOutcomeUnknown)

	_, err = alipay.New(mustClient(t, s), &alipay.Options{MaxAnswerBytes: -1})
	require.ErrorIs(t, err, card.ErrInvalidArgument)
}

// TestMerchantClientNotChanged: the merchant's *http.Client is wrapped in
// a copy, never changed.
func TestMerchantClientNotChanged(t *testing.T) {
	s := newServer(t)
	hc := &http.Client{Transport: &http.Transport{}, Timeout: 7 * time.Second}
	before := *hc
	p, err := alipay.NewFromKeys(s.AppID(), s.AppPrivateKey(), s.AlipayPublicKey(), &alipay.Options{BaseURL: s.URL(), HTTPClient: hc})
	require.NoError(t, err)
	_, err = p.GetTemplate(ctx(t), "", "nope")
	require.ErrorIs(t, err, card.ErrNotFound)
	assert.Equal(t, before.Transport, hc.Transport)
	assert.Nil(t, hc.CheckRedirect)
	assert.Equal(t, before.Timeout, hc.Timeout)
}

// TestNewAgainOnOneClient: New on a smartwalle client another New already
// guarded replaces the guard instead of wrapping it (a smaller limit of the
// earlier guard does not stay inside), and every Provider on the client
// prints the limit in force.
func TestNewAgainOnOneClient(t *testing.T) {
	s := newServer(t)
	client := mustClient(t, s)
	tiny, err := alipay.New(client, &alipay.Options{MaxAnswerBytes: 16, Retry: retry.Policy{Attempts: 1}})
	require.NoError(t, err)
	_, err = tiny.GetTemplate(ctx(t), "", "nope")
	assert.Equal(t, "ANSWER_TOO_LARGE", codeOfErr(err))
	assert.Contains(t, tiny.String(), "MaxAnswerBytes:16")

	p, err := alipay.New(client, nil)
	require.NoError(t, err)
	_, err = p.GetTemplate(ctx(t), "", "nope")
	require.ErrorIs(t, err, card.ErrNotFound, "the answer passes the new guard only")
	for _, q := range []*alipay.Provider{tiny, p} {
		assert.Contains(t, q.String(), "MaxAnswerBytes:4194304")
	}
}
