package sqlstore

import "fmt"

// Schema is a store's schema: its migrations and the words of its
// dialect that the migration procedure needs.
type Schema struct {
	// Store names the store in errors ("sqlitestore", "pgstore").
	Store string
	// Migrations are the schema versions in order; Migrations[i] takes the
	// schema from version i to i+1.
	Migrations []string
	// SetVersion is the statement that records the version reached, with
	// the version as its one parameter: `UPDATE ledger_schema SET version = …`.
	SetVersion string
}

// Migrate brings the schema to the current version, inside the database
// transaction that exec and queryRow run their statements in (the store
// serialises concurrent migrations itself). The version is kept in the one
// row of the table ledger_schema, made on the first run; a database with
// a version newer than len(Migrations) is refused.
func (s Schema) Migrate(exec func(query string, args ...any) error, queryRow func(query string, args ...any) Row) error {
	if err := exec(`CREATE TABLE IF NOT EXISTS ledger_schema (version INTEGER NOT NULL)`); err != nil {
		return err
	}
	var v int
	err := queryRow(`SELECT version FROM ledger_schema`).Scan(&v)
	switch {
	case IsNoRows(err):
		if err := exec(`INSERT INTO ledger_schema (version) VALUES (0)`); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	if v > len(s.Migrations) {
		return fmt.Errorf("%s: the database has schema version %d, this program knows %d: upgrade the program", s.Store, v, len(s.Migrations))
	}
	for ; v < len(s.Migrations); v++ {
		if err := exec(s.Migrations[v]); err != nil {
			return fmt.Errorf("%s: migration %d: %w", s.Store, v+1, err)
		}
	}
	return exec(s.SetVersion, v)
}
