//go:build unix

package pgtest_test

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/walletcard/card/internal/pgtest"
)

var cluster *pgtest.Cluster

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &cluster)) }

func TestEachTestGetsItsOwnDatabase(t *testing.T) {
	ctx := context.Background()
	dsn1, dsn2 := cluster.NewDatabase(t), cluster.NewDatabase(t)
	require.NotEqual(t, dsn1, dsn2)
	c1, err := pgx.Connect(ctx, dsn1)
	require.NoError(t, err)
	defer c1.Close(ctx)
	c2, err := pgx.Connect(ctx, dsn2)
	require.NoError(t, err)
	defer c2.Close(ctx)
	_, err = c1.Exec(ctx, `CREATE TABLE x (v int)`)
	require.NoError(t, err)
	_, err = c2.Exec(ctx, `SELECT * FROM x`)
	require.Error(t, err, "the table is in the other database")

	var version string
	require.NoError(t, c1.QueryRow(ctx, `SHOW server_version_num`).Scan(&version))
	assert.GreaterOrEqual(t, version, "150000")
	var addr string
	require.NoError(t, c1.QueryRow(ctx, `SHOW listen_addresses`).Scan(&addr))
	assert.Equal(t, "127.0.0.1", addr)
}

// PostgreSQL refuses root: a root test run starts the server as postgres.
func TestTheServerDoesNotRunAsRoot(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, cluster.DSN("postgres"))
	require.NoError(t, err)
	defer conn.Close(ctx)
	var dir string
	require.NoError(t, conn.QueryRow(ctx, `SHOW data_directory`).Scan(&dir))
	fi, err := os.Stat(dir)
	require.NoError(t, err)
	if os.Geteuid() == 0 {
		assert.NotEqual(t, uint32(0), ownerUID(fi), "the data directory belongs to the unprivileged user")
	}
}

func TestStartFailsWithoutBinaries(t *testing.T) {
	_, err := pgtest.Start(&pgtest.Options{BinDir: t.TempDir()})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "initdb not found")
}
