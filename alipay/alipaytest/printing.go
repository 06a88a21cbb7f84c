package alipaytest

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// The server's private keys, its AES key and the tokens it issued are
// secrets like real ones: the types holding them print without them (fmt's
// verbs through String / GoString, log/slog through LogValue,
// encoding/json through MarshalJSON).

const redacted = "[redacted]"

// String describes the server by its URL and app id.
func (s *Server) String() string {
	if s == nil || s.ts == nil {
		return "alipaytest.Server{}"
	}
	return "alipaytest.Server{URL:" + s.URL() + " AppID:" + s.appID + "}"
}

// GoString is String, for %#v.
func (s *Server) GoString() string { return s.String() }

// LogValue is String, for log/slog.
func (s *Server) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON encodes String as a JSON string.
func (s *Server) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// String describes the options with AESKey redacted.
func (o Options) String() string {
	type plain Options
	if o.AESKey != "" {
		o.AESKey = redacted
	}
	return fmt.Sprintf("%+v", plain(o))
}

// GoString is String, for %#v.
func (o Options) GoString() string { return "alipaytest.Options" + o.String() }

// LogValue is String, for log/slog.
func (o Options) LogValue() slog.Value { return slog.StringValue(o.String()) }

// MarshalJSON encodes String as a JSON string.
func (o Options) MarshalJSON() ([]byte, error) { return json.Marshal(o.String()) }
