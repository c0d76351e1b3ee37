package http

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/codementor/codementor/application/exercises"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/ports"
)

// Exercises is what the exercise handlers need (application/exercises).
type Exercises interface {
	Daily(ctx context.Context, learnerID string) (exercises.DailyView, error)
	Get(ctx context.Context, learnerID, exerciseID string) (exercises.ExerciseView, error)
	List(ctx context.Context, f ports.ExerciseFilter) ([]exercise.Summary, string, error)
	Submit(ctx context.Context, in exercises.SubmitInput) (exercises.SubmissionView, error)
	Hint(ctx context.Context, learnerID, exerciseID string) (exercises.HintView, error)
	Complete(ctx context.Context, learnerID, exerciseID string) (exercises.CompleteView, error)
	Skip(ctx context.Context, learnerID, exerciseID string) (exercises.SkipView, error)
	History(ctx context.Context, learnerID string, p ports.Page) ([]exercise.AttemptRecord, string, error)
	Generate(ctx context.Context, in exercises.GenerateInput) (exercises.GenerateView, error)
	Progress(ctx context.Context, learnerID string) (exercise.Progress, error)
	Achievements(ctx context.Context, learnerID string) ([]exercises.AchievementView, error)
}

type exerciseHandlers struct{ svc Exercises }

// page reads ?limit= and ?cursor=; no limit leaves 0, the list's own
// default.
func page(c *fiber.Ctx) (ports.Page, error) {
	p := ports.Page{Cursor: query(c, "cursor")}
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return p, domain.NewValidationError("limit", "must be a whole number from 1 to 100")
		}
		p.Limit = n
	}
	if len(p.Cursor) > 512 {
		return p, domain.NewValidationError("cursor", "is not a valid cursor")
	}
	return p, nil
}

func (h exerciseHandlers) list(c *fiber.Ctx) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	f := ports.ExerciseFilter{ViewerID: userID(c), Topic: query(c, "topic"), Page: p}
	verr := &domain.ValidationError{}
	if s := c.Query("language"); s != "" {
		l, err := language.Parse(s)
		if err != nil {
			verr.Add("language", "must be one of: python, javascript, go")
		}
		f.Language = &l
	}
	if s := c.Query("difficulty"); s != "" {
		n, _ := strconv.Atoi(s)
		d, err := exercise.ParseDifficulty(n)
		if err != nil {
			verr.Add("difficulty", "must be 1, 2 or 3")
		}
		f.Difficulty = &d
	}
	if err := verr.OrNil(); err != nil {
		return err
	}
	items, next, err := h.svc.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	out := exerciseListResponse{Items: make([]exerciseSummaryResponse, 0, len(items)), NextCursor: nullable(next)}
	for _, s := range items {
		out.Items = append(out.Items, toExerciseSummary(s))
	}
	return writeJSON(c, out)
}

func (h exerciseHandlers) daily(c *fiber.Ctx) error {
	v, err := h.svc.Daily(c.UserContext(), userID(c))
	if err != nil {
		return err
	}
	return writeJSON(c, dailyResponse{Day: v.Day, Exercise: toExerciseResponse(v.ExerciseView)})
}

func (h exerciseHandlers) get(c *fiber.Ctx) error {
	v, err := h.svc.Get(c.UserContext(), userID(c), param(c, "exercise_id"))
	if err != nil {
		return err
	}
	return writeJSON(c, toExerciseResponse(v))
}

type submitRequest struct {
	Code     string `json:"code" validate:"required"`
	Language string `json:"language" validate:"omitempty,max=32"`
}

func (h exerciseHandlers) submit(c *fiber.Ctx) error {
	var in submitRequest
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v, err := h.svc.Submit(c.UserContext(), exercises.SubmitInput{LearnerID: userID(c), ExerciseID: param(c, "exercise_id"),
		Code: in.Code, Language: in.Language})
	if err != nil {
		return err
	}
	return writeJSON(c, toSubmissionResponse(v))
}

// emptyRequest is the body of hint, complete and skip: {} or nothing.
type emptyRequest struct{}

func bindOptionalEmpty(c *fiber.Ctx) error {
	if len(c.Body()) == 0 {
		return nil
	}
	var in emptyRequest
	return bindJSON(c, &in)
}

func (h exerciseHandlers) hint(c *fiber.Ctx) error {
	if err := bindOptionalEmpty(c); err != nil {
		return err
	}
	v, err := h.svc.Hint(c.UserContext(), userID(c), param(c, "exercise_id"))
	if err != nil {
		return err
	}
	return writeJSON(c, hintResponse{Level: v.Level, Text: v.Text, HintsUsed: v.HintsUsed, HintsRemaining: v.HintsRemaining, Source: v.Source})
}

func (h exerciseHandlers) complete(c *fiber.Ctx) error {
	if err := bindOptionalEmpty(c); err != nil {
		return err
	}
	v, err := h.svc.Complete(c.UserContext(), userID(c), param(c, "exercise_id"))
	if err != nil {
		return err
	}
	return writeJSON(c, completeResponse{Attempt: toAttemptResponse(v.Attempt), XPAwarded: v.XPAwarded,
		NewAchievements: nonNil(v.NewAchievements)})
}

func (h exerciseHandlers) skip(c *fiber.Ctx) error {
	if err := bindOptionalEmpty(c); err != nil {
		return err
	}
	v, err := h.svc.Skip(c.UserContext(), userID(c), param(c, "exercise_id"))
	if err != nil {
		return err
	}
	return writeJSON(c, skipResponse{Attempt: toAttemptResponse(v.Attempt), NextDailyExerciseID: nullable(v.NextDaily)})
}

func (h exerciseHandlers) history(c *fiber.Ctx) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := h.svc.History(c.UserContext(), userID(c), p)
	if err != nil {
		return err
	}
	out := historyResponse{Items: make([]historyItemResponse, 0, len(items)), NextCursor: nullable(next)}
	for _, r := range items {
		out.Items = append(out.Items, historyItemResponse{Attempt: toAttemptResponse(exercise.RehydrateAttempt(r.Attempt)),
			Exercise: toExerciseSummary(r.Exercise)})
	}
	return writeJSON(c, out)
}

type generateRequest struct {
	Language   string `json:"language" validate:"required,max=32"`
	Topic      string `json:"topic" validate:"required,max=64"`
	Difficulty int    `json:"difficulty" validate:"required"`
}

func (h exerciseHandlers) generate(c *fiber.Ctx) error {
	var in generateRequest
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v, err := h.svc.Generate(c.UserContext(), exercises.GenerateInput{LearnerID: userID(c), Language: in.Language,
		Topic: in.Topic, Difficulty: in.Difficulty})
	if err != nil {
		return err
	}
	c.Status(fiber.StatusCreated)
	return writeJSON(c, generateResponse{Exercise: toExerciseResponse(exercises.ExerciseView{Exercise: v.Exercise}),
		NewAchievements: nonNil(v.NewAchievements)})
}

func (h exerciseHandlers) progress(c *fiber.Ctx) error {
	p, err := h.svc.Progress(c.UserContext(), userID(c))
	if err != nil {
		return err
	}
	return writeJSON(c, toProgressResponse(p))
}

func (h exerciseHandlers) achievements(c *fiber.Ctx) error {
	list, err := h.svc.Achievements(c.UserContext(), userID(c))
	if err != nil {
		return err
	}
	items := make([]achievementResponse, 0, len(list))
	for _, a := range list {
		items = append(items, achievementResponse{Code: a.Code, Name: a.Name, Description: a.Description,
			Earned: a.EarnedAt != nil, EarnedAt: rfc3339Ptr(a.EarnedAt)})
	}
	return writeJSON(c, achievementsResponse{Items: items})
}

// --- DTOs ---

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type exerciseSummaryResponse struct {
	ID         string   `json:"id"`
	Slug       string   `json:"slug"`
	Title      string   `json:"title"`
	Language   string   `json:"language"`
	Difficulty int      `json:"difficulty"`
	Topics     []string `json:"topics"`
	Source     string   `json:"source"`
}

func toExerciseSummary(s exercise.Summary) exerciseSummaryResponse {
	topics := s.Topics
	if topics == nil {
		topics = []string{}
	}
	return exerciseSummaryResponse{ID: s.ID, Slug: s.Slug, Title: s.Title, Language: s.Language.String(),
		Difficulty: s.Difficulty.Int(), Topics: topics, Source: string(s.Source)}
}

type exerciseListResponse struct {
	Items      []exerciseSummaryResponse `json:"items"`
	NextCursor *string                   `json:"next_cursor"`
}

type visibleTestResponse struct {
	Name     string          `json:"name"`
	Args     json.RawMessage `json:"args"`
	Expected json.RawMessage `json:"expected"`
}

type exerciseResponse struct {
	exerciseSummaryResponse
	Prompt          string                `json:"prompt"`
	StarterCode     string                `json:"starter_code"`
	Entry           string                `json:"entry"`
	Visibility      string                `json:"visibility"`
	Tests           []visibleTestResponse `json:"tests"`
	HiddenTestCount int                   `json:"hidden_test_count"`
	HintLevels      int                   `json:"hint_levels"`
	Attempt         *attemptResponse      `json:"attempt"`
	CreatedAt       string                `json:"created_at"`
}

func toExerciseResponse(v exercises.ExerciseView) exerciseResponse {
	e := v.Exercise
	out := exerciseResponse{exerciseSummaryResponse: toExerciseSummary(e.Summarize()), Prompt: e.Prompt(),
		StarterCode: e.StarterCode(), Entry: e.Entry(), Visibility: e.Visibility().String(),
		Tests: []visibleTestResponse{}, HintLevels: exercise.HintLevels, CreatedAt: rfc3339(e.CreatedAt())}
	for _, t := range e.Tests() {
		if t.Hidden {
			out.HiddenTestCount++
			continue
		}
		out.Tests = append(out.Tests, visibleTestResponse{Name: t.Name, Args: t.Args, Expected: t.Expected})
	}
	if v.Attempt != nil {
		a := toAttemptResponse(v.Attempt)
		out.Attempt = &a
	}
	return out
}

type attemptResponse struct {
	ID          string  `json:"id"`
	ExerciseID  string  `json:"exercise_id"`
	Status      string  `json:"status"`
	HintsUsed   int     `json:"hints_used"`
	Submissions int     `json:"submissions"`
	BestVerdict *string `json:"best_verdict"`
	XPAwarded   int     `json:"xp_awarded"`
	AssignedAt  string  `json:"assigned_at"`
	StartedAt   *string `json:"started_at"`
	CompletedAt *string `json:"completed_at"`
	SkippedAt   *string `json:"skipped_at"`
	UpdatedAt   string  `json:"updated_at"`
}

func toAttemptResponse(a *exercise.Attempt) attemptResponse {
	return attemptResponse{ID: a.ID(), ExerciseID: a.ExerciseID(), Status: a.Status().String(), HintsUsed: a.HintsUsed(),
		Submissions: a.Submissions(), BestVerdict: nullable(a.BestVerdict().String()), XPAwarded: a.XPAwarded(),
		AssignedAt: rfc3339(a.AssignedAt()), StartedAt: rfc3339Ptr(a.StartedAt()), CompletedAt: rfc3339Ptr(a.CompletedAt()),
		SkippedAt: rfc3339Ptr(a.SkippedAt()), UpdatedAt: rfc3339(a.UpdatedAt())}
}

type dailyResponse struct {
	Day      string           `json:"day"`
	Exercise exerciseResponse `json:"exercise"`
}

type testResultResponse struct {
	Name       string          `json:"name"`
	Passed     bool            `json:"passed"`
	Hidden     bool            `json:"hidden"`
	Message    string          `json:"message"`
	DurationMS int64           `json:"duration_ms"`
	Expected   json.RawMessage `json:"expected,omitempty"`
	Actual     json.RawMessage `json:"actual,omitempty"`
	Stdout     string          `json:"stdout,omitempty"`
}

type submissionResponse struct {
	SubmissionID    string               `json:"submission_id"`
	Status          string               `json:"status"`
	Verdict         string               `json:"verdict"`
	Message         string               `json:"message"`
	PassedCount     int                  `json:"passed_count"`
	TotalCount      int                  `json:"total_count"`
	DurationMS      int64                `json:"duration_ms"`
	Tests           []testResultResponse `json:"tests"`
	Attempt         attemptResponse      `json:"attempt"`
	XPAwarded       int                  `json:"xp_awarded"`
	NewAchievements []string             `json:"new_achievements"`
	CreatedAt       string               `json:"created_at"`
}

func toSubmissionResponse(v exercises.SubmissionView) submissionResponse {
	g := v.Submission.Grading
	out := submissionResponse{SubmissionID: v.Submission.ID, Status: g.Verdict.Status(), Verdict: g.Verdict.String(),
		Message: g.Message, PassedCount: g.Passed, TotalCount: g.Total, DurationMS: g.Duration.Milliseconds(),
		Tests: make([]testResultResponse, 0, len(g.Tests)), Attempt: toAttemptResponse(v.Attempt), XPAwarded: v.XPAwarded,
		NewAchievements: nonNil(v.NewAchievements), CreatedAt: rfc3339(v.Submission.CreatedAt)}
	for _, t := range g.Tests {
		r := testResultResponse{Name: t.Name, Passed: t.Passed, Hidden: t.Hidden, Message: t.Message, DurationMS: t.Duration.Milliseconds()}
		if !t.Hidden {
			r.Expected, r.Actual, r.Stdout = t.Expected, t.Actual, t.Stdout
		}
		out.Tests = append(out.Tests, r)
	}
	return out
}

type hintResponse struct {
	Level          int    `json:"level"`
	Text           string `json:"text"`
	HintsUsed      int    `json:"hints_used"`
	HintsRemaining int    `json:"hints_remaining"`
	Source         string `json:"source"`
}

type completeResponse struct {
	Attempt         attemptResponse `json:"attempt"`
	XPAwarded       int             `json:"xp_awarded"`
	NewAchievements []string        `json:"new_achievements"`
}

type skipResponse struct {
	Attempt             attemptResponse `json:"attempt"`
	NextDailyExerciseID *string         `json:"next_daily_exercise_id"`
}

type historyItemResponse struct {
	Attempt  attemptResponse         `json:"attempt"`
	Exercise exerciseSummaryResponse `json:"exercise"`
}

type historyResponse struct {
	Items      []historyItemResponse `json:"items"`
	NextCursor *string               `json:"next_cursor"`
}

type generateResponse struct {
	Exercise        exerciseResponse `json:"exercise"`
	NewAchievements []string         `json:"new_achievements"`
}

type progressResponse struct {
	XP                 int                   `json:"xp"`
	Level              int                   `json:"level"`
	LevelStartXP       int                   `json:"level_start_xp"`
	NextLevelXP        int                   `json:"next_level_xp"`
	CurrentStreak      int                   `json:"current_streak"`
	LongestStreak      int                   `json:"longest_streak"`
	SolvedTotal        int                   `json:"solved_total"`
	SolvedByLanguage   map[string]int        `json:"solved_by_language"`
	SolvedByDifficulty map[string]int        `json:"solved_by_difficulty"`
	CleanSolves        int                   `json:"clean_solves"`
	HintsUsed          int                   `json:"hints_used"`
	HintRate           float64               `json:"hint_rate"`
	Skipped            int                   `json:"skipped"`
	InProgress         int                   `json:"in_progress"`
	RecentActivity     []dayActivityResponse `json:"recent_activity"`
}

type dayActivityResponse struct {
	Date     string `json:"date"`
	Solved   int    `json:"solved"`
	Attempts int    `json:"attempts"`
}

func toProgressResponse(p exercise.Progress) progressResponse {
	byDiff := map[string]int{}
	for d, n := range p.SolvedByDifficulty {
		byDiff[map[int]string{1: "easy", 2: "medium", 3: "hard"}[d]] = n
	}
	out := progressResponse{XP: p.XP, Level: p.Level, LevelStartXP: p.LevelStartXP, NextLevelXP: p.NextLevelXP,
		CurrentStreak: p.CurrentStreak, LongestStreak: p.LongestStreak, SolvedTotal: p.SolvedTotal,
		SolvedByLanguage: p.SolvedByLanguage, SolvedByDifficulty: byDiff, CleanSolves: p.CleanSolves,
		HintsUsed: p.HintsUsed, HintRate: p.HintRate, Skipped: p.Skipped, InProgress: p.InProgress,
		RecentActivity: make([]dayActivityResponse, 0, len(p.RecentActivity))}
	for _, d := range p.RecentActivity {
		out.RecentActivity = append(out.RecentActivity, dayActivityResponse{Date: d.Date, Solved: d.Solved, Attempts: d.Attempts})
	}
	return out
}

type achievementResponse struct {
	Code        string  `json:"code"`
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Earned      bool    `json:"earned"`
	EarnedAt    *string `json:"earned_at"`
}

type achievementsResponse struct {
	Items []achievementResponse `json:"items"`
}
