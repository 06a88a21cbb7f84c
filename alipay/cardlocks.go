package alipay

import (
	"context"
	"sync"
)

// cardLocks serializes the neutral Updates of one card within a Provider,
// so that Update's read-back (see Update) sees its own values unless a
// writer outside this Provider changed the card in between. Entries live
// only while a call holds or waits for them.
type cardLocks struct {
	mu sync.Mutex
	m  map[string]*cardLock
}

type cardLock struct {
	ch   chan struct{} // holds one token while the lock is taken
	refs int           // calls holding or waiting; guarded by cardLocks.mu
}

// lock takes the lock of key, or returns ctx's error when ctx ends first.
// The returned function releases it.
func (l *cardLocks) lock(ctx context.Context, key string) (func(), error) {
	l.mu.Lock()
	if l.m == nil {
		l.m = make(map[string]*cardLock)
	}
	e := l.m[key]
	if e == nil {
		e = &cardLock{ch: make(chan struct{}, 1)}
		l.m[key] = e
	}
	e.refs++
	l.mu.Unlock()
	release := func() {
		l.mu.Lock()
		e.refs--
		if e.refs == 0 {
			delete(l.m, key)
		}
		l.mu.Unlock()
	}
	select {
	case e.ch <- struct{}{}:
		return func() { <-e.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}
