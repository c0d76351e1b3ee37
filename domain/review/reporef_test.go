package review_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/review"
)

func TestParseRepoRefAcceptsEveryUsualForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, owner, name string
	}{
		{"octocat/hello-world", "octocat", "hello-world"},
		{"  octocat/hello-world \n", "octocat", "hello-world"},
		{"octocat/hello-world/", "octocat", "hello-world"},
		{"octocat/hello-world.git", "octocat", "hello-world"},
		{"Octo-Cat/Hello_World.js", "Octo-Cat", "Hello_World.js"},
		{"https://github.com/octocat/hello-world", "octocat", "hello-world"},
		{"https://github.com/octocat/hello-world/", "octocat", "hello-world"},
		{"https://github.com/octocat/hello-world.git", "octocat", "hello-world"},
		{"https://github.com/octocat/hello-world.git/", "octocat", "hello-world"},
		{"https://github.com/octocat/hello-world/tree/main/src/app", "octocat", "hello-world"},
		{"https://github.com/octocat/hello-world/pull/3", "octocat", "hello-world"},
		{"https://github.com/octocat/hello-world/blob/main/README.md#L10", "octocat", "hello-world"},
		{"https://github.com/octocat/hello-world?tab=readme-ov-file", "octocat", "hello-world"},
		{"https://github.com/octocat/hello-world#readme", "octocat", "hello-world"},
		{"http://github.com/octocat/hello-world", "octocat", "hello-world"},
		{"HTTPS://GitHub.com/octocat/hello-world", "octocat", "hello-world"},
		{"https://www.github.com/octocat/hello-world", "octocat", "hello-world"},
		{"github.com/octocat/hello-world", "octocat", "hello-world"},
		{"www.github.com/octocat/hello-world/tree/dev", "octocat", "hello-world"},
		{"https://github.example.com/team/service", "team", "service"},
		{"https://git.corp.internal:8443/team/service.git", "team", "service"},
		{"https://user:secret@github.com/octocat/hello-world.git", "octocat", "hello-world"},
		{"git@github.com:octocat/hello-world.git", "octocat", "hello-world"},
		{"git@github.com:octocat/hello-world", "octocat", "hello-world"},
		{"git@github.example.com:team/service.git", "team", "service"},
		{"ssh://git@github.com/octocat/hello-world.git", "octocat", "hello-world"},
		{"git://github.com/octocat/hello-world.git", "octocat", "hello-world"},
		{"a/b", "a", "b"},
		{"a1/.dotfiles", "a1", ".dotfiles"},
		{"a/..x", "a", "..x"},
		{strings.Repeat("a", 39) + "/" + strings.Repeat("r", 100), strings.Repeat("a", 39), strings.Repeat("r", 100)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			owner, name, err := review.ParseRepoRef(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.owner, owner)
			assert.Equal(t, tt.name, name)
		})
	}
}

func TestParseRepoRefRefusesWhatIsNotARepository(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
	}{
		{"empty", ""},
		{"blank", "   "},
		{"owner only", "octocat"},
		{"owner with slash", "octocat/"},
		{"url without repo", "https://github.com/octocat"},
		{"host only", "https://github.com/"},
		{"three segments without host", "octocat/hello/world"},
		{"leading slash", "/octocat/hello"},
		{"space inside", "octo cat/hello"},
		{"newline inside", "octocat/hello\nworld"},
		{"ftp scheme", "ftp://github.com/octocat/hello"},
		{"file scheme", "file:///home/me/repo"},
		{"owner leading hyphen", "-octocat/hello"},
		{"owner trailing hyphen", "octocat-/hello"},
		{"owner double hyphen", "octo--cat/hello"},
		{"owner underscore", "octo_cat/hello"},
		{"owner dot is a host", "octo.cat/hello"},
		{"owner too long", strings.Repeat("a", 40) + "/hello"},
		{"repo too long", "octocat/" + strings.Repeat("r", 101)},
		{"repo dot", "octocat/."},
		{"repo dotdot", "octocat/.."},
		{"repo only .git", "octocat/.git"},
		{"repo bad char", "octocat/hello!"},
		{"repo unicode", "octocat/héllo"},
		{"owner unicode", "ōctocat/hello"},
		{"encoded slash", "https://github.com/octo%2Fcat/hello"},
		{"scp without path", "git@github.com:"},
		{"scp without host", "git@:octocat/hello"},
		{"at sign in plain ref", "octocat/hello@v1"},
		{"url with one segment after host", "github.com/octocat"},
		{"javascript scheme", "javascript:alert(1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			owner, name, err := review.ParseRepoRef(tt.in)
			require.Error(t, err)
			assert.Empty(t, owner)
			assert.Empty(t, name)
			var verr *domain.ValidationError
			require.True(t, errors.As(err, &verr))
			require.Len(t, verr.Issues, 1)
			assert.Equal(t, "full_name", verr.Issues[0].Field)
			assert.NotEmpty(t, verr.Issues[0].Issue)
		})
	}
}

func TestParseRepoRefFieldNamesTheField(t *testing.T) {
	t.Parallel()
	_, _, err := review.ParseRepoRefField("url", "https://github.com/octocat")
	var verr *domain.ValidationError
	require.True(t, errors.As(err, &verr))
	assert.Equal(t, "url", verr.Issues[0].Field)

	owner, name, err := review.ParseRepoRefField("url", "https://github.com/octocat/hello-world")
	require.NoError(t, err)
	assert.Equal(t, "octocat/hello-world", owner+"/"+name)
}

func TestParseRepoRefSaysWhichPartIsWrong(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, contains string
	}{
		{"octocat", "owner/name"},
		{"-octocat/hello", "owner"},
		{"octocat/hello!", "repository name"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			_, _, err := review.ParseRepoRef(tt.in)
			var verr *domain.ValidationError
			require.True(t, errors.As(err, &verr))
			assert.Contains(t, verr.Issues[0].Issue, tt.contains)
		})
	}
}

func TestValidOwnerAndRepoName(t *testing.T) {
	t.Parallel()
	owners := map[string]bool{"a": true, "a-b": true, "A1-b2-C3": true, "": false, "-a": false, "a-": false,
		"a--b": false, "a.b": false, "a_b": false, strings.Repeat("x", 39): true, strings.Repeat("x", 40): false}
	for in, want := range owners {
		assert.Equal(t, want, review.ValidOwner(in), "owner %q", in)
	}
	names := map[string]bool{"a": true, "a.b_c-d": true, ".github": true, "...": true, "": false, ".": false,
		"..": false, "a/b": false, "a b": false, "ä": false, strings.Repeat("x", 100): true, strings.Repeat("x", 101): false}
	for in, want := range names {
		assert.Equal(t, want, review.ValidRepoName(in), "name %q", in)
	}
}
