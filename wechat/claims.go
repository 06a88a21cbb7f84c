package wechat

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"
)

// MaxClaimValueBytes bounds a ClaimStore value (claims hold short markers).
const MaxClaimValueBytes = 64

// errClaimValueTooLong is returned by MemoryClaims for a value over MaxClaimValueBytes.
var errClaimValueTooLong = errors.New("wechat: claim value longer than MaxClaimValueBytes")

// MemoryClaims is an in-process ClaimStore bounded in entries and bytes:
// it holds at most max claims whatever its callers do (claims released
// early, failing hooks, long TTLs), each in a fixed number of bytes (keys
// are kept as 16-byte hashes, values are at most MaxClaimValueBytes), about
// 200 bytes a claim in all. When it is full the oldest claim is dropped. It
// is safe for concurrent use.
type MemoryClaims struct {
	now func() time.Time
	max int

	mu   sync.Mutex
	m    map[claimKey]claimEntry
	ring []claimSlot // insertion order, circular; grows up to max slots
	head int
	n    int
	gen  uint64
}

type claimKey [16]byte

type claimEntry struct {
	value  string
	expiry int64 // unix nanoseconds
	gen    uint64
}

type claimSlot struct {
	key    claimKey
	expiry int64
	gen    uint64
}

var _ ClaimStore = (*MemoryClaims)(nil)

// NewMemoryClaims returns a MemoryClaims holding at most max claims (max < 1
// means MaxReplayEntries). clock may be nil (time.Now).
func NewMemoryClaims(max int, clock func() time.Time) *MemoryClaims {
	if max < 1 {
		max = MaxReplayEntries
	}
	if clock == nil {
		clock = time.Now
	}
	return &MemoryClaims{now: clock, max: max, m: make(map[claimKey]claimEntry)}
}

func hashClaimKey(key string) claimKey {
	sum := sha256.Sum256([]byte(key))
	var k claimKey
	copy(k[:], sum[:])
	return k
}

// Len reports how many claims are held.
func (c *MemoryClaims) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// slots reports how many ring slots are in use (at least Len).
func (c *MemoryClaims) slots() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// Claim implements ClaimStore.
func (c *MemoryClaims) Claim(_ context.Context, key, value string, ttl time.Duration) (bool, string, error) {
	if len(value) > MaxClaimValueBytes {
		return false, "", errClaimValueTooLong
	}
	k := hashClaimKey(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now().UnixNano()
	c.expireLocked(now)
	if e, ok := c.m[k]; ok && e.expiry > now {
		return false, e.value, nil
	}
	c.putLocked(k, value, now+int64(ttl))
	return true, "", nil
}

// Settle implements ClaimStore.
func (c *MemoryClaims) Settle(_ context.Context, key, old, value string, ttl time.Duration) (bool, error) {
	if len(value) > MaxClaimValueBytes {
		return false, errClaimValueTooLong
	}
	k := hashClaimKey(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now().UnixNano()
	e, ok := c.m[k]
	if !ok || e.expiry <= now || e.value != old {
		return false, nil
	}
	c.putLocked(k, value, now+int64(ttl)) // a new slot: the old one no longer matches
	return true, nil
}

// Release implements ClaimStore.
func (c *MemoryClaims) Release(_ context.Context, key, value string) error {
	k := hashClaimKey(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok && e.value == value {
		delete(c.m, k) // its ring slot stays until it is dropped: the ring is the bound
	}
	return nil
}

// putLocked records k in the map and at the ring's tail, dropping the
// oldest slot when the ring is full.
func (c *MemoryClaims) putLocked(k claimKey, value string, expiry int64) {
	if c.n == len(c.ring) {
		if len(c.ring) < c.max {
			c.growLocked()
		} else {
			c.dropOldestLocked()
		}
	}
	c.gen++
	c.m[k] = claimEntry{value: value, expiry: expiry, gen: c.gen}
	c.ring[(c.head+c.n)%len(c.ring)] = claimSlot{key: k, expiry: expiry, gen: c.gen}
	c.n++
}

// growLocked doubles the ring (up to max), keeping the slots in order.
func (c *MemoryClaims) growLocked() {
	size := min(max(64, 2*len(c.ring)), c.max)
	ring := make([]claimSlot, size)
	for i := range c.n {
		ring[i] = c.ring[(c.head+i)%len(c.ring)]
	}
	c.ring, c.head = ring, 0
}

// expireLocked drops slots from the head while they have expired.
func (c *MemoryClaims) expireLocked(now int64) {
	for c.n > 0 && c.ring[c.head].expiry <= now {
		c.dropOldestLocked()
	}
}

// dropOldestLocked frees the head slot and forgets its claim if the claim
// was last written through that slot.
func (c *MemoryClaims) dropOldestLocked() {
	s := c.ring[c.head]
	if e, ok := c.m[s.key]; ok && e.gen == s.gen {
		delete(c.m, s.key)
	}
	c.ring[c.head] = claimSlot{}
	c.head = (c.head + 1) % len(c.ring)
	c.n--
}

// String describes the memory (it holds no secret).
func (c *MemoryClaims) String() string {
	return fmt.Sprintf("wechat.MemoryClaims{max:%d held:%d}", c.max, c.Len())
}
