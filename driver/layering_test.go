package driver_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDriversNeitherValidateNorReenter reads the wallet drivers' source:
// no method of a cardDriver calls a Validate method, the validating
// invoke helpers, or a neutral method of its Provider (which would run the
// pipeline again). With the pipeline tests above (one rules check, one
// driver call per attempt), a neutral call travels validate → driver →
// wallet once.
func TestDriversNeitherValidateNorReenter(t *testing.T) {
	neutral := map[string]bool{"Open": true, "Get": true, "Update": true, "Delete": true, "ClaimLink": true,
		"CreateTemplate": true, "GetTemplate": true, "Consume": true}
	for _, file := range []string{"../alipay/driver.go", "../wechat/driver.go"} {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, file, nil, 0)
		require.NoError(t, err)
		methods := 0
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || !isCardDriver(fn.Recv.List[0].Type) {
				continue
			}
			methods++
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				where := filepath.Base(file) + ": " + fn.Name.Name + " at " + fset.Position(call.Pos()).String()
				switch fun := call.Fun.(type) {
				case *ast.SelectorExpr:
					assert.NotEqual(t, "Validate", fun.Sel.Name, "%s validates again", where)
					if recv, ok := fun.X.(*ast.SelectorExpr); ok && recv.Sel.Name == "p" && neutral[fun.Sel.Name] {
						t.Errorf("%s re-enters the neutral layer (d.p.%s)", where, fun.Sel.Name)
					}
					if recv, ok := fun.X.(*ast.SelectorExpr); ok && recv.Sel.Name == "pipe" {
						t.Errorf("%s calls the pipeline", where)
					}
				case *ast.IndexExpr:
					if id, ok := fun.X.(*ast.Ident); ok && id.Name == "invoke" {
						t.Errorf("%s uses the validating invoke", where)
					}
				}
				return true
			})
		}
		assert.GreaterOrEqual(t, methods, 7, "%s: cardDriver methods found", file)
	}
}

func isCardDriver(e ast.Expr) bool {
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "cardDriver"
}
