package review_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/review"
)

func TestTopicScoresFromFindingWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    review.Finding
		want map[string]int
	}{
		{"off by one", review.Finding{Severity: "major", Category: "bug", Message: "Off-by-one: the loop reads past the end."},
			map[string]int{"loops": 6, "arrays": 6}},
		{"index out of range", review.Finding{Severity: "minor", Category: "bug", Message: "This can raise IndexError when the index is out of range."},
			map[string]int{"arrays": 4, "error-handling": 4}},
		{"nil", review.Finding{Severity: "critical", Category: "bug", Message: "Dereferences a nil pointer."},
			map[string]int{"error-handling": 8}},
		{"ignored error", review.Finding{Severity: "major", Category: "bug", Message: "The error returned by Close is ignored."},
			map[string]int{"error-handling": 6}},
		{"quadratic", review.Finding{Severity: "minor", Category: "performance", Message: "This is O(n^2) because of the nested loops."},
			map[string]int{"hash-maps": 4, "searching": 4, "loops": 4}},
		{"slow lookups", review.Finding{Severity: "info", Category: "performance", Message: "Slow: use a dictionary for lookups."},
			map[string]int{"hash-maps": 2, "searching": 2}},
		{"sorting", review.Finding{Severity: "minor", Category: "performance", Message: "Sorting the list on every call is wasteful."},
			map[string]int{"sorting": 4, "arrays": 4}},
		{"recursion", review.Finding{Severity: "major", Category: "bug", Message: "The recursive call has no base case."},
			map[string]int{"recursion": 6}},
		{"parsing", review.Finding{Severity: "minor", Category: "bug", Message: "Parse the date once instead of splitting by hand.", Suggestion: "Use a parser."},
			map[string]int{"parsing": 4}},
		{"strings", review.Finding{Severity: "info", Category: "performance", Message: "Concatenating strings in a loop copies them."},
			map[string]int{"strings": 2, "loops": 2}},
		{"conditionals", review.Finding{Severity: "info", Category: "readability", Message: "Use an early return instead of nesting the if statements."},
			map[string]int{"conditionals": 2}},
		{"memoisation", review.Finding{Severity: "minor", Category: "performance", Message: "Memoize fib."},
			map[string]int{"dynamic-programming": 4}},
		{"naming", review.Finding{Severity: "info", Category: "readability", Message: "Naming: x1 says nothing; avoid magic numbers."},
			map[string]int{"basics": 2}},
		{"division by zero", review.Finding{Severity: "major", Category: "bug", Message: "Division by zero when the list is empty."},
			map[string]int{"math": 6, "arrays": 6}},
		{"category only: bug", review.Finding{Severity: "major", Category: "bug", Message: "Wrong result for negative amounts."},
			map[string]int{"error-handling": 3}},
		{"category only: design", review.Finding{Severity: "minor", Category: "design", Message: "Split this module."},
			map[string]int{"basics": 2}},
		{"category only: performance", review.Finding{Severity: "critical", Category: "performance", Message: "Reads the whole table."},
			map[string]int{"hash-maps": 4}},
		{"unknown category and no words", review.Finding{Severity: "major", Category: "style", Message: "Hmm."},
			map[string]int{}},
		{"words are not parts of words", review.Finding{Severity: "minor", Category: "readability", Message: "Reset the settings; stringify? No: research the mapping."},
			map[string]int{"basics": 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, review.TopicScores([]review.Finding{tt.f}))
		})
	}
}

func TestChooseTopics(t *testing.T) {
	t.Parallel()
	nilBug := review.Finding{Severity: "critical", Category: "bug", Message: "Crashes on a nil map."}
	loopBug := review.Finding{Severity: "major", Category: "bug", Message: "Off-by-one in the loop."}
	style := review.Finding{Severity: "info", Category: "readability", Message: "Rename x."}
	tests := []struct {
		name     string
		model    []string
		findings []review.Finding
		want     []string
	}{
		{"nothing at all", nil, nil, nil},
		{"model topics without findings", []string{"recursion", "strings"}, nil, []string{"recursion", "strings"}},
		{"model topics cleaned", []string{" Recursion", "made-up", "recursion", "", "SETS"}, nil, []string{"recursion", "sets"}},
		{"at most three model topics", []string{"sets", "strings", "math", "greedy"}, nil, []string{"sets", "strings", "math"}},
		{"model topics ranked by the findings", []string{"strings", "loops", "math", "error-handling"}, []review.Finding{nilBug, loopBug},
			[]string{"error-handling", "loops", "strings"}},
		{"completed from findings", []string{"recursion"}, []review.Finding{nilBug, loopBug},
			[]string{"recursion", "error-handling", "loops"}},
		{"only findings", nil, []review.Finding{loopBug, nilBug}, []string{"error-handling", "loops", "arrays"}},
		{"a weak third topic is left out", []string{"recursion", "sets"}, []review.Finding{style}, []string{"recursion", "sets"}},
		{"a weak second topic is taken", []string{"recursion"}, []review.Finding{style}, []string{"recursion", "basics"}},
		{"a single weak finding still links", nil, []review.Finding{style}, []string{"basics"}},
		{"fallback when nothing maps", nil, []review.Finding{{Severity: "major", Category: "style", Message: "Hmm."}}, []string{"basics"}},
		{"invalid model topics only", []string{"kubernetes"}, []review.Finding{nilBug}, []string{"error-handling"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := review.ChooseTopics(tt.model, tt.findings)
			assert.Equal(t, tt.want, got)
			assert.LessOrEqual(t, len(got), review.MaxTopics)
			for _, tp := range got {
				assert.True(t, exercise.KnownTopic(tp), tp)
			}
			if len(tt.findings) > 0 {
				assert.NotEmpty(t, got)
			}
			// Deterministic.
			assert.Equal(t, got, review.ChooseTopics(tt.model, tt.findings))
		})
	}
}

func TestChooseTopicsTiesFollowTheVocabulary(t *testing.T) {
	t.Parallel()
	// Equal scores for arrays, loops (off-by-one) and strings: vocabulary order.
	f := []review.Finding{
		{Severity: "minor", Category: "bug", Message: "Off-by-one."},
		{Severity: "minor", Category: "bug", Message: "Mutates the string."},
	}
	assert.Equal(t, []string{"loops", "strings", "arrays"}, review.ChooseTopics(nil, f))
	reversed := []review.Finding{f[1], f[0]}
	assert.Equal(t, review.ChooseTopics(nil, f), review.ChooseTopics(nil, reversed))
}
