package alipay_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
)

// withMessage counts the card.update requests that carried
// merchant_card_msg_info.
func withMessage(bizes []map[string]any) int {
	n := 0
	for _, b := range bizes {
		if _, ok := b["merchant_card_msg_info"]; ok {
			n++
		}
	}
	return n
}

// TestUpdateReadBackUnavailable: card.update is answered success and the
// read-back (card.query) fails once with 20000. The update may have been
// applied, so the pipeline's retry sends card.update again without the
// member message: the message goes with the first attempt only.
func TestUpdateReadBackUnavailable(t *testing.T) {
	s, p, rec, tpl := recordedSetup(t, nil)
	c := openCard(t, s, p, tpl)
	s.FailNext(alipay.MethodCardQuery, card.KindUnavailable, 1)
	got, err := p.Update(ctx(t), card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.WholePoints(30)),
		PointsChange: card.Ptr(card.WholePoints(20))})
	require.NoError(t, err)
	assert.Equal(t, card.WholePoints(30), got.Points)
	sent := rec.sent(alipay.MethodCardUpdate)
	assert.Len(t, sent, 2, "card.update sent again after the failed read-back")
	assert.Equal(t, 1, withMessage(sent), "changed_point sent on the first attempt only")
}

// TestUpdateReadBackRefused: card.update is answered success (and was
// applied) and the read-back is answered CARD_NOT_EXIT, or with another
// card's genuine answer: the error keeps its kind but says the outcome is
// unknown — never a NotFound or a refusal whose outcome is known.
func TestUpdateReadBackRefused(t *testing.T) {
	s, p, tpl := setup(t)
	a, b := openCard(t, s, p, tpl), openCard(t, s, p, tpl)

	s.FailNext(alipay.MethodCardQuery, card.KindNotFound, 1)
	_, err := p.Update(ctx(t), card.UpdateRequest{Ref: a.Ref, Points: card.Ptr(card.WholePoints(30))})
	require.ErrorIs(t, err, card.ErrNotFound)
	assert.ErrorIs(t, err, card.ErrOutcomeUnknown, "card.update was answered success")
	assert.Equal(t, card.WholePoints(30), pointsOf(s, a.Ref.CardNo), "the update was applied")

	_, err = p.Get(ctx(t), a.Ref)
	require.NoError(t, err)
	answers := s.Answers(alipay.MethodCardQuery)
	s.ReplayNext(alipay.MethodCardQuery, answers[len(answers)-1])
	_, err = p.Update(ctx(t), card.UpdateRequest{Ref: b.Ref, Points: card.Ptr(card.WholePoints(40))})
	require.Error(t, err)
	assert.Equal(t, alipay.CodeForgedAnswer, codeOfErr(err))
	assert.ErrorIs(t, err, card.ErrOutcomeUnknown, "card.update was answered success")
	assert.Equal(t, card.WholePoints(40), pointsOf(s, b.Ref.CardNo), "the update was applied")
}
