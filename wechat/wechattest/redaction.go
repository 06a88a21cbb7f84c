package wechattest

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// redacted stands in for a secret in printed values.
const redacted = "[redacted]"

func redactedIf(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// String formats the options with AppSecret, PushToken and EncodingAESKey
// redacted; %v, %+v and %s use it.
func (o Options) String() string {
	type plain Options
	o.AppSecret, o.PushToken, o.EncodingAESKey = redactedIf(o.AppSecret), redactedIf(o.PushToken), redactedIf(o.EncodingAESKey)
	return fmt.Sprintf("%+v", plain(o))
}

// GoString is String for %#v.
func (o Options) GoString() string { return "wechattest.Options" + o.String() }

// LogValue logs the options with the secrets redacted.
func (o Options) LogValue() slog.Value { return slog.StringValue(o.String()) }

// MarshalJSON encodes the options with the secrets redacted.
func (o Options) MarshalJSON() ([]byte, error) { return json.Marshal(o.String()) }

// String describes the server by its URL; it never shows the app secret,
// tokens or tickets it holds.
func (s *Server) String() string {
	if s == nil || s.hs == nil {
		return "wechattest.Server{}"
	}
	return "wechattest.Server{URL:" + s.hs.URL + "}"
}

// GoString is String for %#v.
func (s *Server) GoString() string { return s.String() }

// Format prints String for every verb.
func (s *Server) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, s.String()) }

// LogValue logs the server by its URL.
func (s *Server) LogValue() slog.Value { return slog.StringValue(s.String()) }
