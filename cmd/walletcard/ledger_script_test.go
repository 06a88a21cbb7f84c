package main

import (
	"testing"
)

// TestLedgerScripts runs the ledger scripts (testdata/ledger): members,
// exactly-once transactions, sync, reconcile and parked cards through the
// real binary.
func TestLedgerScripts(t *testing.T) {
	runScripts(t, "testdata/ledger")
}
