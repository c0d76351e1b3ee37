package language_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/language"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want language.Language
	}{
		{"python", language.Python},
		{"py", language.Python},
		{"python3", language.Python},
		{"Python", language.Python},
		{"PY", language.Python},
		{"  python\t", language.Python},
		{"javascript", language.JavaScript},
		{"JavaScript", language.JavaScript},
		{"js", language.JavaScript},
		{"node", language.JavaScript},
		{"NodeJS", language.JavaScript},
		{"go", language.Go},
		{"Go", language.Go},
		{"golang", language.Go},
		{" GoLang ", language.Go},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := language.Parse(tt.in)
			require.NoError(t, err)
			assert.True(t, got.Equal(tt.want), "%q parsed as %s", tt.in, got)
			assert.False(t, got.IsZero())
		})
	}
}

func TestParseRefusesUnknownNames(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "  ", "rust", "c++", "typescript", "python2", "go lang", "java", "pyth0n"} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			got, err := language.Parse(in)
			require.Error(t, err)
			assert.True(t, got.IsZero())
			var verr *domain.ValidationError
			require.True(t, errors.As(err, &verr))
			assert.Equal(t, []domain.FieldIssue{{Field: "language", Issue: "must be one of: python, javascript, go"}}, verr.Issues)
		})
	}
}

func TestLanguageValue(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "python", language.Python.String())
	assert.Equal(t, "javascript", language.JavaScript.String())
	assert.Equal(t, "go", language.Go.String())
	assert.True(t, language.Go.Equal(language.Go))
	assert.False(t, language.Go.Equal(language.Python))
	assert.True(t, language.Language{}.IsZero())
	assert.Equal(t, []language.Language{language.Python, language.JavaScript, language.Go}, language.All())

	// Every language parses back from its own name.
	for _, l := range language.All() {
		got, err := language.Parse(l.String())
		require.NoError(t, err)
		assert.True(t, got.Equal(l))
	}
}

func TestParseList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []string
		want []language.Language
	}{
		{"nil", nil, []language.Language{}},
		{"empty", []string{}, []language.Language{}},
		{"one", []string{"go"}, []language.Language{language.Go}},
		{"order kept", []string{"js", "python", "go"}, []language.Language{language.JavaScript, language.Python, language.Go}},
		{"duplicates collapse to the first", []string{"go", "python", "golang", "PY", "Go"}, []language.Language{language.Go, language.Python}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := language.ParseList("languages", tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseListRefusesUnknownNames(t *testing.T) {
	t.Parallel()
	for _, in := range [][]string{{"rust"}, {"go", "rust"}, {"go", ""}, {"python", "go", "kotlin", "js"}} {
		got, err := language.ParseList("preferred_languages", in)
		require.Error(t, err, in)
		assert.Nil(t, got, in)
		var verr *domain.ValidationError
		require.True(t, errors.As(err, &verr), in)
		assert.Equal(t, []domain.FieldIssue{{Field: "preferred_languages", Issue: "must hold only: python, javascript, go"}}, verr.Issues,
			"the issue names the caller's field")
	}
}

func TestStrings(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"go", "python", "javascript"},
		language.Strings([]language.Language{language.Go, language.Python, language.JavaScript}))
	assert.Equal(t, []string{}, language.Strings(nil))

	in := []string{"golang", "py", "node"}
	ls, err := language.ParseList("languages", in)
	require.NoError(t, err)
	assert.Equal(t, []string{"go", "python", "javascript"}, language.Strings(ls), "Strings gives canonical names")
}
