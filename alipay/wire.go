package alipay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
)

// This file holds the JSON forms of the typed values. Alipay sends numbers
// as strings (and sometimes as numbers), times as "yyyy-MM-dd HH:mm:ss" in
// Beijing time, points and balances as decimal strings; decoding accepts
// both forms and never goes through float.

// flexString decodes a JSON string, number or bool as its text; null is "".
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return errors.New("empty value")
	}
	switch b[0] {
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	case 'n':
		if string(b) != "null" {
			return errors.New("invalid literal")
		}
		*f = ""
		return nil
	case 't', 'f':
		var v bool
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*f = flexString(strconv.FormatBool(v))
		return nil
	case '{', '[':
		return errors.New("want a string or a number, got an object or array")
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n.String())
	return nil
}

// IntString is an integer that Alipay sends as a JSON string ("20"). It
// encodes as a string and decodes from a string or a number.
type IntString int

// MarshalJSON encodes n as a JSON string.
func (n IntString) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, strconv.Itoa(int(n))), nil
}

// UnmarshalJSON accepts "20", 20 and "" (zero).
func (n *IntString) UnmarshalJSON(b []byte) error {
	var v flexInt64
	if err := v.UnmarshalJSON(b); err != nil {
		return err
	}
	if int64(int(v)) != int64(v) {
		return errors.New("not an integer")
	}
	*n = IntString(v)
	return nil
}

// flexInt64 decodes a JSON number or numeric string (expires_in).
type flexInt64 int64

func (n *flexInt64) UnmarshalJSON(b []byte) error {
	var f flexString
	if err := f.UnmarshalJSON(b); err != nil {
		return err
	}
	if f == "" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(string(f), 10, 64)
	if err != nil {
		return errors.New("not an integer")
	}
	*n = flexInt64(v)
	return nil
}

// flexBool decodes true/false or "true"/"false" (benefit results).
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error {
	var f flexString
	if err := f.UnmarshalJSON(b); err != nil {
		return err
	}
	switch f {
	case "true", "TRUE", "True":
		*v = true
	case "false", "FALSE", "False", "":
		*v = false
	default:
		return errors.New("not a boolean")
	}
	return nil
}

// optString is v's decimal text (card.Points, card.Money), or "" for nil.
func optString[T fmt.Stringer](v *T) string {
	if v == nil {
		return ""
	}
	return (*v).String()
}

// formatTime formats t as wallet time, or "" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return driver.FormatWalletTime(t)
}

// parseTime parses wallet time; "" is the zero time. A date without a time
// ("2006-01-02") is accepted too.
func parseTime(s string) (time.Time, error) {
	switch len(s) {
	case 0:
		return time.Time{}, nil
	case len("2006-01-02"):
		return time.ParseInLocation("2006-01-02", s, card.Beijing())
	}
	t, err := driver.ParseWalletTime(s)
	if err != nil {
		return time.Time{}, errors.New("time " + strconv.Quote(s) + " is not yyyy-MM-dd HH:mm:ss")
	}
	return t, nil
}

// parseSpan parses a start_date, end_date pair of wallet times.
func parseSpan(start, end flexString) (s, e time.Time, err error) {
	if s, err = parseTime(string(start)); err == nil {
		e, err = parseTime(string(end))
	}
	return s, e, err
}

// merchantCardWire is MerchantCard on the wire.
type merchantCardWire struct {
	BizCardNo      flexString      `json:"biz_card_no,omitempty"`
	ExternalCardNo flexString      `json:"external_card_no,omitempty"`
	OpenDate       flexString      `json:"open_date,omitempty"`
	ValidDate      flexString      `json:"valid_date,omitempty"`
	Level          flexString      `json:"level,omitempty"`
	Point          *flexString     `json:"point,omitempty"`
	Balance        *flexString     `json:"balance,omitempty"`
	TemplateID     flexString      `json:"template_id,omitempty"`
	FrontTextList  []FrontText     `json:"front_text_list,omitempty"`
	FrontImageID   flexString      `json:"front_image_id,omitempty"`
	MdCodeInfo     *mdCodeInfoWire `json:"mdcode_info,omitempty"`
}

type mdCodeInfoWire struct {
	CodeStatus string    `json:"code_status,omitempty"`
	CodeValue  string    `json:"code_value,omitempty"`
	ExpireTime string    `json:"expire_time,omitempty"`
	TimeStamp  flexInt64 `json:"time_stamp,omitempty"`
}

// MarshalJSON encodes c as Alipay's MerchantCard: times in Beijing wallet
// time, points and balance as decimal strings, empty fields left out.
func (c MerchantCard) MarshalJSON() ([]byte, error) {
	w := merchantCardWire{
		BizCardNo:      flexString(c.BizCardNo),
		ExternalCardNo: flexString(c.ExternalCardNo),
		OpenDate:       flexString(formatTime(c.OpenDate)),
		ValidDate:      flexString(formatTime(c.ValidDate)),
		Level:          flexString(c.Level),
		TemplateID:     flexString(c.TemplateID),
		FrontTextList:  c.FrontTextList,
		FrontImageID:   flexString(c.FrontImageID),
	}
	if c.Point != nil {
		s := flexString(c.Point.String())
		w.Point = &s
	}
	if c.Balance != nil {
		s := flexString(c.Balance.String())
		w.Balance = &s
	}
	if m := c.MdCodeInfo; m != nil {
		w.MdCodeInfo = &mdCodeInfoWire{CodeStatus: m.CodeStatus, CodeValue: m.CodeValue,
			ExpireTime: formatTime(m.ExpireTime), TimeStamp: flexInt64(m.TimeStamp)}
	}
	return json.Marshal(w)
}

// MarshalJSON for the wire type writes plain strings (flexString has no
// MarshalJSON of its own, so it encodes as a string already).

// UnmarshalJSON decodes Alipay's MerchantCard. Points and balance keep their
// exact decimal value; an empty point or balance is left nil.
func (c *MerchantCard) UnmarshalJSON(b []byte) error {
	var w merchantCardWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	out := MerchantCard{
		BizCardNo:      string(w.BizCardNo),
		ExternalCardNo: string(w.ExternalCardNo),
		Level:          string(w.Level),
		TemplateID:     string(w.TemplateID),
		FrontTextList:  w.FrontTextList,
		FrontImageID:   string(w.FrontImageID),
	}
	var err error
	if out.OpenDate, err = parseTime(string(w.OpenDate)); err != nil {
		return errors.New("open_date: " + err.Error())
	}
	if out.ValidDate, err = parseTime(string(w.ValidDate)); err != nil {
		return errors.New("valid_date: " + err.Error())
	}
	if w.Point != nil && *w.Point != "" {
		v, err := card.ParsePoints(string(*w.Point))
		if err != nil {
			return errors.New("point: " + err.Error())
		}
		out.Point = &v
	}
	if w.Balance != nil && *w.Balance != "" {
		v, err := card.ParseMoney(string(*w.Balance))
		if err != nil {
			return errors.New("balance: " + err.Error())
		}
		out.Balance = &v
	}
	if m := w.MdCodeInfo; m != nil {
		t, err := parseTime(m.ExpireTime)
		if err != nil {
			return errors.New("mdcode_info.expire_time: " + err.Error())
		}
		out.MdCodeInfo = &MdCodeInfo{CodeStatus: m.CodeStatus, CodeValue: m.CodeValue, ExpireTime: t, TimeStamp: int64(m.TimeStamp)}
	}
	*c = out
	return nil
}

// present returns an error naming the response field when its value is empty.
func present(field, value string) error {
	if value == "" {
		return errors.New(field + " is missing")
	}
	return nil
}
