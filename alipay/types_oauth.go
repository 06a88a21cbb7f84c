package alipay

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/walletcard/card/internal/walletrules"
)

const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
)

// OAuthTokenRequest is alipay.system.oauth.token. ExchangeCode and
// RefreshToken build it for you.
type OAuthTokenRequest struct {
	// GrantType is authorization_code or refresh_token. Required.
	GrantType string
	// Code is the auth_code (with authorization_code). Never logged.
	Code string
	// RefreshToken is the refresh token (with refresh_token). Never logged.
	RefreshToken string
}

// Validate checks the documented rules.
func (r OAuthTokenRequest) Validate() error {
	ck := checker{}
	// auth_code and refresh_token have the documented length of auth_token.
	switch r.GrantType {
	case GrantAuthorizationCode:
		ck.required("Code", r.Code, walletrules.AlipayMaxAuthTokenRunes)
		if r.RefreshToken != "" {
			ck.fail("RefreshToken", "must be empty with grant type authorization_code")
		}
	case GrantRefreshToken:
		ck.required("RefreshToken", r.RefreshToken, walletrules.AlipayMaxAuthTokenRunes)
		if r.Code != "" {
			ck.fail("Code", "must be empty with grant type refresh_token")
		}
	case "":
		ck.fail("GrantType", "is required")
	default:
		ck.fail("GrantType", "must be authorization_code or refresh_token")
	}
	return ck.err()
}

// Token is a user's OAuth token (alipay.system.oauth.token). Its
// AccessToken is the auth_token of card.open and activateform.query.
type Token struct {
	// UserID is the Alipay user id (2088…); OpenID and UnionID where enabled.
	UserID  string
	OpenID  string
	UnionID string
	// AccessToken is the user's auth_token. Never log it.
	AccessToken string
	// RefreshToken renews AccessToken (RefreshToken). Never log it.
	RefreshToken string
	// ExpiresIn and ReExpiresIn are the lifetimes of the two tokens.
	ExpiresIn   time.Duration
	ReExpiresIn time.Duration
	// AuthStart is when the authorization started (Beijing time).
	AuthStart time.Time
	// AuthTokenType is "permanent" for tokens that never expire.
	AuthTokenType string
}

// String describes the token without its secrets.
func (t Token) String() string {
	return "alipay.Token{UserID:" + t.UserID + " OpenID:" + t.OpenID + " ExpiresIn:" + t.ExpiresIn.String() + "}"
}

// GoString is String, so %#v does not print the secrets either.
func (t Token) GoString() string { return t.String() }

// UnmarshalJSON decodes the token node; expires_in may be a number or a string.
func (t *Token) UnmarshalJSON(b []byte) error {
	var w struct {
		UserID        flexString `json:"user_id"`
		OpenID        flexString `json:"open_id"`
		UnionID       flexString `json:"union_id"`
		AccessToken   string     `json:"access_token"`
		RefreshToken  string     `json:"refresh_token"`
		ExpiresIn     flexInt64  `json:"expires_in"`
		ReExpiresIn   flexInt64  `json:"re_expires_in"`
		AuthStart     flexString `json:"auth_start"`
		AuthTokenType string     `json:"auth_token_type"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	start, err := parseTime(string(w.AuthStart))
	if err != nil {
		return errors.New("auth_start: " + err.Error())
	}
	const maxSeconds = int64(1<<63-1) / int64(time.Second)
	if w.ExpiresIn < 0 || int64(w.ExpiresIn) > maxSeconds || w.ReExpiresIn < 0 || int64(w.ReExpiresIn) > maxSeconds {
		return errors.New("expires_in out of range")
	}
	*t = Token{UserID: string(w.UserID), OpenID: string(w.OpenID), UnionID: string(w.UnionID),
		AccessToken: w.AccessToken, RefreshToken: w.RefreshToken,
		ExpiresIn: time.Duration(w.ExpiresIn) * time.Second, ReExpiresIn: time.Duration(w.ReExpiresIn) * time.Second,
		AuthStart: start, AuthTokenType: w.AuthTokenType}
	return nil
}

func (t *Token) check() error {
	if err := present("access_token", t.AccessToken); err != nil {
		return err
	}
	return present("user_id", t.UserID+t.OpenID)
}

// UserInfo is the answer to alipay.user.info.share (needs scope auth_user).
type UserInfo struct {
	UserID             string `json:"user_id"`
	OpenID             string `json:"open_id"`
	Avatar             string `json:"avatar"`
	Province           string `json:"province"`
	City               string `json:"city"`
	NickName           string `json:"nick_name"`
	Gender             string `json:"gender"`
	Mobile             string `json:"mobile"`
	UserName           string `json:"user_name"`
	CertNo             string `json:"cert_no"`
	CertType           string `json:"cert_type"`
	IsCertified        string `json:"is_certified"`
	IsStudentCertified string `json:"is_student_certified"`
	UserType           string `json:"user_type"`
	UserStatus         string `json:"user_status"`
}

// String describes the request without its code or refresh token.
func (r OAuthTokenRequest) String() string {
	return "alipay.OAuthTokenRequest{GrantType:" + r.GrantType + "}"
}

// GoString is String, so %#v does not print the secrets either.
func (r OAuthTokenRequest) GoString() string { return r.String() }
