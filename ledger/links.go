package ledger

import (
	"context"
	"errors"
	"fmt"

	card "github.com/walletcard/card"
)

// OpenRequest opens a wallet card for a member and links it.
type OpenRequest struct {
	// MemberID is the member. Required.
	MemberID string
	// Card is the wallet's open request: Provider and TemplateID, the
	// wallet's proof of the user (Alipay Holder and AuthToken, WeChat Code),
	// ExternalNo, ValidUntil and IdempotencyKey. Leave Level, Points and
	// Balance zero: the ledger sets them from the member.
	Card card.OpenRequest
	// Fields are the values the card's template shows (zero: all). A
	// template without stored value has no balance: leave ShowBalance out
	// and the balance is never sent.
	Fields Fields
}

// Open opens a card on the wallet with the member's current values (as the
// wallet's rules show them) and links it to the member; the sync workers
// keep it up to date from then on.
//
// If the wallet opened the card but the link could not be recorded, the
// error says so and names the card: call Open again with the same
// Card.IdempotencyKey (set one) to link the same card, or Link it.
func (l *Ledger) Open(ctx context.Context, req OpenRequest) (*Link, *card.Card, error) {
	const op = "Open"
	if err := checkText(op, "MemberID", req.MemberID, maxIDLen, true); err != nil {
		return nil, nil, err
	}
	switch {
	case req.Card.Points != 0:
		return nil, nil, invalid(op, "Card.Points", "is set from the member's values; leave it zero")
	case req.Card.Balance != 0:
		return nil, nil, invalid(op, "Card.Balance", "is set from the member's values; leave it zero")
	case req.Card.Level != "":
		return nil, nil, invalid(op, "Card.Level", "is set from the member's values; leave it empty")
	case req.Card.Provider == "":
		return nil, nil, invalid(op, "Card.Provider", "is required: it names the wallet and the rules its cards follow")
	}
	if err := req.Card.Validate(); err != nil {
		var ce *card.Error
		if errors.As(err, &ce) {
			c := *ce
			c.Provider, c.Op, c.Field = Name, op, "Card."+c.Field
			return nil, nil, &c
		}
		return nil, nil, err
	}
	m, err := l.store.Member(ctx, req.MemberID)
	if err != nil {
		return nil, nil, wrapStore(ctx, op, err)
	}
	fields := req.Fields.orAll()
	rules := l.rules(req.Card.Provider)
	target := rules.display(m.Values, fields)
	open := req.Card
	open.Points, open.Balance, open.Level = target.Points, target.Balance, target.Level
	if err := l.wait(ctx, open.Provider); err != nil {
		return nil, nil, err
	}
	c, err := l.cards.Open(ctx, open)
	if err != nil {
		return nil, nil, err
	}
	shown := rules.display(Values{Points: c.Points, Balance: c.Balance, Level: c.Level}, fields)
	done := m.Version
	if shown != target {
		done = NoVersion
	}
	link, _, err := l.store.AddLink(ctx, NewLink{Ref: c.Ref, MemberID: m.ID, Fields: fields, DoneVersion: done, Shown: &shown})
	if err != nil {
		err = wrapStore(ctx, op, err)
		var ce *card.Error
		if errors.As(err, &ce) {
			ce.Message = fmt.Sprintf("the wallet opened card %s but it is not linked (open again with the same IdempotencyKey, or Link it)", c.Ref)
		}
		return nil, c, err
	}
	if link.Pending() {
		l.kick()
	}
	return &link, c, nil
}

// LinkRequest links an existing wallet card to a member.
type LinkRequest struct {
	// MemberID is the member. Required.
	MemberID string
	// Ref is the card. Required.
	Ref card.Ref
	// Fields are the values the card's template shows (zero: all).
	Fields Fields
}

// Link links a card that exists on its wallet to a member. It reads the
// card first (a card the wallet does not know is card.ErrNotFound) to learn
// what it shows; the sync workers then make it show the member's values.
// Linking a card again to the same member returns the link as it is; a card
// linked to another member is ErrLinkConflict (card.ErrAlreadyExists).
func (l *Ledger) Link(ctx context.Context, req LinkRequest) (*Link, error) {
	const op = "Link"
	if err := checkText(op, "MemberID", req.MemberID, maxIDLen, true); err != nil {
		return nil, err
	}
	if err := checkRef(op, req.Ref); err != nil {
		return nil, err
	}
	if _, err := l.store.Member(ctx, req.MemberID); err != nil {
		return nil, wrapStore(ctx, op, err)
	}
	if err := l.wait(ctx, req.Ref.Provider); err != nil {
		return nil, err
	}
	c, err := l.cards.Get(ctx, req.Ref)
	if err != nil {
		return nil, err
	}
	fields := req.Fields.orAll()
	shown := l.rules(req.Ref.Provider).display(Values{Points: c.Points, Balance: c.Balance, Level: c.Level}, fields)
	link, _, err := l.store.AddLink(ctx, NewLink{Ref: req.Ref, MemberID: req.MemberID, Fields: fields, DoneVersion: NoVersion, Shown: &shown})
	if err != nil {
		return nil, wrapStore(ctx, op, err)
	}
	if link.Pending() {
		l.kick()
	}
	return &link, nil
}

// Unlink stops syncing a card, recording why. Unlinking an unlinked card
// does nothing; a card never linked is ErrLinkNotFound (card.ErrNotFound).
// The card stays in the user's wallet: use Delete to remove it.
func (l *Ledger) Unlink(ctx context.Context, ref card.Ref, reason string) error {
	const op = "Unlink"
	if err := checkRef(op, ref); err != nil {
		return err
	}
	if err := checkText(op, "reason", reason, maxReasonLen, false); err != nil {
		return err
	}
	if reason == "" {
		reason = "unlinked by the merchant"
	}
	ok, err := l.store.Unlink(ctx, ref, reason)
	if err != nil {
		return wrapStore(ctx, op, err)
	}
	if !ok {
		if _, err := l.store.Link(ctx, ref); err != nil {
			return wrapStore(ctx, op, err)
		}
	}
	return nil
}

// Delete deletes a card from the user's wallet (card.MemberCard.Delete) and
// unlinks it. A card the wallet reports as not found is unlinked too.
func (l *Ledger) Delete(ctx context.Context, req card.DeleteRequest) error {
	const op = "Delete"
	if err := checkRef(op, req.Ref); err != nil {
		return err
	}
	if err := l.wait(ctx, req.Ref.Provider); err != nil {
		return err
	}
	err := l.cards.Delete(ctx, req)
	if err != nil && !errors.Is(err, card.ErrNotFound) {
		return err
	}
	reason := "deleted by the merchant"
	if err != nil {
		reason = "not found in the wallet when deleting"
	}
	if _, err := l.store.Unlink(ctx, req.Ref, reason); err != nil {
		return wrapStore(ctx, op, err)
	}
	return nil
}

// Links returns every link of a member (active, parked and unlinked).
func (l *Ledger) Links(ctx context.Context, memberID string) ([]Link, error) {
	const op = "Links"
	if err := checkText(op, "MemberID", memberID, maxIDLen, true); err != nil {
		return nil, err
	}
	links, err := l.store.Links(ctx, memberID)
	if err != nil {
		return nil, wrapStore(ctx, op, err)
	}
	return links, nil
}

// HandleEvent takes wallet events; it has the signature of card.EventHandler,
// so it plugs into the WeChat adapter's handler:
//
//	h, err := wechatProvider.NewHandler(nil)
//	h.OnEvent(l.HandleEvent)
//
// and, in tests, into the mock:
//
//	mock.New(&mock.Options{OnEvent: func(ev card.Event) { _ = l.HandleEvent(ctx, ev) }})
//
// card.EventCardDeleted (the user deleted the card) unlinks the card. Other
// events and cards the ledger does not know are ignored. An error (the
// store failed) asks the wallet to deliver the event again; handling an
// event twice is harmless.
func (l *Ledger) HandleEvent(ctx context.Context, ev card.Event) error {
	if ev.Type != card.EventCardDeleted {
		return nil
	}
	ref := ev.Ref
	if ref.Provider == "" {
		ref.Provider = ev.Provider
	}
	if ref.Validate() != nil {
		return nil // not about one card
	}
	if _, err := l.store.Unlink(ctx, ref, "deleted in the wallet (event "+string(ev.Type)+")"); err != nil {
		return wrapStore(ctx, "HandleEvent", err)
	}
	return nil
}

// Parked lists parked links after the given card (zero Ref: from the
// start), with their reasons (Link.ParkReason), at most limit (default 100).
func (l *Ledger) Parked(ctx context.Context, after card.Ref, limit int) ([]Link, error) {
	const op = "Parked"
	if limit < 0 || limit > 1000 {
		return nil, invalid(op, "limit", "must be 0..1000")
	}
	if limit == 0 {
		limit = 100
	}
	links, err := l.store.Parked(ctx, after, limit)
	if err != nil {
		return nil, wrapStore(ctx, op, err)
	}
	return links, nil
}

// RetryParked makes a parked card active again, due at once with no
// attempts counted; the workers push the member's current values. A card
// that is not parked is ErrLinkNotFound when not linked, and otherwise
// left as it is.
func (l *Ledger) RetryParked(ctx context.Context, ref card.Ref) error {
	const op = "RetryParked"
	if err := checkRef(op, ref); err != nil {
		return err
	}
	ok, err := l.store.Requeue(ctx, ref)
	if err != nil {
		return wrapStore(ctx, op, err)
	}
	if !ok {
		if _, err := l.store.Link(ctx, ref); err != nil {
			return wrapStore(ctx, op, err)
		}
		return nil
	}
	l.kick()
	return nil
}

// LinkOf returns the link of a card; an unknown card is ErrLinkNotFound (card.ErrNotFound).
func (l *Ledger) LinkOf(ctx context.Context, ref card.Ref) (*Link, error) {
	const op = "LinkOf"
	if err := checkRef(op, ref); err != nil {
		return nil, err
	}
	link, err := l.store.Link(ctx, ref)
	if err != nil {
		return nil, wrapStore(ctx, op, err)
	}
	return &link, nil
}
