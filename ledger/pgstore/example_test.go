package pgstore_test

import (
	"context"
	"log"

	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/pgstore"
	"github.com/walletcard/card/mock"
)

// A ledger shared by a fleet of processes: each opens the same database and
// runs its sync workers; they split the pending cards between them.
func ExampleOpen() {
	ctx := context.Background()
	st, err := pgstore.Open(ctx, "postgres://ledger@db.internal/shop?sslmode=verify-full", &pgstore.Options{MaxConns: 20})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	l, err := ledger.New(st, mock.New(nil), nil) // a provider.Router over the wallets in production
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = l.Run(ctx) }() // this process's sync worker
}
