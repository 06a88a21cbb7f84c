// Package ledger is the merchant's member ledger: the source of truth for
// members' points, stored-value balance and level, which it keeps in sync
// on every wallet card the member holds (Alipay, WeChat, any
// card.MemberCard), exactly once and in order.
//
//	st, _ := sqlitestore.Open(ctx, "ledger.db", nil)     // or pgstore for a fleet
//	l, _ := ledger.New(st, router, nil)                   // router: provider.Router over the wallets
//	go l.Run(ctx)                                         // the sync worker
//
//	l.CreateMember(ctx, "M0001", "SILVER")
//	l.Open(ctx, ledger.OpenRequest{MemberID: "M0001", Card: card.OpenRequest{Provider: card.WeChat, TemplateID: cardID, ExternalNo: "M0001", Code: code}})
//	tx, err := l.Apply(ctx, ledger.Request{Key: orderID, MemberID: "M0001", Op: ledger.CreditPoints, Points: card.WholePoints(12), Reason: "coffee"})
//
// # Transactions
//
// Apply records a transaction — CreditPoints, DebitPoints, TopUp, Spend,
// SetLevel — under the merchant's key (an order id) exactly once: the same
// key with the same content returns the original transaction (Replayed),
// with different content it is ErrKeyConflict; a debit below zero is refused
// with ErrInsufficientFunds, and the refusal is recorded under its key too.
// Both errors are *card.Error values of kind card.KindConflict, so
// errors.Is(err, card.ErrConflict) holds as well. Transactions on one member
// run one at a time (also across processes); each keeps who (Actor), why
// (Reason), when (At) and its result, and Transactions lists them per
// member. Bad input is card.ErrInvalidArgument naming the Request field,
// with nothing written.
//
// # Sync
//
// The member's new values and the record that its cards need them (each
// link's wanted version, the outbox) commit in the same database
// transaction as the transaction itself, so a crash between the database
// and the wallet loses nothing: the sync workers (Run in the background,
// SyncPending for an operator) pick the pending cards up, also after a
// restart. They claim cards with leases, so workers in several processes
// sharing a store split the work and never write one card at once; a
// worker's call ends well before its lease (see Options.CallTimeout), so a
// card never receives an older version after a newer one.
//
// A worker writes absolute values with card.MemberCard.Update — only those
// that differ from what the card last showed — and coalesces: a card is
// given the member's values as they are when it is claimed. A wallet answer
// whose outcome is unknown is resolved by sending the absolute values again,
// never by applying a delta, so points are never doubled. Rate-limited and
// unavailable wallets are retried with backoff (and per-wallet rate limits,
// WalletRules.RateLimit); card.ErrNotFound unlinks the card; permanent
// failures park the card with the reason, for Parked and RetryParked.
//
// # What a wallet cannot show
//
// A rule, not a failure. WeChat points (bonus) are whole numbers: a WeChat
// card shows the whole part of the member's points (88.50 points show as
// 88) while the ledger keeps the hundredths (WalletRules.WholePoints; on by
// default for card.WeChat). A card whose template has no stored value is
// linked without ShowBalance (Link.Fields): its balance is never sent.
// Likewise a card without levels is linked without ShowLevel.
//
// # Notes
//
// Each push carries a note that says what changed since the values the card
// last showed: the transaction's own Note when exactly one transaction is
// behind the push, otherwise a summary such as "积分+12 余额-5.00"
// (DefaultNote; replace it with Options.Note), cut to the wallet's limit
// (14 characters on WeChat, where it becomes record_bonus and
// record_balance). The points change also goes in
// card.UpdateRequest.PointsChange (Alipay merchant_card_msg_info.changed_point).
//
// # Links and events
//
// Open opens a card on a wallet with the member's current values and links
// it; Link links a card that exists; HandleEvent (a card.EventHandler)
// unlinks a card its user deleted — wire it to the WeChat handler's OnEvent
// and to the mock's Options.OnEvent. Reconcile reads every linked card from
// its wallet, compares, repairs drift and reports progress.
//
// # Storage
//
// A Store keeps the data: ledger/sqlitestore (embedded SQLite, pure Go, the
// default; a file in t.TempDir() in tests) and ledger/pgstore (PostgreSQL,
// for fleets). Both pass the conformance suite ledger/storetest and create
// and migrate their schema themselves.
//
// # Testing a merchant's code
//
// Everything runs against the in-memory mock (package mock) and a
// temporary SQLite file, with no server: see the package examples and
// examples/testing.
package ledger
