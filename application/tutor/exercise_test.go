package tutor_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/application/exercises"
	"github.com/codementor/codementor/application/tutor"
	"github.com/codementor/codementor/domain/chat"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/domain/llm"
)

const learnerCode = "def second_largest(numbers):\n    # my attempt xyzzy\n    return max(numbers)\n"

// distinctive lines of the reference solution of python/second-largest.
var solutionLines = []string{"largest, second = n, largest", "elif n != largest and (second is None or n > second):"}

func TestExerciseConversationSendsPromptAndLatestCodeButNoSolution(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t)
	me := register(t, f)
	exs := f.Exercises(t)
	e := find(t, exs, me, language.Python, "second-largest")
	v, err := exs.Submit(ctx, exercises.SubmitInput{LearnerID: me, ExerciseID: e.ID(), Code: learnerCode})
	require.NoError(t, err)
	require.NotEqual(t, exercise.Passed, v.Submission.Grading.Verdict)

	l.Answer("What happens with [10, 10, 9]?")
	r, err := svc.Send(ctx, tutor.SendInput{LearnerID: me, ExerciseID: e.ID(), Message: "Why does my code fail?"})
	require.NoError(t, err)
	c := conversation(t, svc, me, r.ConversationID)
	assert.Equal(t, e.ID(), c.ExerciseID)

	reqs := l.RequestsFor(llm.PurposeChat)
	require.Len(t, reqs, 1)
	text := requestText(reqs[0])
	assert.Contains(t, reqs[0].System, e.Title())
	assert.Contains(t, reqs[0].System, strings.TrimSpace(e.Prompt()), "the exercise's statement")
	assert.Contains(t, reqs[0].System, strings.TrimRight(learnerCode, "\n"), "the learner's latest code")
	assert.Contains(t, reqs[0].System, "has NOT solved it")
	assert.NotContains(t, text, e.Solution())
	for _, line := range solutionLines {
		require.Contains(t, e.Solution(), line, "the catalogue changed: update the test")
		assert.NotContains(t, text, line)
	}
	hidden := 0
	for _, tc := range e.Tests() {
		if tc.Hidden {
			hidden++
			assert.NotContains(t, text, tc.Name, "hidden test name")
		}
	}
	require.Positive(t, hidden)
	failing := 0
	for _, tr := range v.Submission.Grading.Tests {
		if !tr.Hidden && !tr.Passed {
			failing++
			assert.Contains(t, reqs[0].System, tr.Name, "failing visible tests are part of the grading summary")
		}
	}
	require.Positive(t, failing)

	// A later submission is what the next call shows.
	newer := "def second_largest(numbers):\n    # second try plugh\n    return sorted(numbers)[-2]\n"
	_, err = exs.Submit(ctx, exercises.SubmitInput{LearnerID: me, ExerciseID: e.ID(), Code: newer})
	require.NoError(t, err)
	l.Answer("Look at duplicates.")
	send(t, svc, me, r.ConversationID, "And now?")
	reqs = l.RequestsFor(llm.PurposeChat)
	require.Len(t, reqs, 2)
	assert.Contains(t, reqs[1].System, "second try plugh")
	assert.NotContains(t, reqs[1].System, "my attempt xyzzy")
	assert.NotContains(t, requestText(reqs[1]), e.Solution())
}

func TestExerciseConversationWithoutSubmissionSendsStarterCode(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t)
	me := register(t, f)
	e := find(t, f.Exercises(t), me, language.Python, "second-largest")
	l.Answer("Where would you start?")
	_, err := svc.Send(ctx, tutor.SendInput{LearnerID: me, ExerciseID: e.ID(), Message: "Where do I start?"})
	require.NoError(t, err)
	reqs := l.RequestsFor(llm.PurposeChat)
	require.Len(t, reqs, 1)
	assert.Contains(t, reqs[0].System, strings.TrimRight(e.StarterCode(), "\n"))
	assert.Contains(t, reqs[0].System, "not submitted yet")
	assert.NotContains(t, requestText(reqs[0]), e.Solution())
}

func TestExerciseAnswerGivingTheSolutionAwayIsCutUntilSolved(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t)
	me := register(t, f)
	exs := f.Exercises(t)
	e := find(t, exs, me, language.Python, "second-largest")
	_, err := exs.Submit(ctx, exercises.SubmitInput{LearnerID: me, ExerciseID: e.ID(), Code: learnerCode})
	require.NoError(t, err)

	giveaway := "Sure, here is the complete solution:\n\n```python\n" + e.Solution() + "\n```\n\nIt keeps the two largest values."
	require.False(t, exercise.CheckNoSolution(giveaway, e.Solution()).OK, "the scripted answer must give the solution away")

	l.Answer(giveaway)
	r, err := svc.Send(ctx, tutor.SendInput{LearnerID: me, ExerciseID: e.ID(), Message: "Just give me the code."})
	require.NoError(t, err)
	for _, m := range []chat.Message{r.Message, thread(t, svc, me, r.ConversationID)[1]} {
		assert.NotEqual(t, giveaway, m.Content)
		assert.True(t, exercise.CheckNoSolution(m.Content, e.Solution()).OK, "stored: %q", m.Content)
		assert.NotContains(t, m.Content, e.Solution())
		for _, line := range solutionLines {
			assert.NotContains(t, m.Content, line)
		}
		assert.Equal(t, chat.StatusComplete, m.Status)
	}

	// Solved: the same answer is stored as it came.
	v, err := exs.Submit(ctx, exercises.SubmitInput{LearnerID: me, ExerciseID: e.ID(), Code: e.Solution()})
	require.NoError(t, err)
	require.Equal(t, exercise.Passed, v.Submission.Grading.Verdict, v.Submission.Grading.Message)

	l.Answer(giveaway)
	r2 := send(t, svc, me, r.ConversationID, "I solved it: how does yours compare?")
	assert.Equal(t, giveaway, r2.Message.Content)
	msgs := thread(t, svc, me, r.ConversationID)
	require.Len(t, msgs, 4)
	assert.Equal(t, giveaway, msgs[3].Content)
	reqs := l.RequestsFor(llm.PurposeChat)
	require.Len(t, reqs, 2)
	assert.Contains(t, reqs[1].System, "HAS solved it")
}

func TestExerciseStreamedAnswerIsCutUntilSolved(t *testing.T) {
	t.Parallel()
	f, l, svc, log := withLLM(t)
	me := register(t, f)
	exs := f.Exercises(t)
	e := find(t, exs, me, language.Python, "second-largest")
	giveaway := "Here you go:\n\n```python\n" + e.Solution() + "\n```\n\nIt keeps the two largest values."
	// Stream it the way a model does: a few characters at a time.
	var chunks []string
	for rest := giveaway; rest != ""; {
		n := min(4, len(rest))
		chunks, rest = append(chunks, rest[:n]), rest[n:]
	}
	p := l.Plan(newPlan(chunks...))

	g, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, ExerciseID: e.ID(), Message: "Code please."})
	require.NoError(t, err)
	sub := svc.Subscribe(g.Stream, "")
	defer sub.Close()
	evs := drain(t, sub, 5*time.Second)
	require.Equal(t, "done", evs[len(evs)-1].Type, "events: %v", types(evs))
	assert.Equal(t, "usage", evs[len(evs)-2].Type)

	// No delta carries the solution, nor do they together.
	shown := deltaText(t, evs)
	for _, ev := range evs {
		for _, line := range solutionLines {
			assert.NotContains(t, string(ev.Data), line)
		}
	}
	for _, line := range solutionLines {
		assert.NotContains(t, shown, line)
	}
	assert.True(t, exercise.CheckNoSolution(shown, e.Solution()).OK, "shown: %q", shown)
	assert.True(t, strings.HasPrefix(shown, "Here you go:\n\n```python\n"), "the answer up to the solution is shown: %q", shown)
	assert.Contains(t, shown, chat.WithheldNote)
	assert.NotContains(t, shown, "It keeps the two largest values.", "the answer stopped at the solution")

	// The model was stopped rather than left to generate the rest.
	assert.True(t, p.closed.Load())
	assert.False(t, p.finished.Load())
	assert.Less(t, p.sent.Load(), int64(len(chunks)))

	// Stored and replayed: the same cut answer.
	m := finalMessage(t, svc, me, g.ConversationID, g.MessageID)
	assert.Equal(t, chat.StatusComplete, m.Status)
	assert.Equal(t, shown, m.Content)
	assert.Equal(t, "stop", m.FinishReason)
	assert.Positive(t, m.Usage.CompletionTokens, "estimated when the model was stopped")
	logged, err := log.Read(ctx, g.Stream, "", 0)
	require.NoError(t, err)
	assert.Equal(t, shown, deltaText(t, logged))

	// A whole answer is cut the same way.
	l.Answer(giveaway)
	r, err := svc.Send(ctx, tutor.SendInput{LearnerID: me, ExerciseID: e.ID(), Message: "Code please, again."})
	require.NoError(t, err)
	assert.Equal(t, shown, r.Message.Content)
}

// An answer about an unsolved exercise that is not a solution streams as
// it comes: the guard holds nothing back.
func TestExerciseStreamedHintIsUnchanged(t *testing.T) {
	t.Parallel()
	f, l, svc, _ := withLLM(t)
	me := register(t, f)
	e := find(t, f.Exercises(t), me, language.Python, "second-largest")
	p := l.Plan(newPlan("What ", "happens ", "with ", "duplicates? ", "Try:\n", "```python\n", "print(sorted([3, 3, 1]))\n", "```\n", "What do you see?"))
	g, err := svc.StartStream(ctx, tutor.SendInput{LearnerID: me, ExerciseID: e.ID(), Message: "Hint?"})
	require.NoError(t, err)
	sub := svc.Subscribe(g.Stream, "")
	defer sub.Close()
	evs := drain(t, sub, 5*time.Second)
	var deltas []string
	for _, ev := range evs {
		if ev.Type == "delta" {
			deltas = append(deltas, payload(t, ev)["text"].(string))
		}
	}
	assert.Equal(t, p.chunks, deltas, "one delta per model delta, unchanged")
	m := finalMessage(t, svc, me, g.ConversationID, g.MessageID)
	assert.Equal(t, p.text(), m.Content)
	assert.True(t, p.finished.Load())
}
