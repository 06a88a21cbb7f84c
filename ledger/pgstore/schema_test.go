package pgstore_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/walletcard/card/ledger/pgstore"
)

// Processes starting together migrate the schema once (under an advisory
// lock); a database from a newer version of the program is refused.
func TestSchemaMigratesOnceAndRefusesANewerDatabase(t *testing.T) {
	ctx := context.Background()
	dsn := cluster.NewDatabase(t)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := pgstore.Open(ctx, dsn, nil)
			if assert.NoError(t, err) {
				_ = s.Close()
			}
		}()
	}
	wg.Wait()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var n, v int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*), max(version) FROM ledger_schema`).Scan(&n, &v))
	assert.Equal(t, 1, n)
	assert.Equal(t, pgstore.SchemaVersion(), v)

	_, err = conn.Exec(ctx, `UPDATE ledger_schema SET version = 99`)
	require.NoError(t, err)
	_, err = pgstore.Open(ctx, dsn, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "schema version 99")

	_, err = pgstore.Open(ctx, "postgres://%zz", nil)
	require.Error(t, err)
}
