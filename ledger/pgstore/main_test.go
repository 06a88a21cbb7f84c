package pgstore_test

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/walletcard/card/internal/pgtest"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/internal/fleettest"
	"github.com/walletcard/card/ledger/pgstore"
	"github.com/walletcard/card/ledger/storetest"
)

// cluster is this package's PostgreSQL, started by TestMain (tests fail,
// never skip, when it cannot start).
var cluster *pgtest.Cluster

func TestMain(m *testing.M) {
	if isHelperProcess() {
		os.Exit(m.Run()) // a child of a multi-process test: the parent runs the cluster
	}
	os.Exit(pgtest.Main(m, &cluster))
}

// openTemp opens a store on a fresh database.
func openTemp(t testing.TB) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), cluster.NewDatabase(t), &pgstore.Options{MaxConns: 20})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) ledger.Store { return openTemp(t) })
}

func isHelperProcess() bool { return fleettest.IsHelper() }
