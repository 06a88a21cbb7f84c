package card

import (
	"context"
	"time"
)

// Op names a neutral operation: in CallInfo, in the Op of errors, and in
// the mock's fault injection.
type Op string

// The neutral operations.
const (
	OpOpen           Op = "Open"
	OpGet            Op = "Get"
	OpUpdate         Op = "Update"
	OpDelete         Op = "Delete"
	OpClaimLink      Op = "ClaimLink"
	OpCreateTemplate Op = "CreateTemplate"
	OpGetTemplate    Op = "GetTemplate"
	OpConsume        Op = "Consume"
)

// CallInfo describes one finished neutral call, for logs, metrics and
// traces. It never holds a secret: no auth token, key, ticket or request
// body, only what identifies the call and how it went.
type CallInfo struct {
	// Provider is the wallet ("alipay", "wechat", "mock" …).
	Provider string
	// Op is the operation.
	Op Op
	// Ref is the card or template the call was about, as far as known
	// (Open: the template, and the card number once opened).
	Ref Ref
	// Start is when the call began; Duration how long it took in all,
	// retries and backoff included.
	Start    time.Time
	Duration time.Duration
	// Attempts is how many times the call was sent to the wallet: 0 when it
	// was refused before anything was sent (invalid argument, ended context),
	// more than 1 when it was retried.
	Attempts int
	// Err is the error returned, nil on success.
	Err error
	// Kind is KindOf(Err); meaningless when Err is nil.
	Kind Kind
	// OutcomeKnown is false when the wallet may or may not have carried out
	// the call (the error matches ErrOutcomeUnknown).
	OutcomeKnown bool
}

// Hook receives a CallInfo after every neutral call of a provider that has
// it set (the Hook field of each provider's Options). It runs on the
// caller's goroutine after the call finished, so it must be quick and must
// not block; ctx is the call's context (for trace ids and such).
type Hook func(ctx context.Context, info CallInfo)
