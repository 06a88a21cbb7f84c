package alipay_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"log/slog"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
)

// secretField matches the names of fields that hold secrets: tokens, auth
// codes, keys, secrets, passwords, tickets.
var secretField = regexp.MustCompile(`^(.*Token|.*Secret|.*Password|.*PrivateKey|AuthCode|AESKey|.*Ticket)$`)

// secretFields lists further secret fields by type, whose names say less.
var secretFields = map[string][]string{
	"OAuthTokenRequest": {"Code"},
}

// exportedTypes returns the exported type names declared in the non-test
// files of the package in dir.
func exportedTypes(t *testing.T, dir string) []string {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	require.NoError(t, err)
	var names []string
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.TYPE {
					continue
				}
				for _, s := range g.Specs {
					if ts := s.(*ast.TypeSpec); ts.Name.IsExported() {
						names = append(names, ts.Name.Name)
					}
				}
			}
		}
	}
	sort.Strings(names)
	return names
}

// fill sets every settable string of v (through structs, pointers,
// slices and maps) to a distinct value; the values of secret fields start
// with "SECRET" and are returned.
func fill(v reflect.Value, typeName, field string, n *int, secrets *[]string) {
	switch v.Kind() {
	case reflect.String:
		*n++
		isSecret := secretField.MatchString(field) || slices.Contains(secretFields[typeName], field)
		s := fmt.Sprintf("v%03d", *n)
		if isSecret {
			s = fmt.Sprintf("SECRET%03dxyz", *n)
			*secrets = append(*secrets, s)
		}
		v.SetString(s)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			fill(v.Field(i), v.Type().Name(), f.Name, n, secrets)
		}
	case reflect.Pointer:
		if v.Type().Elem().Kind() == reflect.Struct && v.Type().Elem().PkgPath() != "" && strings.HasPrefix(v.Type().Elem().PkgPath(), "github.com/walletcard/") {
			v.Set(reflect.New(v.Type().Elem()))
			fill(v.Elem(), typeName, field, n, secrets)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.String || v.Type().Elem().Kind() == reflect.Struct {
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
			fill(v.Index(0), typeName, field, n, secrets)
		}
	case reflect.Map:
		if v.Type().Key().Kind() == reflect.String && v.Type().Elem().Kind() == reflect.String {
			m := reflect.MakeMap(v.Type())
			val := reflect.New(v.Type().Elem()).Elem()
			fill(val, typeName, field, n, secrets)
			m.SetMapIndex(reflect.ValueOf("k"), val)
			v.Set(m)
		}
	}
}

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

// TestNoSecretPrinted walks every exported type of alipay and alipaytest:
// each is filled by reflection (secret fields with secret values) and
// printed every way a merchant prints or logs a value; no secret may show.
// Types whose secrets sit in unexported fields (Provider, Server) are
// built by their constructors with secrets. The type lists are checked
// against the packages' sources, so a new type fails the test until it is
// listed here.
func TestNoSecretPrinted(t *testing.T) {
	alipayTypes := map[string]any{
		"ActivateFormQueryRequest": alipay.ActivateFormQueryRequest{}, "ActivateFormQueryResponse": alipay.ActivateFormQueryResponse{},
		"ActivateURLApplyRequest": alipay.ActivateURLApplyRequest{}, "ActivateURLApplyResponse": alipay.ActivateURLApplyResponse{},
		"ActivationCallback": alipay.ActivationCallback{}, "AuthorizeRequest": alipay.AuthorizeRequest{},
		"Benefit": alipay.Benefit{}, "BenefitCreateRequest": alipay.BenefitCreateRequest{}, "BenefitCreateResponse": alipay.BenefitCreateResponse{},
		"BenefitDeleteRequest": alipay.BenefitDeleteRequest{}, "BenefitInfo": alipay.BenefitInfo{}, "BenefitInfoDetail": alipay.BenefitInfoDetail{},
		"BenefitModifyRequest": alipay.BenefitModifyRequest{}, "BenefitQueryRequest": alipay.BenefitQueryRequest{},
		"BenefitQueryResponse": alipay.BenefitQueryResponse{}, "BenefitResult": alipay.BenefitResult{},
		"CardDeleteRequest": alipay.CardDeleteRequest{}, "CardDeleteResponse": alipay.CardDeleteResponse{},
		"CardOpenRequest": alipay.CardOpenRequest{}, "CardOpenResponse": alipay.CardOpenResponse{},
		"CardQueryRequest": alipay.CardQueryRequest{}, "CardQueryResponse": alipay.CardQueryResponse{},
		"CardRight": alipay.CardRight{}, "CardUpdateRequest": alipay.CardUpdateRequest{}, "CardUpdateResponse": alipay.CardUpdateResponse{},
		"CardUserInfo": alipay.CardUserInfo{}, "ColumnMoreInfo": alipay.ColumnMoreInfo{},
		"ConsumeSyncRequest": alipay.ConsumeSyncRequest{}, "ConsumeSyncResponse": alipay.ConsumeSyncResponse{},
		"DeleteExtInfo": alipay.DeleteExtInfo{}, "FormTemplateSetRequest": alipay.FormTemplateSetRequest{}, "FormValue": alipay.FormValue{},
		"FrontText": alipay.FrontText{}, "ImageUploadRequest": alipay.ImageUploadRequest{}, "ImageUploadResponse": alipay.ImageUploadResponse{},
		"IntString": alipay.IntString(0), "KeyError": alipay.KeyError{}, "MdCodeInfo": alipay.MdCodeInfo{},
		"MemberExtInfo": alipay.MemberExtInfo{}, "MerchantCard": alipay.MerchantCard{}, "MerchantCardMsgInfo": alipay.MerchantCardMsgInfo{},
		"MessageNotifyRequest": alipay.MessageNotifyRequest{}, "MessageNotifyResponse": alipay.MessageNotifyResponse{},
		"MiniAppURL": alipay.MiniAppURL{}, "NotifyInfo": alipay.NotifyInfo{}, "OAuthTokenRequest": alipay.OAuthTokenRequest{},
		"Options": alipay.Options{}, "Provider": alipay.Provider{}, "PubChannel": alipay.PubChannel{},
		"TemplateActionInfo": alipay.TemplateActionInfo{}, "TemplateBatchQueryRequest": alipay.TemplateBatchQueryRequest{},
		"TemplateBatchQueryResponse": alipay.TemplateBatchQueryResponse{}, "TemplateBenefitInfo": alipay.TemplateBenefitInfo{},
		"TemplateCardLevelConf": alipay.TemplateCardLevelConf{}, "TemplateColumnInfo": alipay.TemplateColumnInfo{},
		"TemplateConfig": alipay.TemplateConfig{}, "TemplateCreateRequest": alipay.TemplateCreateRequest{},
		"TemplateCreateResponse": alipay.TemplateCreateResponse{}, "TemplateFieldRule": alipay.TemplateFieldRule{},
		"TemplateFormConfig": alipay.TemplateFormConfig{}, "TemplateFormFields": alipay.TemplateFormFields{},
		"TemplateMdcodeNotifyConf": alipay.TemplateMdcodeNotifyConf{}, "TemplateModifyRequest": alipay.TemplateModifyRequest{},
		"TemplateModifyResponse": alipay.TemplateModifyResponse{}, "TemplateOpenCardConf": alipay.TemplateOpenCardConf{},
		"TemplateQueryRequest": alipay.TemplateQueryRequest{}, "TemplateQueryResponse": alipay.TemplateQueryResponse{},
		"TemplateStyleInfo": alipay.TemplateStyleInfo{}, "TemplateSummary": alipay.TemplateSummary{}, "Token": alipay.Token{},
		"UserInfo": alipay.UserInfo{},
	}
	fakeTypes := map[string]any{
		"Answer": alipaytest.Answer{}, "Card": alipaytest.Card{}, "Consumption": alipaytest.Consumption{},
		"FrontText": alipaytest.FrontText{}, "GatewayErrorShape": alipaytest.GatewayErrorShape(0), "Hostile": alipaytest.Hostile{},
		"Message": alipaytest.Message{}, "Options": alipaytest.Options{}, "Server": (*alipaytest.Server)(nil),
		"Tamper": alipaytest.Tamper(0),
	}
	for dir, types := range map[string]map[string]any{".": alipayTypes, "alipaytest": fakeTypes} {
		want := exportedTypes(t, dir)
		got := make([]string, 0, len(types))
		for name := range types {
			got = append(got, name)
		}
		sort.Strings(got)
		require.Equal(t, want, got, "exported types of %s: list every one here", dir)
	}

	walked, secretTotal := 0, 0
	for _, types := range []map[string]any{alipayTypes, fakeTypes} {
		for name, zero := range types {
			typ := reflect.TypeOf(zero)
			if typ.Kind() == reflect.Pointer {
				continue // built below
			}
			v := reflect.New(typ).Elem()
			var secrets []string
			n := 0
			fill(v, typ.Name(), "", &n, &secrets)
			secretTotal += len(secrets)
			walked++
			assert.Empty(t, leaks(printings(v.Interface()), secrets), "%s shows a secret", name)
		}
	}

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
	t.Logf("%d types walked by reflection with %d secret fields, plus Provider and Server built with secrets", walked, secretTotal)
	assert.Greater(t, secretTotal, 8)
}
