package driver_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
)

func TestWrapPassesContextErrorsThrough(t *testing.T) {
	for _, ce := range []error{context.Canceled, context.DeadlineExceeded} {
		wrapped := fmt.Errorf("post: %w", ce)
		assert.Equal(t, ce, driver.Wrap("wechat", "Update", card.KindUnavailable, wrapped))
	}
	assert.NoError(t, driver.Wrap("x", "y", card.KindUnknown, nil))
}

func TestWrapDoesNotDoubleWrap(t *testing.T) {
	inner := driver.InvalidArgument("Code", "is required")
	once := driver.Wrap("wechat", "Open", card.KindUnknown, inner)
	twice := driver.Wrap("router", "Open", card.KindUnknown, once)
	var ce *card.Error
	require.ErrorAs(t, twice, &ce)
	assert.Equal(t, "wechat", ce.Provider)
	assert.Equal(t, "Open", ce.Op)
	assert.Equal(t, card.KindInvalidArgument, ce.Kind)
	assert.Equal(t, "Code", ce.Field)
	assert.Empty(t, inner.Provider, "Wrap mutated its argument")
}

func TestWrapContextTellsClientTimeoutFromCancellation(t *testing.T) {
	timeout := fmt.Errorf("Post: Client.Timeout exceeded: %w", context.DeadlineExceeded)
	live := context.Background()
	err := driver.WrapContext(live, "alipay", "Open", card.KindUnavailable, timeout)
	var ce *card.Error
	require.ErrorAs(t, err, &ce, "client timeout with a live context is a *card.Error")
	assert.Equal(t, "alipay", ce.Provider)
	assert.Equal(t, card.KindUnavailable, ce.Kind)
	assert.True(t, card.IsRetryable(err))

	done, cancel := context.WithCancel(context.Background())
	cancel()
	assert.Equal(t, context.Canceled, driver.WrapContext(done, "alipay", "Open", card.KindUnavailable, fmt.Errorf("x: %w", context.Canceled)))
	assert.NoError(t, driver.WrapContext(live, "a", "b", card.KindUnknown, nil))
}

func TestWrapKeepsABuiltErrorAroundATimeout(t *testing.T) {
	built := &card.Error{Kind: card.KindUnavailable, Message: "transport timeout", Err: fmt.Errorf("x: %w", context.DeadlineExceeded)}
	err := driver.WrapContext(context.Background(), "wechat", "Get", card.KindUnavailable, built)
	var ce *card.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "wechat", ce.Provider)
	assert.True(t, card.IsRetryable(err))
	done, cancel := context.WithCancel(context.Background())
	cancel()
	assert.Equal(t, context.Canceled, driver.WrapContext(done, "wechat", "Get", card.KindUnavailable, &card.Error{Err: context.Canceled}))
}

func TestCheckProviderAndRef(t *testing.T) {
	assert.NoError(t, driver.CheckProvider("alipay", ""))
	assert.NoError(t, driver.CheckProvider("alipay", "alipay"))
	var ce *card.Error
	require.ErrorAs(t, driver.CheckProvider("alipay", "wechat"), &ce)
	assert.Equal(t, "Provider", ce.Field)
	require.ErrorAs(t, driver.CheckRef("alipay", "Ref", card.Ref{Provider: "wechat"}), &ce)
	assert.Equal(t, "Ref.Provider", ce.Field)
	assert.True(t, errors.Is(ce, card.ErrInvalidArgument))
}

func TestWalletTime(t *testing.T) {
	ts := time.Date(2026, 3, 1, 16, 30, 0, 0, time.UTC)
	assert.Equal(t, "2026-03-02 00:30:00", driver.FormatWalletTime(ts))
	back, err := driver.ParseWalletTime("2026-03-02 00:30:00")
	require.NoError(t, err)
	assert.True(t, back.Equal(ts))
}
