// Package providertest is the conformance suite every card.MemberCard
// provider passes: the mock directly, the Alipay and WeChat adapters against
// their local fake gateways, and any provider a merchant writes.
//
// A provider's test supplies a Harness and calls RunConformanceTests from a
// test whose name contains "Conformance":
//
//	func TestConformance(t *testing.T) {
//		providertest.RunConformanceTests(t, newHarness, nil)
//	}
//
// The subtests hold the neutral semantics (open then get, idempotent open,
// not found after delete, exact points and balance, validation before the
// wire, context cancellation, As, concurrency). Providers add their own
// subtests through Options.Extra.
package providertest

import (
	"context"
	"testing"

	card "github.com/walletcard/card"
)

// Harness gives the suite fresh providers and what they need to open cards.
type Harness interface {
	// MakeProvider returns a provider ready for use. The suite may call it
	// more than once per harness.
	MakeProvider(ctx context.Context) (card.MemberCard, error)

	// NewOpenRequest returns a valid OpenRequest for a new member of an
	// approved template that has stock: on Alipay a fresh user with an
	// auth_ecard auth_token, on WeChat a freshly claimed code. Each call
	// returns a request for a different member and a fresh IdempotencyKey.
	NewOpenRequest(ctx context.Context) (card.OpenRequest, error)

	// WireCalls reports how many requests have reached the wallet (or the
	// mock's state) so far. The suite uses it to check that invalid input
	// sends nothing.
	WireCalls() int

	// Capabilities says which optional behaviours the provider has.
	Capabilities() Capabilities

	// Close releases the harness's resources.
	Close()
}

// Capabilities lists optional behaviours that change what the suite checks.
type Capabilities struct {
	// FractionalPoints: points with hundredths (Alipay "88.50") round-trip.
	// WeChat's bonus is an integer, so it reports false.
	FractionalPoints bool
	// LevelOnGet: Get reports the level written by Open or Update. WeChat's
	// userinfo/get does not return custom-field values, so it reports false
	// and the suite checks the level only on what Update returns.
	LevelOnGet bool
	// Levels are the levels of the template NewOpenRequest opens cards on
	// (at least two); NewOpenRequest uses one of them.
	Levels []string
}

// HarnessMaker makes a fresh Harness for one subtest.
type HarnessMaker func(ctx context.Context, t *testing.T) (Harness, error)

// Test is a provider-specific subtest added through Options.Extra.
type Test struct {
	Name string
	Run  func(t *testing.T, h Harness, p card.MemberCard)
}

// Options adds provider-specific checks to the suite. nil means none.
type Options struct {
	// Extra subtests run after the common ones, each with a fresh harness.
	Extra []Test
	// AsTargets are pointers As must fill (for example new(*alipay.Client));
	// each must return true and leave a non-zero value.
	AsTargets []any
}
