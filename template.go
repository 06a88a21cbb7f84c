package card

import (
	"context"
	"fmt"
)

// TemplateStatus is a template's review state.
type TemplateStatus string

// Template review states.
const (
	TemplatePending  TemplateStatus = "pending"
	TemplateApproved TemplateStatus = "approved"
	TemplateRejected TemplateStatus = "rejected"
)

// TemplateSpec describes a member-card programme in neutral terms. Adapters
// map it to Alipay template.create or WeChat card/create (MEMBER_CARD); for
// every other field use the adapter's typed API.
type TemplateSpec struct {
	// Provider selects the wallet when the request goes through a Router.
	Provider string
	// Title is the card's name (WeChat title ≤ 9 Chinese characters). Required, ≤ 32 characters.
	Title string
	// BrandName is the merchant name shown on the card. Required, ≤ 36 bytes.
	BrandName string
	// LogoURL is the merchant logo, uploaded to the wallet first: on WeChat
	// the image URL WeChat returned (required); on Alipay the image id from
	// alipay.offline.material.image.upload (Provider.ImageUpload), not a URL.
	LogoURL string
	// BackgroundURL is an optional card background image, uploaded like LogoURL.
	BackgroundURL string
	// Color is the card colour: WeChat's colour name ("Color010"); on Alipay
	// "#rrggbb", which the adapter sends as "rgb(r,g,b)".
	Color string
	// Notice is the short usage hint (WeChat notice). Optional.
	Notice string
	// Description is the usage rules text. Optional.
	Description string
	// ServicePhone is the customer-service number. Optional.
	ServicePhone string
	// Levels lists the membership level names cards may carry. Optional.
	Levels []string
	// Points and Balance say whether the card shows points and a balance.
	Points  bool
	Balance bool
	// Stock is the number of cards that may be claimed; 0 means the adapter's default.
	Stock int64
	// IdempotencyKey identifies the create across retries (Alipay request_id).
	IdempotencyKey string
}

// Validate checks the provider-neutral rules.
func (s TemplateSpec) Validate() error {
	v := validator{}
	v.optional("Provider", s.Provider, maxProviderLen)
	if v.Required("Title", s.Title) {
		v.Runes("Title", s.Title, 32)
	}
	v.required("BrandName", s.BrandName, 36)
	v.optional("LogoURL", s.LogoURL, 256)
	v.optional("BackgroundURL", s.BackgroundURL, 256)
	v.optional("Color", s.Color, 16)
	v.Runes("Notice", s.Notice, 16)
	v.MultilineRunes("Description", s.Description, 1024)
	v.optional("ServicePhone", s.ServicePhone, 24)
	for i, l := range s.Levels {
		v.required(fmt.Sprintf("Levels[%d]", i), l, maxLevelLen)
	}
	v.NonNegative("Stock", s.Stock)
	v.Key("IdempotencyKey", s.IdempotencyKey, maxKeyLen)
	return v.err()
}

// Template is a card programme as the wallet holds it.
type Template struct {
	Provider string
	// ID is the template id (Alipay card_template_id, WeChat card_id).
	ID string
	// Title is the card's name.
	Title string
	// Status is the review state; cards can be claimed only when approved.
	Status TemplateStatus
	// Stock is the number of cards left to claim; -1 if the wallet has no limit.
	Stock int64
}

// TemplateManager is implemented by providers that can create and read
// templates through the neutral model. Discover it with a type assertion:
//
//	if tm, ok := p.(card.TemplateManager); ok { … }
type TemplateManager interface {
	CreateTemplate(ctx context.Context, spec TemplateSpec) (*Template, error)
	GetTemplate(ctx context.Context, provider, id string) (*Template, error)
}

// ConsumeRequest redeems a card's code once (WeChat code/consume).
type ConsumeRequest struct {
	// Ref is the card or coupon whose code is consumed. Required.
	Ref Ref
}

// Validate checks the provider-neutral rules.
func (r ConsumeRequest) Validate() error { return r.Ref.Validate() }

// Consumer is implemented by providers that redeem codes. Consuming a code a
// second time is ErrConflict.
type Consumer interface {
	Consume(ctx context.Context, req ConsumeRequest) error
}
