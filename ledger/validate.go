package ledger

import (
	"unicode/utf8"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
)

// Length limits (bytes unless noted).
const (
	maxKeyLen    = 128
	maxIDLen     = 64
	maxLevelLen  = 64
	maxActorLen  = 128
	maxReasonLen = 256
	maxNoteRunes = 64
)

// checkText checks one text field: UTF-8, within max bytes, set if required.
func checkText(op, field, s string, max int, required bool) error {
	switch {
	case required && s == "":
		return invalid(op, field, "is required")
	case len(s) > max:
		return invalid(op, field, "is %d bytes, the limit is %d", len(s), max)
	case !utf8.ValidString(s):
		return invalid(op, field, "is not valid UTF-8")
	}
	return nil
}

// validate checks a Request before anything is written.
func (r Request) validate(op string) error {
	if err := checkText(op, "Key", r.Key, maxKeyLen, true); err != nil {
		return err
	}
	if err := checkText(op, "MemberID", r.MemberID, maxIDLen, true); err != nil {
		return err
	}
	if !r.Op.valid() {
		return invalid(op, "Op", "must be credit_points, debit_points, top_up, spend or set_level, got %q", string(r.Op))
	}
	switch r.Op {
	case CreditPoints, DebitPoints:
		if r.Points <= 0 || r.Points > MaxValue {
			return invalid(op, "Points", "must be above 0 and at most %d hundredths, got %s", int64(MaxValue), r.Points)
		}
		if r.Amount != 0 {
			return invalid(op, "Amount", "must be zero for %s", r.Op)
		}
		if r.Level != "" {
			return invalid(op, "Level", "must be empty for %s", r.Op)
		}
	case TopUp, Spend:
		if r.Amount <= 0 || r.Amount > MaxValue {
			return invalid(op, "Amount", "must be above 0 and at most %d fen, got %s", int64(MaxValue), r.Amount)
		}
		if r.Points != 0 {
			return invalid(op, "Points", "must be zero for %s", r.Op)
		}
		if r.Level != "" {
			return invalid(op, "Level", "must be empty for %s", r.Op)
		}
	case SetLevel:
		if err := checkText(op, "Level", r.Level, maxLevelLen, true); err != nil {
			return err
		}
		if r.Points != 0 || r.Amount != 0 {
			return invalid(op, "Points", "Points and Amount must be zero for set_level")
		}
	}
	if err := checkText(op, "Actor", r.Actor, maxActorLen, false); err != nil {
		return err
	}
	if err := checkText(op, "Reason", r.Reason, maxReasonLen, false); err != nil {
		return err
	}
	if !utf8.ValidString(r.Note) {
		return invalid(op, "Note", "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(r.Note); n > maxNoteRunes {
		return invalid(op, "Note", "is %d characters, the limit is %d", n, maxNoteRunes)
	}
	return nil
}

// checkRef checks a card reference: an invalid-argument error of this
// package and op, naming the field (Ref.Provider …).
func checkRef(op string, ref card.Ref) error {
	return driver.Wrap(Name, op, card.KindInvalidArgument, ref.Validate())
}
