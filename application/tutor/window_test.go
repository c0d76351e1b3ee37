package tutor_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/application/tutor"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/chat"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

// words counts as the fixture's token counter does.
func words(s string) int { return len(strings.Fields(s)) }

func TestContextWindowStaysWithinBudgetAndFoldsIntoTheSummary(t *testing.T) {
	t.Parallel()
	// The system prompt is ~290 words: the budget leaves room for a few
	// turns of ~20 words.
	budget := chat.Budget{ContextTokens: 500, ReserveForAnswer: 50, PerMessageOverhead: 4}
	f, l, svc, _ := withLLM(t, func(c *tutor.Config) { c.Budget = budget; c.MessagesPerMinute = 1000 })
	me := register(t, f)
	l.summaryText = "The learner is building a calculator in Python named calc."

	const turns = 12
	conv := ""
	var throughs []int
	for i := range turns {
		msg := fmt.Sprintf("Question %d: how should my calculator handle this input case, what about division by zero errors here?", i)
		l.Answer(fmt.Sprintf("Answer %d: think about which inputs are invalid and what the function should return for each of them.", i))
		r := send(t, svc, me, conv, msg)
		conv = r.ConversationID
		c := conversation(t, svc, me, conv)
		throughs = append(throughs, c.SummarizedThrough)
		f.Clock.Advance(time.Second)
	}

	room := budget.ContextTokens - budget.ReserveForAnswer
	chats := l.RequestsFor(llm.PurposeChat)
	require.Len(t, chats, turns)
	for i, req := range chats {
		used := words(req.System) + budget.PerMessageOverhead
		for _, m := range req.Messages {
			used += words(m.Content) + budget.PerMessageOverhead
		}
		assert.LessOrEqual(t, used, room, "request %d uses %d tokens of %d", i, used, room)
		last := req.Messages[len(req.Messages)-1]
		assert.Equal(t, fmt.Sprintf("Question %d", i), strings.SplitN(last.Content, ":", 2)[0], "the new message is always last")
	}
	// The window is full: not every turn fits in the last request.
	assert.Less(t, len(chats[turns-1].Messages), 2*turns-1)

	sums := l.RequestsFor(llm.PurposeSummary)
	require.NotEmpty(t, sums, "old turns are folded into a summary")
	for _, s := range sums {
		assert.Equal(t, me, s.LearnerID)
		require.Len(t, s.Messages, 1)
		assert.Contains(t, s.Messages[0].Content, "<turns>")
	}
	assert.Contains(t, sums[0].Messages[0].Content, "Question 0:", "the oldest turn is folded first")
	assert.Contains(t, sums[0].Messages[0].Content, "(none yet)")
	if len(sums) > 1 {
		assert.Contains(t, sums[1].Messages[0].Content, l.summaryText, "later folds update the previous summary")
	}

	t.Logf("SummarizedThrough after each turn: %v; %d summary calls", throughs, len(sums))
	c := conversation(t, svc, me, conv)
	assert.Equal(t, l.summaryText, c.Summary)
	assert.Positive(t, c.SummarizedThrough)
	for i := 1; i < len(throughs); i++ {
		assert.GreaterOrEqual(t, throughs[i], throughs[i-1], "SummarizedThrough never goes back: %v", throughs)
	}
	assert.Greater(t, throughs[len(throughs)-1], throughs[0], "SummarizedThrough advances: %v", throughs)
	assert.Less(t, c.SummarizedThrough, 2*turns, "the newest turns are not folded")

	// Later requests carry the summary as their first message, and no
	// folded turn.
	lastReq := chats[turns-1]
	assert.Equal(t, llm.Message{Role: llm.RoleUser, Content: chat.SummaryPrefix + l.summaryText}, lastReq.Messages[0])
	assert.NotContains(t, requestText(lastReq), "Question 0:")

	// Every folded turn was folded exactly once.
	folded := map[int]int{}
	for _, s := range sums {
		for i := range turns {
			if strings.Contains(s.Messages[0].Content, fmt.Sprintf("Question %d:", i)) {
				folded[i]++
			}
		}
	}
	for i, n := range folded {
		assert.Equal(t, 1, n, "question %d folded %d times", i, n)
	}
}

func TestContextWindowMessageTooLongForTheModel(t *testing.T) {
	t.Parallel()
	budget := chat.Budget{ContextTokens: 400, ReserveForAnswer: 50, PerMessageOverhead: 4}
	f, l, svc, _ := withLLM(t, func(c *tutor.Config) { c.Budget = budget })
	me := register(t, f)
	_, err := svc.Send(ctx, tutor.SendInput{LearnerID: me, Message: strings.Repeat("word ", 200)})
	require.ErrorIs(t, err, domain.ErrTooLarge)
	assert.Empty(t, l.Requests(), "nothing is sent to the model")
}

func TestRefusedFirstMessageLeavesNoEmptyConversation(t *testing.T) {
	t.Parallel()
	budget := chat.Budget{ContextTokens: 400, ReserveForAnswer: 50, PerMessageOverhead: 4}
	f, _, svc, _ := withLLM(t, func(c *tutor.Config) { c.Budget = budget })
	me := register(t, f)
	_, err := svc.Send(ctx, tutor.SendInput{LearnerID: me, Message: strings.Repeat("word ", 200)})
	require.ErrorIs(t, err, domain.ErrTooLarge)
	list, _, err := svc.List(ctx, me, ports.Page{Limit: 10})
	require.NoError(t, err)
	assert.Empty(t, list, "a refused first message leaves no empty conversation behind")
}
