package card

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// beijing is China Standard Time. China has had no daylight saving since 1991,
// so a fixed zone is exact and needs no tzdata on the host.
var beijing = time.FixedZone("CST", 8*60*60)

// Beijing returns the Asia/Shanghai (UTC+8) location both wallets speak,
// whatever the host's zone.
func Beijing() *time.Location { return beijing }

// NewIdempotencyKey returns a random 32-character hex key, suitable for
// OpenRequest.IdempotencyKey and Alipay's out_serial_no.
func NewIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24 panics instead)
	return hex.EncodeToString(b[:])
}
