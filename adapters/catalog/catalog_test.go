package catalog_test

import (
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/catalog"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
)

// The shipped catalogue: at least 12 exercises per language, across the
// three difficulties and several topics, each with its tests and hints.
func TestCuratedCatalogue(t *testing.T) {
	t.Parallel()
	exs, err := catalog.Curated(time.Now())
	require.NoError(t, err)
	byLang := map[string]int{}
	diffs := map[string]map[int]bool{}
	topics := map[string]bool{}
	ids := map[string]bool{}
	for _, e := range exs {
		l := e.Language().String()
		byLang[l]++
		if diffs[l] == nil {
			diffs[l] = map[int]bool{}
		}
		diffs[l][e.Difficulty().Int()] = true
		for _, tp := range e.Topics() {
			topics[tp] = true
		}
		assert.False(t, ids[e.ID()], "duplicate id %s", e.ID())
		ids[e.ID()] = true
		hidden := 0
		for _, tc := range e.Tests() {
			if tc.Hidden {
				hidden++
			}
		}
		assert.GreaterOrEqual(t, len(e.Tests()), 5, e.Slug())
		assert.GreaterOrEqual(t, hidden, 2, e.Slug())
		assert.Len(t, e.Hints(), 3, e.Slug())
		assert.NotContains(t, e.StarterCode(), "//go:build", e.Slug())
		assert.Equal(t, catalog.ID(e.Language(), e.Slug()), e.ID())
	}
	for _, l := range language.All() {
		assert.GreaterOrEqual(t, byLang[l.String()], 12, "exercises in %s", l)
		assert.Len(t, diffs[l.String()], 3, "difficulties in %s", l)
	}
	assert.GreaterOrEqual(t, len(topics), 8, "topics")
}

func TestLoadRefusesBrokenContent(t *testing.T) {
	t.Parallel()
	good := "slug: add\ntitle: Add\ndifficulty: 1\ntopics: [math]\nentry: add\nhints: [a, b, c]\ntests:\n" +
		"  - {name: t1, args: [1, 2], expected: 3}\n  - {name: t2, args: [2, 2], expected: 4}\n" +
		"  - {name: t3, args: [0, 0], expected: 0}\n  - {name: t4, args: [5, 5], expected: 10, hidden: true}\n" +
		"  - {name: t5, args: [-1, 1], expected: 0, hidden: true}\n"
	files := func(yaml string) fstest.MapFS {
		return fstest.MapFS{
			"python/add/exercise.yaml": {Data: []byte(yaml)},
			"python/add/prompt.md":     {Data: []byte("# Add\nAdd two numbers.")},
			"python/add/starter.py":    {Data: []byte("def add(a, b):\n    return 0\n")},
			"python/add/solution.py":   {Data: []byte("def add(a, b):\n    return a + b\n")},
		}
	}
	exs, err := catalog.Load(files(good), time.Now())
	require.NoError(t, err)
	require.Len(t, exs, 1)
	assert.Equal(t, exercise.Public, exs[0].Visibility())
	assert.JSONEq(t, "[1,2]", string(exs[0].Tests()[0].Args))

	for name, broken := range map[string]string{
		"slug differs from folder": "slug: other\n" + good[len("slug: add\n"):],
		"unknown field":            good + "extra: 1\n",
		"too few hidden tests":     good[:len(good)-len("  - {name: t5, args: [-1, 1], expected: 0, hidden: true}\n")],
		"bad difficulty":           "slug: add\ntitle: Add\ndifficulty: 7\n" + good[len("slug: add\ntitle: Add\ndifficulty: 1\n"):],
	} {
		_, err := catalog.Load(files(broken), time.Now())
		assert.Error(t, err, name)
	}
	missing := files(good)
	delete(missing, "python/add/solution.py")
	_, err = catalog.Load(missing, time.Now())
	assert.ErrorContains(t, err, "solution.py")
}

func TestVersionChangesWithContent(t *testing.T) {
	t.Parallel()
	base := fstest.MapFS{
		"go/x/exercise.yaml": {Data: []byte("slug: x\ntitle: X\ndifficulty: 2\ntopics: [math]\nentry: X\nhints: [a, b, c]\ntests:\n" +
			"  - {name: a, args: [1], expected: 1}\n  - {name: b, args: [2], expected: 2}\n  - {name: c, args: [3], expected: 3}\n" +
			"  - {name: d, args: [4], expected: 4, hidden: true}\n  - {name: e, args: [5], expected: 5, hidden: true}\n")},
		"go/x/prompt.md":   {Data: []byte("# X")},
		"go/x/starter.go":  {Data: []byte("//go:build ignore\n\npackage main\n\nfunc X(n int) int { return 0 }\n")},
		"go/x/solution.go": {Data: []byte("//go:build ignore\n\npackage main\n\nfunc X(n int) int { return n }\n")},
	}
	a, err := catalog.Load(base, time.Now())
	require.NoError(t, err)
	assert.Equal(t, "package main\n\nfunc X(n int) int { return 0 }\n", a[0].StarterCode())
	base["go/x/prompt.md"] = &fstest.MapFile{Data: []byte("# X, clearer")}
	b, err := catalog.Load(base, time.Now())
	require.NoError(t, err)
	assert.NotEqual(t, a[0].Version(), b[0].Version())
	assert.Equal(t, a[0].ID(), b[0].ID())
}
