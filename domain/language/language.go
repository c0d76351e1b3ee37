// Package language names the programming languages CodeMentor teaches.
package language

import (
	"strings"

	"github.com/codementor/codementor/domain"
)

// Language is one supported programming language: a closed set.
type Language struct{ value string }

var (
	Python     = Language{"python"}
	JavaScript = Language{"javascript"}
	Go         = Language{"go"}
)

// All lists the supported languages in a stable order.
func All() []Language { return []Language{Python, JavaScript, Go} }

// Parse accepts a supported language's name (case-insensitive) and the
// usual short forms ("py", "js", "golang").
func Parse(s string) (Language, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "python", "py", "python3":
		return Python, nil
	case "javascript", "js", "node", "nodejs":
		return JavaScript, nil
	case "go", "golang":
		return Go, nil
	}
	return Language{}, domain.NewValidationError("language", "must be one of: python, javascript, go")
}

func (l Language) String() string        { return l.value }
func (l Language) Equal(o Language) bool { return l.value == o.value }
func (l Language) IsZero() bool          { return l.value == "" }

// ParseList parses a list of names, refusing unknown ones and collapsing
// duplicates.
func ParseList(field string, names []string) ([]Language, error) {
	out := make([]Language, 0, len(names))
	seen := map[Language]bool{}
	for _, n := range names {
		l, err := Parse(n)
		if err != nil {
			return nil, domain.NewValidationError(field, "must hold only: python, javascript, go")
		}
		if seen[l] {
			continue
		}
		seen[l] = true
		out = append(out, l)
	}
	return out, nil
}

// Strings turns languages back into their names.
func Strings(ls []Language) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.value
	}
	return out
}
