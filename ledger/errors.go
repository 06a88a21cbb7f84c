package ledger

import (
	"context"
	"errors"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
)

// Name is the provider name the ledger puts in the *card.Error values it
// returns (Error.Provider), so that a log line says the failure is the
// ledger's and not a wallet's.
const Name = "ledger"

// Errors the ledger returns, wrapped in a *card.Error that also carries a
// card.Kind, so that both errors.Is(err, ledger.ErrInsufficientFunds) and
// errors.Is(err, card.ErrConflict) hold.
var (
	// ErrInsufficientFunds: a debit of points or a spend of balance would take
	// the member below zero. Kind card.KindConflict. The refusal is recorded
	// under the transaction's key (Transaction.Status is StatusRefused), so
	// repeating the same request returns the same refusal; use a new key to
	// try again after a top-up.
	ErrInsufficientFunds = errors.New("ledger: insufficient funds")
	// ErrKeyConflict: the key was used before for a transaction with different
	// content (member, operation, amount or level). Kind card.KindConflict.
	ErrKeyConflict = errors.New("ledger: key already used with different content")
	// ErrMemberNotFound: no member has this id. Kind card.KindNotFound.
	ErrMemberNotFound = errors.New("ledger: member not found")
	// ErrMemberExists is returned by stores when CreateMember finds the id
	// taken; Ledger.CreateMember treats it as success.
	ErrMemberExists = errors.New("ledger: member exists")
	// ErrLinkNotFound: no link has this card. Kind card.KindNotFound.
	ErrLinkNotFound = errors.New("ledger: card is not linked")
	// ErrLinkConflict: the card is linked to another member. Kind card.KindAlreadyExists.
	ErrLinkConflict = errors.New("ledger: card is linked to another member")
	// ErrTransactionNotFound: no transaction has this key. Kind card.KindNotFound.
	ErrTransactionNotFound = errors.New("ledger: transaction not found")
)

// kindOf maps the ledger's sentinels to card kinds.
func kindOf(err error) card.Kind {
	switch {
	case errors.Is(err, ErrInsufficientFunds), errors.Is(err, ErrKeyConflict):
		return card.KindConflict
	case errors.Is(err, ErrMemberNotFound), errors.Is(err, ErrLinkNotFound), errors.Is(err, ErrTransactionNotFound):
		return card.KindNotFound
	case errors.Is(err, ErrLinkConflict), errors.Is(err, ErrMemberExists):
		return card.KindAlreadyExists
	}
	return card.KindUnknown
}

// wrapStore turns an error from the Store (or a sentinel of this package)
// into the error a Ledger method returns: the bare context error when ctx
// ended, a *card.Error otherwise. A store failure that is not one of the
// sentinels is KindUnavailable.
func wrapStore(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	var ce *card.Error
	if errors.As(err, &ce) {
		return driver.Wrap(Name, op, ce.Kind, err)
	}
	if cerr := ctx.Err(); cerr != nil && driver.IsContextError(err) {
		return cerr
	}
	if k := kindOf(err); k != card.KindUnknown {
		return &card.Error{Provider: Name, Op: op, Kind: k, Err: err}
	}
	return &card.Error{Provider: Name, Op: op, Kind: card.KindUnavailable, Message: "store", Err: err}
}

// invalid returns a KindInvalidArgument *card.Error for op naming field.
func invalid(op, field, format string, args ...any) error {
	e := driver.InvalidArgument(field, format, args...)
	e.Provider, e.Op = Name, op
	return e
}
