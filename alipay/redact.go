package alipay

import (
	"encoding/json"
	"log/slog"
	"strconv"
)

// Every exported type holding a secret (the app auth token, the user's
// auth_token, access and refresh tokens, auth codes) prints without it:
// fmt's verbs use String / GoString, log/slog uses LogValue and
// encoding/json uses MarshalJSON; the secret is left out or shown as
// "[redacted]". Tokens are for the wire only: to keep a Token, store its
// fields yourself.

// String describes the provider: its name, app id and answer limit (the
// one in force on the client, which a later New on the same client may
// have changed); never the app auth token or the client's keys.
func (p Provider) String() string {
	var max int64
	if p.client != nil {
		if g, ok := guarded(p.client.Client); ok {
			max = g.max
		}
	}
	s := "alipay.Provider{AppID:" + p.appID + " MaxAnswerBytes:" + strconv.FormatInt(max, 10)
	if p.appAuthToken != "" {
		s += " AppAuthToken:" + redacted
	}
	return s + "}"
}

// GoString is String, for %#v.
func (p Provider) GoString() string { return p.String() }

// LogValue is String, for log/slog.
func (p Provider) LogValue() slog.Value { return slog.StringValue(p.String()) }

// MarshalJSON encodes String as a JSON string.
func (p Provider) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }

// MarshalJSON encodes String (AppAuthToken redacted) as a JSON string.
func (o Options) MarshalJSON() ([]byte, error) { return json.Marshal(o.String()) }

// LogValue is String, for log/slog.
func (r CardOpenRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// LogValue is String, for log/slog.
func (r ActivateFormQueryRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// LogValue is String, for log/slog.
func (r OAuthTokenRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// MarshalJSON encodes the grant type only; the code and the refresh token
// are redacted.
func (r OAuthTokenRequest) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		GrantType    string
		Code         string `json:",omitempty"`
		RefreshToken string `json:",omitempty"`
	}{r.GrantType, redactedIf(r.Code), redactedIf(r.RefreshToken)})
}

// LogValue is String, for log/slog.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }

// MarshalJSON encodes the token with its access and refresh tokens
// redacted.
func (t Token) MarshalJSON() ([]byte, error) {
	type plain Token
	c := plain(t)
	c.AccessToken, c.RefreshToken = redactedIf(t.AccessToken), redactedIf(t.RefreshToken)
	return json.Marshal(c)
}

// LogValue is String, for log/slog.
func (c ActivationCallback) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON encodes the callback with its auth code redacted.
func (c ActivationCallback) MarshalJSON() ([]byte, error) {
	type plain ActivationCallback
	cp := plain(c)
	cp.AuthCode = redactedIf(c.AuthCode)
	return json.Marshal(cp)
}

// redactedIf is "[redacted]" for a non-empty secret, else "".
func redactedIf(secret string) string {
	if secret == "" {
		return ""
	}
	return redacted
}
