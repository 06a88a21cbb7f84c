package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
)

// Finish records its outcomes all or none: when one statement of the batch
// fails, the outcomes before it are rolled back too.
func TestFinishIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	_, err := s.CreateMember(ctx, "m1", "")
	require.NoError(t, err)
	refs := []card.Ref{{Provider: card.Mock, TemplateID: "t", CardNo: "1"}, {Provider: card.Mock, TemplateID: "t", CardNo: "2"}}
	for _, ref := range refs {
		_, _, err := s.AddLink(ctx, ledger.NewLink{Ref: ref, MemberID: "m1", Fields: ledger.AllFields, DoneVersion: ledger.NoVersion})
		require.NoError(t, err)
	}
	jobs, err := s.Claim(ctx, "w", 2, time.Minute)
	require.NoError(t, err)
	require.Len(t, jobs, 2)
	done := ledger.Outcome{Ref: jobs[0].Link.Ref, Token: jobs[0].Token, Kind: ledger.OutcomeDone, Version: jobs[0].Member.Version}
	// PostgreSQL refuses a NUL byte in a text value: the second statement fails.
	bad := ledger.Outcome{Ref: jobs[1].Link.Ref, Token: jobs[1].Token, Kind: ledger.OutcomeRetry, Attempts: 1, Error: "nul \x00"}
	_, err = s.Finish(ctx, []ledger.Outcome{done, bad})
	require.Error(t, err)
	l, err := s.Link(ctx, done.Ref)
	require.NoError(t, err)
	assert.Equal(t, ledger.NoVersion, l.DoneVersion, "the first outcome was rolled back with the batch")

	bad.Error = "ok"
	n, err := s.Finish(ctx, []ledger.Outcome{done, bad})
	require.NoError(t, err)
	assert.Equal(t, 2, n, "both leases still held")
	l, err = s.Link(ctx, done.Ref)
	require.NoError(t, err)
	assert.Equal(t, done.Version, l.DoneVersion)
}
