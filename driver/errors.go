package driver

import (
	"context"
	"errors"
	"fmt"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/internal/check"
)

// InvalidArgument returns a card.KindInvalidArgument *card.Error naming the
// field. The pipeline fills in Provider and Op.
func InvalidArgument(field, format string, args ...any) *card.Error {
	return &card.Error{Kind: card.KindInvalidArgument, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Errorf returns a *card.Error of the given kind with a formatted message.
func Errorf(kind card.Kind, format string, args ...any) *card.Error {
	return &card.Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// FromCheck turns the first broken rule of an internal checker into an
// invalid-argument *card.Error (nil stays nil).
func FromCheck(e *check.Error) error {
	if e == nil {
		return nil
	}
	return &card.Error{Kind: card.KindInvalidArgument, Field: e.Field, Message: e.Message}
}

// IsContextError reports whether err is (or wraps) context.Canceled or
// context.DeadlineExceeded.
func IsContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Wrap attaches provider and operation to err. The pipeline calls it once
// for every neutral call; typed (wallet-specific) methods call it at their
// own boundary. For errors of a call made with a context use WrapContext,
// which tells the caller's cancellation from a client timeout.
//
//   - nil stays nil;
//   - a *card.Error is completed with provider and op where those are empty,
//     and not wrapped twice (even when it wraps a context error: a provider
//     built it on purpose, for example for a client timeout);
//   - otherwise context.Canceled / context.DeadlineExceeded (anywhere in the
//     chain) are returned bare, so callers can compare them directly;
//   - anything else becomes a *card.Error of the given kind with err as its cause.
func Wrap(provider, op string, kind card.Kind, err error) error {
	if err == nil {
		return nil
	}
	var e *card.Error
	if errors.As(err, &e) {
		if e.Provider != "" && e.Op != "" {
			return err
		}
		c := *e
		if c.Provider == "" {
			c.Provider = provider
		}
		if c.Op == "" {
			c.Op = op
		}
		return &c
	}
	if errors.Is(err, context.Canceled) {
		return context.Canceled
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return &card.Error{Provider: provider, Op: op, Kind: kind, Err: err}
}

// WrapContext is Wrap for an error from a call made with ctx. It returns the
// bare context error only when ctx itself has ended. An error that merely
// matches context.DeadlineExceeded while ctx is live — an http.Client
// timeout — is a transport failure: it becomes a *card.Error of the given
// kind (normally card.KindUnavailable), so it keeps its provider, operation
// and retryability.
func WrapContext(ctx context.Context, provider, op string, kind card.Kind, err error) error {
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil && IsContextError(err) {
		return cerr
	}
	var e *card.Error
	if IsContextError(err) && !errors.As(err, &e) {
		return &card.Error{Provider: provider, Op: op, Kind: kind, Message: "transport timeout", Err: err}
	}
	return Wrap(provider, op, kind, err)
}

// CheckProvider returns an invalid-argument error when a request names a
// provider other than name, so that a request meant for one wallet is never
// sent to another.
func CheckProvider(name, requested string) error {
	if requested != "" && requested != name {
		return InvalidArgument("Provider", "request is for %q, this provider is %q", requested, name)
	}
	return nil
}

// CheckRef is CheckProvider for a card reference; field names the ref
// ("Ref" gives "Ref.Provider").
func CheckRef(name, field string, ref card.Ref) error {
	if ref.Provider != name {
		return InvalidArgument(field+".Provider", "card belongs to %q, this provider is %q", ref.Provider, name)
	}
	return nil
}

// WalletTimeLayout is the "yyyy-MM-dd HH:mm:ss" layout both wallets use.
const WalletTimeLayout = "2006-01-02 15:04:05"

// FormatWalletTime formats t in Beijing time as "2006-01-02 15:04:05".
func FormatWalletTime(t time.Time) string { return t.In(card.Beijing()).Format(WalletTimeLayout) }

// ParseWalletTime parses "2006-01-02 15:04:05" as Beijing time.
func ParseWalletTime(s string) (time.Time, error) {
	return time.ParseInLocation(WalletTimeLayout, s, card.Beijing())
}
