package alipaytest

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// String formats the options with AESKey redacted; %v, %+v and %s use it.
func (o Options) String() string {
	type plain Options
	if o.AESKey != "" {
		o.AESKey = "[redacted]"
	}
	return fmt.Sprintf("%+v", plain(o))
}

// GoString is String for %#v.
func (o Options) GoString() string { return "alipaytest.Options" + o.String() }

// LogValue logs the options with AESKey redacted.
func (o Options) LogValue() slog.Value { return slog.StringValue(o.String()) }

// MarshalJSON encodes the options with AESKey redacted.
func (o Options) MarshalJSON() ([]byte, error) { return json.Marshal(o.String()) }

// String describes the gateway by its URL; it never shows the keys,
// tokens or codes it holds.
func (s *Server) String() string {
	if s == nil || s.ts == nil {
		return "alipaytest.Server{}"
	}
	return "alipaytest.Server{URL:" + s.URL() + "}"
}

// GoString is String for %#v.
func (s *Server) GoString() string { return s.String() }

// Format prints String for every verb.
func (s *Server) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, s.String()) }

// LogValue logs the gateway by its URL.
func (s *Server) LogValue() slog.Value { return slog.StringValue(s.String()) }
