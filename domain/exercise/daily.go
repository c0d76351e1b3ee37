package exercise

import (
	"crypto/sha256"
	"encoding/binary"
	"sort"
	"time"

	"github.com/codementor/codementor/domain/language"
)

// The daily exercise policy.
//
//  1. Target difficulty starts from the learner's skill level (beginner 1,
//     intermediate 2, advanced 3) and follows their results in order: three
//     clean solves in a row (no hint, at most one failed submission) at or
//     above the target raise it by one; two failures in a row (a skip, or
//     an attempt left with three or more failed submissions) lower it by one.
//  2. A topic the learner failed comes back once SpacingInterval has
//     passed since that failure, until they solve an exercise of that topic.
//  3. Candidates are the exercises the learner may see in their preferred
//     languages (all languages when none qualify), minus those completed in
//     the last NoRepeatWindow, skipped in the last SkipCooldown, or excluded
//     (the one just skipped today).
//  4. Each candidate scores: closeness to the target difficulty (the most
//     weight), a due review topic, never attempted, and the language the
//     learner practised least recently; ties break by a hash of learner, day
//     and exercise, so the choice is stable but differs between learners.
const (
	SpacingInterval  = 3 * 24 * time.Hour
	NoRepeatWindow   = 30 * 24 * time.Hour
	SkipCooldown     = 7 * 24 * time.Hour
	cleanRunToRaise  = 3
	failRunToLower   = 2
	failedSubsToFail = 3
)

// DailyInput is everything the policy looks at.
type DailyInput struct {
	LearnerID  string
	Day        string // the learner's local date
	Languages  []language.Language
	Start      Difficulty // from the learner's skill level
	History    []AttemptRecord
	Candidates []Summary
	Exclude    []string
	Now        time.Time
}

// DailyChoice is the policy's answer with its reasons.
type DailyChoice struct {
	Exercise         Summary
	TargetDifficulty Difficulty
	ReviewTopic      string // the due topic the choice revisits, if any
}

type outcome struct {
	at     time.Time
	diff   int
	clean  bool
	solved bool
	failed bool
	topics []string
}

func outcomes(history []AttemptRecord) []outcome {
	var out []outcome
	for _, r := range history {
		a := r.Attempt
		o := outcome{diff: r.Exercise.Difficulty.Int(), topics: r.Exercise.Topics}
		switch {
		case a.Status == Completed && a.CompletedAt != nil:
			o.at, o.solved = *a.CompletedAt, true
			o.clean = a.HintsUsed == 0 && a.FailedSubmissions <= 1
		case a.Status == Skipped && a.SkippedAt != nil:
			o.at, o.failed = *a.SkippedAt, true
		case a.FailedSubmissions >= failedSubsToFail:
			o.at, o.failed = a.UpdatedAt, true
		default:
			continue
		}
		out = append(out, o)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// TargetDifficulty applies rule 1 to the learner's history.
func TargetDifficulty(start Difficulty, history []AttemptRecord) Difficulty {
	level := start.Int()
	if level == 0 {
		level = 1
	}
	clean, fail := 0, 0
	for _, o := range outcomes(history) {
		switch {
		case o.solved && o.clean && o.diff >= level:
			clean, fail = clean+1, 0
			if clean >= cleanRunToRaise {
				level, clean = min(3, level+1), 0
			}
		case o.failed:
			fail, clean = fail+1, 0
			if fail >= failRunToLower {
				level, fail = max(1, level-1), 0
			}
		default:
			clean, fail = 0, 0
		}
	}
	return Difficulty{level}
}

// DueTopics applies rule 2: topics failed at least SpacingInterval ago and
// not solved since, oldest failure first.
func DueTopics(history []AttemptRecord, now time.Time) []string {
	failedAt := map[string]time.Time{}
	solvedAt := map[string]time.Time{}
	for _, o := range outcomes(history) {
		for _, t := range o.topics {
			if o.failed {
				failedAt[t] = o.at
			}
			if o.solved {
				solvedAt[t] = o.at
			}
		}
	}
	var due []string
	for t, f := range failedAt {
		if s, ok := solvedAt[t]; ok && !s.Before(f) {
			continue
		}
		if now.Sub(f) >= SpacingInterval {
			due = append(due, t)
		}
	}
	sort.Slice(due, func(i, j int) bool {
		if !failedAt[due[i]].Equal(failedAt[due[j]]) {
			return failedAt[due[i]].Before(failedAt[due[j]])
		}
		return due[i] < due[j]
	})
	return due
}

// ChooseDaily picks the day's exercise; false when nothing is eligible.
func ChooseDaily(in DailyInput) (DailyChoice, bool) {
	target := TargetDifficulty(in.Start, in.History)
	due := DueTopics(in.History, in.Now)
	blocked := map[string]bool{}
	attempted := map[string]bool{}
	lastPractised := map[string]time.Time{}
	for _, id := range in.Exclude {
		blocked[id] = true
	}
	for _, r := range in.History {
		a := r.Attempt
		attempted[a.ExerciseID] = true
		if a.CompletedAt != nil && in.Now.Sub(*a.CompletedAt) < NoRepeatWindow {
			blocked[a.ExerciseID] = true
		}
		if a.Status == Skipped && a.SkippedAt != nil && in.Now.Sub(*a.SkippedAt) < SkipCooldown {
			blocked[a.ExerciseID] = true
		}
		if l := r.Exercise.Language.String(); a.UpdatedAt.After(lastPractised[l]) {
			lastPractised[l] = a.UpdatedAt
		}
	}
	pick := func(langs []language.Language) (DailyChoice, bool) {
		allowed := map[language.Language]bool{}
		for _, l := range langs {
			allowed[l] = true
		}
		// The preferred language practised least recently earns a nudge.
		var stalest language.Language
		for _, l := range langs {
			if stalest.IsZero() || lastPractised[l.String()].Before(lastPractised[stalest.String()]) {
				stalest = l
			}
		}
		best, bestScore, bestTie, found := DailyChoice{}, 0, uint64(0), false
		for _, c := range in.Candidates {
			if blocked[c.ID] || (len(allowed) > 0 && !allowed[c.Language]) {
				continue
			}
			score := -10 * abs(c.Difficulty.Int()-target.Int())
			review := ""
			for _, t := range due {
				if hasTopic(c.Topics, t) {
					review = t
					break
				}
			}
			if review != "" {
				score += 6
			}
			if !attempted[c.ID] {
				score += 3
			}
			if len(langs) > 1 && c.Language == stalest {
				score += 2
			}
			tie := tieBreak(in.LearnerID, in.Day, c.ID)
			if !found || score > bestScore || (score == bestScore && tie < bestTie) {
				best, bestScore, bestTie, found = DailyChoice{Exercise: c, TargetDifficulty: target, ReviewTopic: review}, score, tie, true
			}
		}
		return best, found
	}
	if len(in.Languages) > 0 {
		if c, ok := pick(in.Languages); ok {
			return c, true
		}
	}
	return pick(language.All())
}

func hasTopic(topics []string, t string) bool {
	for _, x := range topics {
		if x == t {
			return true
		}
	}
	return false
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func tieBreak(learner, day, id string) uint64 {
	sum := sha256.Sum256([]byte(learner + "|" + day + "|" + id))
	return binary.BigEndian.Uint64(sum[:8])
}
