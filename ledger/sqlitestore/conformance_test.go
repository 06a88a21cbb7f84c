package sqlitestore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/sqlitestore"
	"github.com/walletcard/card/ledger/storetest"
)

// newDB returns the path of a new database file in a temporary directory.
func newDB(tb testing.TB) string { return filepath.Join(tb.TempDir(), "ledger.db") }

// open opens a store (default options) on the file at path; it is closed
// when tb ends.
func open(tb testing.TB, path string) ledger.Store {
	tb.Helper()
	s, err := sqlitestore.Open(context.Background(), path, nil)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// openTemp opens a store on a new database.
func openTemp(tb testing.TB) ledger.Store { return open(tb, newDB(tb)) }

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) ledger.Store { return openTemp(t) })
}
