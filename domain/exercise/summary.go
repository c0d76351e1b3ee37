package exercise

import (
	"time"

	"github.com/codementor/codementor/domain/language"
)

// Summary is what the daily policy and listings need of an exercise.
type Summary struct {
	ID         string
	Slug       string
	Title      string
	Language   language.Language
	Difficulty Difficulty
	Topics     []string
	Source     Source
	OwnerID    string
}

// Summarize returns the exercise's summary.
func (e *Exercise) Summarize() Summary {
	return Summary{ID: e.id, Slug: e.slug, Title: e.title, Language: e.lang, Difficulty: e.difficulty,
		Topics: e.Topics(), Source: e.source, OwnerID: e.ownerID}
}

// AttemptRecord is an attempt joined with its exercise's summary: the
// learner's history as the daily policy, progress and history read it.
type AttemptRecord struct {
	Attempt  AttemptSnapshot
	Exercise Summary
}

// Achievement is one award a learner earned.
type Achievement struct {
	Code     string
	EarnedAt time.Time
}
