package identity_test

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
)

// passwordIssues runs CheckPassword and returns its issues, all of which
// must be on the "password" field.
func passwordIssues(t *testing.T, pw string, avoid ...string) []string {
	t.Helper()
	err := identity.CheckPassword(pw, avoid...)
	if err == nil {
		return nil
	}
	var verr *domain.ValidationError
	require.ErrorAs(t, err, &verr)
	issues := make([]string, 0, len(verr.Issues))
	for _, i := range verr.Issues {
		assert.Equal(t, "password", i.Field)
		issues = append(issues, i.Issue)
	}
	return issues
}

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	const (
		tooShort  = "at least 12 characters"
		tooLong   = "at most 128 characters"
		common    = "too common"
		repeated  = "single repeated character"
		personal  = "email address or name"
		badUTF8   = "valid UTF-8"
		adaEmail  = "ada.lovelace@example.com"
		adaName   = "Countess Ada"
		shortName = "Al"
	)
	tests := []struct {
		name  string
		pw    string
		avoid []string
		want  []string // substrings of the expected issues, in order; nil means accepted
	}{
		{name: "strong passphrase", pw: "Mauve otters juggle quietly at dawn"},
		{name: "exactly 12 characters", pw: "tq7#Lm2vRx9p"},
		{name: "11 characters", pw: "tq7#Lm2vRx9", want: []string{tooShort}},
		{name: "empty", pw: "", want: []string{tooShort, repeated}},
		{name: "12 code points in more than 12 bytes", pw: "ключ-от-дома"},
		{name: "11 code points in more than 12 bytes", pw: "ключ-от-дом", want: []string{tooShort}},
		{name: "spaces do not pad to the floor", pw: "   abcdefghi   ", want: []string{tooShort}},
		{name: "inner spaces count", pw: "abc def ghi jk"},
		{name: "128 characters", pw: strings.Repeat("ab", 64)},
		{name: "128 multi-byte characters", pw: strings.Repeat("жё", 64)},
		{name: "129 characters", pw: strings.Repeat("ab", 64) + "c", want: []string{tooLong}},
		{name: "invalid UTF-8", pw: "tq7#Lm2vRx9p\xff", want: []string{badUTF8}},
		{name: "leaked", pw: "password1234", want: []string{common}},
		{name: "leaked, other case", pw: "PassWord1234", want: []string{common}},
		{name: "leaked, padded", pw: "  qwertyuiop123\t", want: []string{common}},
		{name: "leaked keyboard walk", pw: "1qaz2wsx3edc", want: []string{common}},
		{name: "leaked plus a digit", pw: "password12345"},
		{name: "one repeated character", pw: "aaaaaaaaaaaa", want: []string{repeated}},
		{name: "one repeated non-ASCII character", pw: "éééééééééééééé", want: []string{repeated}},
		{name: "two characters repeated", pw: "abababababab"},
		{name: "short and repeated", pw: "aaaa", want: []string{tooShort, repeated}},
		{name: "contains email local part word", pw: "lovelace-rocks-2026", avoid: []string{adaEmail}, want: []string{personal}},
		{name: "contains whole local part", pw: "xADA.LOVELACEx99", avoid: []string{adaEmail}, want: []string{personal}},
		{name: "contains whole email", pw: "ada.lovelace@example.com", avoid: []string{adaEmail}, want: []string{personal}},
		{name: "mail domain is fine", pw: "my-example-mailbox-77", avoid: []string{adaEmail}},
		{name: "local part word under 4 characters is fine", pw: "ada-writes-programs", avoid: []string{adaEmail}},
		{name: "contains a name word", pw: "countess-of-numbers", avoid: []string{adaEmail, adaName}, want: []string{personal}},
		{name: "short name is ignored", pw: "al-the-great-2026", avoid: []string{shortName}},
		{name: "blank avoid is ignored", pw: "tq7#Lm2vRx9p", avoid: []string{"", "   "}},
		{name: "every issue at once", pw: "lovelace", avoid: []string{adaEmail}, want: []string{tooShort, common, personal}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := passwordIssues(t, tt.pw, tt.avoid...)
			require.Len(t, got, len(tt.want), "issues: %q", got)
			for i, want := range tt.want {
				assert.Contains(t, got[i], want)
			}
		})
	}
}

// TestCommonPasswordList checks the shipped list against the policy: it is
// big enough to matter and every entry the length rule lets through is
// still refused, whatever its case.
func TestCommonPasswordList(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("data/common-passwords.txt")
	require.NoError(t, err)
	entries := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")

	require.GreaterOrEqual(t, len(entries), 10_000)
	seen := make(map[string]struct{}, len(entries))
	var reachable []string
	for _, e := range entries {
		require.Equal(t, strings.ToLower(strings.TrimSpace(e)), e, "entries are trimmed and lower-case")
		require.NotEmpty(t, e)
		seen[e] = struct{}{}
		if n := utf8.RuneCountInString(e); n >= 12 && n <= 128 {
			reachable = append(reachable, e)
		}
	}
	assert.Len(t, seen, len(entries), "no duplicates, so the count is honest")
	t.Logf("common password list: %d entries, %d of them 12-128 characters long", len(entries), len(reachable))
	require.NotEmpty(t, reachable)

	for _, pw := range reachable {
		for _, variant := range []string{pw, strings.ToUpper(pw)} {
			issues := passwordIssues(t, variant)
			if assert.Len(t, issues, 1, variant) {
				assert.Contains(t, issues[0], "too common", variant)
			}
		}
	}
}
