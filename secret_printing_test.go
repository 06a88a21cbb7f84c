package card_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var updateRegistry = flag.Bool("update-secret-registry", false, "rewrite secret_registry_test.go from the module's exported types")

// module is the import path of this module; registry entries are keyed by
// the package path below it.
const module = "github.com/walletcard/card"

// secretField reports whether a field of a struct type holds a secret,
// by its name: tokens, secrets, passwords, keys of ciphers and
// signatures, api tickets. (A QR code's ticket is public: it is in the
// code's URL.)
func secretField(typeName, field string) bool {
	f := strings.ToLower(field)
	for _, notSecret := range []string{"type", "ttl", "source", "url", "len", "expiry", "expiresin", "field", "kind", "name", "param", "key"} {
		if strings.HasSuffix(f, notSecret) && !strings.HasSuffix(f, "aeskey") && !strings.HasSuffix(f, "privatekey") &&
			!(notSecret == "key" && strings.Contains(f, "secret")) {
			return false // about a secret (its type, lifetime, where it comes from), not the secret
		}
	}
	for _, s := range []string{"token", "secret", "passw", "aeskey", "privatekey", "privkey", "apiticket", "cardticket", "authcode"} {
		if strings.Contains(f, s) {
			return true
		}
	}
	t := strings.ToLower(typeName)
	switch {
	case f == "ticket" && !strings.Contains(t, "qr") && !strings.Contains(t, "link") && !strings.HasSuffix(t, "response"):
		return true
	case (t == "credential" || t == "credcell") && f == "value":
		return true
	case t == "acquired" && (f == "stale" || f == "current"):
		return true
	case t == "oauthtokenrequest" && f == "code": // the auth_code being redeemed
		return true
	}
	return false
}

// filler fills a value with secrets in the fields that hold them and
// harmless values elsewhere, remembering every secret it wrote.
type filler struct {
	n       int
	secrets []string
}

func (f *filler) secret() string {
	f.n++
	s := fmt.Sprintf("S3CR3T%04dzq", f.n)
	f.secrets = append(f.secrets, s)
	return s
}

// settable returns v itself, or a settable view of an unexported field.
func settable(v reflect.Value) reflect.Value {
	if v.CanSet() {
		return v
	}
	return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
}

func (f *filler) fill(v reflect.Value, depth int) {
	if depth > 4 || v.Kind() != reflect.Struct {
		return
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		fv := settable(v.Field(i))
		secret := secretField(t.Name(), sf.Name)
		switch fv.Kind() {
		case reflect.String:
			if secret {
				fv.SetString(f.secret())
			} else if fv.Type() == reflect.TypeOf("") {
				fv.SetString("v")
			}
		case reflect.Slice:
			if secret && fv.Type().Elem().Kind() == reflect.Uint8 {
				fv.SetBytes([]byte(f.secret()))
			} else if secret && fv.Type().Elem().Kind() == reflect.String {
				fv.Set(reflect.ValueOf([]string{f.secret()}).Convert(fv.Type()))
			}
		case reflect.Struct:
			f.fill(fv, depth+1)
		case reflect.Pointer:
			et := fv.Type().Elem()
			if et.Kind() == reflect.Struct && strings.HasPrefix(et.PkgPath(), module) {
				p := reflect.New(et)
				f.fill(p.Elem(), depth+1)
				fv.Set(p)
			} else if et.Kind() == reflect.String && secret {
				s := f.secret()
				fv.Set(reflect.ValueOf(&s))
			}
		}
	}
}

// holdsLock reports whether t holds a sync or sync/atomic value (not
// behind a pointer).
func holdsLock(t reflect.Type, depth int) bool {
	if depth > 6 {
		return false
	}
	switch t.Kind() {
	case reflect.Struct:
		if p := t.PkgPath(); p == "sync" || p == "sync/atomic" {
			return true
		}
		for i := 0; i < t.NumField(); i++ {
			if holdsLock(t.Field(i).Type, depth+1) {
				return true
			}
		}
	case reflect.Array:
		return holdsLock(t.Elem(), depth+1)
	}
	return false
}

// printings renders x every way a merchant's program might print or log it.
func printings(x any) map[string]string {
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out[verb] = fmt.Sprintf(verb, x)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "value", x)
	out["slog JSON"] = buf.String()
	buf.Reset()
	slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "value", x)
	out["slog text"] = buf.String()
	if b, err := json.Marshal(x); err == nil {
		out["json"] = string(b)
	}
	return out
}

// TestNoSecretPrinted walks every exported struct type of every package of
// the module (the registry, kept complete by TestSecretRegistryComplete),
// fills the fields that hold secrets, prints each value and pointer with
// %v, %+v, %#v, %s, slog (JSON and text) and encoding/json, and fails on
// any secret in the output.
func TestNoSecretPrinted(t *testing.T) {
	leaks, types := 0, 0
	for name, typ := range secretRegistry() {
		if typ.Kind() != reflect.Struct {
			continue
		}
		types++
		f := &filler{}
		p := reflect.New(typ)
		f.fill(p.Elem(), 0)
		if len(f.secrets) == 0 {
			continue
		}
		values := []any{p.Interface()}
		if !holdsLock(typ, 0) {
			// A value holding a lock is never printed by value (go vet's
			// copylocks refuses the copy); every other value is.
			values = append(values, p.Elem().Interface())
		}
		for _, x := range values {
			for how, s := range printings(x) {
				for _, secret := range f.secrets {
					if strings.Contains(s, secret) {
						leaks++
						t.Errorf("%s (%T) leaks a secret through %s: %.200s", name, x, how, s)
						break
					}
				}
			}
		}
	}
	t.Logf("%d exported struct types printed 14 ways each: %d leaks", types, leaks)
	assert.Zero(t, leaks)
}

// exportedTypes lists "pkg.Type" for every exported type declared in the
// module's non-test, non-internal, non-main packages.
func exportedTypes(t *testing.T) []string {
	var names []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			base := d.Name()
			if path != "." && (strings.HasPrefix(base, ".") || base == "testdata" || base == "internal" || base == "examples" || base == "cmd") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		if f.Name.Name == "main" {
			return nil
		}
		pkg := filepath.ToSlash(filepath.Dir(path))
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				if !ts.Name.IsExported() || ts.TypeParams != nil {
					continue
				}
				if _, iface := ts.Type.(*ast.InterfaceType); iface {
					continue
				}
				names = append(names, pkg+"."+ts.Name.Name)
			}
		}
		return nil
	})
	require.NoError(t, err)
	sort.Strings(names)
	return names
}

// TestSecretRegistryComplete: the registry lists every exported type, so
// that a new type cannot escape TestNoSecretPrinted. Run
//
//	go test -run TestSecretRegistryComplete -update-secret-registry .
//
// to rewrite it after adding types.
func TestSecretRegistryComplete(t *testing.T) {
	names := exportedTypes(t)
	if *updateRegistry {
		writeRegistry(t, names)
		return
	}
	reg := secretRegistry()
	var missing []string
	for _, n := range names {
		if _, ok := reg[n]; !ok {
			missing = append(missing, n)
		}
	}
	assert.Empty(t, missing, "types missing from secret_registry_test.go; run go test -run TestSecretRegistryComplete -update-secret-registry .")
}

func writeRegistry(t *testing.T, names []string) {
	defer func() {
		if src, err := os.ReadFile("secret_registry_test.go"); err == nil {
			if formatted, err := format.Source(src); err == nil {
				_ = os.WriteFile("secret_registry_test.go", formatted, 0o644)
			}
		}
	}()
	imports := map[string]string{}
	var b strings.Builder
	b.WriteString("// Code generated by go test -run TestSecretRegistryComplete -update-secret-registry .; DO NOT EDIT.\n\npackage card_test\n\nimport (\n\t\"reflect\"\n\n")
	var body strings.Builder
	for _, n := range names {
		dot := strings.LastIndex(n, ".")
		pkg, typ := n[:dot], n[dot+1:]
		alias := "card"
		if pkg != "." {
			alias = "r_" + strings.ReplaceAll(pkg, "/", "_")
			imports[alias] = module + "/" + pkg
		} else {
			imports["card"] = module
		}
		fmt.Fprintf(&body, "\t\t%q: reflect.TypeOf((*%s.%s)(nil)).Elem(),\n", n, alias, typ)
	}
	aliases := make([]string, 0, len(imports))
	for a := range imports {
		aliases = append(aliases, a)
	}
	sort.Strings(aliases)
	for _, a := range aliases {
		fmt.Fprintf(&b, "\t%s %q\n", a, imports[a])
	}
	b.WriteString(")\n\n// secretRegistry maps every exported type of the module to its reflect.Type.\nfunc secretRegistry() map[string]reflect.Type {\n\treturn map[string]reflect.Type{\n")
	b.WriteString(body.String())
	b.WriteString("\t}\n}\n")
	require.NoError(t, os.WriteFile("secret_registry_test.go", []byte(b.String()), 0o644))
}
