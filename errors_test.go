package card_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	card "github.com/walletcard/card"
)

type vendorErr struct{ code string }

func (v *vendorErr) Error() string { return "vendor " + v.code }

func TestErrorIsAndAs(t *testing.T) {
	v := &vendorErr{"CARD_NOT_EXIT"}
	err := fmt.Errorf("outer: %w", card.Wrap("alipay", "Get", card.KindNotFound, v))
	if !errors.Is(err, card.ErrNotFound) {
		t.Error("errors.Is(ErrNotFound) = false")
	}
	if errors.Is(err, card.ErrConflict) {
		t.Error("errors.Is(ErrConflict) = true")
	}
	var got *vendorErr
	if !errors.As(err, &got) || got != v {
		t.Error("vendor error not reachable with errors.As")
	}
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Provider != "alipay" || ce.Op != "Get" {
		t.Errorf("*card.Error = %+v", ce)
	}
	if card.KindOf(err) != card.KindNotFound || card.KindOf(card.ErrRateLimited) != card.KindRateLimited || card.KindOf(errors.New("x")) != card.KindUnknown {
		t.Error("KindOf")
	}
	if !strings.Contains(err.Error(), "alipay Get: not found") || !strings.Contains(err.Error(), "vendor CARD_NOT_EXIT") {
		t.Errorf("message = %q", err.Error())
	}
}

func TestWrapPassesContextErrorsThrough(t *testing.T) {
	for _, ce := range []error{context.Canceled, context.DeadlineExceeded} {
		wrapped := fmt.Errorf("post: %w", ce)
		if got := card.Wrap("wechat", "Update", card.KindUnavailable, wrapped); got != ce {
			t.Errorf("Wrap(%v) = %v, want the bare context error", wrapped, got)
		}
	}
	if card.Wrap("x", "y", card.KindUnknown, nil) != nil {
		t.Error("Wrap(nil) != nil")
	}
}

func TestWrapDoesNotDoubleWrap(t *testing.T) {
	inner := card.InvalidArgument("Code", "is required")
	once := card.Wrap("wechat", "Open", card.KindUnknown, inner)
	twice := card.Wrap("router", "Open", card.KindUnknown, once)
	var ce *card.Error
	errors.As(twice, &ce)
	if ce.Provider != "wechat" || ce.Op != "Open" || ce.Kind != card.KindInvalidArgument || ce.Field != "Code" {
		t.Errorf("got %+v", ce)
	}
	if inner.Provider != "" {
		t.Error("Wrap mutated its argument")
	}
}

func TestIsRetryable(t *testing.T) {
	for kind, want := range map[card.Kind]bool{card.KindUnavailable: true, card.KindRateLimited: true, card.KindNotFound: false, card.KindInvalidArgument: false} {
		if got := card.IsRetryable(card.Errorf(kind, "x")); got != want {
			t.Errorf("IsRetryable(%v) = %v", kind, got)
		}
	}
	if card.IsRetryable(context.Canceled) || card.IsRetryable(nil) {
		t.Error("context/nil retryable")
	}
}

func TestKindStringsAndSentinels(t *testing.T) {
	for k := card.KindUnknown; k <= card.KindUnsupported; k++ {
		if k.String() == "" || strings.HasPrefix(k.String(), "kind(") {
			t.Errorf("kind %d has no name", k)
		}
		if card.KindOf(k.Err()) != k {
			t.Errorf("sentinel of %v has kind %v", k, card.KindOf(k.Err()))
		}
	}
	if card.Kind(99).String() != "kind(99)" {
		t.Error("unknown kind name")
	}
}

func TestWrapContextTellsClientTimeoutFromCancellation(t *testing.T) {
	timeout := fmt.Errorf("Post: Client.Timeout exceeded: %w", context.DeadlineExceeded)
	live := context.Background()
	err := card.WrapContext(live, "alipay", "Open", card.KindUnavailable, timeout)
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Provider != "alipay" || ce.Kind != card.KindUnavailable {
		t.Fatalf("client timeout with a live context: %v, want an unavailable *card.Error", err)
	}
	if !card.IsRetryable(err) {
		t.Error("a client timeout is not retryable")
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if got := card.WrapContext(done, "alipay", "Open", card.KindUnavailable, fmt.Errorf("x: %w", context.Canceled)); got != context.Canceled {
		t.Errorf("canceled caller: %v, want bare context.Canceled", got)
	}
	if card.IsRetryable(context.DeadlineExceeded) {
		t.Error("a bare context error is retryable")
	}
	if card.WrapContext(live, "a", "b", card.KindUnknown, nil) != nil {
		t.Error("nil")
	}
}

func TestWrapKeepsABuiltErrorAroundATimeout(t *testing.T) {
	built := &card.Error{Kind: card.KindUnavailable, Message: "transport timeout", Err: fmt.Errorf("x: %w", context.DeadlineExceeded)}
	err := card.WrapContext(context.Background(), "wechat", "Get", card.KindUnavailable, built)
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Provider != "wechat" || !card.IsRetryable(err) {
		t.Fatalf("got %v, want the unavailable *card.Error completed with the provider", err)
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if got := card.WrapContext(done, "wechat", "Get", card.KindUnavailable, &card.Error{Err: context.Canceled}); got != context.Canceled {
		t.Fatalf("caller canceled: %v, want bare context.Canceled", got)
	}
}
