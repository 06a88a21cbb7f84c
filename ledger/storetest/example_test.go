package storetest_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/sqlitestore"
	"github.com/walletcard/card/ledger/storetest"
)

// A store's conformance test: every subtest gets a new, empty store.
func ExampleRun() {
	_ = func(t *testing.T) { // func TestConformance(t *testing.T) in the store's package
		storetest.Run(t, func(t *testing.T) ledger.Store {
			s, err := sqlitestore.Open(context.Background(), filepath.Join(t.TempDir(), "ledger.db"), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		})
	}
}
