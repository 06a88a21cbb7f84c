package sqlitestore

// migrations are the schema versions in order; migrations[i] takes the
// schema from version i to i+1. Never edit a released migration: add one.
var migrations = []string{
	// 1: members, transactions, links with the outbox columns.
	`
CREATE TABLE ledger_members (
	id         TEXT PRIMARY KEY,
	points     INTEGER NOT NULL,
	balance    INTEGER NOT NULL,
	level      TEXT NOT NULL,
	version    INTEGER NOT NULL,
	last_note  TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE ledger_transactions (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	key           TEXT NOT NULL UNIQUE,
	member_id     TEXT NOT NULL,
	op            TEXT NOT NULL,
	points        INTEGER NOT NULL,
	amount        INTEGER NOT NULL,
	level         TEXT NOT NULL,
	actor         TEXT NOT NULL,
	reason        TEXT NOT NULL,
	note          TEXT NOT NULL,
	status        TEXT NOT NULL,
	refusal       TEXT NOT NULL,
	version       INTEGER NOT NULL,
	points_after  INTEGER NOT NULL,
	balance_after INTEGER NOT NULL,
	level_after   TEXT NOT NULL,
	at            INTEGER NOT NULL
);
CREATE INDEX ledger_transactions_member ON ledger_transactions (member_id, seq);

CREATE TABLE ledger_links (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	provider      TEXT NOT NULL,
	template_id   TEXT NOT NULL,
	card_no       TEXT NOT NULL,
	member_id     TEXT NOT NULL,
	fields        INTEGER NOT NULL,
	state         TEXT NOT NULL,
	want_version  INTEGER NOT NULL,
	done_version  INTEGER NOT NULL,
	shown_known   INTEGER NOT NULL,
	shown_points  INTEGER NOT NULL,
	shown_balance INTEGER NOT NULL,
	shown_level   TEXT NOT NULL,
	attempts      INTEGER NOT NULL,
	last_error    TEXT NOT NULL,
	park_reason   TEXT NOT NULL,
	unlink_reason TEXT NOT NULL,
	next_at       INTEGER NOT NULL,
	lease_token   INTEGER NOT NULL,
	lease_owner   TEXT NOT NULL,
	linked_at     INTEGER NOT NULL,
	changed_at    INTEGER NOT NULL,
	UNIQUE (provider, template_id, card_no)
);
CREATE INDEX ledger_links_member ON ledger_links (member_id, id);
CREATE INDEX ledger_links_due ON ledger_links (next_at, id) WHERE state = 'active' AND want_version > done_version;
CREATE INDEX ledger_links_parked ON ledger_links (provider, template_id, card_no) WHERE state = 'parked';
`,
}
