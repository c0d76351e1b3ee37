package review

import (
	"net/url"
	"strings"

	"github.com/codementor/codementor/domain"
)

// GitHub's naming limits.
const (
	MaxOwnerLength    = 39
	MaxRepoNameLength = 100
)

const repoRefForm = "must be owner/name or a GitHub repository URL (https://github.com/owner/name)"

// ParseRepoRef reads the repository a learner wants to link, as typed in
// the "full_name" field: "owner/name", a repository URL on github.com or
// on any other (enterprise) host, with or without ".git", a trailing slash
// or extra path ("/tree/main/src", "/pull/3"), or an SSH remote
// ("git@github.com:owner/name.git"). It answers GitHub's owner and
// repository name, checked against GitHub's naming rules.
func ParseRepoRef(input string) (owner, name string, err error) {
	return ParseRepoRefField("full_name", input)
}

// ParseRepoRefField is ParseRepoRef for an input that came in another
// field ("url"): errors name that field.
func ParseRepoRefField(field, input string) (owner, name string, err error) {
	segs, ok := repoSegments(strings.TrimSpace(input))
	if !ok || len(segs) < 2 {
		return "", "", domain.NewValidationError(field, repoRefForm)
	}
	owner, name = segs[0], strings.TrimSuffix(segs[1], ".git")
	if !ValidOwner(owner) {
		return "", "", domain.NewValidationError(field,
			"the owner must be a GitHub user or organisation name: letters, digits and single hyphens, "+
				"not starting or ending with a hyphen, at most 39 characters")
	}
	if !ValidRepoName(name) {
		return "", "", domain.NewValidationError(field,
			"the repository name may hold only letters, digits, '.', '_' and '-', at most 100 characters")
	}
	return owner, name, nil
}

// repoSegments splits a reference into the path segments that start
// with the owner; ok is false for a form that is not a repository
// reference at all.
func repoSegments(in string) (segs []string, ok bool) {
	if in == "" || strings.ContainsAny(in, " \t\r\n") {
		return nil, false
	}
	lower := strings.ToLower(in)
	switch {
	case strings.HasPrefix(lower, "https://"), strings.HasPrefix(lower, "http://"),
		strings.HasPrefix(lower, "ssh://"), strings.HasPrefix(lower, "git://"):
		u, err := url.Parse(in)
		if err != nil || u.Host == "" {
			return nil, false
		}
		// The escaped path keeps "%2F" from hiding a separator; "%" then
		// fails the name rules.
		return pathSegments(u.EscapedPath()), true
	case strings.Contains(in, "://"):
		return nil, false // another scheme (ftp://, file://)
	}
	// An SSH remote in scp form: user@host:owner/name(.git).
	if at := strings.Index(in, "@"); at > 0 {
		host, path, found := strings.Cut(in[at+1:], ":")
		if !found || host == "" || strings.Contains(in[:at], "/") {
			return nil, false
		}
		return pathSegments(path), true
	}
	segs = pathSegments(in)
	// A first segment with a dot is a host ("github.com/owner/name",
	// "www.github.com/..."): owners never hold dots.
	if len(segs) > 0 && strings.Contains(segs[0], ".") {
		return segs[1:], true
	}
	// Without a host only "owner/name" is unambiguous.
	if len(segs) != 2 || strings.HasPrefix(in, "/") {
		return nil, false
	}
	return segs, true
}

// pathSegments splits a URL path into its segments, ignoring a query or
// fragment and empty segments (a trailing slash).
func pathSegments(p string) []string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ValidOwner applies GitHub's rules for user and organisation names:
// ASCII letters, digits and single hyphens, neither first nor last, at
// most 39 characters.
func ValidOwner(s string) bool {
	if s == "" || len(s) > MaxOwnerLength || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

// ValidRepoName applies GitHub's rules for repository names: ASCII
// letters, digits, '.', '_' and '-', at most 100 characters, not "." or
// "..".
func ValidRepoName(s string) bool {
	if s == "" || len(s) > MaxRepoNameLength || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
