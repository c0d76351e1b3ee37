// Package arch enforces the hexagon's dependency rules on the source tree:
// adapters -> application -> ports -> domain, and cmd wires everything.
package arch

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/codementor/codementor"

// imports maps each production Go file (tests excluded) under dir to its imports.
func imports(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(filepath.Join("..", "..", dir), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			out[path] = append(out[path], strings.Trim(imp.Path.Value, `"`))
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, out, "no Go files under %s", dir)
	return out
}

func isStdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func within(path, dir string) bool {
	return path == module+"/"+dir || strings.HasPrefix(path, module+"/"+dir+"/")
}

func TestDomainImportsOnlyTheStandardLibrary(t *testing.T) {
	t.Parallel()
	for file, imps := range imports(t, "domain") {
		for _, imp := range imps {
			assert.True(t, isStdlib(imp) || within(imp, "domain"), "%s imports %s: domain/ is stdlib only", file, imp)
		}
	}
}

func TestPortsImportOnlyDomainAndStdlib(t *testing.T) {
	t.Parallel()
	for file, imps := range imports(t, "ports") {
		for _, imp := range imps {
			assert.True(t, isStdlib(imp) || within(imp, "domain"), "%s imports %s: ports speak domain types only", file, imp)
		}
	}
}

func TestApplicationImportsNoAdapterOrFramework(t *testing.T) {
	t.Parallel()
	for file, imps := range imports(t, "application") {
		for _, imp := range imps {
			ok := isStdlib(imp) || within(imp, "domain") || within(imp, "ports") || within(imp, "application") ||
				strings.HasPrefix(imp, "golang.org/x/sync")
			assert.True(t, ok, "%s imports %s: application/ uses ports, not adapters, drivers or frameworks", file, imp)
		}
	}
}

func TestAdaptersDoNotImportCmd(t *testing.T) {
	t.Parallel()
	for file, imps := range imports(t, "adapters") {
		for _, imp := range imps {
			assert.False(t, within(imp, "cmd"), "%s imports %s", file, imp)
			assert.False(t, within(imp, "test"), "%s imports test helpers %s", file, imp)
		}
	}
}
