package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	card "github.com/walletcard/card"
)

// writeJSON prints v as one JSON document on stdout.
func (a *app) writeJSON(v any) {
	enc := json.NewEncoder(a.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// table prints rows under a header, aligned, on stdout.
func (a *app) table(header []string, rows [][]string) {
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	if len(header) > 0 {
		fmt.Fprintln(tw, strings.Join(header, "\t"))
	}
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	_ = tw.Flush()
}

// keyValues prints "key  value" pairs, aligned.
func (a *app) keyValues(pairs ...[2]string) {
	rows := make([][]string, 0, len(pairs))
	for _, p := range pairs {
		rows = append(rows, []string{p[0], p[1]})
	}
	a.table(nil, rows)
}

// output prints v as JSON with --json, otherwise calls human.
func (a *app) output(v any, human func()) {
	if a.json {
		a.writeJSON(v)
		return
	}
	human()
}

// cardJSON is a card as --json prints it: money and points as decimal
// strings (never floats), times in RFC 3339 Beijing time.
type cardJSON struct {
	Ref        string `json:"ref"`
	Provider   string `json:"provider"`
	TemplateID string `json:"template_id"`
	CardNo     string `json:"card_no"`
	ExternalNo string `json:"external_no,omitempty"`
	Holder     string `json:"holder,omitempty"`
	Level      string `json:"level,omitempty"`
	Points     string `json:"points"`
	Balance    string `json:"balance"`
	Status     string `json:"status,omitempty"`
	OpenedAt   string `json:"opened_at,omitempty"`
	ValidUntil string `json:"valid_until,omitempty"`
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(card.Beijing()).Format(time.RFC3339)
}

func toCardJSON(c *card.Card) cardJSON {
	return cardJSON{
		Ref: c.Ref.String(), Provider: c.Ref.Provider, TemplateID: c.Ref.TemplateID, CardNo: c.Ref.CardNo,
		ExternalNo: c.ExternalNo, Holder: c.Holder, Level: c.Level,
		Points: c.Points.String(), Balance: c.Balance.String(), Status: string(c.Status),
		OpenedAt: fmtTime(c.OpenedAt), ValidUntil: fmtTime(c.ValidUntil),
	}
}

func (a *app) printCard(c *card.Card) {
	j := toCardJSON(c)
	a.output(j, func() {
		level := j.Level
		if level == "" && c.Ref.Provider == card.WeChat {
			level = "(not reported by WeChat)"
		}
		a.keyValues(
			[2]string{"ref", j.Ref},
			[2]string{"external no", j.ExternalNo},
			[2]string{"holder", j.Holder},
			[2]string{"level", level},
			[2]string{"points", j.Points},
			[2]string{"balance", j.Balance},
			[2]string{"status", j.Status},
			[2]string{"opened", j.OpenedAt},
			[2]string{"valid until", orDash(j.ValidUntil)},
		)
	})
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// parseRef parses "provider/template/cardno".
func parseRef(s string) (card.Ref, error) {
	parts := strings.SplitN(s, "/", 3)
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return card.Ref{}, invalidArg("ref", "want provider/template/cardno (e.g. wechat/pXYZ/123456), got %q", s)
	}
	r := card.Ref{Provider: parts[0], TemplateID: parts[1], CardNo: parts[2]}
	if r.Provider != card.Alipay && r.Provider != card.WeChat {
		return card.Ref{}, invalidArg("ref", "the provider must be alipay or wechat, got %q", r.Provider)
	}
	if err := r.Validate(); err != nil {
		return card.Ref{}, err
	}
	return r, nil
}

func itoa(n int) string     { return strconv.Itoa(n) }
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
