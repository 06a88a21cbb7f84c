// Command walletcard is the operator's command for member cards on Alipay and
// WeChat: the same operations as the Go library, scriptable and safe with
// credentials.
//
//	go install github.com/walletcard/card/cmd/walletcard@latest
//
// Commands:
//
//	walletcard template create|get|list     card templates (JSON or YAML files, logos uploaded first)
//	walletcard claim-link TEMPLATE          claim URL; --qr draws the QR code, --png writes it
//	walletcard codes deposit|count|check    WeChat deposit-mode codes: batches of 100, concurrent,
//	                                        resumable through a journal beside the input
//	walletcard card open|get|update|delete  a member's card by ref (provider/template/cardno)
//	walletcard ledger ...                   the member ledger: members, transactions applied once,
//	                                        sync and reconcile with progress, parked failures
//	walletcard events serve                 the WeChat push handler; verified events as JSON lines
//	walletcard fake serve|claim|user|...    the local fake wallets and their simulated users
//	walletcard config                       the configuration and where each value comes from
//	walletcard completion bash|zsh|fish     shell completion
//
// With no credentials configured (or with --fake) every command runs against
// the local fakes (alipaytest and wechattest): `walletcard fake serve` keeps
// them running for a sequence of commands and writes their URLs and generated
// credentials to fake-state.json in the config directory; any other command
// uses that running fake, or starts in-process fakes for itself when none
// runs.
//
// Configuration comes from flags, then environment variables (WALLETCARD_*),
// then the config file (config.yaml in the config directory); secrets are
// accepted as files (flags ending in -file, variables ending in _FILE,
// *_file keys) and are never printed, not even with --verbose.
//
// Output is a table by default and JSON with --json (errors as {"error": …}
// on stdout). Long jobs show a progress bar with rate and ETA on a terminal,
// plain lines otherwise, nothing with --quiet. Exit codes: 0 success, 1 other
// error, 2 usage, 3 invalid input, 4 refused by the wallet or the ledger,
// 5 unavailable or rate limited, 6 outcome unknown, 130 interrupted.
//
// Run `walletcard --help` and `walletcard COMMAND --help` for the details;
// every command has an example.
package main
