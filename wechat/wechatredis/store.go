// Package wechatredis coordinates a fleet of walletcard WeChat processes
// through Redis: the access token and the wx_card api_ticket
// (wechat.CredentialStore), the push handler's replay memory and the event
// de-duplication helper (wechat.ClaimStore).
//
// It takes the merchant's existing go-redis v9 client through
// redis.UniversalClient (a standalone *redis.Client, a Sentinel failover
// client, or a *redis.ClusterClient); every multi-key operation keeps its
// keys in one hash slot, so it works on Cluster. It lives in its own package
// so that merchants without Redis do not import go-redis.
//
//	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{"redis:6379"}})
//	fleet := wechatredis.New(rdb, nil)
//	p, err := wechat.NewFromCredentials(appID, appSecret, &wechat.Options{Fleet: fleet})
//	h, err := p.NewHandler(nil) // replay memory shared through fleet
//	h.OnEvent(wechat.DedupEvents(fleet, nil, handle))
//
// When Redis is unreachable every operation fails within Options.Timeout;
// the wechat package then works per process (one fetch per process, tokens
// kept in memory, replays checked against each instance's memory) and
// rejoins the fleet when Redis answers again. No call fails because Redis
// is down.
package wechatredis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/walletcard/card/wechat"
)

// Options configure a Store. The zero value (or nil) uses the defaults.
type Options struct {
	// Prefix starts every key the Store writes. Default "walletcard:wechat:".
	// It must not contain '{' or '}' (the Store uses a hash tag per
	// credential for Redis Cluster).
	Prefix string
	// LockTTL is how long a member's fetch lock lasts: if the member dies
	// while fetching, another one fetches after at most LockTTL, and no
	// caller waits longer than that for a dead member. It should exceed a
	// normal token fetch. Default 10 s.
	LockTTL time.Duration
	// PollInterval is how often a member waiting for another member's fetch
	// looks for its result. Default 25 ms.
	PollInterval time.Duration
	// Timeout bounds each Redis operation, so that an unreachable Redis
	// slows a call by at most this much before the process falls back to
	// working on its own. Default 500 ms.
	Timeout time.Duration
}

// Defaults of Options.
const (
	DefaultPrefix       = "walletcard:wechat:"
	DefaultLockTTL      = 10 * time.Second
	DefaultPollInterval = 25 * time.Millisecond
	DefaultTimeout      = 500 * time.Millisecond
)

// Store implements wechat.CredentialStore and wechat.ClaimStore on Redis.
// It is safe for concurrent use. It prints and logs without the client (whose
// options may hold a password).
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	lock   time.Duration
	poll   time.Duration
	opTO   time.Duration
	owner  string // random per Store, so lock owners differ between processes
	seq    atomic.Uint64

	acquire, replace, unlock, book, claim, settle *redis.Script
}

var (
	_ wechat.CredentialStore = (*Store)(nil)
	_ wechat.ClaimStore      = (*Store)(nil)
)

// New returns a Store on rdb. It panics if rdb is nil or the prefix holds a
// brace: a fleet store that cannot work must not be built by accident.
func New(rdb redis.UniversalClient, opts *Options) *Store {
	if rdb == nil {
		panic("wechatredis: New needs a Redis client")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if strings.ContainsAny(o.Prefix, "{}") {
		panic("wechatredis: Options.Prefix must not contain '{' or '}'")
	}
	if o.LockTTL <= 0 {
		o.LockTTL = DefaultLockTTL
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &Store{
		rdb: rdb, prefix: o.Prefix, lock: o.LockTTL, poll: o.PollInterval, opTO: o.Timeout,
		owner:   hex.EncodeToString(b[:]),
		acquire: redis.NewScript(acquireLua),
		replace: redis.NewScript(replaceLua),
		unlock:  redis.NewScript(compareDeleteLua),
		book:    redis.NewScript(bookLua),
		claim:   redis.NewScript(claimLua),
		settle:  redis.NewScript(settleLua),
	}
}

// A credential is kept as "<expiry in unix ms> <value>" under
// prefix{key}; its fetch lock under prefix{key}:lock; force-refresh
// bookings under prefix{key}:force:<day> and prefix{key}:force:last. The
// hash tag {key} keeps them in one Cluster slot.

// acquireLua: KEYS value, lock; ARGV rejected, now ms, owner, lock ttl ms.
// Returns {1, value, expiry} to adopt, {2, stale} when the lock was taken,
// {0} when another member holds it.
const acquireLua = `
local raw = redis.call('GET', KEYS[1])
local stale = ''
if raw then
  local sp = string.find(raw, ' ', 1, true)
  if sp then
    local exp = tonumber(string.sub(raw, 1, sp - 1))
    local v = string.sub(raw, sp + 1)
    if exp and exp > tonumber(ARGV[2]) and v ~= '' and v ~= ARGV[1] then
      return {1, v, string.sub(raw, 1, sp - 1)}
    end
    stale = v
  end
end
if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4]) then
  return {2, stale, ''}
end
return {0, '', ''}
`

// replaceLua: KEYS value; ARGV old, value, expiry ms, px ms, now ms.
// Stores the value unless the key holds a valid value other than old;
// returns {1, value, expiry} or {0, theirs, their expiry}.
const replaceLua = `
local raw = redis.call('GET', KEYS[1])
if raw then
  local sp = string.find(raw, ' ', 1, true)
  if sp then
    local exp = tonumber(string.sub(raw, 1, sp - 1))
    local v = string.sub(raw, sp + 1)
    if v ~= ARGV[1] and v ~= '' and exp and exp > tonumber(ARGV[5]) then
      return {0, v, string.sub(raw, 1, sp - 1)}
    end
  end
end
redis.call('SET', KEYS[1], ARGV[3] .. ' ' .. ARGV[2], 'PX', ARGV[4])
return {1, ARGV[2], ARGV[3]}
`

// compareDeleteLua: KEYS key; ARGV value. Deletes key if it holds value.
const compareDeleteLua = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`

// bookLua: KEYS day counter, last; ARGV per day, spacing ms, day ttl ms.
// Returns {ok, used, retry after ms}.
const bookLua = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
local pt = redis.call('PTTL', KEYS[2])
if pt > 0 then return {0, n, pt} end
if n >= tonumber(ARGV[1]) then return {0, n, 0} end
n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
return {1, n, 0}
`

// claimLua: KEYS key; ARGV value, ttl ms. Returns {1, empty string} or {0, current}.
const claimLua = `
local cur = redis.call('GET', KEYS[1])
if cur then return {0, cur} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {1, ''}
`

// settleLua: KEYS key; ARGV old, value, ttl ms. Returns 1 if replaced.
const settleLua = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
`

// credKey is the key of a credential; suffix adds ":lock" etc.
func (s *Store) credKey(key, suffix string) string {
	return s.prefix + "{" + key + "}" + suffix
}

// op bounds one Redis operation.
func (s *Store) op(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opTO)
}

// AcquireCredential implements wechat.CredentialStore.
func (s *Store) AcquireCredential(ctx context.Context, key, rejected string, now time.Time) (wechat.Acquired, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	owner := s.owner + ":" + strconv.FormatUint(s.seq.Add(1), 10)
	res, err := s.acquire.Run(ctx, s.rdb, []string{s.credKey(key, ""), s.credKey(key, ":lock")},
		rejected, now.UnixMilli(), owner, s.lock.Milliseconds()).Slice()
	if err != nil {
		return wechat.Acquired{}, fmt.Errorf("wechatredis: acquire: %w", err)
	}
	state, v, exp, err := triple(res)
	if err != nil {
		return wechat.Acquired{}, err
	}
	switch state {
	case 1:
		ms, err := strconv.ParseInt(exp, 10, 64)
		if err != nil {
			return wechat.Acquired{}, errors.New("wechatredis: acquire: malformed expiry in Redis")
		}
		return wechat.Acquired{Credential: wechat.Credential{Value: v, Expiry: time.UnixMilli(ms)}}, nil
	case 2:
		return wechat.Acquired{Owner: owner, Stale: v}, nil
	}
	return wechat.Acquired{}, nil
}

// WaitCredential implements wechat.CredentialStore: it sleeps PollInterval.
func (s *Store) WaitCredential(ctx context.Context, _ string) error {
	t := time.NewTimer(s.poll)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ReplaceCredential implements wechat.CredentialStore.
func (s *Store) ReplaceCredential(ctx context.Context, key, old string, c wechat.Credential, now time.Time) (wechat.Credential, error) {
	if c.Value == "" || strings.ContainsAny(c.Value, " ") {
		return wechat.Credential{}, errors.New("wechatredis: replace: empty value or value with a space")
	}
	px := c.Expiry.Sub(now).Milliseconds()
	if px < 1 {
		px = 1
	}
	ctx, cancel := s.op(ctx)
	defer cancel()
	res, err := s.replace.Run(ctx, s.rdb, []string{s.credKey(key, "")},
		old, c.Value, c.Expiry.UnixMilli(), px, now.UnixMilli()).Slice()
	if err != nil {
		return wechat.Credential{}, fmt.Errorf("wechatredis: replace: %w", err)
	}
	_, v, exp, err := triple(res)
	if err != nil {
		return wechat.Credential{}, err
	}
	ms, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return wechat.Credential{}, errors.New("wechatredis: replace: malformed expiry in Redis")
	}
	return wechat.Credential{Value: v, Expiry: time.UnixMilli(ms)}, nil
}

// ReleaseCredential implements wechat.CredentialStore.
func (s *Store) ReleaseCredential(ctx context.Context, key, owner string) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	if err := s.unlock.Run(ctx, s.rdb, []string{s.credKey(key, ":lock")}, owner).Err(); err != nil {
		return fmt.Errorf("wechatredis: release: %w", err)
	}
	return nil
}

// BookForceRefresh implements wechat.CredentialStore.
func (s *Store) BookForceRefresh(ctx context.Context, key, day string, perDay int, spacing time.Duration) (wechat.ForceRefreshBooking, error) {
	sp := spacing.Milliseconds()
	if sp < 1 {
		sp = 1
	}
	ctx, cancel := s.op(ctx)
	defer cancel()
	res, err := s.book.Run(ctx, s.rdb, []string{s.credKey(key, ":force:"+day), s.credKey(key, ":force:last")},
		perDay, sp, (48 * time.Hour).Milliseconds()).Slice()
	if err != nil {
		return wechat.ForceRefreshBooking{}, fmt.Errorf("wechatredis: book force refresh: %w", err)
	}
	if len(res) != 3 {
		return wechat.ForceRefreshBooking{}, errors.New("wechatredis: book force refresh: unexpected reply")
	}
	ok, _ := res[0].(int64)
	used, _ := res[1].(int64)
	wait, _ := res[2].(int64)
	return wechat.ForceRefreshBooking{OK: ok == 1, Used: int(used), RetryAfter: time.Duration(wait) * time.Millisecond}, nil
}

// claimKey is the Redis key of a claim.
func (s *Store) claimKey(key string) string { return s.prefix + key }

// Claim implements wechat.ClaimStore.
func (s *Store) Claim(ctx context.Context, key, value string, ttl time.Duration) (bool, string, error) {
	px := ttl.Milliseconds()
	if px < 1 {
		px = 1
	}
	ctx, cancel := s.op(ctx)
	defer cancel()
	res, err := s.claim.Run(ctx, s.rdb, []string{s.claimKey(key)}, value, px).Slice()
	if err != nil {
		return false, "", fmt.Errorf("wechatredis: claim: %w", err)
	}
	if len(res) != 2 {
		return false, "", errors.New("wechatredis: claim: unexpected reply")
	}
	ok, _ := res[0].(int64)
	cur, _ := res[1].(string)
	return ok == 1, cur, nil
}

// Settle implements wechat.ClaimStore.
func (s *Store) Settle(ctx context.Context, key, old, value string, ttl time.Duration) (bool, error) {
	px := ttl.Milliseconds()
	if px < 1 {
		px = 1
	}
	ctx, cancel := s.op(ctx)
	defer cancel()
	n, err := s.settle.Run(ctx, s.rdb, []string{s.claimKey(key)}, old, value, px).Int64()
	if err != nil {
		return false, fmt.Errorf("wechatredis: settle: %w", err)
	}
	return n == 1, nil
}

// Release implements wechat.ClaimStore.
func (s *Store) Release(ctx context.Context, key, value string) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	if err := s.unlock.Run(ctx, s.rdb, []string{s.claimKey(key)}, value).Err(); err != nil {
		return fmt.Errorf("wechatredis: release claim: %w", err)
	}
	return nil
}

// triple decodes a {state, value, expiry} script reply.
func triple(res []any) (int64, string, string, error) {
	if len(res) != 3 {
		return 0, "", "", errors.New("wechatredis: unexpected script reply")
	}
	state, ok1 := res[0].(int64)
	v, ok2 := res[1].(string)
	exp, ok3 := res[2].(string)
	if !ok1 || !ok2 || !ok3 {
		return 0, "", "", errors.New("wechatredis: unexpected script reply")
	}
	return state, v, exp, nil
}

// String describes the store without its client.
func (s *Store) String() string {
	if s == nil {
		return "<nil *wechatredis.Store>"
	}
	return fmt.Sprintf("wechatredis.Store{Prefix:%s LockTTL:%v PollInterval:%v Timeout:%v}", s.prefix, s.lock, s.poll, s.opTO)
}

// GoString is String.
func (s *Store) GoString() string { return s.String() }

// Format prints String for every verb.
func (s *Store) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, s.String()) }

// LogValue logs the store without its client.
func (s *Store) LogValue() slog.Value {
	if s == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(slog.String("prefix", s.prefix), slog.Duration("lock_ttl", s.lock),
		slog.Duration("poll_interval", s.poll), slog.Duration("timeout", s.opTO))
}

// MarshalJSON marshals the store's settings (not its client).
func (s *Store) MarshalJSON() ([]byte, error) {
	if s == nil {
		return []byte("null"), nil
	}
	return json.Marshal(struct {
		Prefix       string `json:"prefix"`
		LockTTL      string `json:"lock_ttl"`
		PollInterval string `json:"poll_interval"`
		Timeout      string `json:"timeout"`
	}{s.prefix, s.lock.String(), s.poll.String(), s.opTO.String()})
}
