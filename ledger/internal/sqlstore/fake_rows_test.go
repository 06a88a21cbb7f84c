package sqlstore_test

import (
	"database/sql"
	"fmt"
	"reflect"

	"github.com/walletcard/card/ledger/internal/sqlstore"
)

// row is a result row held in memory: Scan assigns each value to its
// destination, as a driver converts a column (int64 to int, bool …).
type row []any

func (r row) Scan(dest ...any) error {
	if len(dest) != len(r) {
		return fmt.Errorf("scan: %d destinations for %d columns", len(dest), len(r))
	}
	for i, d := range dest {
		dv := reflect.ValueOf(d).Elem()
		v := reflect.ValueOf(r[i])
		if !v.Type().ConvertibleTo(dv.Type()) {
			return fmt.Errorf("scan: column %d: %T into %T", i, r[i], d)
		}
		dv.Set(v.Convert(dv.Type()))
	}
	return nil
}

// noRow is a row that is not there.
func noRow() sqlstore.Row { return sqlstore.ErrRows(sql.ErrNoRows) }

// rows is a result set held in memory; closed records Close.
type rows struct {
	rows   []row
	i      int
	err    error // reported by Err at the end
	closed bool
}

func (r *rows) Next() bool {
	if r.i >= len(r.rows) {
		return false
	}
	r.i++
	return true
}

func (r *rows) Scan(dest ...any) error { return r.rows[r.i-1].Scan(dest...) }
func (r *rows) Err() error             { return r.err }
func (r *rows) Close()                 { r.closed = true }

var _ sqlstore.Rows = (*rows)(nil)
