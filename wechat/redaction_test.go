package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/walletcard/card/wechat/wechattest"
)

// printings renders v every way a merchant might print or log it.
func printings(t *testing.T, v any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out[verb] = fmt.Sprintf(verb, v)
	}
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("x", "value", v)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("x", "value", v)
	out["slog text"], out["slog json"] = text.String(), js.String()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	out["json"] = string(b)
	return out
}

// TestCredentialLayerRedactsSecrets: the app secret, access token, push
// token, AES key, api_ticket and credentials never appear when the types of
// this layer are printed, logged or marshalled.
func TestCredentialLayerRedactsSecrets(t *testing.T) {
	const (
		secret = "APPSECRET-7f3a9c"
		push   = "PUSHTOKEN-51b2"
		aesKey = "AESKEYabcdefghijklmnopqrstuvwxyz0123456789A"
	)
	s := wechattest.NewServer(&wechattest.Options{AppSecret: secret})
	t.Cleanup(s.Close)
	h := NewAccessTokenHandle(s.AppID(), secret, nil, &TokenOptions{BaseURL: s.URL()})
	tok, err := h.GetAccessTokenContext(context.Background())
	require.NoError(t, err)
	p := newProviderFor(t, s, nil)
	ticket, err := p.CardAPITicket(context.Background())
	require.NoError(t, err)
	opts := HandlerOptions{Token: push, EncodingAESKey: aesKey, AppID: s.AppID(), MaxAge: time.Minute}
	handler, err := NewHandler(opts)
	require.NoError(t, err)
	values := map[string]any{
		"*AccessTokenHandle": h,
		"*Handler":           handler,
		"HandlerOptions":     opts,
		"*HandlerOptions":    &opts,
		"Credential":         Credential{Value: tok, Expiry: time.Now()},
		"Acquired":           Acquired{Credential: Credential{Value: tok}, Owner: "o1", Stale: ticket},
		"*Provider":          p,
	}
	secrets := []string{secret, tok, push, aesKey, ticket}
	for name, v := range values {
		for how, text := range printings(t, v) {
			for _, sec := range secrets {
				if strings.Contains(text, sec) {
					t.Errorf("%s printed with %s shows a secret: %s", name, how, text)
				}
			}
		}
	}
	require.Contains(t, fmt.Sprintf("%v", h), "REDACTED")
}
