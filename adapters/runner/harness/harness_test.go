package harness_test

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/runner/harness"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
)

func spec(lang language.Language, code, entry string) exercise.RunSpec {
	return exercise.RunSpec{Language: lang, Code: code, Entry: entry, Tests: []exercise.RunInput{
		{Name: "one", Args: json.RawMessage(`[1, "two", {"k": [3]}]`)},
		{Name: "quote\"s", Args: json.RawMessage(`["'''\"; import os; \n</script>"]`)},
	}}
}

var configLine = regexp.MustCompile(`"([A-Za-z0-9+/=]+)"`)

// config decodes the base64 JSON a generated file carries.
func config(t *testing.T, src []byte) map[string]any {
	t.Helper()
	m := configLine.FindSubmatch(src)
	require.NotNil(t, m, "no config in %.200s", src)
	raw, err := base64.StdEncoding.DecodeString(string(m[1]))
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, json.Unmarshal(raw, &cfg))
	return cfg
}

func TestBuildCarriesTheRunAsData(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lang    language.Language
		code    string
		files   []string
		cfgFile int
	}{
		{language.Python, "def add(*a):\n    return a\n", []string{"harness.py", "solution.py"}, 0},
		{language.JavaScript, "function add() {}\n", []string{"harness.js", "solution.js"}, 0},
		{language.Go, "package main\n\nfunc add(a ...interface{}) int { return 0 }\n", []string{"harness.go", "solution.go", "cm_config.go"}, 2},
	} {
		t.Run(tc.lang.String(), func(t *testing.T) {
			t.Parallel()
			p, err := harness.Build(spec(tc.lang, tc.code, "add"), harness.Options{Marker: "@@m@@"})
			require.NoError(t, err)
			var names []string
			for _, f := range p.Files {
				names = append(names, f.Name)
			}
			assert.Equal(t, tc.files, names)
			assert.Equal(t, tc.code, string(p.Files[1].Content), "the learner's code is passed as is")
			assert.Equal(t, []string{"one", "quote\"s"}, p.TestNames)
			cfg := config(t, p.Files[tc.cfgFile].Content)
			assert.Equal(t, "@@m@@", cfg["marker"])
			assert.Equal(t, "add", cfg["entry"])
			tests := cfg["tests"].([]any)
			require.Len(t, tests, 2)
			assert.Equal(t, "quote\"s", tests[1].(map[string]any)["name"])
			assert.Equal(t, []any{"'''\"; import os; \n</script>"}, tests[1].(map[string]any)["args"])
			// The arguments appear nowhere in the code but inside the base64.
			for _, f := range p.Files {
				assert.NotContains(t, string(f.Content), "import os; ")
			}
		})
	}
}

func TestBuildDrawsAFreshMarker(t *testing.T) {
	t.Parallel()
	a, err := harness.Build(spec(language.Python, "", "f"), harness.Options{})
	require.NoError(t, err)
	b, err := harness.Build(spec(language.Python, "", "f"), harness.Options{})
	require.NoError(t, err)
	assert.NotEqual(t, a.Marker, b.Marker)
	assert.Regexp(t, `^@@cm:[0-9a-f]{32}@@$`, a.Marker)
}

func TestBuildRefusesBadSpecs(t *testing.T) {
	t.Parallel()
	for _, entry := range []string{"", "a b", "f()", "x;y", "1f"} {
		_, err := harness.Build(spec(language.Python, "", entry), harness.Options{})
		assert.Error(t, err, "entry %q", entry)
		_, rejected := harness.IsRejected(err, exercise.RunSpec{})
		assert.False(t, rejected, "a bad entry is the exercise's fault, not the learner's")
	}
	for l, entry := range map[language.Language]string{language.Python: "lambda", language.JavaScript: "class", language.Go: "main"} {
		_, err := harness.Build(spec(l, "", entry), harness.Options{})
		assert.Error(t, err, "%s entry %q", l, entry)
	}
	s := spec(language.Python, "", "f")
	s.Tests[0].Args = json.RawMessage(`[1,`)
	_, err := harness.Build(s, harness.Options{})
	assert.Error(t, err)
	_, err = harness.Build(spec(language.Language{}, "", "f"), harness.Options{})
	assert.Error(t, err)
}

func TestBuildChecksGoSolutions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, code, want string
	}{
		{"import outside the allow-list", "package main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\nfunc add() {}\n", `solution.go:5:2: could not import "net/http"`},
		{"unsafe", "package main\n\nimport \"unsafe\"\n\nfunc add() {}\n", `could not import "unsafe"`},
		{"os/exec", "package main\n\nimport \"os/exec\"\n\nfunc add() {}\n", `could not import "os/exec"`},
		{"not package main", "package solution\n\nfunc add() {}\n", "solution.go:1:9: the package must be main"},
		{"defines main", "package main\n\nfunc add() {}\n\nfunc main() {}\n", "solution.go:5:1: do not define main"},
		{"no entry", "package main\n\nfunc plus() {}\n", "the function add is not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := spec(language.Go, tc.code, "add")
			_, err := harness.Build(s, harness.Options{})
			rr, rejected := harness.IsRejected(err, s)
			require.True(t, rejected, "%v", err)
			assert.Equal(t, exercise.RunCompileError, rr.Status)
			assert.Contains(t, rr.CompileOutput, tc.want)
			require.Len(t, rr.Tests, 2)
			assert.Equal(t, exercise.TestNotRun, rr.Tests[0].Status)
		})
	}
	for _, ok := range []string{
		"package main\n\nimport (\n\t\"sort\"\n\t\"strings\"\n)\n\nfunc add(s []string) string { sort.Strings(s); return strings.Join(s, \"\") }\n",
		"package main\n\nvar add = func(a, b int) int { return a + b }\n",
		"package main\n\nfunc add(a, b int) int { return a + }\n", // the compiler will say
	} {
		_, err := harness.Build(spec(language.Go, ok, "add"), harness.Options{})
		assert.NoError(t, err, ok)
	}
}

func TestCleanGoCompileOutput(t *testing.T) {
	t.Parallel()
	piston := "# command-line-arguments\n./solution.go:4:9: undefined: c\n./harness.go.go:10:2: something\n"
	assert.Equal(t, "solution.go:4:9: undefined: c\nharness.go:10:2: something", harness.CleanGoCompileOutput(piston))
	local := "/work/solution.go:4:9: undefined: c\n"
	assert.Equal(t, "solution.go:4:9: undefined: c", harness.CleanGoCompileOutput(local, "/work"))
	assert.True(t, harness.LooksLikeGoCompileError(piston))
	assert.False(t, harness.LooksLikeGoCompileError("panic: boom\n\ngoroutine 1 [running]:\nmain.init()\n\t./solution.go:3 +0x5b\n"))
	long := strings.Repeat("solution.go:1:1: x\n", 100)
	assert.Len(t, strings.Split(harness.CleanGoCompileOutput(long), "\n"), 41)
}
