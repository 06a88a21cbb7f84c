package driver

import (
	"time"

	card "github.com/walletcard/card"
)

// Rules say what a wallet accepts beyond the neutral rules of package card,
// and how it behaves where wallets differ. The pipeline applies the checks
// before a request reaches the driver, naming the neutral field; package
// mock applies the same Rules value of the wallet it imitates, so a
// merchant's test on the mock refuses exactly what the wallet's provider
// refuses. A nil check accepts everything.
type Rules struct {
	// Open checks an open (now is the pipeline's clock).
	Open func(req card.OpenRequest, now time.Time) error
	// Ref checks a card reference of Get, Update, Delete and Consume;
	// field is how the request names it ("Ref").
	Ref func(field string, ref card.Ref) error
	// Update checks an update (its Ref was checked by Ref).
	Update func(req card.UpdateRequest) error
	// Delete checks a delete (its Ref was checked by Ref).
	Delete func(req card.DeleteRequest) error
	// ClaimLink checks a claim-link request.
	ClaimLink func(req card.ClaimLinkRequest) error
	// Template checks a template spec (CreateTemplate).
	Template func(spec card.TemplateSpec) error
	// TemplateID checks the id of GetTemplate.
	TemplateID func(id string) error

	// FractionalPoints: the wallet keeps hundredths of points (Alipay
	// "88.50"); otherwise points are whole (WeChat bonus) and the checks
	// above refuse fractions.
	FractionalPoints bool
	// LevelOnGet: Get reports the level written by Open or Update (WeChat's
	// userinfo/get does not).
	LevelOnGet bool
	// ReopenNeedsKey: opening again for a holder who already has a card of
	// the template returns that card (same ExternalNo) only when the call
	// carries the caller's own IdempotencyKey or follows a lost answer;
	// otherwise it is card.ErrAlreadyExists (Alipay's CARD_HAS_OPENED). When
	// false, a repeat with the same ExternalNo always returns the card
	// (WeChat: the claimed code is already active).
	ReopenNeedsKey bool
	// KeyedDelete: a delete repeated with the caller's own IdempotencyKey
	// after the card is gone is success (Alipay out_serial_no); otherwise
	// deleting a deleted card is card.ErrNotFound.
	KeyedDelete bool
	// Consume: the wallet redeems codes (card.Consumer).
	Consume bool
	// Templates: templates can be created and read (card.TemplateManager).
	Templates bool
}
