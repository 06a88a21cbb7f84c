// Package driver is what a provider author uses: the small contract a
// wallet implements (Driver — the mapping of neutral requests to one wallet
// and back, nothing else), the Rules that say what the wallet accepts, the
// helpers that build errors, and the Pipeline that turns a Driver into a
// card.MemberCard. Merchants do not need this package.
//
// # The pipeline
//
// Every neutral call of every provider in this module (alipay, wechat,
// mock) runs the same steps, once, in a Pipeline; the drivers hold only the
// wallet mapping:
//
//	merchant ──► Pipeline ─ validate: the request's card rules + the wallet's Rules (nothing sent on failure)
//	                      ─ default the idempotency key (Open, Delete, CreateTemplate)
//	                      ─ Driver: one attempt = wallet request(s) + answer mapping ──► wallet
//	                      ◄ build the *card.Error once (provider, op, kind, vendor error; bare ctx error when the caller's ctx ended)
//	                      ◄ retry: card.RetryPolicy, only errors safe to repeat (KindUnavailable), same key
//	                      ◄ observe: *slog.Logger and card.Hook (provider, op, duration, attempts, kind, outcome known)
//
// provider.Router sits in front of several pipelines and only routes, so a
// call through a Router is still validated once, by the wallet it reaches.
//
// A Driver reports failures as *card.Error values (Kind, Code, Message,
// the vendor error in Err) without Provider or Op, which the pipeline adds.
// When a wallet may have carried out a call whose answer was lost, the
// driver sets card.Error.OutcomeUnknown; it uses card.KindUnavailable only
// when repeating the attempt as it was is safe (the pipeline then retries,
// telling the driver through Call.OutcomeUnknown), and card.KindUnknown
// otherwise.
package driver

import (
	"context"

	card "github.com/walletcard/card"
)

// Call is what the pipeline tells a driver about the call in progress.
type Call struct {
	// Op is the neutral operation.
	Op card.Op
	// Attempt counts the tries of this call, from 1.
	Attempt int
	// OutcomeUnknown reports that an earlier attempt of this call may have
	// been carried out by the wallet (its answer was lost). A driver uses it
	// to recognise its own earlier effect: a delete whose card is already
	// gone, an open that finds the card opened.
	OutcomeUnknown bool
	// KeyGenerated reports that the pipeline generated the request's
	// IdempotencyKey (the caller left it empty). A caller's own key may have
	// been used by an earlier call of the caller's: a driver may treat
	// finding that call's effect as success.
	KeyGenerated bool
}

// Driver is the wallet mapping of one provider. The pipeline guarantees
// that every request it passes has passed the neutral Validate and the
// driver's Rules, that the request names this provider (or none), that
// Open's and Delete's IdempotencyKey is set, and that ctx has not ended
// when a method is called. A driver does not validate again, does not
// retry (the pipeline does), and does not call back into the pipeline.
type Driver interface {
	// Open opens a card; see card.MemberCard.Open.
	Open(ctx context.Context, c Call, req card.OpenRequest) (*card.Card, error)
	// Get reads a card; a missing or deleted card is card.KindNotFound.
	Get(ctx context.Context, c Call, ref card.Ref) (*card.Card, error)
	// Update sets absolute values and returns the card afterwards.
	Update(ctx context.Context, c Call, req card.UpdateRequest) (*card.Card, error)
	// Delete deletes a card.
	Delete(ctx context.Context, c Call, req card.DeleteRequest) error
	// ClaimLink makes a claim link.
	ClaimLink(ctx context.Context, c Call, req card.ClaimLinkRequest) (*card.ClaimLink, error)
	// As exposes the native client; see card.MemberCard.As.
	As(target any) bool
}

// TemplateDriver is implemented by drivers that create and read templates
// (card.TemplateManager).
type TemplateDriver interface {
	CreateTemplate(ctx context.Context, c Call, spec card.TemplateSpec) (*card.Template, error)
	GetTemplate(ctx context.Context, c Call, id string) (*card.Template, error)
}

// ConsumeDriver is implemented by drivers that redeem codes (card.Consumer).
type ConsumeDriver interface {
	Consume(ctx context.Context, c Call, req card.ConsumeRequest) error
}
