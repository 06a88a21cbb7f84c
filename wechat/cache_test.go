package wechat

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	wxconfig "github.com/silenceper/wechat/v2/officialaccount/config"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat/wechattest"
)

// NewMemoryCache must be usable from many goroutines (run with -race).
func TestNewMemoryCacheIsConcurrencySafe(t *testing.T) {
	c := NewMemoryCache()
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			k := fmt.Sprint("k", i%4)
			_ = c.Set(k, i, time.Minute)
			_ = c.Get(k)
			_ = c.IsExist(k)
			_ = c.Delete(k)
		}(i)
	}
	wg.Wait()
	if err := c.Set("x", "y", time.Minute); err != nil || c.Get("x") != "y" || !c.IsExist("x") {
		t.Fatal("cache lost a value")
	}
}

func TestNewFromConfigTalksToTheConfiguredHost(t *testing.T) {
	s := wechattest.NewServer(nil)
	defer s.Close()
	p, err := NewFromConfig(&wxconfig.Config{AppID: s.AppID(), AppSecret: s.AppSecret()}, &Options{BaseURL: s.URL(), QRImageBaseURL: s.QRImageURL()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.GetColors(context.Background(), GetColorsRequest{}); err != nil {
		t.Fatalf("GetColors through NewFromConfig: %v", err)
	}
	if s.TokenFetches() != 1 || s.CallCount("/card/getcolors") != 1 {
		t.Fatalf("token fetches %d, getcolors calls %d; want 1 and 1", s.TokenFetches(), s.CallCount("/card/getcolors"))
	}
	_, err = NewFromConfig(&wxconfig.Config{AppID: "wx1"}, nil)
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Field != "cfg" || !errors.Is(err, card.ErrInvalidArgument) {
		t.Fatalf("missing secret: %v", err)
	}
}
