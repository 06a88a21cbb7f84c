package pgstore

// migrations are the schema versions in order; migrations[i] takes the
// schema from version i to i+1. Never edit a released migration: add one.
var migrations = []string{
	// 1: members, transactions, links with the outbox columns.
	`
CREATE TABLE ledger_members (
	id         text PRIMARY KEY,
	points     bigint NOT NULL,
	balance    bigint NOT NULL,
	level      text NOT NULL,
	version    bigint NOT NULL,
	last_note  text NOT NULL,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL
);

CREATE TABLE ledger_transactions (
	seq           bigserial PRIMARY KEY,
	key           text NOT NULL UNIQUE,
	member_id     text NOT NULL,
	op            text NOT NULL,
	points        bigint NOT NULL,
	amount        bigint NOT NULL,
	level         text NOT NULL,
	actor         text NOT NULL,
	reason        text NOT NULL,
	note          text NOT NULL,
	status        text NOT NULL,
	refusal       text NOT NULL,
	version       bigint NOT NULL,
	points_after  bigint NOT NULL,
	balance_after bigint NOT NULL,
	level_after   text NOT NULL,
	at            timestamptz NOT NULL
);
CREATE INDEX ledger_transactions_member ON ledger_transactions (member_id, seq);

CREATE TABLE ledger_links (
	id            bigserial PRIMARY KEY,
	provider      text NOT NULL,
	template_id   text NOT NULL,
	card_no       text NOT NULL,
	member_id     text NOT NULL,
	fields        integer NOT NULL,
	state         text NOT NULL,
	want_version  bigint NOT NULL,
	done_version  bigint NOT NULL,
	shown_known   boolean NOT NULL,
	shown_points  bigint NOT NULL,
	shown_balance bigint NOT NULL,
	shown_level   text NOT NULL,
	attempts      integer NOT NULL,
	last_error    text NOT NULL,
	park_reason   text NOT NULL,
	unlink_reason text NOT NULL,
	next_at       timestamptz NOT NULL,
	lease_token   bigint NOT NULL,
	lease_owner   text NOT NULL,
	linked_at     timestamptz NOT NULL,
	changed_at    timestamptz NOT NULL,
	UNIQUE (provider, template_id, card_no)
);
CREATE INDEX ledger_links_member ON ledger_links (member_id, id);
CREATE INDEX ledger_links_due ON ledger_links (next_at, id) WHERE state = 'active' AND want_version > done_version;
CREATE INDEX ledger_links_parked ON ledger_links (provider, template_id, card_no) WHERE state = 'parked';
`,
}
