// Package card is the provider-neutral model for running member cards on
// Alipay and WeChat from one code path.
//
// The central type is the MemberCard interface: open (activate) a member's
// card, read it, update its level, points and balance, delete it, and get a
// claim link for a card programme (template). Implementations live in
// sub-packages:
//
//	alipay/                 Alipay alipay.marketing.card.* (smartwalle/alipay/v3)
//	alipay/alipaytest/      a local Alipay gateway: real RSA2 signatures, real state
//	wechat/                 WeChat 卡券 (silenceper/wechat/v2)
//	wechat/wechattest/      a local WeChat API server: real tokens, real state, event pushes
//	mock/                   in-memory, for merchants' tests and local development
//	provider/               a Router that puts several wallets behind one MemberCard
//	provider/providertest/  the conformance suite every provider passes
//	driver/                 for provider authors: the driver contract and the pipeline
//
// MemberCard is an interface, not a concrete type, so that a merchant's
// service depends on it and a test swaps in a mock with one line
// (mock.NewWeChat(nil) for wechat.NewFromCredentials(…)), and so that a
// provider.Router composes wallets behind it. Every implementation in this
// module is the same pipeline (package driver) around a small wallet driver.
//
// # The pipeline
//
// Each neutral call is validated once — the request's own rules (Validate)
// and the wallet's — and refused with ErrInvalidArgument naming the field
// before anything is sent; Open's and Delete's IdempotencyKey is generated
// when empty and reused on every retry; the wallet driver maps the request
// to the wallet and back; the *Error is built once, with provider, operation,
// kind and the vendor error; failures that are safe to repeat are retried
// (RetryPolicy); and the call is reported to the provider's Logger and Hook
// (CallInfo: provider, op, duration, attempts, kind, whether the outcome is
// known), never with a secret.
//
//	merchant ─► provider.Router ─► pipeline: validate ─ key ─ driver ─► wallet
//	         ◄───────────────────────────── *Error ◄ retry ◄ observe
//
// # Wallet differences
//
// Opening a card needs different proof of the user on each wallet: Alipay
// needs the user's auth_token from OAuth with scope auth_ecard
// (OpenRequest.AuthToken); WeChat needs the code the user received when
// claiming the card (OpenRequest.Code). The neutral request carries both; a
// provider refuses a request missing its wallet's field with
// ErrInvalidArgument naming that field. Each wallet's limits (lengths, whole
// points on WeChat, claim-link lifetimes, amounts) apply the same way.
//
// # Values
//
// Money is integer fen and Points are integer hundredths of a point; neither is
// ever a float. Times are reported in Beijing time (see Beijing). Text that
// reaches a wallet must be valid UTF-8 without control or invisible
// formatting characters, and not whitespace only.
//
// # Errors
//
// Every failure is a *Error with a Kind from a small closed set, tested with
// errors.Is (card.ErrNotFound …). The vendor error stays reachable with
// errors.As. Context cancellation is returned unwrapped. A call the wallet
// may or may not have carried out (its answer was lost) matches
// ErrOutcomeUnknown: it is never reported as success or as a plain failure,
// and IsRetryable is true for it only where repeating it as it was is safe.
//
// # Provider-specific features
//
// Features only one wallet has are typed methods in its package. Neutral code
// reaches them through the optional interfaces in this package
// (TemplateManager, Consumer), discovered by type assertion, or through As,
// which exposes the native vendor client.
package card

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Provider names used in Ref.Provider and returned by MemberCard.Name.
const (
	Alipay = "alipay"
	WeChat = "wechat"
	Mock   = "mock"
)

// MemberCard is the provider-neutral member-card API. Every method that can do
// I/O takes a context first; the context is never stored.
//
// Every method validates its request first and returns a *Error of kind
// KindInvalidArgument naming the field without contacting the wallet. For
// mutating methods, a canceled context or a transport failure does not tell
// whether the wallet applied the change; repeat the call with the same
// IdempotencyKey.
//
// Implementations are safe for concurrent use.
type MemberCard interface {
	// Name returns the provider name ("alipay", "wechat", "mock" …), the value
	// found in Ref.Provider of the cards it returns. (A provider.Router is
	// named "router" and returns the cards of the wallets it routes to.)
	Name() string

	// Open opens (activates) a member's card for a template and returns it.
	// Opening again with the same IdempotencyKey returns the same card.
	// Errors: ErrNotFound (template), ErrAlreadyExists (holder already has a
	// card), ErrUnauthenticated (Alipay auth token invalid), ErrConflict.
	Open(ctx context.Context, req OpenRequest) (*Card, error)

	// Get returns the card. A missing or deleted card is ErrNotFound.
	Get(ctx context.Context, ref Ref) (*Card, error)

	// Update sets the level, points and/or balance to absolute values and
	// returns the card as it is afterwards. A deleted card is ErrNotFound.
	Update(ctx context.Context, req UpdateRequest) (*Card, error)

	// Delete removes the card from the holder's wallet. Afterwards Get and
	// Update return ErrNotFound.
	Delete(ctx context.Context, req DeleteRequest) error

	// ClaimLink returns a link (and, where the wallet makes one, a QR code)
	// through which a user claims a card of the template.
	ClaimLink(ctx context.Context, req ClaimLinkRequest) (*ClaimLink, error)

	// As exposes the provider's native client: As(&p) fills p and returns true
	// when p is a pointer to a type the provider documents. As(nil) is false.
	As(target any) bool
}

// Ref identifies a card on any wallet. Together the three fields are unique.
type Ref struct {
	// Provider is the wallet: card.Alipay, card.WeChat, card.Mock or a custom name.
	Provider string
	// TemplateID is the card programme: Alipay card_template_id, WeChat card_id.
	TemplateID string
	// CardNo is the wallet's card number: Alipay biz_card_no, WeChat code.
	CardNo string
}

// String renders the ref as "provider/template/cardno".
func (r Ref) String() string { return r.Provider + "/" + r.TemplateID + "/" + r.CardNo }

// IsZero reports whether r is the zero Ref.
func (r Ref) IsZero() bool { return r == Ref{} }

// Validate checks that every field is set and within length limits.
func (r Ref) Validate() error {
	v := validator{}
	v.ref("Ref", r)
	return v.err()
}

// Status is the state of a card in the holder's wallet.
type Status string

// Card states.
const (
	// StatusActive: opened and usable.
	StatusActive Status = "active"
	// StatusClaimed: in the user's wallet but not yet activated (WeChat, before activate).
	StatusClaimed Status = "claimed"
	// StatusDeleted: deleted or made unavailable.
	StatusDeleted Status = "deleted"
	// StatusExpired: past its validity.
	StatusExpired Status = "expired"
)

// Card is a member's card as the wallet holds it.
type Card struct {
	// Ref identifies the card.
	Ref Ref
	// ExternalNo is the merchant's own card number (Alipay external_card_no,
	// WeChat membership_number).
	ExternalNo string
	// Holder is the wallet user: Alipay user id (2088…), WeChat openid.
	// Empty where the wallet does not report it.
	Holder string
	// Level is the membership level name or code.
	Level string
	// Points is the point balance.
	Points Points
	// Balance is the stored-value balance.
	Balance Money
	// OpenedAt is when the card was opened. Zero if unknown.
	OpenedAt time.Time
	// ValidUntil is the end of validity; zero means no end date.
	ValidUntil time.Time
	// Status is the card's state. It is empty when the wallet's answer does
	// not report one (WeChat's Update: updateuser returns no state).
	Status Status
}

// OpenRequest opens (activates) a member card.
type OpenRequest struct {
	// Provider selects the wallet when the request goes through a Router.
	// A provider called directly accepts "" or its own name.
	Provider string
	// TemplateID is the card programme (Alipay card_template_id, WeChat card_id). Required.
	TemplateID string
	// ExternalNo is the merchant's own card number (Alipay external_card_no,
	// WeChat membership_number). Required, ≤ 64 bytes.
	ExternalNo string
	// Holder is the user: Alipay user id (2088…); WeChat openid (informational:
	// WeChat identifies the card by Code). Required on Alipay.
	Holder string
	// AuthToken is the user's access token from Alipay OAuth with scope
	// auth_ecard. Required on Alipay, ignored elsewhere. It is redacted when
	// the request is printed, logged with log/slog or encoded as JSON.
	AuthToken string `json:"-"`
	// Code is the card code the user received when claiming the card on WeChat.
	// Required on WeChat, ignored elsewhere.
	Code string
	// Level is the initial level (optional).
	Level string
	// Points is the initial point balance (optional, ≥ 0).
	Points Points
	// Balance is the initial stored-value balance (optional, ≥ 0).
	Balance Money
	// ValidUntil is the end of validity (optional; zero = permanent).
	ValidUntil time.Time
	// IdempotencyKey identifies this open across retries (Alipay out_serial_no).
	// Opening again with the same key returns the same card. If empty, the
	// provider generates one and reuses it for its own retries; a canceled or
	// timed-out context returns the bare context error, so set your own key
	// when you may need to repeat such a call. ≤ 32 bytes of letters, digits,
	// '-' and '_'.
	IdempotencyKey string
}

// redactedToken stands in for a secret in printed requests.
const redactedToken = "[redacted]"

// String formats the request for logs with AuthToken redacted; %v and %+v use it.
func (r OpenRequest) String() string {
	type plain OpenRequest
	if r.AuthToken != "" {
		r.AuthToken = redactedToken
	}
	return fmt.Sprintf("%+v", plain(r))
}

// LogValue is the request for log/slog, with AuthToken redacted.
func (r OpenRequest) LogValue() slog.Value {
	type plain OpenRequest
	if r.AuthToken != "" {
		r.AuthToken = redactedToken
	}
	return slog.AnyValue(plain(r))
}

// GoString is String for %#v: AuthToken is redacted.
func (r OpenRequest) GoString() string {
	type plain OpenRequest
	if r.AuthToken != "" {
		r.AuthToken = redactedToken
	}
	return strings.Replace(fmt.Sprintf("%#v", plain(r)), "card.plain", "card.OpenRequest", 1)
}

// Validate checks the provider-neutral rules. Providers add their own rules
// (for example Alipay requires AuthToken, WeChat requires Code).
func (r OpenRequest) Validate() error {
	v := validator{}
	v.optional("Provider", r.Provider, maxProviderLen)
	v.required("TemplateID", r.TemplateID, maxTemplateIDLen)
	v.required("ExternalNo", r.ExternalNo, maxExternalNoLen)
	v.optional("Holder", r.Holder, maxHolderLen)
	v.optional("AuthToken", r.AuthToken, maxTokenLen)
	v.optional("Code", r.Code, maxCardNoLen)
	v.optional("Level", r.Level, maxLevelLen)
	v.NonNegative("Points", int64(r.Points))
	v.NonNegative("Balance", int64(r.Balance))
	v.Key("IdempotencyKey", r.IdempotencyKey, maxKeyLen)
	return v.err()
}

// UpdateRequest sets a card's level, points and/or balance to absolute values.
// A nil field is left unchanged; at least one must be set.
//
// Updates are last-writer-wins and neither wallet keys them. Because the
// values are absolute, repeating an update whose answer was lost is safe;
// compute new values from your own records (not from a Get of the card) so
// that a repeat or a concurrent change cannot apply a delta twice.
type UpdateRequest struct {
	// Ref is the card to update. Required.
	Ref Ref
	// Level is the new level (nil = unchanged).
	Level *string
	// Points is the new absolute point balance (nil = unchanged; ≥ 0).
	Points *Points
	// Balance is the new absolute balance (nil = unchanged; ≥ 0).
	Balance *Money
	// Note explains the change in the wallet's change record (WeChat
	// record_bonus / record_balance). Optional, ≤ 64 characters; WeChat allows 14.
	Note string
	// PointsChange, when set, is the change of points since the value the
	// card last showed, for the message the wallet shows the member (Alipay
	// merchant_card_msg_info.changed_point; WeChat shows Note instead). It
	// is informational: Points is what the card holds afterwards, and the
	// change is never applied as a delta. It may be negative.
	PointsChange *Points
}

// Validate checks the provider-neutral rules.
func (r UpdateRequest) Validate() error {
	v := validator{}
	v.ref("Ref", r.Ref)
	if r.Level == nil && r.Points == nil && r.Balance == nil {
		v.Fail("Level/Points/Balance", "nothing to update: set at least one of Level, Points or Balance")
	}
	if r.Level != nil {
		v.required("Level", *r.Level, maxLevelLen)
	}
	if r.Points != nil {
		v.NonNegative("Points", int64(*r.Points))
	}
	if r.Balance != nil {
		v.NonNegative("Balance", int64(*r.Balance))
	}
	v.Runes("Note", r.Note, maxNoteRunes)
	return v.err()
}

// DeleteReason says why a card is deleted.
type DeleteReason string

// Delete reasons (Alipay reason_code; WeChat takes them as free text).
const (
	// ReasonCancel closes the membership; the user cannot re-bind (Alipay CANCEL). Default.
	ReasonCancel DeleteReason = "CANCEL"
	// ReasonUserUnbound: the user unbound the card and may bind again (Alipay USER_UNBUND).
	ReasonUserUnbound DeleteReason = "USER_UNBUND"
)

// DeleteRequest deletes a card.
type DeleteRequest struct {
	// Ref is the card to delete. Required.
	Ref Ref
	// Reason defaults to ReasonCancel.
	Reason DeleteReason
	// IdempotencyKey identifies this delete across retries (Alipay out_serial_no).
	// Generated if empty.
	IdempotencyKey string
}

// Validate checks the provider-neutral rules.
func (r DeleteRequest) Validate() error {
	v := validator{}
	v.ref("Ref", r.Ref)
	switch r.Reason {
	case "", ReasonCancel, ReasonUserUnbound:
	default:
		v.Fail("Reason", "must be CANCEL or USER_UNBUND, got %q", string(r.Reason))
	}
	v.Key("IdempotencyKey", r.IdempotencyKey, maxKeyLen)
	return v.err()
}

// ClaimLinkRequest asks for a link through which users claim a card.
type ClaimLinkRequest struct {
	// Provider selects the wallet when the request goes through a Router.
	Provider string
	// TemplateID is the card programme. Required.
	TemplateID string
	// Channel is an attribution value echoed back in claim events (Alipay
	// out_string, WeChat outer_str). Optional, ≤ 32 bytes.
	Channel string
	// Holder restricts the link to one user where the wallet allows it (WeChat openid). Optional.
	Holder string
	// ExpiresIn is the link's lifetime where the wallet supports it (WeChat
	// card QR codes: 60 s – 30 min; zero means 365 days). Zero means the
	// wallet's default or permanent.
	ExpiresIn time.Duration
}

// Validate checks the provider-neutral rules.
func (r ClaimLinkRequest) Validate() error {
	v := validator{}
	v.optional("Provider", r.Provider, maxProviderLen)
	v.required("TemplateID", r.TemplateID, maxTemplateIDLen)
	v.optional("Channel", r.Channel, maxChannelLen)
	v.optional("Holder", r.Holder, maxHolderLen)
	if r.ExpiresIn < 0 {
		v.Fail("ExpiresIn", "must not be negative")
	}
	return v.err()
}

// ClaimLink is where a user claims a card.
type ClaimLink struct {
	// Provider and TemplateID echo the request.
	Provider   string
	TemplateID string
	// URL is the link to open in the wallet app (Alipay apply_card_url, WeChat
	// QR url or activate url).
	URL string
	// QRCodeURL is an image of a QR code for URL, where the wallet makes one.
	QRCodeURL string
	// Ticket is the WeChat QR ticket, where applicable.
	Ticket string
	// ExpiresAt is when the link stops working; zero means no expiry.
	ExpiresAt time.Time
}

// Ptr returns a pointer to v, for UpdateRequest's optional fields:
//
//	card.UpdateRequest{Ref: ref, Points: card.Ptr(card.WholePoints(100))}
func Ptr[T any](v T) *T { return &v }
