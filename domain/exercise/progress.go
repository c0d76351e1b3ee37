package exercise

import (
	"sort"
	"time"

	"github.com/codementor/codementor/domain/language"
)

// DayActivity is one local day of the learner's recent activity.
type DayActivity struct {
	Date     string // local date, 2006-01-02
	Solved   int
	Attempts int // attempts touched that day (started, submitted, completed or skipped)
}

// Progress is the learner's record, computed from their attempts.
type Progress struct {
	XP                 int
	Level              int
	LevelStartXP       int
	NextLevelXP        int
	CurrentStreak      int
	LongestStreak      int
	SolvedTotal        int
	SolvedByLanguage   map[string]int
	SolvedByDifficulty map[int]int
	HardSolves         int
	CleanSolves        int // solved without a hint
	HintsUsed          int // hints used on solved exercises
	// HintRate is the share of solves that used at least one hint.
	HintRate       float64
	Skipped        int
	InProgress     int
	RecentActivity []DayActivity // the last 14 local days, oldest first
}

// RecentDays is how many days RecentActivity covers.
const RecentDays = 14

// LocalDate is the learner's calendar date of t.
func LocalDate(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }

// ComputeProgress folds the learner's attempts into their progress; days
// and streaks are counted in loc, the learner's time zone.
func ComputeProgress(records []AttemptRecord, loc *time.Location, now time.Time) Progress {
	p := Progress{SolvedByLanguage: map[string]int{}, SolvedByDifficulty: map[int]int{1: 0, 2: 0, 3: 0}}
	for _, l := range language.All() {
		p.SolvedByLanguage[l.String()] = 0
	}
	solveDays := map[string]bool{}
	today := LocalDate(now, loc)
	activity := map[string]*DayActivity{}
	for i := RecentDays - 1; i >= 0; i-- {
		d := localDay(now, loc, -i)
		activity[d] = &DayActivity{Date: d}
	}
	withHints := 0
	for _, r := range records {
		a := r.Attempt
		if d, ok := activity[LocalDate(a.UpdatedAt, loc)]; ok {
			d.Attempts++
		}
		switch a.Status {
		case Skipped:
			p.Skipped++
		case InProgress:
			p.InProgress++
		}
		if a.Status != Completed || a.CompletedAt == nil {
			continue
		}
		p.SolvedTotal++
		p.XP += a.XPAwarded
		p.SolvedByLanguage[r.Exercise.Language.String()]++
		p.SolvedByDifficulty[r.Exercise.Difficulty.Int()]++
		if r.Exercise.Difficulty == Hard {
			p.HardSolves++
		}
		p.HintsUsed += a.HintsUsed
		if a.HintsUsed > 0 {
			withHints++
		} else {
			p.CleanSolves++
		}
		day := LocalDate(*a.CompletedAt, loc)
		solveDays[day] = true
		if d, ok := activity[day]; ok {
			d.Solved++
		}
	}
	if p.SolvedTotal > 0 {
		p.HintRate = float64(withHints) / float64(p.SolvedTotal)
	}
	p.CurrentStreak, p.LongestStreak = Streaks(solveDays, today)
	p.Level = Level(p.XP)
	p.LevelStartXP, p.NextLevelXP = LevelStart(p.Level), LevelStart(p.Level+1)
	for _, d := range activity {
		p.RecentActivity = append(p.RecentActivity, *d)
	}
	sort.Slice(p.RecentActivity, func(i, j int) bool { return p.RecentActivity[i].Date < p.RecentActivity[j].Date })
	return p
}

func localDay(now time.Time, loc *time.Location, offset int) string {
	l := now.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day()+offset, 12, 0, 0, 0, loc).Format(time.DateOnly)
}

// Streaks counts runs of consecutive local days with a solve. The current
// streak is alive while today or yesterday has a solve (today is not over
// yet); the longest is the longest run ever.
func Streaks(days map[string]bool, today string) (current, longest int) {
	if len(days) == 0 {
		return 0, 0
	}
	sorted := make([]time.Time, 0, len(days))
	for d := range days {
		t, err := time.Parse(time.DateOnly, d)
		if err == nil {
			sorted = append(sorted, t)
		}
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Before(sorted[j]) })
	run := 0
	var prev time.Time
	for i, d := range sorted {
		if i > 0 && d.Equal(prev.AddDate(0, 0, 1)) {
			run++
		} else {
			run = 1
		}
		longest = max(longest, run)
		prev = d
	}
	t, err := time.Parse(time.DateOnly, today)
	if err != nil {
		return 0, longest
	}
	last := sorted[len(sorted)-1]
	if !last.Equal(t) && !last.Equal(t.AddDate(0, 0, -1)) {
		return 0, longest
	}
	return run, longest
}
