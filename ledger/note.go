package ledger

import (
	"strings"
	"unicode/utf8"

	card "github.com/walletcard/card"
)

// Change describes what one push changes on a card, for the note the
// wallet shows the member (WeChat record_bonus / record_balance; Alipay
// shows the points change, UpdateRequest.PointsChange, computed from the
// same values).
type Change struct {
	// Ref is the card.
	Ref card.Ref
	// MemberID is the member.
	MemberID string
	// Known is false when the values the card showed before are not known
	// (a card linked with Link and not read since, or found drifted); the
	// deltas are then zero.
	Known bool
	// Points and Balance are set when the push changes them.
	Points, Balance bool
	// PointsDelta is the change of points since the value the card last showed.
	PointsDelta card.Points
	// BalanceDelta is the change of balance since the value the card last showed.
	BalanceDelta card.Money
	// Level is the new level when the push changes it, else empty.
	Level string
	// Transactions is 1 when the card showed the member's previous version,
	// so that exactly one transaction is behind this push; 0 otherwise.
	Transactions int
	// TransactionNote is the Note of the member's latest transaction.
	TransactionNote string
	// MaxRunes is the longest note the wallet shows.
	MaxRunes int
}

// DefaultNote is the default Options.Note. When exactly one transaction is
// behind the push and it has a Note, that note is shown. Otherwise the note
// says what changed since the values the card last showed, in Chinese as the
// wallets' users read it: "积分+12 余额-5.00 等级GOLD" ("积分变更" /
// "余额变更" when the earlier values are unknown). The ledger cuts the
// result to the wallet's limit (14 characters on WeChat).
func DefaultNote(c Change) string {
	if c.Transactions == 1 && c.TransactionNote != "" {
		return c.TransactionNote
	}
	var parts []string
	if c.Points {
		if c.Known {
			parts = append(parts, "积分"+signed(c.PointsDelta.String(), c.PointsDelta < 0))
		} else {
			parts = append(parts, "积分变更")
		}
	}
	if c.Balance {
		if c.Known {
			parts = append(parts, "余额"+signed(c.BalanceDelta.String(), c.BalanceDelta < 0))
		} else {
			parts = append(parts, "余额变更")
		}
	}
	if c.Level != "" {
		parts = append(parts, "等级"+c.Level)
	}
	return strings.Join(parts, " ")
}

func signed(s string, neg bool) string {
	if neg {
		return s
	}
	return "+" + s
}

// cutRunes returns s cut to at most n characters, with invalid UTF-8 removed.
func cutRunes(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i = range s {
		if count == n {
			break
		}
		count++
	}
	return s[:i]
}
