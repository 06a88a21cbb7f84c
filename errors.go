package card

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error into one of a small, closed set of categories that
// mean the same thing on every wallet. The numbers are frozen: never renumber.
type Kind int

// The error kinds. Each has a sentinel error (ErrNotFound …) to use with errors.Is.
const (
	// KindUnknown is an error the provider could not classify.
	KindUnknown Kind = iota
	// KindInvalidArgument: the request broke a documented rule; nothing was sent.
	KindInvalidArgument
	// KindNotFound: the card, code or template does not exist (or was deleted).
	KindNotFound
	// KindAlreadyExists: the thing being created exists already (card already opened).
	KindAlreadyExists
	// KindConflict: the state forbids the operation (code consumed, out of stock,
	// card not yet valid, template not approved …). Also called failed precondition.
	KindConflict
	// KindUnauthenticated: credentials or the user's token are missing, invalid or expired.
	KindUnauthenticated
	// KindPermissionDenied: authenticated, but not allowed (missing API permission, wrong scope).
	KindPermissionDenied
	// KindRateLimited: the wallet throttled the caller; retry later.
	KindRateLimited
	// KindUnavailable: a transient wallet or transport failure; safe to retry when keyed.
	KindUnavailable
	// KindUnsupported: the provider does not offer this operation or option.
	KindUnsupported
)

// Sentinel errors, one per Kind. A *Error of that kind matches with errors.Is.
var (
	ErrUnknown          = &sentinel{KindUnknown}
	ErrInvalidArgument  = &sentinel{KindInvalidArgument}
	ErrNotFound         = &sentinel{KindNotFound}
	ErrAlreadyExists    = &sentinel{KindAlreadyExists}
	ErrConflict         = &sentinel{KindConflict}
	ErrUnauthenticated  = &sentinel{KindUnauthenticated}
	ErrPermissionDenied = &sentinel{KindPermissionDenied}
	ErrRateLimited      = &sentinel{KindRateLimited}
	ErrUnavailable      = &sentinel{KindUnavailable}
	ErrUnsupported      = &sentinel{KindUnsupported}
)

// ErrOutcomeUnknown matches (errors.Is) the error of a call the wallet may or
// may not have carried out: the request may have reached the wallet and its
// answer was lost, cut off or could not be trusted. It is not a Kind: the
// error keeps its kind as well (KindUnavailable when the call is safe to
// repeat as it was — an absolute update, a keyed open or delete —, otherwise
// KindUnknown, for which IsRetryable is false). Read the current state, or
// repeat the call with the same IdempotencyKey, before acting on it; never
// treat it as success or as failure.
var ErrOutcomeUnknown error = outcomeUnknown{}

type outcomeUnknown struct{}

func (outcomeUnknown) Error() string { return "card: outcome unknown" }

var kindNames = [...]string{
	KindUnknown:          "unknown error",
	KindInvalidArgument:  "invalid argument",
	KindNotFound:         "not found",
	KindAlreadyExists:    "already exists",
	KindConflict:         "conflict",
	KindUnauthenticated:  "unauthenticated",
	KindPermissionDenied: "permission denied",
	KindRateLimited:      "rate limited",
	KindUnavailable:      "unavailable",
	KindUnsupported:      "unsupported",
}

// String returns the kind's name, e.g. "not found".
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("kind(%d)", int(k))
	}
	return kindNames[k]
}

// Err returns the kind's sentinel error.
func (k Kind) Err() error {
	switch k {
	case KindInvalidArgument:
		return ErrInvalidArgument
	case KindNotFound:
		return ErrNotFound
	case KindAlreadyExists:
		return ErrAlreadyExists
	case KindConflict:
		return ErrConflict
	case KindUnauthenticated:
		return ErrUnauthenticated
	case KindPermissionDenied:
		return ErrPermissionDenied
	case KindRateLimited:
		return ErrRateLimited
	case KindUnavailable:
		return ErrUnavailable
	case KindUnsupported:
		return ErrUnsupported
	}
	return ErrUnknown
}

// sentinel is the type of the Err* values. It is a pointer type so each value is
// unique, and it has no exported fields so callers cannot alter it.
type sentinel struct{ kind Kind }

func (s *sentinel) Error() string { return "card: " + s.kind.String() }

// Error is the error every provider returns for a failed operation.
//
// errors.Is(err, card.ErrNotFound) tests the kind; errors.As reaches both the
// *Error and the vendor error it wraps (for example *alipay.Error or
// *util.CommonError). Context cancellation is never wrapped: a canceled call
// returns context.Canceled or context.DeadlineExceeded itself.
type Error struct {
	// Provider is the wallet that failed: "alipay", "wechat", "mock" …
	Provider string
	// Op is the operation, e.g. "Open" or "alipay.marketing.card.open".
	Op string
	// Kind classifies the failure.
	Kind Kind
	// Field names the offending request field for KindInvalidArgument (e.g. "TemplateID").
	Field string
	// Code is the wallet's own error code, if any (Alipay sub_code, WeChat errcode).
	Code string
	// Message is a human-readable explanation. It never contains secrets.
	Message string
	// Err is the underlying (vendor or transport) error, if any.
	Err error
	// OutcomeUnknown reports that the wallet may have carried out the call
	// although it failed (see ErrOutcomeUnknown, which then matches).
	OutcomeUnknown bool
}

// Error formats the error as "provider op: kind: field: message: cause".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Provider != "" {
		b.WriteString(e.Provider)
	} else {
		b.WriteString("card")
	}
	if e.Op != "" {
		b.WriteByte(' ')
		b.WriteString(e.Op)
	}
	b.WriteString(": ")
	b.WriteString(e.Kind.String())
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	if e.Code != "" {
		b.WriteString(" [")
		b.WriteString(e.Code)
		b.WriteByte(']')
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.OutcomeUnknown {
		b.WriteString(" (outcome unknown: the wallet may have applied it)")
	}
	return b.String()
}

// Unwrap returns the kind's sentinel and, if set, the underlying error, so that
// both errors.Is(err, card.ErrNotFound) and errors.As(err, &vendorErr) work.
func (e *Error) Unwrap() []error {
	errs := make([]error, 1, 3)
	errs[0] = e.Kind.Err()
	if e.OutcomeUnknown {
		errs = append(errs, ErrOutcomeUnknown)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// KindOf returns the Kind of err: the Kind of the first *Error in its chain, or
// the kind of a sentinel it wraps. It returns KindUnknown for nil or
// unclassified errors.
func KindOf(err error) Kind {
	if err == nil {
		return KindUnknown
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	var s *sentinel
	if errors.As(err, &s) {
		return s.kind
	}
	return KindUnknown
}

// IsRetryable reports whether err is transient and repeating the call as it
// was is safe: KindUnavailable or KindRateLimited. An error whose outcome is
// unknown (ErrOutcomeUnknown) is retryable only when its kind says so: the
// providers give a call that may have applied a change which must not be
// applied twice (a delta, a consume) KindUnknown, never KindUnavailable.
// Repeat a keyed mutation with the same IdempotencyKey. Context errors are
// not retryable.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if !errors.As(err, &e) && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return false // the caller's context ended
	}
	k := KindOf(err)
	return k == KindUnavailable || k == KindRateLimited
}
