package review_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/codementor/codementor/domain/review"
)

// A model's text may hold NUL or broken UTF-8, which the database refuses:
// the checked answer holds neither, so storing the review cannot fail on
// every retry.
func TestCheckAnswerLeavesNothingTheStoreRefuses(t *testing.T) {
	t.Parallel()
	a := review.Answer{Summary: "good\x00 work \xff", Strengths: []string{"tests\x00"},
		Findings: []review.Finding{{Path: "main.go", StartLine: 1, EndLine: 1, Severity: review.SeverityMinor,
			Category: review.CategoryBug, Message: "nil\x00 check", Suggestion: "add \xfe one"}}}
	got := review.CheckAnswer(a, map[string]int{"main.go": 3}, 10)
	texts := append([]string{got.Summary}, got.Strengths...)
	for _, f := range got.Findings {
		texts = append(texts, f.Message, f.Suggestion)
	}
	assert.Len(t, got.Findings, 1)
	for _, s := range texts {
		assert.False(t, strings.ContainsRune(s, 0), "%q", s)
		assert.True(t, utf8.ValidString(s), "%q", s)
	}
	assert.Equal(t, "nil check", got.Findings[0].Message)
}
