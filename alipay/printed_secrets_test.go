package alipay_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
)

// printings returns every way a value gets printed or logged: fmt verbs
// on the value and a pointer to it, slog's text and JSON handlers, and
// encoding/json (an error is no leak).
func printings(v any) []string {
	ptr := reflect.New(reflect.TypeOf(v))
	ptr.Elem().Set(reflect.ValueOf(v))
	var out []string
	for _, x := range []any{v, ptr.Interface()} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			out = append(out, fmt.Sprintf(verb, x))
		}
		var text, js bytes.Buffer
		slog.New(slog.NewTextHandler(&text, nil)).Info("m", "v", x)
		slog.New(slog.NewJSONHandler(&js, nil)).Info("m", "v", x)
		out = append(out, text.String(), js.String())
		if b, err := json.Marshal(x); err == nil {
			out = append(out, string(b))
		}
	}
	return out
}

// leaks returns what in outs shows one of secrets.
func leaks(outs, secrets []string) []string {
	var found []string
	for _, o := range outs {
		for _, s := range secrets {
			if strings.Contains(o, s) {
				found = append(found, s+" in "+o)
			}
		}
	}
	return found
}

// TestNoSecretPrinted prints a Provider holding an app auth token, a
// gateway holding private keys and issued tokens, and a Token, built with
// real secrets (the module-wide reflective walk over every exported type is
// the root package's TestNoSecretPrinted).
func TestNoSecretPrinted(t *testing.T) {
	// Secrets in unexported fields: a Provider with an app auth token, a
	// Server with its private keys and issued tokens.
	s := alipaytest.NewServer(&alipaytest.Options{AESKey: "MDEyMzQ1Njc4OWFiY2RlZg=="})
	defer s.Close()
	appAuth := s.IssueAppAuthToken()
	uid := s.NewUser()
	userTok := s.IssueToken(uid, alipay.ScopeECard)
	client, err := s.NewClient()
	require.NoError(t, err)
	p, err := alipay.New(client, &alipay.Options{AppAuthToken: appAuth})
	require.NoError(t, err)
	tok, err := p.ExchangeCode(ctx(t), s.Authorize(uid, alipay.ScopeECard)) // the gateway records an answer holding tokens
	require.NoError(t, err)
	var keyLines []string
	for _, l := range strings.Split(s.AppPrivateKey(), "\n") {
		if len(l) > 20 && !strings.HasPrefix(l, "-----") {
			keyLines = append(keyLines, l)
		}
	}
	secrets := append([]string{appAuth, userTok, tok.AccessToken, tok.RefreshToken, "MDEyMzQ1Njc4OWFiY2RlZg=="}, keyLines...)
	for _, v := range []any{p, *p, s, s.Answers(""), *tok} {
		assert.Empty(t, leaks(printings(v), secrets), "%T shows a secret", v)
	}
}
