package sqlstore_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/walletcard/card/ledger/internal/sqlstore"
)

// schemaDB is a database as the migration procedure sees it: the version
// row (none when version < 0) and the statements run.
type schemaDB struct {
	version int
	ran     []string
	fail    string // a statement that fails
}

func (db *schemaDB) exec(query string, args ...any) error {
	if query == db.fail {
		return errors.New("syntax error")
	}
	db.ran = append(db.ran, query)
	switch {
	case strings.HasPrefix(query, "INSERT INTO ledger_schema"):
		db.version = 0
	case strings.HasPrefix(query, "SET VERSION"):
		db.version = args[0].(int)
	}
	return nil
}

func (db *schemaDB) queryRow(query string, _ ...any) sqlstore.Row {
	if db.version < 0 {
		return noRow()
	}
	return row{db.version}
}

func TestMigrationRunsEachVersionOnceAndRefusesANewerDatabase(t *testing.T) {
	schema := sqlstore.Schema{Store: "teststore", Migrations: []string{"M1", "M2", "M3"}, SetVersion: "SET VERSION"}

	db := &schemaDB{version: -1}
	require.NoError(t, schema.Migrate(db.exec, db.queryRow))
	assert.Equal(t, 3, db.version)
	assert.Equal(t, []string{"CREATE TABLE IF NOT EXISTS ledger_schema (version INTEGER NOT NULL)", "INSERT INTO ledger_schema (version) VALUES (0)",
		"M1", "M2", "M3", "SET VERSION"}, db.ran)

	db.ran = nil
	require.NoError(t, schema.Migrate(db.exec, db.queryRow))
	assert.NotContains(t, db.ran, "M1", "a migrated database is left alone")
	assert.Equal(t, 3, db.version)

	db = &schemaDB{version: 1}
	require.NoError(t, schema.Migrate(db.exec, db.queryRow))
	assert.Equal(t, []string{"CREATE TABLE IF NOT EXISTS ledger_schema (version INTEGER NOT NULL)", "M2", "M3", "SET VERSION"}, db.ran)

	db = &schemaDB{version: 99}
	err := schema.Migrate(db.exec, db.queryRow)
	require.EqualError(t, err, "teststore: the database has schema version 99, this program knows 3: upgrade the program")
	assert.NotContains(t, db.ran, "SET VERSION")

	db = &schemaDB{version: 0, fail: "M2"}
	err = schema.Migrate(db.exec, db.queryRow)
	require.EqualError(t, err, "teststore: migration 2: syntax error")
	assert.NotContains(t, db.ran, "SET VERSION", "a failed migration records no version")
}
