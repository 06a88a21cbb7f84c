package alipay_test

import (
	"sync"
	"testing"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
)

// TestNewDoesNotWriteABeijingClient: New on a client that already stamps
// Beijing time does not write to it, so a second Provider may be built on a
// client in use (run with -race).
func TestNewDoesNotWriteABeijingClient(t *testing.T) {
	s := newServer(t)
	c := mustClient(t, s)
	p1, err := alipay.New(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref := card.Ref{Provider: alipay.Name, TemplateID: "t", CardNo: "c"}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 5 {
			_, _ = p1.Get(ctx(t), ref)
		}
	}()
	for range 5 {
		if _, err := alipay.New(c, nil); err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
}
