package wechattest

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// errmsgs holds WeChat's errmsg for the codes the server answers
// (wire reference §5; the " hint: […]" suffix is added when writing).
var errmsgs = map[int]string{
	-1:    "system error",
	40001: "invalid credential, access_token is invalid or not latest",
	40002: "invalid grant_type",
	40003: "invalid openid",
	40005: "invalid file type",
	40009: "invalid image size",
	40013: "invalid appid",
	40014: "invalid access_token",
	40053: "invalid action info, please check document",
	40056: "invalid serial code",
	40070: "invalid sku info",
	40071: "invalid card type",
	40072: "invalid encoding method",
	40073: "invalid card id",
	40075: "invalid encrypt code",
	40076: "invalid color id",
	40078: "invalid card status",
	40079: "invalid time",
	40080: "invalid card ext",
	40097: "invalid args",
	40099: "invalid code, this code has consumed.",
	40100: "invalid DateInfo, Make Sure OldDateInfoType==NewDateInfoType && NewBeginTime<=OldBeginTime && OldEndTime<= NewEndTime",
	40107: "invalid card id! 1,card status must verify ok; 2,this card must have location_id",
	40109: "too many code size, must <= 100",
	40110: "have empty code",
	40111: "have same code",
	40116: "invalid code",
	40122: "invalid card quantity",
	40124: "too many custom field!",
	40125: "invalid appsecret",
	40127: "invalid user-card status! Hint: the card was given to user, but may be deleted or expired or set unavailable !",
	40129: "invalid scene",
	40135: "invalid not supply bonus, can not change supply_bonus from true to false",
	40136: "invalid use DepositCodeMode, make sure sku.quantity>DepositCode.quantity",
	40139: "invalid sub merchant id",
	40140: "invalid sub merchant status",
	40141: "invalid image url",
	40145: "invalid update! Can not both set PayCell and CenterCellInfo(include: center_title, center_sub_title, center_url).",
	40146: "invalid openid! card may be marked by other user!",
	41001: "access_token missing",
	41005: "media data missing",
	41011: "missing required fields! please check document and request json!",
	41012: "missing card id",
	41013: "missing code",
	41014: "missing ticket_class",
	41015: "missing show_time",
	41016: "missing screening_room",
	41017: "missing seat_number",
	42001: "access_token expired",
	43001: "require GET method",
	43002: "require POST method",
	43009: "can not use custom code, need authorize",
	43010: "can not use balance, need authorize",
	43011: "can not use bonus, need authorize",
	45009: "reach max api daily quota limit",
	45011: "api minute-quota reach limit, mustslower retry next minute",
	45021: "some argument may be out of length limit!",
	45022: "bonus is out of limit",
	45023: "balance is out of limit",
	45030: "limit cardid, not support this function",
	45031: "stock is out of limit",
	45033: "user get card num is out of get_limit",
	45039: "card_list_size out of limit",
	47001: "data format error",
	48001: "api unauthorized",
	61500: "date format error",
	61501: "date range error",
}

func errmsgFor(code int) string {
	if m, ok := errmsgs[code]; ok {
		return m
	}
	if code == 0 {
		return "ok"
	}
	return "error"
}

// decode parses a JSON request body into v. Unknown keys and nulls are
// ignored, as WeChat does. A body that is not a JSON object answers 47001.
func decode(body []byte, v any) *apiError {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return errm(47001, "data format error: body must be a JSON object")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errm(47001, "data format error: %v", err)
	}
	return nil
}

// flexInt accepts a JSON number or a string holding an integer ("30"),
// since SDKs send both (wire reference §6, E-docs).
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		return nil
	}
	if len(s) >= 2 && s[0] == '"' {
		u, err := strconv.Unquote(s)
		if err != nil {
			return err
		}
		s = strings.TrimSpace(u)
		if s == "" {
			*f = 0
			return nil
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// a float with no fraction ("30.0") is tolerated
		fl, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || fl != float64(int64(fl)) {
			return &json.UnsupportedValueError{Str: s}
		}
		n = int64(fl)
	}
	*f = flexInt(n)
	return nil
}

// flexBool accepts true/false, "true"/"false" and 0/1.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch strings.Trim(string(bytes.TrimSpace(b)), `"`) {
	case "true", "1", "TRUE", "True":
		*f = true
	case "false", "0", "FALSE", "False", "", "null":
		*f = false
	default:
		return &json.UnsupportedValueError{Str: string(b)}
	}
	return nil
}

// flexStrings accepts a single string or an array of strings (batchget
// status_list is sent both ways, wire reference §8.2).
type flexStrings []string

func (f *flexStrings) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s != "" {
			*f = flexStrings{s}
		}
		return nil
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err != nil {
		return err
	}
	*f = ss
	return nil
}

// tooLong reports whether s is longer than a field WeChat limits to max
// Chinese characters: such fields are typed string(3·max), so the limit is
// 3·max UTF-8 bytes, and other characters count their bytes (WeChat's own
// member-card sample puts "6个汉字tips", 14 bytes, in a 6-汉字 field).
func tooLong(s string, max int) bool { return len(s) > 3*max }
