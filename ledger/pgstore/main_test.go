package pgstore_test

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/walletcard/card/internal/pgtest"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/pgstore"
	"github.com/walletcard/card/ledger/storetest"
)

// cluster is this package's PostgreSQL, started by TestMain (tests fail,
// never skip, when it cannot start).
var cluster *pgtest.Cluster

func TestMain(m *testing.M) {
	if storetest.IsHelperProcess() {
		os.Exit(m.Run()) // a child of a multi-process test: the parent runs the cluster
	}
	os.Exit(pgtest.Main(m, &cluster))
}

// open opens a store on the database at dsn with opts (nil: the
// defaults); it is closed when tb ends.
func open(tb testing.TB, dsn string, opts *pgstore.Options) *pgstore.Store {
	tb.Helper()
	s, err := pgstore.Open(context.Background(), dsn, opts)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// openPooled opens a store with a pool of 20 connections on dsn.
func openPooled(tb testing.TB, dsn string) ledger.Store {
	return open(tb, dsn, &pgstore.Options{MaxConns: 20})
}

// openTemp opens a store with a pool of 20 connections on a fresh database.
func openTemp(tb testing.TB) ledger.Store { return openPooled(tb, cluster.NewDatabase(tb)) }

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) ledger.Store { return openTemp(t) })
}
