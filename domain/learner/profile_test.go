package learner_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/domain/learner"
)

var (
	profT0  = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	profCET = time.FixedZone("CET", 3600)
)

func profStr(s string) *string { return &s }
func profInt(n int) *int       { return &n }
func profBool(b bool) *bool    { return &b }

func profIssues(t *testing.T, err error) map[string]string {
	t.Helper()
	var verr *domain.ValidationError
	require.True(t, errors.As(err, &verr), "want a *domain.ValidationError, got %v", err)
	out := map[string]string{}
	for _, i := range verr.Issues {
		_, dup := out[i.Field]
		assert.False(t, dup, "field %s reported twice", i.Field)
		out[i.Field] = i.Issue
	}
	return out
}

func profIssueFields(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestNewProfileStartsWithDefaults(t *testing.T) {
	t.Parallel()
	now := profT0.In(profCET)
	p := learner.NewProfile("user-1", now)

	assert.Equal(t, "user-1", p.UserID())
	assert.Equal(t, learner.DefaultPreferences(), p.Preferences())
	prefs := p.Preferences()
	assert.Equal(t, []language.Language{language.Python}, prefs.Languages)
	assert.True(t, prefs.SkillLevel.Equal(learner.Beginner))
	assert.Equal(t, 20, prefs.DailyGoalMinutes)
	assert.True(t, prefs.TutorStyle.Equal(learner.Socratic))
	assert.True(t, prefs.EmailNotifications)

	assert.NotNil(t, p.Goals())
	assert.Empty(t, p.Goals())
	assert.False(t, p.Onboarded())
	assert.Nil(t, p.OnboardedAt())
	assert.True(t, now.Equal(p.UpdatedAt()))
	assert.Equal(t, time.UTC, p.UpdatedAt().Location())
}

func TestDefaultPreferencesAreFreshEachTime(t *testing.T) {
	t.Parallel()
	a := learner.DefaultPreferences()
	a.Languages[0] = language.Go
	assert.Equal(t, []language.Language{language.Python}, learner.DefaultPreferences().Languages)
}

func TestApplyPreferences(t *testing.T) {
	t.Parallel()
	defaults := learner.DefaultPreferences()
	with := func(f func(*learner.Preferences)) learner.Preferences {
		p := learner.DefaultPreferences()
		f(&p)
		return p
	}

	tests := []struct {
		name       string
		patch      learner.PreferencesPatch
		wantIssues []string // fields reported; none means the patch applies
		want       learner.Preferences
	}{
		{name: "empty patch changes nothing", want: defaults},
		{name: "nil languages are left alone", patch: learner.PreferencesPatch{Languages: nil, SkillLevel: profStr("advanced")},
			want: with(func(p *learner.Preferences) { p.SkillLevel = learner.Advanced })},

		{name: "languages replaced, order kept", patch: learner.PreferencesPatch{Languages: []string{"go", "JS"}},
			want: with(func(p *learner.Preferences) { p.Languages = []language.Language{language.Go, language.JavaScript} })},
		{name: "duplicate languages collapse", patch: learner.PreferencesPatch{Languages: []string{"python", "go", "py", "Python3", "golang"}},
			want: with(func(p *learner.Preferences) { p.Languages = []language.Language{language.Python, language.Go} })},
		{name: "empty languages list", patch: learner.PreferencesPatch{Languages: []string{}}, wantIssues: []string{"languages"}},
		{name: "unknown language", patch: learner.PreferencesPatch{Languages: []string{"rust"}}, wantIssues: []string{"languages"}},
		{name: "unknown language among known ones", patch: learner.PreferencesPatch{Languages: []string{"go", "cobol"}}, wantIssues: []string{"languages"}},
		{name: "blank language", patch: learner.PreferencesPatch{Languages: []string{" "}}, wantIssues: []string{"languages"}},

		{name: "skill level intermediate", patch: learner.PreferencesPatch{SkillLevel: profStr("intermediate")},
			want: with(func(p *learner.Preferences) { p.SkillLevel = learner.Intermediate })},
		{name: "skill level unknown", patch: learner.PreferencesPatch{SkillLevel: profStr("expert")}, wantIssues: []string{"skill_level"}},
		{name: "skill level empty", patch: learner.PreferencesPatch{SkillLevel: profStr("")}, wantIssues: []string{"skill_level"}},
		{name: "skill level in capitals", patch: learner.PreferencesPatch{SkillLevel: profStr("Advanced")}, wantIssues: []string{"skill_level"}},

		{name: "daily goal 5", patch: learner.PreferencesPatch{DailyGoalMinutes: profInt(5)},
			want: with(func(p *learner.Preferences) { p.DailyGoalMinutes = 5 })},
		{name: "daily goal 240", patch: learner.PreferencesPatch{DailyGoalMinutes: profInt(240)},
			want: with(func(p *learner.Preferences) { p.DailyGoalMinutes = 240 })},
		{name: "daily goal 4", patch: learner.PreferencesPatch{DailyGoalMinutes: profInt(4)}, wantIssues: []string{"daily_goal_minutes"}},
		{name: "daily goal 241", patch: learner.PreferencesPatch{DailyGoalMinutes: profInt(241)}, wantIssues: []string{"daily_goal_minutes"}},
		{name: "daily goal 0", patch: learner.PreferencesPatch{DailyGoalMinutes: profInt(0)}, wantIssues: []string{"daily_goal_minutes"}},
		{name: "daily goal negative", patch: learner.PreferencesPatch{DailyGoalMinutes: profInt(-30)}, wantIssues: []string{"daily_goal_minutes"}},

		{name: "tutor style direct", patch: learner.PreferencesPatch{TutorStyle: profStr("direct")},
			want: with(func(p *learner.Preferences) { p.TutorStyle = learner.Direct })},
		{name: "tutor style encouraging", patch: learner.PreferencesPatch{TutorStyle: profStr("encouraging")},
			want: with(func(p *learner.Preferences) { p.TutorStyle = learner.Encouraging })},
		{name: "tutor style unknown", patch: learner.PreferencesPatch{TutorStyle: profStr("sarcastic")}, wantIssues: []string{"tutor_style"}},

		{name: "email notifications off", patch: learner.PreferencesPatch{EmailNotifications: profBool(false)},
			want: with(func(p *learner.Preferences) { p.EmailNotifications = false })},

		{
			name: "every field valid: all apply",
			patch: learner.PreferencesPatch{Languages: []string{"javascript"}, SkillLevel: profStr("advanced"),
				DailyGoalMinutes: profInt(45), TutorStyle: profStr("direct"), EmailNotifications: profBool(false)},
			want: learner.Preferences{Languages: []language.Language{language.JavaScript}, SkillLevel: learner.Advanced,
				DailyGoalMinutes: 45, TutorStyle: learner.Direct, EmailNotifications: false},
		},
		{
			name: "valid and invalid fields: nothing applies",
			patch: learner.PreferencesPatch{Languages: []string{"go"}, SkillLevel: profStr("advanced"),
				DailyGoalMinutes: profInt(241), EmailNotifications: profBool(false)},
			wantIssues: []string{"daily_goal_minutes"},
		},
		{
			name: "every invalid field is reported",
			patch: learner.PreferencesPatch{Languages: []string{"rust"}, SkillLevel: profStr("guru"),
				DailyGoalMinutes: profInt(4), TutorStyle: profStr("yelling"), EmailNotifications: profBool(false)},
			wantIssues: []string{"languages", "skill_level", "daily_goal_minutes", "tutor_style"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := learner.NewProfile("user-1", profT0)
			now := profT0.Add(time.Hour).In(profCET)

			err := p.ApplyPreferences(tt.patch, now)
			if len(tt.wantIssues) > 0 {
				require.Error(t, err)
				assert.ElementsMatch(t, tt.wantIssues, profIssueFields(profIssues(t, err)))
				assert.Equal(t, defaults, p.Preferences(), "a refused patch changes nothing")
				assert.True(t, profT0.Equal(p.UpdatedAt()))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, p.Preferences())
			assert.True(t, now.Equal(p.UpdatedAt()))
			assert.Equal(t, time.UTC, p.UpdatedAt().Location())
		})
	}
}

func TestApplyPreferencesLanguageIssues(t *testing.T) {
	t.Parallel()
	p := learner.NewProfile("user-1", profT0)
	err := p.ApplyPreferences(learner.PreferencesPatch{Languages: []string{}}, profT0)
	assert.Equal(t, map[string]string{"languages": "must name at least one language"}, profIssues(t, err))
	err = p.ApplyPreferences(learner.PreferencesPatch{Languages: []string{"rust"}}, profT0)
	assert.Equal(t, map[string]string{"languages": "must hold only: python, javascript, go"}, profIssues(t, err))
}

func TestApplyPreferencesPartialUpdatesAccumulate(t *testing.T) {
	t.Parallel()
	p := learner.NewProfile("user-1", profT0)
	require.NoError(t, p.ApplyPreferences(learner.PreferencesPatch{Languages: []string{"go"}}, profT0.Add(time.Minute)))
	require.NoError(t, p.ApplyPreferences(learner.PreferencesPatch{TutorStyle: profStr("direct")}, profT0.Add(2*time.Minute)))
	require.Error(t, p.ApplyPreferences(learner.PreferencesPatch{DailyGoalMinutes: profInt(1000)}, profT0.Add(3*time.Minute)))

	assert.Equal(t, learner.Preferences{
		Languages: []language.Language{language.Go}, SkillLevel: learner.Beginner, DailyGoalMinutes: 20,
		TutorStyle: learner.Direct, EmailNotifications: true,
	}, p.Preferences())
	assert.True(t, profT0.Add(2*time.Minute).Equal(p.UpdatedAt()))
}

func TestOnboard(t *testing.T) {
	t.Parallel()
	valid := func() learner.Onboarding {
		return learner.Onboarding{Languages: []string{"go", "python"}, SkillLevel: "intermediate",
			Goals: []string{"pass interviews"}, DailyGoalMinutes: profInt(30)}
	}
	with := func(f func(*learner.Onboarding)) learner.Onboarding {
		o := valid()
		f(&o)
		return o
	}
	goals := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = "goal"
		}
		return out
	}

	tests := []struct {
		name       string
		in         learner.Onboarding
		wantIssues []string
		wantGoals  []string
		wantMins   int
		wantLangs  []language.Language
	}{
		{name: "all answers", in: valid(), wantGoals: []string{"pass interviews"}, wantMins: 30,
			wantLangs: []language.Language{language.Go, language.Python}},
		{name: "no daily goal keeps the current one", in: with(func(o *learner.Onboarding) { o.DailyGoalMinutes = nil }),
			wantGoals: []string{"pass interviews"}, wantMins: 20, wantLangs: []language.Language{language.Go, language.Python}},
		{name: "no goals", in: with(func(o *learner.Onboarding) { o.Goals = nil }),
			wantGoals: []string{}, wantMins: 30, wantLangs: []language.Language{language.Go, language.Python}},
		{name: "goals trimmed, blank ones dropped", in: with(func(o *learner.Onboarding) {
			o.Goals = []string{"  learn Go  ", "", "   ", "\tship a CLI\n"}
		}), wantGoals: []string{"learn Go", "ship a CLI"}, wantMins: 30, wantLangs: []language.Language{language.Go, language.Python}},
		{name: "10 goals", in: with(func(o *learner.Onboarding) { o.Goals = goals(10) }),
			wantGoals: goals(10), wantMins: 30, wantLangs: []language.Language{language.Go, language.Python}},
		{name: "a 200-rune goal", in: with(func(o *learner.Onboarding) { o.Goals = []string{strings.Repeat("é", 200)} }),
			wantGoals: []string{strings.Repeat("é", 200)}, wantMins: 30, wantLangs: []language.Language{language.Go, language.Python}},
		{name: "duplicate languages collapse", in: with(func(o *learner.Onboarding) { o.Languages = []string{"js", "node", "JavaScript"} }),
			wantGoals: []string{"pass interviews"}, wantMins: 30, wantLangs: []language.Language{language.JavaScript}},

		{name: "11 goals", in: with(func(o *learner.Onboarding) { o.Goals = goals(11) }), wantIssues: []string{"goals"}},
		{name: "a 201-rune goal", in: with(func(o *learner.Onboarding) { o.Goals = []string{"ok", strings.Repeat("é", 201)} }), wantIssues: []string{"goals"}},
		{name: "a goal not UTF-8", in: with(func(o *learner.Onboarding) { o.Goals = []string{"caf\xe9"} }), wantIssues: []string{"goals"}},
		{name: "no languages", in: with(func(o *learner.Onboarding) { o.Languages = nil }), wantIssues: []string{"languages"}},
		{name: "unknown language", in: with(func(o *learner.Onboarding) { o.Languages = []string{"go", "haskell"} }), wantIssues: []string{"languages"}},
		{name: "no skill level", in: with(func(o *learner.Onboarding) { o.SkillLevel = "" }), wantIssues: []string{"skill_level"}},
		{name: "daily goal 4", in: with(func(o *learner.Onboarding) { o.DailyGoalMinutes = profInt(4) }), wantIssues: []string{"daily_goal_minutes"}},
		{name: "daily goal 241", in: with(func(o *learner.Onboarding) { o.DailyGoalMinutes = profInt(241) }), wantIssues: []string{"daily_goal_minutes"}},
		{name: "every invalid answer is reported", in: learner.Onboarding{Languages: []string{}, SkillLevel: "guru",
			Goals: goals(11), DailyGoalMinutes: profInt(0)},
			wantIssues: []string{"languages", "skill_level", "goals", "daily_goal_minutes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := learner.NewProfile("user-1", profT0)
			now := profT0.Add(time.Hour).In(profCET)

			err := p.Onboard(tt.in, now)
			if len(tt.wantIssues) > 0 {
				require.Error(t, err)
				assert.ElementsMatch(t, tt.wantIssues, profIssueFields(profIssues(t, err)))
				assert.False(t, p.Onboarded(), "a refused questionnaire changes nothing")
				assert.Equal(t, learner.DefaultPreferences(), p.Preferences())
				assert.Empty(t, p.Goals())
				assert.True(t, profT0.Equal(p.UpdatedAt()))
				return
			}
			require.NoError(t, err)
			require.True(t, p.Onboarded())
			assert.True(t, now.Equal(*p.OnboardedAt()))
			assert.Equal(t, time.UTC, p.OnboardedAt().Location())
			assert.True(t, now.Equal(p.UpdatedAt()))
			assert.Equal(t, tt.wantGoals, p.Goals())
			prefs := p.Preferences()
			assert.Equal(t, tt.wantLangs, prefs.Languages)
			assert.True(t, prefs.SkillLevel.Equal(learner.Intermediate))
			assert.Equal(t, tt.wantMins, prefs.DailyGoalMinutes)
			assert.True(t, prefs.TutorStyle.Equal(learner.Socratic), "onboarding leaves the tutor style alone")
			assert.True(t, prefs.EmailNotifications, "onboarding leaves notifications alone")
		})
	}
}

func TestOnboardAgainUpdatesAnswersAndKeepsTheFirstTime(t *testing.T) {
	t.Parallel()
	p := learner.NewProfile("user-1", profT0)
	first := profT0.Add(time.Hour)
	require.NoError(t, p.Onboard(learner.Onboarding{Languages: []string{"python"}, SkillLevel: "beginner",
		Goals: []string{"first steps"}, DailyGoalMinutes: profInt(15)}, first))

	second := first.Add(24 * time.Hour)
	require.NoError(t, p.Onboard(learner.Onboarding{Languages: []string{"go"}, SkillLevel: "advanced",
		Goals: []string{"concurrency"}}, second))

	assert.True(t, first.Equal(*p.OnboardedAt()), "the first onboarding time is kept")
	assert.True(t, second.Equal(p.UpdatedAt()))
	assert.Equal(t, []string{"concurrency"}, p.Goals())
	prefs := p.Preferences()
	assert.Equal(t, []language.Language{language.Go}, prefs.Languages)
	assert.True(t, prefs.SkillLevel.Equal(learner.Advanced))
	assert.Equal(t, 15, prefs.DailyGoalMinutes, "no daily goal in the answers keeps the previous one")

	// A refused second questionnaire keeps the first answers.
	require.Error(t, p.Onboard(learner.Onboarding{Languages: []string{"go"}, SkillLevel: "nope"}, second.Add(time.Hour)))
	assert.Equal(t, []string{"concurrency"}, p.Goals())
	assert.True(t, second.Equal(p.UpdatedAt()))
}

func TestGoalsAreACopy(t *testing.T) {
	t.Parallel()
	p := learner.NewProfile("user-1", profT0)
	require.NoError(t, p.Onboard(learner.Onboarding{Languages: []string{"go"}, SkillLevel: "beginner", Goals: []string{"a"}}, profT0))
	g := p.Goals()
	g[0] = "changed"
	assert.Equal(t, []string{"a"}, p.Goals())
}

func TestRehydrateProfile(t *testing.T) {
	t.Parallel()
	onboarded := profT0.Add(-time.Hour)
	prefs := learner.Preferences{Languages: []language.Language{language.Go}, SkillLevel: learner.Advanced,
		DailyGoalMinutes: 60, TutorStyle: learner.Direct}
	p := learner.RehydrateProfile("user-1", prefs, nil, &onboarded, profT0.In(profCET))

	assert.Equal(t, "user-1", p.UserID())
	assert.Equal(t, prefs, p.Preferences())
	assert.NotNil(t, p.Goals(), "nil stored goals read as an empty list")
	assert.Empty(t, p.Goals())
	assert.True(t, p.Onboarded())
	assert.True(t, onboarded.Equal(*p.OnboardedAt()))
	assert.True(t, profT0.Equal(p.UpdatedAt()))
	assert.Equal(t, time.UTC, p.UpdatedAt().Location())
}

func TestParseSkillLevelAndTutorStyle(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]learner.SkillLevel{
		"beginner": learner.Beginner, "intermediate": learner.Intermediate, "advanced": learner.Advanced,
	} {
		got, err := learner.ParseSkillLevel(in)
		require.NoError(t, err, in)
		assert.True(t, got.Equal(want), in)
		assert.Equal(t, in, got.String())
	}
	for in, want := range map[string]learner.TutorStyle{
		"socratic": learner.Socratic, "direct": learner.Direct, "encouraging": learner.Encouraging,
	} {
		got, err := learner.ParseTutorStyle(in)
		require.NoError(t, err, in)
		assert.True(t, got.Equal(want), in)
		assert.Equal(t, in, got.String())
	}
	for _, bad := range []string{"", "Beginner", " beginner", "expert"} {
		_, err := learner.ParseSkillLevel(bad)
		assert.Equal(t, []string{"skill_level"}, profIssueFields(profIssues(t, err)), bad)
	}
	for _, bad := range []string{"", "Socratic", "rude"} {
		_, err := learner.ParseTutorStyle(bad)
		assert.Equal(t, []string{"tutor_style"}, profIssueFields(profIssues(t, err)), bad)
	}
}
