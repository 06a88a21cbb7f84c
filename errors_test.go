package card_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
)

type vendorErr struct{ code string }

func (v *vendorErr) Error() string { return "vendor " + v.code }

func TestErrorIsAndAs(t *testing.T) {
	v := &vendorErr{"CARD_NOT_EXIT"}
	err := fmt.Errorf("outer: %w", &card.Error{Provider: "alipay", Op: "Get", Kind: card.KindNotFound, Err: v})
	assert.ErrorIs(t, err, card.ErrNotFound)
	assert.NotErrorIs(t, err, card.ErrConflict)
	assert.NotErrorIs(t, err, card.ErrOutcomeUnknown)
	var got *vendorErr
	require.ErrorAs(t, err, &got)
	assert.Same(t, v, got, "the vendor error stays reachable")
	var ce *card.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "alipay", ce.Provider)
	assert.Equal(t, "Get", ce.Op)
	assert.Equal(t, card.KindNotFound, card.KindOf(err))
	assert.Equal(t, card.KindRateLimited, card.KindOf(card.ErrRateLimited))
	assert.Equal(t, card.KindUnknown, card.KindOf(errors.New("x")))
	assert.Contains(t, err.Error(), "alipay Get: not found")
	assert.Contains(t, err.Error(), "vendor CARD_NOT_EXIT")
}

func TestOutcomeUnknownMarker(t *testing.T) {
	unknown := &card.Error{Provider: "wechat", Op: "Consume", Kind: card.KindUnknown, OutcomeUnknown: true, Message: "system busy"}
	assert.ErrorIs(t, unknown, card.ErrOutcomeUnknown)
	assert.ErrorIs(t, fmt.Errorf("wrapped: %w", unknown), card.ErrOutcomeUnknown)
	assert.False(t, card.IsRetryable(unknown), "an unknown outcome that must not be repeated is not retryable")
	assert.Contains(t, unknown.Error(), "outcome unknown")

	repeatable := &card.Error{Kind: card.KindUnavailable, OutcomeUnknown: true}
	assert.ErrorIs(t, repeatable, card.ErrOutcomeUnknown)
	assert.True(t, card.IsRetryable(repeatable), "an absolute update whose answer was lost may be repeated")

	known := &card.Error{Kind: card.KindUnavailable}
	assert.NotErrorIs(t, known, card.ErrOutcomeUnknown)
}

func TestIsRetryable(t *testing.T) {
	for kind, want := range map[card.Kind]bool{card.KindUnavailable: true, card.KindRateLimited: true, card.KindNotFound: false, card.KindInvalidArgument: false, card.KindUnknown: false} {
		assert.Equal(t, want, card.IsRetryable(&card.Error{Kind: kind}), kind.String())
	}
	assert.False(t, card.IsRetryable(context.Canceled))
	assert.False(t, card.IsRetryable(context.DeadlineExceeded))
	assert.False(t, card.IsRetryable(nil))
	timeout := &card.Error{Kind: card.KindUnavailable, Err: fmt.Errorf("client timeout: %w", context.DeadlineExceeded)}
	assert.True(t, card.IsRetryable(timeout), "a client timeout the provider classified stays retryable")
}

func TestKindStringsAndSentinels(t *testing.T) {
	for k := card.KindUnknown; k <= card.KindUnsupported; k++ {
		assert.NotEmpty(t, k.String())
		assert.False(t, strings.HasPrefix(k.String(), "kind("), "kind %d has no name", k)
		assert.Equal(t, k, card.KindOf(k.Err()))
	}
	assert.Equal(t, "kind(99)", card.Kind(99).String())
}
