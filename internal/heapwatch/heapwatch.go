// Package heapwatch measures how much the heap grows while a function
// runs, for the tests that bound the memory an adapter spends on a hostile
// answer (an endless or oversized body) or a fake spends streaming one.
package heapwatch

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// PeakGrowth runs fn while sampling the heap every 2 ms and returns the
// largest growth of HeapAlloc seen over its value before fn (after a GC).
func PeakGrowth(fn func()) int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := int64(ms.HeapAlloc)
	var peak atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if d := int64(m.HeapAlloc) - base; d > peak.Load() {
				peak.Store(d)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	return peak.Load()
}
