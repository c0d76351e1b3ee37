package identity

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/codementor/codementor/domain"
)

// Password rules follow NIST SP 800-63B: a length floor, a ceiling, and a
// check against known passwords instead of composition rules, which push
// people towards "Password1!" without making guessing harder.
const (
	minPasswordLength = 12
	// maxPasswordLength is generous for passphrases yet bounds what the
	// hasher is asked to chew on.
	maxPasswordLength = 128
	// minAvoidLength keeps short names ("Al", "Jo") from refusing half the
	// passwords that merely contain those letters.
	minAvoidLength = 4
)

// commonPasswordsFile is the zxcvbn-ts list of frequent leaked passwords;
// data/SOURCE.md says where it came from and under which licence.
//
//go:embed data/common-passwords.txt
var commonPasswordsFile string

var (
	commonPasswordsOnce sync.Once
	commonPasswordsSet  map[string]struct{}
)

// commonPasswords parses the list on first use rather than at init, so
// programs that never check a password do not pay for a 49k-entry map.
func commonPasswords() map[string]struct{} {
	commonPasswordsOnce.Do(func() {
		set := make(map[string]struct{}, 50_000)
		for line := range strings.Lines(commonPasswordsFile) {
			if pw := normalizeForList(line); pw != "" {
				set[pw] = struct{}{}
			}
		}
		commonPasswordsSet = set
	})
	return commonPasswordsSet
}

// normalizeForList makes list entries and candidates comparable: the list
// is lower-cased at the source, and stray surrounding spaces add nothing.
func normalizeForList(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// CheckPassword applies the password policy. avoid holds things about the
// account (its email, its display name) that the password must not contain,
// case-insensitively; parts shorter than four characters are ignored. It
// returns a *domain.ValidationError on field "password" listing every rule
// broken, or nil.
func CheckPassword(pw string, avoid ...string) error {
	if !utf8.ValidString(pw) {
		return domain.NewValidationError("password", "must be valid UTF-8")
	}
	verr := &domain.ValidationError{}
	trimmed := strings.TrimSpace(pw)

	// The floor counts only what lies between surrounding spaces, so
	// padding a short password with blanks does not get it through.
	switch {
	case utf8.RuneCountInString(pw) > maxPasswordLength:
		verr.Add("password", "must be at most 128 characters")
	case utf8.RuneCountInString(trimmed) < minPasswordLength:
		verr.Add("password", "must be at least 12 characters, not counting leading or trailing spaces")
	}
	if isOneRepeatedRune(trimmed) {
		verr.Add("password", "must not be a single repeated character")
	}
	if _, ok := commonPasswords()[normalizeForList(pw)]; ok {
		verr.Add("password", "is too common: it appears in lists of leaked passwords")
	}
	if containsAny(strings.ToLower(pw), avoid) {
		verr.Add("password", "must not contain your email address or name")
	}
	return verr.OrNil()
}

// isOneRepeatedRune reports whether s is one character over and over
// ("aaaaaaaaaaaa"); the leaked-password list leaves such patterns out, and
// an empty string counts too, though the length rule catches it first.
func isOneRepeatedRune(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	for _, r := range s {
		if r != first {
			return false
		}
	}
	return true
}

// containsAny reports whether lowerPW contains any part of the avoid strings
// (see avoidParts) of at least minAvoidLength characters.
func containsAny(lowerPW string, avoid []string) bool {
	for _, a := range avoid {
		for _, p := range avoidParts(strings.ToLower(strings.TrimSpace(a))) {
			if utf8.RuneCountInString(p) >= minAvoidLength && strings.Contains(lowerPW, p) {
				return true
			}
		}
	}
	return false
}

// avoidParts yields a, and for an email its local part, then the words of
// the local part or of a name: "ada.lovelace@example.com" gives "lovelace"
// too, but not "example", lest every password naming a mail provider fail.
func avoidParts(a string) []string {
	parts := []string{a}
	words := a
	if at := strings.LastIndexByte(a, '@'); at >= 0 {
		words = a[:at]
		parts = append(parts, words)
	}
	notWordRune := func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }
	return append(parts, strings.FieldsFunc(words, notWordRune)...)
}
