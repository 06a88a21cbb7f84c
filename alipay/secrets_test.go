package alipay_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
	"github.com/walletcard/card/internal/retry"
)

// TestErrorsNeverShowSecrets drives every error path of the adapter, with a
// gateway that echoes secrets back, and scans each error's text (and %+v,
// %#v) for the private key, the auth token, the access and refresh tokens,
// the auth code and the app auth token.
func TestErrorsNeverShowSecrets(t *testing.T) {
	s := newServer(t)
	// An issued app_auth_token: from now on the gateway checks it strictly,
	// so every successful call below proves it was sent and accepted.
	appAuth := s.IssueAppAuthToken()
	const wrongAppAuth = "202611BBnotIssuedByThisGateway0123456789"
	p := newProvider(t, s, func(o *alipay.Options) {
		o.AppAuthToken = appAuth
		o.Retry = retry.Policy{Attempts: 2}
	})
	tpl := newTemplate(t, p)
	uid := s.NewUser()
	code := s.Authorize(uid, alipay.ScopeECard)
	tok, err := p.ExchangeCode(ctx(t), code)
	if err != nil {
		t.Fatal(err)
	}
	// Lines of the private key's PEM body.
	var keyLines []string
	for _, l := range strings.Split(s.AppPrivateKey(), "\n") {
		if len(l) > 20 && !strings.HasPrefix(l, "-----") {
			keyLines = append(keyLines, l)
		}
	}
	secrets := append([]string{tok.AccessToken, tok.RefreshToken, code, appAuth, wrongAppAuth, url.QueryEscape(tok.AccessToken), "PRIVATE KEY"}, keyLines...)
	// echo is what a gateway might say: its sign string (every parameter as
	// name=value) and, bare, the secret this call sent.
	echo := func(prefix, sent string) string {
		return prefix + " auth_token=" + tok.AccessToken + "&refresh_token=" + tok.RefreshToken + "&code=" + code +
			"&app_auth_token=" + appAuth + "&sign=abc; token " + sent + " app " + appAuth
	}
	ref := card.Ref{Provider: "alipay", TemplateID: tpl, CardNo: "nope"}
	open := card.OpenRequest{TemplateID: tpl, ExternalNo: "S1", Holder: uid, AuthToken: tok.AccessToken}

	var errs []error
	collect := func(name string, err error) {
		if err == nil {
			t.Errorf("%s: no error", name)
			return
		}
		errs = append(errs, fmt.Errorf("%s: %w", name, err))
	}
	// Gateway failures that echo the secrets (the real gateway echoes its
	// sign string, auth_token included, in isv.invalid-signature).
	for _, m := range []string{alipay.MethodCardOpen, alipay.MethodActivateFormQuery, alipay.MethodUserInfoShare, alipay.MethodOAuthToken} {
		for _, c := range [][2]string{{"40002", "isv.invalid-signature"}, {"20001", "aop.invalid-auth-token"}, {"40004", "SYSTEM_ERROR"}, {"40004", "X"}} {
			sent := tok.AccessToken
			if m == alipay.MethodOAuthToken {
				sent = tok.RefreshToken
			}
			s.FailNextCode(m, c[0], c[1], echo("验签出错", sent), 2)
			switch m {
			case alipay.MethodCardOpen:
				_, err = p.Open(ctx(t), open)
			case alipay.MethodActivateFormQuery:
				_, err = p.ActivateFormQuery(ctx(t), alipay.ActivateFormQueryRequest{AuthToken: tok.AccessToken, TemplateID: tpl, RequestID: "r"})
			case alipay.MethodUserInfoShare:
				_, err = p.UserInfoShare(ctx(t), tok.AccessToken)
			case alipay.MethodOAuthToken:
				_, err = p.RefreshToken(ctx(t), tok.RefreshToken)
			}
			collect(m+"/"+c[1], err)
			s.FailNextCode(m, "", "", "", 0)
		}
	}
	// Real rejections.
	_, err = p.ExchangeCode(ctx(t), code) // already used
	collect("used code", err)
	_, err = p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "S1", Holder: uid, AuthToken: s.IssueToken(uid, alipay.ScopeBase)})
	collect("wrong scope", err)
	_, err = p.Get(ctx(t), ref)
	collect("not found", err)
	// An app_auth_token this gateway never issued.
	pw := newProvider(t, s, func(o *alipay.Options) { o.AppAuthToken = wrongAppAuth; o.Retry = retry.Policy{Attempts: 1} })
	_, err = pw.Get(ctx(t), ref)
	if !errors.Is(err, card.ErrUnauthenticated) || !strings.Contains(err.Error(), "Options.AppAuthToken") || strings.Contains(err.Error(), "auth_ecard") {
		t.Errorf("unknown app_auth_token: %v, want unauthenticated naming Options.AppAuthToken", err)
	}
	collect("unknown app_auth_token", err)
	s.FailNextCode(alipay.MethodCardQuery, "20001", "aop.invalid-app-auth-token", "无效的应用授权令牌 app_auth_token="+wrongAppAuth+"; token "+wrongAppAuth, 1)
	_, err = pw.Get(ctx(t), ref)
	collect("echoed app_auth_token", err)
	s.FailNextCode(alipay.MethodCardQuery, "", "", "", 0)
	// Tampered answers.
	for _, m := range []alipaytest.Tamper{alipaytest.TamperMissingSign, alipaytest.TamperBadSign, alipaytest.TamperOtherKey, alipaytest.TamperAlterBody, alipaytest.TamperUnsignedError} {
		s.TamperNext(alipay.MethodCardOpen, m)
		o := open
		o.IdempotencyKey = "tamper" + fmt.Sprint(int(m))
		_, err = p.Open(ctx(t), o)
		collect("tamper "+m.String(), err)
	}
	// Validation.
	long := open
	long.AuthToken = tok.AccessToken + tok.AccessToken
	_, err = p.Open(ctx(t), long)
	collect("long token", err)
	_, err = p.ExchangeCode(ctx(t), code+code)
	collect("long code", err)
	_, err = p.RefreshToken(ctx(t), "")
	collect("empty refresh", err)
	_, err = alipay.ParseActivationCallback(url.Values{"auth_code": {code + strings.Repeat("x", 200)}})
	collect("long callback code", err)
	_, err = alipay.ParseActivationCallback(url.Values{"auth_code": {code}, "template_id": {"t"}})
	collect("callback pair", err)
	_, err = alipay.NewFromKeys(s.AppID(), s.AppPrivateKey()[:200], s.AlipayPublicKey(), nil)
	collect("bad private key", err)
	_, err = alipay.NewFromKeys(s.AppID(), s.AppPrivateKey(), s.AppPrivateKey(), nil)
	collect("private key as public key", err)
	// Canceled context and transport failure.
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = p.Open(cctx, open)
	collect("canceled", err)
	dead := alipaytest.NewServer(nil)
	pd := newProvider(t, dead, func(o *alipay.Options) { o.AppAuthToken = appAuth; o.Retry = retry.Policy{Attempts: 1} })
	dead.Close()
	_, err = pd.Open(ctx(t), open)
	collect("transport", err)

	for _, err := range errs {
		for _, form := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%v", tok), fmt.Sprintf("%#v", *tok)} {
			for _, sec := range secrets {
				if strings.Contains(form, sec) {
					t.Errorf("error text shows a secret (%.12s…): %s", sec, form)
				}
			}
		}
		if ae, ok := asSDK(err); ok {
			for _, sec := range secrets {
				if strings.Contains(ae.Error(), sec) || strings.Contains(ae.Msg, sec) {
					t.Errorf("vendor error shows a secret: %v", ae)
				}
			}
		}
	}
	if len(errs) < 30 {
		t.Errorf("only %d error paths driven", len(errs))
	}
}

// TestRequestsDoNotPrintSecrets: requests that carry tokens print without them.
func TestRequestsDoNotPrintSecrets(t *testing.T) {
	const secret = "authusrBsecretsecretsecret0123456789"
	for _, v := range []any{
		alipay.CardOpenRequest{AuthToken: secret, CardTemplateID: "t"},
		alipay.ActivateFormQueryRequest{AuthToken: secret, TemplateID: "t"},
		alipay.OAuthTokenRequest{GrantType: alipay.GrantRefreshToken, RefreshToken: secret},
		alipay.OAuthTokenRequest{GrantType: alipay.GrantAuthorizationCode, Code: secret},
		alipay.Token{AccessToken: secret, RefreshToken: secret, UserID: "2088"},
		alipay.ActivationCallback{AuthCode: secret},
	} {
		for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
			if out := fmt.Sprintf(f, v); strings.Contains(out, secret) {
				t.Errorf("%T printed with %s shows the secret: %s", v, f, out)
			}
			// A pointer to the concrete value (&v would be a *any, which
			// prints as an address and could never show the secret).
			ptr := reflect.New(reflect.TypeOf(v))
			ptr.Elem().Set(reflect.ValueOf(v))
			if out := fmt.Sprintf(f, ptr.Interface()); strings.Contains(out, secret) {
				t.Errorf("*%T printed with %s shows the secret: %s", v, f, out)
			} else if strings.HasPrefix(out, "0x") {
				t.Errorf("*%T printed with %s is an address: %s", v, f, out)
			}
		}
	}
}
