package wechat

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
)

// failingClaims is a ClaimStore whose backend is down.
type failingClaims struct{}

func (failingClaims) Claim(context.Context, string, string, time.Duration) (bool, string, error) {
	return false, "", errors.New("redis: connection refused")
}
func (failingClaims) Settle(context.Context, string, string, string, time.Duration) (bool, error) {
	return false, errors.New("redis: connection refused")
}
func (failingClaims) Release(context.Context, string, string) error {
	return errors.New("redis: connection refused")
}

// TestDedupEventsOncePerID: a redelivered event reaches next once; a failed
// handling lets the redelivery through; an event being handled is answered
// ErrEventInProgress; events without ID pass through.
func TestDedupEventsOncePerID(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryClaims(100, nil)
	var calls atomic.Int64
	fail := false
	h := DedupEvents(store, nil, func(context.Context, card.Event) error {
		calls.Add(1)
		if fail {
			return errors.New("db down")
		}
		return nil
	})
	ev := card.Event{ID: "e1", Provider: card.WeChat, Type: card.EventCodeConsumed}
	require.NoError(t, h(ctx, ev))
	require.NoError(t, h(ctx, ev), "a redelivery of a handled event")
	assert.EqualValues(t, 1, calls.Load())
	// Another provider's event with the same ID is another event.
	require.NoError(t, h(ctx, card.Event{ID: "e1", Provider: card.Alipay}))
	assert.EqualValues(t, 2, calls.Load())

	fail = true
	ev2 := card.Event{ID: "e2", Provider: card.WeChat}
	require.Error(t, h(ctx, ev2))
	fail = false
	require.NoError(t, h(ctx, ev2), "the redelivery after a failure")
	require.NoError(t, h(ctx, ev2))
	assert.EqualValues(t, 4, calls.Load())

	require.NoError(t, h(ctx, card.Event{}))
	require.NoError(t, h(ctx, card.Event{}))
	assert.EqualValues(t, 6, calls.Load(), "events without ID are not de-duplicated")

	// While one delivery is being handled, a concurrent one is told to come back.
	entered, release := make(chan struct{}), make(chan struct{})
	slow := DedupEvents(store, nil, func(context.Context, card.Event) error {
		close(entered)
		<-release
		return nil
	})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); assert.NoError(t, slow(ctx, card.Event{ID: "e3"})) }()
	<-entered
	err := slow(ctx, card.Event{ID: "e3"})
	require.ErrorIs(t, err, ErrEventInProgress)
	require.ErrorIs(t, err, card.ErrUnavailable)
	close(release)
	wg.Wait()
	require.NoError(t, slow(ctx, card.Event{ID: "e3"}))
}

// TestDedupEventsStoreDown: with the shared store failing, events are
// de-duplicated in the process and the hook is told.
func TestDedupEventsStoreDown(t *testing.T) {
	var told atomic.Int64
	calls := 0
	h := DedupEvents(failingClaims{}, &DedupOptions{OnStoreError: func(error) { told.Add(1) }}, func(context.Context, card.Event) error {
		calls++
		return nil
	})
	ev := card.Event{ID: "e1", Provider: card.WeChat}
	require.NoError(t, h(context.Background(), ev))
	require.NoError(t, h(context.Background(), ev))
	assert.Equal(t, 1, calls)
	assert.EqualValues(t, 2, told.Load())
}
