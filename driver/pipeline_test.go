package driver_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
)

// recorder is a Driver that records every call it gets and fails as told.
type recorder struct {
	mu    sync.Mutex
	calls []driver.Call
	opens []card.OpenRequest
	fail  []error // popped per call; nil entries succeed
}

func (r *recorder) next(c driver.Call) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, c)
	if len(r.fail) == 0 {
		return nil
	}
	err := r.fail[0]
	r.fail = r.fail[1:]
	return err
}

func (r *recorder) Open(_ context.Context, c driver.Call, req card.OpenRequest) (*card.Card, error) {
	r.mu.Lock()
	r.opens = append(r.opens, req)
	r.mu.Unlock()
	if err := r.next(c); err != nil {
		return nil, err
	}
	return &card.Card{Ref: card.Ref{Provider: "test", TemplateID: req.TemplateID, CardNo: "C1"}}, nil
}
func (r *recorder) Get(_ context.Context, c driver.Call, ref card.Ref) (*card.Card, error) {
	if err := r.next(c); err != nil {
		return nil, err
	}
	return &card.Card{Ref: ref}, nil
}
func (r *recorder) Update(_ context.Context, c driver.Call, req card.UpdateRequest) (*card.Card, error) {
	if err := r.next(c); err != nil {
		return nil, err
	}
	return &card.Card{Ref: req.Ref}, nil
}
func (r *recorder) Delete(_ context.Context, c driver.Call, _ card.DeleteRequest) error {
	return r.next(c)
}
func (r *recorder) ClaimLink(_ context.Context, c driver.Call, req card.ClaimLinkRequest) (*card.ClaimLink, error) {
	return &card.ClaimLink{TemplateID: req.TemplateID}, r.next(c)
}
func (r *recorder) As(any) bool { return false }

// counting returns Rules whose checks count their calls.
func counting(n *int) driver.Rules {
	return driver.Rules{
		Open:   func(card.OpenRequest, time.Time) error { *n++; return nil },
		Ref:    func(string, card.Ref) error { *n++; return nil },
		Update: func(card.UpdateRequest) error { *n++; return nil },
	}
}

var fast = card.RetryPolicy{Attempts: 3, Base: time.Microsecond, Max: time.Microsecond}

var ref = card.Ref{Provider: "test", TemplateID: "T", CardNo: "C1"}

// TestUpdateIsCheckedOnceAndSentOnce: a neutral Update runs the wallet's
// checks once (Ref, Update) and reaches the driver once.
func TestUpdateIsCheckedOnceAndSentOnce(t *testing.T) {
	var checks int
	d := &recorder{}
	p := driver.NewPipeline("test", d, &driver.Options{Rules: counting(&checks), Retry: fast})
	_, err := p.Update(context.Background(), card.UpdateRequest{Ref: ref, Points: card.Ptr(card.WholePoints(1))})
	require.NoError(t, err)
	assert.Equal(t, 2, checks, "Ref and Update rules, once each")
	require.Len(t, d.calls, 1)
	assert.Equal(t, driver.Call{Op: card.OpUpdate, Attempt: 1}, d.calls[0])
}

func TestInvalidRequestsNeverReachTheDriver(t *testing.T) {
	var infos []card.CallInfo
	d := &recorder{}
	rules := driver.Rules{Open: func(req card.OpenRequest, _ time.Time) error {
		if req.Code == "" {
			return driver.InvalidArgument("Code", "is required")
		}
		return nil
	}}
	p := driver.NewPipeline("test", d, &driver.Options{Rules: rules, Hook: func(_ context.Context, i card.CallInfo) { infos = append(infos, i) }})
	ctx := context.Background()
	for want, call := range map[string]func() error{
		"ExternalNo": func() error { _, err := p.Open(ctx, card.OpenRequest{TemplateID: "T"}); return err },
		"Code":       func() error { _, err := p.Open(ctx, card.OpenRequest{TemplateID: "T", ExternalNo: "M1"}); return err },
		"Provider": func() error {
			_, err := p.Open(ctx, card.OpenRequest{Provider: "other", TemplateID: "T", ExternalNo: "M1", Code: "1"})
			return err
		},
		"Ref.Provider": func() error {
			_, err := p.Get(ctx, card.Ref{Provider: "other", TemplateID: "T", CardNo: "1"})
			return err
		},
	} {
		err := call()
		var ce *card.Error
		require.ErrorAs(t, err, &ce, want)
		assert.Equal(t, "test", ce.Provider)
		assert.Equal(t, want, ce.Field)
		assert.ErrorIs(t, err, card.ErrInvalidArgument)
	}
	assert.Empty(t, d.calls)
	require.Len(t, infos, 4)
	for _, i := range infos {
		assert.Zero(t, i.Attempts, "nothing was sent")
	}
}

func TestOpenKeyIsDefaultedOnceAndReusedOnRetry(t *testing.T) {
	d := &recorder{fail: []error{
		&card.Error{Kind: card.KindUnavailable, OutcomeUnknown: true, Message: "lost"},
		&card.Error{Kind: card.KindUnavailable, Message: "busy"},
	}}
	p := driver.NewPipeline("test", d, &driver.Options{Retry: fast})
	c, err := p.Open(context.Background(), card.OpenRequest{TemplateID: "T", ExternalNo: "M1"})
	require.NoError(t, err)
	assert.Equal(t, "C1", c.Ref.CardNo)
	require.Len(t, d.opens, 3)
	key := d.opens[0].IdempotencyKey
	assert.Len(t, key, 32)
	for _, o := range d.opens {
		assert.Equal(t, key, o.IdempotencyKey, "the same key on every attempt")
	}
	assert.Equal(t, []driver.Call{
		{Op: card.OpOpen, Attempt: 1, KeyGenerated: true},
		{Op: card.OpOpen, Attempt: 2, KeyGenerated: true, OutcomeUnknown: true},
		{Op: card.OpOpen, Attempt: 3, KeyGenerated: true, OutcomeUnknown: true},
	}, d.calls, "an earlier lost answer is passed on")

	d2 := &recorder{}
	p2 := driver.NewPipeline("test", d2, nil)
	_, err = p2.Open(context.Background(), card.OpenRequest{TemplateID: "T", ExternalNo: "M1", IdempotencyKey: "mine"})
	require.NoError(t, err)
	assert.Equal(t, "mine", d2.opens[0].IdempotencyKey)
	assert.False(t, d2.calls[0].KeyGenerated)
}

func TestOnlyUnavailableIsRetried(t *testing.T) {
	for _, tc := range []struct {
		err   error
		tries int
	}{
		{&card.Error{Kind: card.KindUnavailable}, 3},
		{&card.Error{Kind: card.KindRateLimited}, 1},
		{&card.Error{Kind: card.KindUnknown, OutcomeUnknown: true}, 1},
		{&card.Error{Kind: card.KindNotFound}, 1},
		{errors.New("plain"), 1},
	} {
		d := &recorder{fail: []error{tc.err, tc.err, tc.err}}
		p := driver.NewPipeline("test", d, &driver.Options{Retry: fast})
		_, err := p.Get(context.Background(), ref)
		require.Error(t, err)
		assert.Len(t, d.calls, tc.tries, "%v", tc.err)
		var ce *card.Error
		require.ErrorAs(t, err, &ce, "the error is a *card.Error")
		assert.Equal(t, "test", ce.Provider)
		assert.Equal(t, "Get", ce.Op)
	}
}

func TestCanceledContextSendsNothingAndIsBare(t *testing.T) {
	d := &recorder{}
	p := driver.NewPipeline("test", d, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.Get(ctx, ref)
	assert.True(t, err == context.Canceled, "bare context.Canceled, got %v", err)
	assert.Empty(t, d.calls)

	// A context ending during the backoff stops the retries with the bare error.
	d = &recorder{fail: []error{&card.Error{Kind: card.KindUnavailable}}}
	p = driver.NewPipeline("test", d, &driver.Options{Retry: card.RetryPolicy{Attempts: 5, Base: time.Hour}})
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err = p.Get(ctx, ref)
	assert.True(t, err == context.DeadlineExceeded, "bare context.DeadlineExceeded, got %v", err)
	assert.Len(t, d.calls, 1)
}

func TestUnsupportedCapabilities(t *testing.T) {
	p := driver.NewPipeline("test", &recorder{}, nil)
	_, err := p.CreateTemplate(context.Background(), card.TemplateSpec{Title: "t", BrandName: "b"})
	assert.ErrorIs(t, err, card.ErrUnsupported)
	assert.ErrorIs(t, p.Consume(context.Background(), card.ConsumeRequest{Ref: ref}), card.ErrUnsupported)
}

func TestHookReportsEveryCall(t *testing.T) {
	var infos []card.CallInfo
	d := &recorder{fail: []error{&card.Error{Kind: card.KindUnavailable}, &card.Error{Kind: card.KindUnknown, OutcomeUnknown: true}}}
	p := driver.NewPipeline("test", d, &driver.Options{Retry: fast, Hook: func(_ context.Context, i card.CallInfo) { infos = append(infos, i) }})
	_, err := p.Update(context.Background(), card.UpdateRequest{Ref: ref, Points: card.Ptr(card.Points(0))})
	require.ErrorIs(t, err, card.ErrOutcomeUnknown)
	_, err = p.Get(context.Background(), ref)
	require.NoError(t, err)
	require.Len(t, infos, 2)
	assert.Equal(t, "test", infos[0].Provider)
	assert.Equal(t, card.OpUpdate, infos[0].Op)
	assert.Equal(t, ref, infos[0].Ref)
	assert.Equal(t, 2, infos[0].Attempts)
	assert.Equal(t, card.KindUnknown, infos[0].Kind)
	assert.False(t, infos[0].OutcomeKnown)
	assert.Positive(t, infos[0].Duration)
	assert.Equal(t, 1, infos[1].Attempts)
	assert.NoError(t, infos[1].Err)
	assert.True(t, infos[1].OutcomeKnown)
}

// TestLogRecords: one record per call at the level its outcome deserves,
// with the call's facts and no secret from the request.
func TestLogRecords(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d := &recorder{fail: []error{nil, &card.Error{Kind: card.KindNotFound, Message: "card C9 does not exist"}}}
	p := driver.NewPipeline("test", d, &driver.Options{Logger: log})
	const secret = "authusrB-SECRET-token-0123456789"
	_, err := p.Open(context.Background(), card.OpenRequest{TemplateID: "T", ExternalNo: "M1", AuthToken: secret})
	require.NoError(t, err)
	_, err = p.Get(context.Background(), card.Ref{Provider: "test", TemplateID: "T", CardNo: "C9"})
	require.Error(t, err)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	assert.Contains(t, lines[0], `"level":"DEBUG"`)
	assert.Contains(t, lines[0], `"op":"Open"`)
	assert.Contains(t, lines[0], `"ref":"test/T/C1"`)
	assert.Contains(t, lines[1], `"level":"WARN"`)
	assert.Contains(t, lines[1], `"outcome":"not found"`)
	assert.Contains(t, lines[1], `"attempts":1`)
	assert.NotContains(t, buf.String(), secret)

	buf.Reset()
	silent := driver.NewPipeline("test", &recorder{}, &driver.Options{Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	_, err = silent.Get(context.Background(), ref)
	require.NoError(t, err)
	assert.Empty(t, buf.String(), "a success is logged at Debug only")
}
