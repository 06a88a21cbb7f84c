package card

import (
	"context"
	"time"
)

// EventType is the provider-neutral kind of a wallet event.
type EventType string

// Neutral event types. Each adapter documents which native events map to which.
const (
	// EventCardClaimed: a user put a card of a template into their wallet
	// (WeChat user_get_card).
	EventCardClaimed EventType = "card_claimed"
	// EventCardOpened: a card was opened/activated (WeChat activation through
	// the activate form; Alipay card.open).
	EventCardOpened EventType = "card_opened"
	// EventMemberInfoSubmitted: the user submitted the activation form (WeChat
	// submit_membercard_user_info; Alipay activation-form redirect).
	EventMemberInfoSubmitted EventType = "member_info_submitted"
	// EventCardDeleted: the user deleted the card (WeChat user_del_card) or the
	// merchant deleted it.
	EventCardDeleted EventType = "card_deleted"
	// EventCodeConsumed: a code was redeemed (WeChat user_consume_card).
	EventCodeConsumed EventType = "code_consumed"
	// EventTemplateApproved: the wallet approved a template (WeChat card_pass_check).
	EventTemplateApproved EventType = "template_approved"
	// EventTemplateRejected: the wallet rejected a template (WeChat card_not_pass_check).
	EventTemplateRejected EventType = "template_rejected"
	// EventOther: a wallet event with no neutral meaning; see Event.Native.
	EventOther EventType = "other"
)

// Event is a wallet event in provider-neutral form.
type Event struct {
	// ID identifies the event for de-duplication: wallets redeliver events
	// they think were not handled, with the same ID. Empty when the wallet
	// gives nothing stable to build one from.
	ID string
	// Type is the neutral kind.
	Type EventType
	// Provider is the wallet that sent it.
	Provider string
	// Ref names the card. TemplateID and/or CardNo may be empty when the event
	// is not about one card (template approval has no CardNo).
	Ref Ref
	// Holder is the user (Alipay user id, WeChat openid), if known.
	Holder string
	// Channel is the attribution value given to ClaimLinkRequest.Channel, if echoed.
	Channel string
	// Time is when the wallet says the event happened.
	Time time.Time
	// Native is the provider's own typed event (for example *wechat.CardEvent).
	Native any
}

// EventHandler receives events. A non-nil error tells the wallet the event was
// not handled (it may be redelivered).
type EventHandler func(ctx context.Context, ev Event) error
