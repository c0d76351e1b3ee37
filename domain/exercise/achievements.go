package exercise

import (
	"github.com/codementor/codementor/domain/language"
)

// AchievementDef is one achievement a learner can earn.
type AchievementDef struct {
	Code        string
	Name        string
	Description string
	earned      func(s Stats) bool
}

// Stats are what achievements are judged on: the learner's progress
// after the event that may earn them, plus what progress does not count.
type Stats struct {
	Progress
	GeneratedExercises int
}

// Achievements is the closed set, in display order.
var Achievements = []AchievementDef{
	{"first_solve", "First steps", "Solve your first exercise.", func(s Stats) bool { return s.SolvedTotal >= 1 }},
	{"streak_3", "On a roll", "Solve exercises three days in a row.", func(s Stats) bool { return s.CurrentStreak >= 3 }},
	{"streak_7", "A week of practice", "Solve exercises seven days in a row.", func(s Stats) bool { return s.CurrentStreak >= 7 }},
	{"streak_30", "Habit formed", "Solve exercises thirty days in a row.", func(s Stats) bool { return s.CurrentStreak >= 30 }},
	{"clean_10", "No hints needed", "Solve ten exercises without a hint.", func(s Stats) bool { return s.CleanSolves >= 10 }},
	{"polyglot", "Polyglot", "Solve an exercise in every language CodeMentor teaches.", func(s Stats) bool {
		for _, l := range language.All() {
			if s.SolvedByLanguage[l.String()] == 0 {
				return false
			}
		}
		return true
	}},
	{"hard_5", "Up for a challenge", "Solve five hard exercises.", func(s Stats) bool { return s.HardSolves >= 5 }},
	{"solves_25", "Quarter century", "Solve twenty-five exercises.", func(s Stats) bool { return s.SolvedTotal >= 25 }},
	{"level_5", "Level 5", "Reach level 5.", func(s Stats) bool { return s.Level >= 5 }},
	{"first_generated", "Exercise designer", "Generate your first exercise.", func(s Stats) bool { return s.GeneratedExercises >= 1 }},
}

// Earned lists the codes of every achievement the stats satisfy; the
// store keeps each once, so awarding is "earned minus already held".
func Earned(s Stats) []string {
	var out []string
	for _, a := range Achievements {
		if a.earned(s) {
			out = append(out, a.Code)
		}
	}
	return out
}

// AchievementByCode finds a definition.
func AchievementByCode(code string) (AchievementDef, bool) {
	for _, a := range Achievements {
		if a.Code == code {
			return a, true
		}
	}
	return AchievementDef{}, false
}
