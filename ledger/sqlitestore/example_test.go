package sqlitestore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/sqlitestore"
	"github.com/walletcard/card/mock"
)

// A ledger on an embedded SQLite file: no server, as in a merchant's unit
// test (there, use a file in t.TempDir()).
func ExampleOpen() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sqlitestore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	st, err := sqlitestore.Open(ctx, filepath.Join(dir, "ledger.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	l, err := ledger.New(st, mock.New(nil), nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := l.CreateMember(ctx, "M1", ""); err != nil {
		log.Fatal(err)
	}
	tx, err := l.Apply(ctx, ledger.Request{Key: "order-1", MemberID: "M1", Op: ledger.TopUp, Amount: card.Yuan(25)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("balance:", tx.After.Balance, "schema version:", sqlitestore.SchemaVersion())
	// Output: balance: 25.00 schema version: 1
}
