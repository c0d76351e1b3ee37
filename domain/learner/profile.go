// Package learner holds what CodeMentor knows about a learner as a learner:
// preferences and onboarding answers (the account itself is in identity).
package learner

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/language"
)

// SkillLevel is how experienced the learner says they are.
type SkillLevel struct{ value string }

var (
	Beginner     = SkillLevel{"beginner"}
	Intermediate = SkillLevel{"intermediate"}
	Advanced     = SkillLevel{"advanced"}
)

// ParseSkillLevel accepts beginner, intermediate or advanced.
func ParseSkillLevel(s string) (SkillLevel, error) {
	switch s {
	case "beginner":
		return Beginner, nil
	case "intermediate":
		return Intermediate, nil
	case "advanced":
		return Advanced, nil
	}
	return SkillLevel{}, domain.NewValidationError("skill_level", "must be one of: beginner, intermediate, advanced")
}

func (s SkillLevel) String() string          { return s.value }
func (s SkillLevel) Equal(o SkillLevel) bool { return s.value == o.value }

// TutorStyle is how the AI tutor talks to the learner.
type TutorStyle struct{ value string }

var (
	// Socratic asks guiding questions and never hands over answers.
	Socratic = TutorStyle{"socratic"}
	// Direct explains plainly and concisely.
	Direct = TutorStyle{"direct"}
	// Encouraging explains with more reassurance and smaller steps.
	Encouraging = TutorStyle{"encouraging"}
)

// ParseTutorStyle accepts socratic, direct or encouraging.
func ParseTutorStyle(s string) (TutorStyle, error) {
	switch s {
	case "socratic":
		return Socratic, nil
	case "direct":
		return Direct, nil
	case "encouraging":
		return Encouraging, nil
	}
	return TutorStyle{}, domain.NewValidationError("tutor_style", "must be one of: socratic, direct, encouraging")
}

func (s TutorStyle) String() string          { return s.value }
func (s TutorStyle) Equal(o TutorStyle) bool { return s.value == o.value }

// Limits of the preferences and onboarding answers.
const (
	MinDailyGoalMinutes = 5
	MaxDailyGoalMinutes = 240
	MaxGoals            = 10
	MaxGoalLength       = 200
)

// Preferences shape the daily exercise and the tutor.
type Preferences struct {
	Languages          []language.Language
	SkillLevel         SkillLevel
	DailyGoalMinutes   int
	TutorStyle         TutorStyle
	EmailNotifications bool
}

// DefaultPreferences are a new learner's until they say otherwise.
func DefaultPreferences() Preferences {
	return Preferences{
		Languages: []language.Language{language.Python}, SkillLevel: Beginner,
		DailyGoalMinutes: 20, TutorStyle: Socratic, EmailNotifications: true,
	}
}

// PreferencesPatch is a partial update: nil fields stay as they are.
type PreferencesPatch struct {
	Languages          []string
	SkillLevel         *string
	DailyGoalMinutes   *int
	TutorStyle         *string
	EmailNotifications *bool
}

// Profile is the learner's preferences and onboarding answers.
type Profile struct {
	userID      string
	prefs       Preferences
	goals       []string
	onboardedAt *time.Time
	updatedAt   time.Time
}

// NewProfile starts a learner's profile with default preferences.
func NewProfile(userID string, now time.Time) *Profile {
	return &Profile{userID: userID, prefs: DefaultPreferences(), goals: []string{}, updatedAt: now.UTC()}
}

// RehydrateProfile rebuilds a stored profile.
func RehydrateProfile(userID string, prefs Preferences, goals []string, onboardedAt *time.Time, updatedAt time.Time) *Profile {
	prefs.Languages = slices.Clone(prefs.Languages)
	goals = append([]string{}, goals...)
	if onboardedAt != nil {
		t := onboardedAt.UTC()
		onboardedAt = &t
	}
	return &Profile{userID: userID, prefs: prefs, goals: goals, onboardedAt: onboardedAt, updatedAt: updatedAt.UTC()}
}

func copyTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := *t
	return &v
}

func (p *Profile) UserID() string { return p.userID }
func (p *Profile) Preferences() Preferences {
	prefs := p.prefs
	prefs.Languages = slices.Clone(p.prefs.Languages)
	return prefs
}
func (p *Profile) Goals() []string         { return append([]string{}, p.goals...) }
func (p *Profile) OnboardedAt() *time.Time { return copyTime(p.onboardedAt) }
func (p *Profile) UpdatedAt() time.Time    { return p.updatedAt }
func (p *Profile) Onboarded() bool         { return p.onboardedAt != nil }

// ApplyPreferences validates every field of the patch first and changes
// nothing unless all are valid.
func (p *Profile) ApplyPreferences(patch PreferencesPatch, now time.Time) error {
	next := p.prefs
	verr := &domain.ValidationError{}
	if patch.Languages != nil {
		langs, err := parseLanguages(patch.Languages)
		if err != nil {
			verr.Add("languages", err.Error())
		}
		next.Languages = langs
	}
	if patch.SkillLevel != nil {
		lvl, err := ParseSkillLevel(*patch.SkillLevel)
		if err != nil {
			verr.Add("skill_level", "must be one of: beginner, intermediate, advanced")
		}
		next.SkillLevel = lvl
	}
	if patch.DailyGoalMinutes != nil {
		m := *patch.DailyGoalMinutes
		if m < MinDailyGoalMinutes || m > MaxDailyGoalMinutes {
			verr.Add("daily_goal_minutes", "must be between 5 and 240")
		}
		next.DailyGoalMinutes = m
	}
	if patch.TutorStyle != nil {
		st, err := ParseTutorStyle(*patch.TutorStyle)
		if err != nil {
			verr.Add("tutor_style", "must be one of: socratic, direct, encouraging")
		}
		next.TutorStyle = st
	}
	if patch.EmailNotifications != nil {
		next.EmailNotifications = *patch.EmailNotifications
	}
	if err := verr.OrNil(); err != nil {
		return err
	}
	p.prefs = next
	p.updatedAt = now.UTC()
	return nil
}

type issue string

func (i issue) Error() string { return string(i) }

func parseLanguages(names []string) ([]language.Language, error) {
	if len(names) == 0 {
		return nil, issue("must name at least one language")
	}
	langs, err := language.ParseList("languages", names)
	if err != nil {
		return nil, issue("must hold only: python, javascript, go")
	}
	return langs, nil
}

// Onboarding is the answers of the first-run questionnaire.
type Onboarding struct {
	Languages        []string
	SkillLevel       string
	Goals            []string
	DailyGoalMinutes *int
}

// Onboard records the questionnaire. A second call updates the answers
// (the first onboarding time is kept).
func (p *Profile) Onboard(in Onboarding, now time.Time) error {
	verr := &domain.ValidationError{}
	langs, err := parseLanguages(in.Languages)
	if err != nil {
		verr.Add("languages", err.Error())
	}
	lvl, err := ParseSkillLevel(in.SkillLevel)
	if err != nil {
		verr.Add("skill_level", "must be one of: beginner, intermediate, advanced")
	}
	goals, issueText := normalizeGoals(in.Goals)
	if issueText != "" {
		verr.Add("goals", issueText)
	}
	minutes := p.prefs.DailyGoalMinutes
	if in.DailyGoalMinutes != nil {
		minutes = *in.DailyGoalMinutes
		if minutes < MinDailyGoalMinutes || minutes > MaxDailyGoalMinutes {
			verr.Add("daily_goal_minutes", "must be between 5 and 240")
		}
	}
	if err := verr.OrNil(); err != nil {
		return err
	}
	now = now.UTC()
	p.prefs.Languages, p.prefs.SkillLevel, p.prefs.DailyGoalMinutes = langs, lvl, minutes
	p.goals = goals
	if p.onboardedAt == nil {
		p.onboardedAt = &now
	}
	p.updatedAt = now
	return nil
}

func normalizeGoals(in []string) ([]string, string) {
	out := make([]string, 0, len(in))
	for _, g := range in {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		if !utf8.ValidString(g) || utf8.RuneCountInString(g) > MaxGoalLength {
			return nil, "each goal must be at most 200 characters of text"
		}
		out = append(out, g)
	}
	if len(out) > MaxGoals {
		return nil, "must hold at most 10 goals"
	}
	return out, ""
}
