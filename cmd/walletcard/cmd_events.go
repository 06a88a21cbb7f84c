package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/spf13/cobra"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat"
)

// eventJSON is one event line of `walletcard events serve`.
type eventJSON struct {
	ID         string `json:"id,omitempty"`
	Type       string `json:"type"`
	Provider   string `json:"provider"`
	Ref        string `json:"ref,omitempty"`
	TemplateID string `json:"template_id,omitempty"`
	CardNo     string `json:"card_no,omitempty"`
	Holder     string `json:"holder,omitempty"`
	Channel    string `json:"channel,omitempty"`
	Time       string `json:"time,omitempty"`
	Native     string `json:"native,omitempty"`
}

func toEventJSON(ev card.Event) eventJSON {
	j := eventJSON{ID: ev.ID, Type: string(ev.Type), Provider: ev.Provider, TemplateID: ev.Ref.TemplateID, CardNo: ev.Ref.CardNo,
		Holder: ev.Holder, Channel: ev.Channel, Time: fmtTime(ev.Time)}
	if ev.Ref.TemplateID != "" && ev.Ref.CardNo != "" {
		j.Ref = ev.Ref.String()
	}
	if ce, ok := ev.Native.(*wechat.CardEvent); ok {
		j.Native = string(ce.Event)
	}
	return j
}

func (a *app) eventsCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "events",
		Short: "Receive wallet events",
	}
	c.AddCommand(a.eventsServeCmd())
	return c
}

func (a *app) eventsServeCmd() *cobra.Command {
	var addr, path string
	var count int
	var withLedger bool
	var urlFile string
	c := &cobra.Command{
		Use:   "serve",
		Short: "Serve the WeChat push handler locally and print verified events as JSON lines",
		Long: `Serve the WeChat event push handler (the official account's server URL) at
http://ADDR/PATH and print every verified card event as one JSON line on
stdout. The handler verifies each push's signature (and decrypts safe-mode
pushes with the EncodingAESKey), refuses stale and replayed pushes with 403
and prints nothing for them. It needs the push token (wechat.push_token).

On the fakes the fake WeChat is told to push to this server, so that
'walletcard fake claim' and 'walletcard fake delete-by-user' show up here.

With --ledger, a card its user deleted (user_del_card) is also unlinked from
the ledger. --count ends the server after that many events.`,
		Example: `  walletcard events serve --addr 127.0.0.1:8080
  walletcard events serve --ledger --count 1 | jq .type`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			p, err := a.wechatProvider(ctx)
			if err != nil {
				return err
			}
			h, err := p.NewHandler(nil)
			if err != nil {
				return err
			}
			handle, err := a.ledgerEvents(ctx, withLedger)
			if err != nil {
				return err
			}
			var mu sync.Mutex
			seen := 0
			enc := json.NewEncoder(a.stdout)
			enc.SetEscapeHTML(false)
			h.OnEvent(func(ctx context.Context, ev card.Event) error {
				if handle != nil {
					if err := handle(ctx, ev); err != nil {
						return err // WeChat delivers it again
					}
				}
				mu.Lock()
				defer mu.Unlock()
				if count > 0 && seen >= count {
					return nil
				}
				_ = enc.Encode(toEventJSON(ev))
				seen++
				if count > 0 && seen >= count {
					cancel()
				}
				return nil
			})
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return invalidArg("--addr", "%v", err)
			}
			mux := http.NewServeMux()
			mux.Handle(path, h)
			srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
			go srv.Serve(ln) //nolint:errcheck // ends with Shutdown
			url := "http://" + ln.Addr().String() + path
			if !a.live() {
				f, err := a.fakeCtl(ctx)
				if err != nil {
					return err
				}
				if err := f.SetEventURL(ctx, url); err != nil {
					return err
				}
				defer f.SetEventURL(context.WithoutCancel(ctx), "") //nolint:errcheck
			}
			a.logf("walletcard: serving WeChat events at %s", url)
			if urlFile != "" {
				if err := os.WriteFile(urlFile, []byte(url+"\n"), 0o644); err != nil {
					return err
				}
			}
			<-ctx.Done()
			sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer scancel()
			if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	f.StringVar(&path, "path", "/wechat/events", "URL path of the handler")
	f.StringVar(&urlFile, "url-file", "", "write the handler's URL to this file once listening (for scripts)")
	f.BoolVar(&withLedger, "ledger", false, "unlink cards their users deleted from the ledger")
	f.IntVar(&count, "count", 0, "stop after this many events (0: until interrupted)")
	return c
}
