// Package sqlstore is what the SQL ledger stores (ledger/sqlitestore and
// ledger/pgstore) share, written once: the column lists of the ledger's
// tables, reading rows into ledger types, assembling the results of the
// Store methods, the decisions of Apply and AddLink that do not depend on
// SQL, the values a transaction or a link row is written with, and the
// schema migration procedure.
//
// What stays in each store is what truly differs: the driver, the SQL text
// with its placeholders and dialect, the locking and leases, the schema
// migrations themselves, and how a timestamp column is stored (a Decoder
// is told how to read it).
//
// Rows come from either driver through two small interfaces: Row (a
// *sql.Row, a pgx.Row) and Rows (pgx.Rows as it is; *sql.Rows with a
// Close that drops its error). A query that fails before it returns rows
// is ErrRows(err), so that a store passes the result of a query straight
// to a Decoder and every error comes out of one place.
package sqlstore

import (
	"database/sql"
	"errors"
)

// Row is one result row: *sql.Row, pgx.Row, or a row of Rows.
type Row interface {
	// Scan copies the row's columns into dest.
	Scan(dest ...any) error
}

// Rows is a result set. pgx.Rows is one; a *sql.Rows is one with a Close
// method that drops Close's error, as database/sql does itself when Next
// reaches the end (a read's failure is Err's).
type Rows interface {
	Row
	// Next advances to the next row; false at the end or on an error.
	Next() bool
	// Err is the error that ended the rows, if any.
	Err() error
	// Close releases the rows; it may be called more than once.
	Close()
}

// ErrRows returns Rows (also a Row) that hold no row and fail with err:
// the result of a query that could not run.
func ErrRows(err error) Rows { return errRows{err} }

type errRows struct{ err error }

func (r errRows) Scan(...any) error { return r.err }
func (errRows) Next() bool          { return false }
func (r errRows) Err() error        { return r.err }
func (errRows) Close()              {}

// IsNoRows reports whether err says a row was not there: sql.ErrNoRows,
// which pgx.ErrNoRows wraps.
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// NotFound returns notFound (a ledger sentinel such as
// ledger.ErrMemberNotFound) when err is a missing row, and err otherwise.
func NotFound(err, notFound error) error {
	if IsNoRows(err) {
		return notFound
	}
	return err
}
