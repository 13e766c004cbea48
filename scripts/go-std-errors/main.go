// Lists the exported top-level functions of Go's standard library whose last result is
// `error`, for wtfcb's `ignored-error` (crates/core/src/facts/go_std_errors.txt):
//
//	go run scripts/go-std-errors/main.go "$(go env GOROOT)/src" > crates/core/src/facts/go_std_errors.txt
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

const header = `# Exported top-level functions of Go's standard library whose last result is ` + "`error`" + `, one
# per line as import path and name. Generated from Go %s's source by
# scripts/go-std-errors/main.go (internal, cmd and vendor packages left out):
#   go run scripts/go-std-errors/main.go "$(go env GOROOT)/src" > crates/core/src/facts/go_std_errors.txt
`

func main() {
	root := os.Args[1]
	found := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return skipDir(root, path, d.Name())
		}
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			return collect(root, path, found)
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	names := make([]string, 0, len(found))
	for name := range found {
		names = append(names, name)
	}
	sort.Strings(names)
	fmt.Printf(header, "1.19")
	for _, name := range names {
		fmt.Println(name)
	}
}

// skipDir leaves out what is not the public standard library.
func skipDir(root, path, base string) error {
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return err
	}
	switch {
	case base == "testdata", base == "internal", base == "vendor", base == "builtin":
		return filepath.SkipDir
	case strings.HasPrefix(rel, "cmd"):
		return filepath.SkipDir
	}
	return nil
}

// collect adds the file's exported functions whose last result is `error`.
func collect(root, path string, found map[string]bool) error {
	file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil || file.Name.Name == "main" {
		return nil
	}
	rel, err := filepath.Rel(root, filepath.Dir(path))
	if err != nil {
		return err
	}
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if ok && fn.Recv == nil && fn.Name.IsExported() && lastIsError(fn.Type.Results) {
			found[filepath.ToSlash(rel)+"."+fn.Name.Name] = true
		}
	}
	return nil
}

func lastIsError(results *ast.FieldList) bool {
	if results == nil || len(results.List) == 0 {
		return false
	}
	id, ok := results.List[len(results.List)-1].Type.(*ast.Ident)
	return ok && id.Name == "error"
}
