package sqlitestore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/walletcard/card/ledger/sqlitestore"
)

// The schema is created on the first Open, left alone by later ones, and a
// database from a newer version of the program is refused.
func TestSchemaMigratesOnceAndRefusesANewerDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := sqlitestore.Open(ctx, path, nil)
	require.NoError(t, err)
	_, err = s.CreateMember(ctx, "m1", "")
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s, err = sqlitestore.Open(ctx, path, nil)
	require.NoError(t, err)
	m, err := s.Member(ctx, "m1")
	require.NoError(t, err, "data survives reopening")
	assert.Equal(t, "m1", m.ID)
	require.NoError(t, s.Close())

	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	var v int
	require.NoError(t, db.QueryRow(`SELECT version FROM ledger_schema`).Scan(&v))
	assert.Equal(t, sqlitestore.SchemaVersion(), v)
	_, err = db.Exec(`UPDATE ledger_schema SET version = 99`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	_, err = sqlitestore.Open(ctx, path, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "schema version 99")
}

func TestOpenRefusesBadOptions(t *testing.T) {
	_, err := sqlitestore.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), &sqlitestore.Options{Synchronous: "SOMETIMES"})
	require.Error(t, err)
	_, err = sqlitestore.Open(context.Background(), "x.db?mode=memory", nil)
	require.Error(t, err)
}
