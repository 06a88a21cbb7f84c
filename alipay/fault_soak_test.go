package alipay_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
	"github.com/walletcard/card/internal/retry"
)

// soakOps is how many operations of each kind the soak runs.
const soakOps = 200

// soakTally counts what a soak saw.
type soakTally struct {
	ops, faults, errs, unknown int
	// dishonest counts errors whose outcome was reported known although
	// the gateway applied the call.
	dishonest int
	// ownRefused counts repeats of a caller's own call reported as a
	// refusal (AlreadyExists, NotFound, Conflict) of its own effect.
	ownRefused int
}

// injector arms a fault for the next call of method in 30 % of the calls.
type injector struct {
	s   *alipaytest.Server
	rng *rand.Rand
}

func (in injector) maybe(method string, t *soakTally) {
	if in.rng.IntN(100) >= 30 {
		return
	}
	t.faults++
	switch in.rng.IntN(3) {
	case 0:
		in.s.FailNext(method, card.KindUnavailable, 1)
	case 1:
		in.s.LoseAnswerNext(method, 1)
	default:
		in.s.FailNext(method, card.KindRateLimited, 1)
	}
}

// oneOf returns one of methods, chosen at random.
func (in injector) oneOf(methods ...string) string { return methods[in.rng.IntN(len(methods))] }

// disarm removes whatever fault is left for method.
func (in injector) disarm(method string) {
	in.s.FailNext(method, card.KindUnavailable, 0)
	in.s.LoseAnswerNext(method, 0)
}

// repeatUntil calls f (one caller-level try) until it succeeds or fails
// with a refusal, at most 8 times; it tallies each error and reports the
// last. state describes what the operation changes at the gateway: a try
// that changed it but failed without saying its outcome is unknown is
// dishonest.
func repeatUntil(t *soakTally, state func() string, f func() error) error {
	var err error
	for range 8 {
		before := state()
		err = f()
		if err == nil {
			return nil
		}
		t.errs++
		if errors.Is(err, card.ErrOutcomeUnknown) {
			t.unknown++
		} else if state() != before {
			t.dishonest++
		}
		switch card.KindOf(err) {
		case card.KindAlreadyExists, card.KindNotFound, card.KindConflict:
			t.ownRefused++
			return err
		}
	}
	return err
}

// TestFaultSoak runs 200 operations of each kind (open, update, get,
// delete) with a fault (20000, a lost answer, a rate limit) injected into
// 30 % of the calls (for update: into card.update or its read-back), through a provider that does not retry, the caller
// repeating each failed operation with the same idempotency key: no user ends with two cards, every card ends with
// exactly the points last written, every error whose call was applied says
// its outcome is unknown, and no repeat of a caller's own open or delete is
// refused as AlreadyExists or NotFound — with the gateway replaying repeated
// serials and with it forgetting them (ForgetSerials).
func TestFaultSoak(t *testing.T) {
	for _, forget := range []bool{false, true} {
		t.Run(fmt.Sprintf("ForgetSerials=%v", forget), func(t *testing.T) {
			s := alipaytest.NewServer(&alipaytest.Options{ForgetSerials: forget})
			t.Cleanup(s.Close)
			// No retries in the provider: every fault reaches the caller,
			// who repeats the operation with the same key.
			p := newProvider(t, s, func(o *alipay.Options) { o.Retry = retry.Policy{Attempts: 1} })
			tpl := newTemplate(t, p)
			in := injector{s: s, rng: rand.New(rand.NewPCG(7, map[bool]uint64{false: 1, true: 2}[forget]))}
			tallies := map[string]*soakTally{"open": {}, "update": {}, "get": {}, "delete": {}}

			// Open.
			type member struct{ uid, cardNo string }
			members := make([]member, soakOps)
			ot := tallies["open"]
			for i := range members {
				uid, tok := member2(s)
				req := card.OpenRequest{TemplateID: tpl, ExternalNo: fmt.Sprintf("S%d", i), Holder: uid, AuthToken: tok,
					IdempotencyKey: fmt.Sprintf("open%d", i), Points: card.WholePoints(1)}
				ot.ops++
				var got *card.Card
				err := repeatUntil(ot, func() string { return fmt.Sprint(s.CardCount()) }, func() error {
					in.maybe(alipay.MethodCardOpen, ot)
					var err error
					got, err = p.Open(ctx(t), req)
					in.disarm(alipay.MethodCardOpen)
					return err
				})
				require.NoError(t, err, "open %d", i)
				members[i] = member{uid, got.Ref.CardNo}
			}
			// Every member opened once: one live card each, all distinct.
			duplicates := s.CardCount() - soakOps
			seen := map[string]bool{}
			for _, m := range members {
				if st, ok := s.Card(m.cardNo); !ok || st.UserID != m.uid || seen[m.cardNo] {
					duplicates++
				}
				seen[m.cardNo] = true
			}

			// Update: absolute points, the caller repeating until success.
			ut := tallies["update"]
			want := map[string]int64{}
			for i := range soakOps {
				m := members[i%len(members)]
				pts := int64(10 + i)
				ut.ops++
				err := repeatUntil(ut, func() string { return pointsOf(s, m.cardNo).String() }, func() error {
					// The fault (30 % of the tries, as for the other
					// operations) hits card.update or, half of the time,
					// its read-back: a read-back failing after card.update
					// was answered success must leave the outcome unknown.
					in.maybe(in.oneOf(alipay.MethodCardUpdate, alipay.MethodCardQuery), ut)
					_, err := p.Update(ctx(t), card.UpdateRequest{Ref: card.Ref{Provider: alipay.Name, TemplateID: tpl, CardNo: m.cardNo},
						Points: card.Ptr(card.WholePoints(pts))})
					in.disarm(alipay.MethodCardUpdate)
					in.disarm(alipay.MethodCardQuery)
					return err
				})
				require.NoError(t, err, "update %d", i)
				want[m.cardNo] = pts
			}
			pointErrors := 0
			for no, pts := range want {
				if pointsOf(s, no) != card.WholePoints(pts) {
					pointErrors++
				}
			}

			// Get: never another card, never a false NotFound.
			gt := tallies["get"]
			wrongCard := 0
			for i := range soakOps {
				m := members[i%len(members)]
				ref := card.Ref{Provider: alipay.Name, TemplateID: tpl, CardNo: m.cardNo}
				gt.ops++
				var got *card.Card
				err := repeatUntil(gt, func() string { return "" }, func() error {
					in.maybe(alipay.MethodCardQuery, gt)
					var err error
					got, err = p.Get(ctx(t), ref)
					in.disarm(alipay.MethodCardQuery)
					return err
				})
				require.NoError(t, err, "get %d", i)
				if got.Ref.CardNo != m.cardNo || got.Points != card.WholePoints(want[m.cardNo]) {
					wrongCard++
				}
			}

			// Delete with the caller's key, repeated until success.
			dt := tallies["delete"]
			notDeleted := 0
			for i, m := range members {
				ref := card.Ref{Provider: alipay.Name, TemplateID: tpl, CardNo: m.cardNo}
				dt.ops++
				err := repeatUntil(dt, func() string { st, _ := s.Card(m.cardNo); return fmt.Sprint(st.Deleted) }, func() error {
					in.maybe(alipay.MethodCardDelete, dt)
					err := p.Delete(ctx(t), card.DeleteRequest{Ref: ref, IdempotencyKey: fmt.Sprintf("del%d", i)})
					in.disarm(alipay.MethodCardDelete)
					return err
				})
				require.NoError(t, err, "delete %d", i)
				if st, _ := s.Card(m.cardNo); !st.Deleted {
					notDeleted++
				}
			}

			for _, kind := range []string{"open", "update", "get", "delete"} {
				tl := tallies[kind]
				t.Logf("%s: %d ops, %d faults injected, %d errors seen (%d outcome unknown), %d applied but reported known, %d own effects refused",
					kind, tl.ops, tl.faults, tl.errs, tl.unknown, tl.dishonest, tl.ownRefused)
				assert.Zero(t, tl.dishonest, kind)
				assert.Zero(t, tl.ownRefused, kind)
				assert.Greater(t, tl.faults, soakOps/5, kind)
			}
			t.Logf("duplicate cards %d, cards with other points than last written %d, wrong Get results %d, cards not deleted %d",
				duplicates, pointErrors, wrongCard, notDeleted)
			assert.Zero(t, duplicates)
			assert.Zero(t, pointErrors)
			assert.Zero(t, wrongCard)
			assert.Zero(t, notDeleted)
		})
	}
}

// pointsOf returns the points the gateway holds for a card.
func pointsOf(s *alipaytest.Server, cardNo string) card.Points {
	st, _ := s.Card(cardNo)
	v, _ := card.ParsePoints(st.Point)
	return v
}

// member2 is member (helpers_test.go), named apart from the local type.
func member2(s *alipaytest.Server) (string, string) { return member(s) }

// TestRepeatedKeyedDeleteOfGoneCard: a delete whose answer was lost is
// reported with its outcome unknown; the caller's repeat with the same key
// finds the card gone and is success — whether the gateway replays the
// first answer to the serial or forgets it (ForgetSerials). A new delete
// (no key of the caller's) of the deleted card is still ErrNotFound.
func TestRepeatedKeyedDeleteOfGoneCard(t *testing.T) {
	for _, forget := range []bool{false, true} {
		t.Run(fmt.Sprintf("ForgetSerials=%v", forget), func(t *testing.T) {
			s := alipaytest.NewServer(&alipaytest.Options{ForgetSerials: forget})
			t.Cleanup(s.Close)
			p := newProvider(t, s, func(o *alipay.Options) { o.Retry = retry.Policy{Attempts: 1} })
			c := openCard(t, s, p, newTemplate(t, p))
			s.LoseAnswerNext(alipay.MethodCardDelete, 1)
			req := card.DeleteRequest{Ref: c.Ref, IdempotencyKey: "mine"}
			err := p.Delete(ctx(t), req)
			require.ErrorIs(t, err, card.ErrOutcomeUnknown)
			st, _ := s.Card(c.Ref.CardNo)
			require.True(t, st.Deleted, "the lost delete was applied")
			require.NoError(t, p.Delete(ctx(t), req), "the caller's repeat")
			err = p.Delete(ctx(t), card.DeleteRequest{Ref: c.Ref}) // a new delete, its key generated
			require.ErrorIs(t, err, card.ErrNotFound)
		})
	}
}
