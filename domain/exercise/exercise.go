// Package exercise holds exercises, learners' attempts and submissions,
// grading, XP, streaks, achievements and the daily exercise policy.
package exercise

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/language"
)

// Difficulty is 1 (easy), 2 (medium) or 3 (hard).
type Difficulty struct{ value int }

var (
	Easy   = Difficulty{1}
	Medium = Difficulty{2}
	Hard   = Difficulty{3}
)

// ParseDifficulty accepts 1..3.
func ParseDifficulty(n int) (Difficulty, error) {
	if n < 1 || n > 3 {
		return Difficulty{}, domain.NewValidationError("difficulty", "must be 1, 2 or 3")
	}
	return Difficulty{n}, nil
}

// Int is the difficulty's number.
func (d Difficulty) Int() int                { return d.value }
func (d Difficulty) Equal(o Difficulty) bool { return d.value == o.value }
func (d Difficulty) IsZero() bool            { return d.value == 0 }
func (d Difficulty) String() string          { return [...]string{"", "easy", "medium", "hard"}[d.value] }

// Visibility says who may see an exercise.
type Visibility struct{ value string }

var (
	Public    = Visibility{"public"}
	OwnerOnly = Visibility{"owner"}
)

// ParseVisibility accepts "public" or "owner".
func ParseVisibility(s string) (Visibility, error) {
	switch s {
	case "public":
		return Public, nil
	case "owner":
		return OwnerOnly, nil
	}
	return Visibility{}, domain.NewValidationError("visibility", "must be public or owner")
}

func (v Visibility) String() string { return v.value }

// Source says where an exercise comes from.
type Source string

const (
	SourceCatalog   Source = "catalog"
	SourceGenerated Source = "generated"
)

// HintLevels is the number of authored hints every exercise carries.
const HintLevels = 3

// Content limits, shared by authored and generated exercises.
const (
	MinTests          = 5
	MinHiddenTests    = 2
	MaxTests          = 50
	MaxPromptBytes    = 16 << 10
	MaxCodeBytes      = 64 << 10
	MaxTestValueBytes = 64 << 10
	maxTitleRunes     = 120
	maxTopics         = 8
)

var (
	slugRe  = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	topicRe = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	entryRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// TestCase is one test: the entry function is called with Args (a JSON
// array) and must return Expected (JSON). Hidden tests never reveal their
// arguments, expected value or output to the learner.
type TestCase struct {
	Name     string
	Args     json.RawMessage
	Expected json.RawMessage
	Hidden   bool
}

// Exercise is a programming task graded by running tests. The reference
// solution never leaves the server.
type Exercise struct {
	id          string
	slug        string
	title       string
	lang        language.Language
	difficulty  Difficulty
	topics      []string
	prompt      string
	starterCode string
	solution    string
	entry       string
	tests       []TestCase
	hints       []string
	visibility  Visibility
	ownerID     string
	source      Source
	version     string
	createdAt   time.Time
	updatedAt   time.Time
}

// Snapshot is every stored field of an Exercise, for adapters.
type Snapshot struct {
	ID          string
	Slug        string
	Title       string
	Language    language.Language
	Difficulty  Difficulty
	Topics      []string
	Prompt      string
	StarterCode string
	Solution    string
	Entry       string
	Tests       []TestCase
	Hints       []string
	Visibility  Visibility
	OwnerID     string
	Source      Source
	Version     string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// New validates a snapshot and builds the exercise from it: catalogue
// loaders and the generator both come through here.
func New(s Snapshot) (*Exercise, error) {
	if err := Validate(s); err != nil {
		return nil, err
	}
	return Rehydrate(s), nil
}

// Rehydrate rebuilds a stored exercise without re-running the rules.
func Rehydrate(s Snapshot) *Exercise {
	return &Exercise{id: s.ID, slug: s.Slug, title: s.Title, lang: s.Language, difficulty: s.Difficulty,
		topics: append([]string(nil), s.Topics...), prompt: s.Prompt, starterCode: s.StarterCode, solution: s.Solution,
		entry: s.Entry, tests: copyTests(s.Tests), hints: append([]string(nil), s.Hints...), visibility: s.Visibility,
		ownerID: s.OwnerID, source: s.Source, version: s.Version, createdAt: s.CreatedAt.UTC(), updatedAt: s.UpdatedAt.UTC()}
}

// Snapshot returns every field, for storage.
func (e *Exercise) Snapshot() Snapshot {
	return Snapshot{ID: e.id, Slug: e.slug, Title: e.title, Language: e.lang, Difficulty: e.difficulty,
		Topics: e.Topics(), Prompt: e.prompt, StarterCode: e.starterCode, Solution: e.solution, Entry: e.entry,
		Tests: e.Tests(), Hints: e.Hints(), Visibility: e.visibility, OwnerID: e.ownerID, Source: e.source,
		Version: e.version, CreatedAt: e.createdAt, UpdatedAt: e.updatedAt}
}

func copyTests(in []TestCase) []TestCase {
	out := make([]TestCase, len(in))
	for i, t := range in {
		out[i] = TestCase{Name: t.Name, Args: append(json.RawMessage(nil), t.Args...),
			Expected: append(json.RawMessage(nil), t.Expected...), Hidden: t.Hidden}
	}
	return out
}

func (e *Exercise) ID() string                  { return e.id }
func (e *Exercise) Slug() string                { return e.slug }
func (e *Exercise) Title() string               { return e.title }
func (e *Exercise) Language() language.Language { return e.lang }
func (e *Exercise) Difficulty() Difficulty      { return e.difficulty }
func (e *Exercise) Topics() []string            { return append([]string(nil), e.topics...) }
func (e *Exercise) Prompt() string              { return e.prompt }
func (e *Exercise) StarterCode() string         { return e.starterCode }
func (e *Exercise) Solution() string            { return e.solution }
func (e *Exercise) Entry() string               { return e.entry }
func (e *Exercise) Tests() []TestCase           { return copyTests(e.tests) }
func (e *Exercise) Hints() []string             { return append([]string(nil), e.hints...) }
func (e *Exercise) Visibility() Visibility      { return e.visibility }
func (e *Exercise) OwnerID() string             { return e.ownerID }
func (e *Exercise) Source() Source              { return e.source }
func (e *Exercise) Version() string             { return e.version }
func (e *Exercise) CreatedAt() time.Time        { return e.createdAt }
func (e *Exercise) UpdatedAt() time.Time        { return e.updatedAt }

// HasTopic reports whether the exercise practises topic.
func (e *Exercise) HasTopic(topic string) bool {
	for _, t := range e.topics {
		if t == topic {
			return true
		}
	}
	return false
}

// VisibleTo says whether the learner may see the exercise: public ones to
// everybody, owner-only ones to their author alone.
func (e *Exercise) VisibleTo(learnerID string) bool {
	return e.visibility == Public || (e.ownerID != "" && e.ownerID == learnerID)
}

// VisibleTests are the tests whose details the learner may see.
func (e *Exercise) VisibleTests() []TestCase {
	var out []TestCase
	for _, t := range copyTests(e.tests) {
		if !t.Hidden {
			out = append(out, t)
		}
	}
	return out
}

// Validate checks every content rule and reports all problems at once.
func Validate(s Snapshot) error {
	v := &domain.ValidationError{}
	if strings.TrimSpace(s.ID) == "" {
		v.Add("id", "is required")
	}
	if !slugRe.MatchString(s.Slug) || len(s.Slug) > 80 {
		v.Add("slug", "must be lowercase words joined by hyphens, at most 80 characters")
	}
	if t := strings.TrimSpace(s.Title); t == "" || utf8.RuneCountInString(t) > maxTitleRunes {
		v.Add("title", fmt.Sprintf("must be 1..%d characters", maxTitleRunes))
	}
	if s.Language.IsZero() {
		v.Add("language", "is required")
	}
	if s.Difficulty.IsZero() {
		v.Add("difficulty", "must be 1, 2 or 3")
	}
	if len(s.Topics) == 0 || len(s.Topics) > maxTopics {
		v.Add("topics", fmt.Sprintf("must list 1..%d topics", maxTopics))
	}
	seenTopic := map[string]bool{}
	for _, t := range s.Topics {
		if !topicRe.MatchString(t) || seenTopic[t] {
			v.Add("topics", fmt.Sprintf("%q must be a unique lowercase-hyphenated word", t))
		}
		seenTopic[t] = true
	}
	if strings.TrimSpace(s.Prompt) == "" || len(s.Prompt) > MaxPromptBytes {
		v.Add("prompt", "must be 1..16 KiB of Markdown")
	}
	if len(s.StarterCode) > MaxCodeBytes || strings.TrimSpace(s.StarterCode) == "" {
		v.Add("starter_code", "must be 1..64 KiB")
	}
	if len(s.Solution) > MaxCodeBytes || strings.TrimSpace(s.Solution) == "" {
		v.Add("solution", "must be 1..64 KiB")
	}
	if !entryRe.MatchString(s.Entry) {
		v.Add("entry", "must be the name of the function the tests call")
	}
	validateTests(v, s.Tests)
	if len(s.Hints) != HintLevels {
		v.Add("hints", fmt.Sprintf("must hold exactly %d hints", HintLevels))
	}
	for i, h := range s.Hints {
		if strings.TrimSpace(h) == "" || len(h) > 2000 {
			v.Add(fmt.Sprintf("hints[%d]", i), "must be 1..2000 characters")
		}
	}
	if s.Visibility != Public && s.Visibility != OwnerOnly {
		v.Add("visibility", "must be public or owner")
	}
	if s.Visibility == OwnerOnly && s.OwnerID == "" {
		v.Add("owner_id", "is required for an owner-only exercise")
	}
	if s.Source != SourceCatalog && s.Source != SourceGenerated {
		v.Add("source", "must be catalog or generated")
	}
	return v.OrNil()
}

func validateTests(v *domain.ValidationError, tests []TestCase) {
	if len(tests) < MinTests || len(tests) > MaxTests {
		v.Add("tests", fmt.Sprintf("must hold %d..%d tests", MinTests, MaxTests))
	}
	hidden := 0
	names := map[string]bool{}
	for i, t := range tests {
		f := fmt.Sprintf("tests[%d]", i)
		if t.Hidden {
			hidden++
		}
		if strings.TrimSpace(t.Name) == "" || len(t.Name) > 100 || names[t.Name] {
			v.Add(f+".name", "must be a unique name of 1..100 characters")
		}
		names[t.Name] = true
		var args []any
		if len(t.Args) > MaxTestValueBytes || json.Unmarshal(t.Args, &args) != nil || args == nil {
			v.Add(f+".args", "must be a JSON array of arguments")
		}
		if len(t.Expected) == 0 || len(t.Expected) > MaxTestValueBytes || !json.Valid(t.Expected) {
			v.Add(f+".expected", "must be a JSON value")
		}
	}
	if hidden < MinHiddenTests {
		v.Add("tests", fmt.Sprintf("must hold at least %d hidden tests", MinHiddenTests))
	}
	if hidden == len(tests) && len(tests) > 0 {
		v.Add("tests", "must hold at least one visible test")
	}
}

// TopicVocabulary is the closed list of topics exercises are tagged with;
// the catalogue, the generator and code reviews' learning links use it.
var TopicVocabulary = []string{"basics", "conditionals", "loops", "strings", "arrays", "hash-maps", "sets",
	"sorting", "searching", "recursion", "math", "two-pointers", "stacks-queues", "dynamic-programming", "parsing",
	"bit-manipulation", "greedy", "matrices", "intervals", "error-handling"}

// KnownTopic reports whether t is in the vocabulary.
func KnownTopic(t string) bool {
	for _, v := range TopicVocabulary {
		if v == t {
			return true
		}
	}
	return false
}
