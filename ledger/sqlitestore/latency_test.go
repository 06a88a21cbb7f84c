package sqlitestore_test

import (
	"testing"

	"github.com/walletcard/card/ledger/storetest"
)

// What a member sees: from Apply returning to both of their cards holding
// the new value, at a steady 200 transactions/s over 2,000 members with two
// cards each and 20 ms wallet latency. Goal: p99 ≤ 1 s (storetest.RunLatency).
func TestSyncLatencyAt200TransactionsPerSecond(t *testing.T) {
	storetest.RunLatency(t, "sqlite", openTemp(t))
}
