package exercise_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/codementor/codementor/domain/exercise"
)

const referenceSolution = `def two_sum(nums, target):
    seen = {}
    for i, n in enumerate(nums):
        if target - n in seen:
            return [seen[target - n], i]
        seen[n] = i
`

func fenced(lang string, lines ...string) string {
	return "```" + lang + "\n" + strings.Join(lines, "\n") + "\n```"
}

func TestCheckNoSolution(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		text       string
		reference  string
		ok         bool
		longCode   bool
		tooSimilar bool
	}{
		{
			name:      "a short hint",
			text:      "Think about remembering each number's index as you go, and look for the complement before storing it.",
			reference: referenceSolution, ok: true,
		},
		{
			name: "a 3-line snippet",
			text: "You could start like this:\n\n" + fenced("python", "seen = {}", "for i, n in enumerate(nums):", "    ...") +
				"\n\nNow, what should go inside the loop?",
			reference: referenceSolution, ok: true,
		},
		{
			name:      "4 lines of unrelated code with blank lines",
			text:      fenced("go", "x := 1", "", "y := 2", "", "z := x + y", "fmt.Println(z)"),
			reference: referenceSolution, ok: true,
		},
		{
			name:      "a 5-line fenced block",
			text:      "Here is an example:\n" + fenced("go", "a := 1", "b := 2", "c := 3", "d := 4", "e := 5") + "\nGood luck!",
			reference: referenceSolution, longCode: true,
		},
		{
			name:      "a long block without a language",
			text:      fenced("", "a = 1", "b = 2", "c = 3", "d = 4", "e = 5", "f = 6"),
			reference: referenceSolution, longCode: true,
		},
		{
			name:      "an unclosed long block",
			text:      "Try:\n```js\nlet a = 1\nlet b = 2\nlet c = 3\nlet d = 4\nlet e = 5\n",
			reference: referenceSolution, longCode: true,
		},
		{
			name:      "one short and one long block",
			text:      fenced("", "x = 1") + "\nand then\n" + fenced("", "1", "2", "3", "4", "5"),
			reference: referenceSolution, longCode: true,
		},
		{
			name:      "the reference solution fenced",
			text:      "```python\n" + referenceSolution + "```",
			reference: referenceSolution, longCode: true, tooSimilar: true,
		},
		{
			name: "a paraphrase of the solution without fences",
			text: "Just write def two_sum(nums, target): with seen = {} and then for i, n in enumerate(nums): " +
				"if target - n in seen: return [seen[target - n], i] and otherwise seen[n] = i and you are done.",
			reference: referenceSolution, tooSimilar: true,
		},
		{
			name:      "the solution in upper case on one line",
			text:      strings.ToUpper(strings.ReplaceAll(referenceSolution, "\n", " ")),
			reference: referenceSolution, tooSimilar: true,
		},
		{
			name:      "no reference",
			text:      "anything at all goes here, even def two_sum(nums, target): return []",
			reference: "", ok: true,
		},
		{
			name:      "a reference shorter than a shingle",
			text:      "return x",
			reference: "return x", ok: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := exercise.CheckNoSolution(tt.text, tt.reference)
			assert.Equal(t, tt.ok, c.OK, "check %+v", c)
			assert.Equal(t, tt.longCode, c.LongCode, "check %+v", c)
			assert.Equal(t, tt.tooSimilar, c.TooSimilar, "check %+v", c)
			assert.Equal(t, c.Overlap > exercise.MaxSolutionOverlap, c.TooSimilar)
			assert.Equal(t, !c.LongCode && !c.TooSimilar, c.OK)
			assert.GreaterOrEqual(t, c.Overlap, 0.0)
			assert.LessOrEqual(t, c.Overlap, 1.0)
		})
	}
}

func TestCheckNoSolutionOverlap(t *testing.T) {
	t.Parallel()
	full := exercise.CheckNoSolution(referenceSolution, referenceSolution)
	assert.InDelta(t, 1.0, full.Overlap, 1e-12)

	hint := exercise.CheckNoSolution("Use a dictionary from value to index.", referenceSolution)
	assert.Zero(t, hint.Overlap)

	paraphrase := exercise.CheckNoSolution("Just write def two_sum(nums, target): with seen = {} and then for i, n in enumerate(nums): "+
		"if target - n in seen: return [seen[target - n], i] and otherwise seen[n] = i and you are done.", referenceSolution)
	assert.Greater(t, paraphrase.Overlap, exercise.MaxSolutionOverlap)
	assert.False(t, paraphrase.LongCode)
}

func TestCutCode(t *testing.T) {
	t.Parallel()
	short := fenced("python", "seen = {}", "for i, n in enumerate(nums):", "    ...")
	long := fenced("python", strings.Split(strings.TrimSpace(referenceSolution), "\n")...)
	text := "First:\n" + short + "\nThen:\n" + long + "\nThat's the idea."

	cut := exercise.CutCode(text)
	assert.Contains(t, cut, short, "short blocks stay")
	assert.NotContains(t, cut, "return [seen[target - n], i]")
	assert.Contains(t, cut, "code removed")
	assert.Contains(t, cut, "First:\n")
	assert.Contains(t, cut, "\nThen:\n")
	assert.Contains(t, cut, "That's the idea.")
	assert.Equal(t, 1, strings.Count(cut, "code removed"))
	assert.False(t, exercise.CheckNoSolution(cut, "").LongCode)

	plain := "No code here, just `inline` words."
	assert.Equal(t, plain, exercise.CutCode(plain))
	assert.Equal(t, short, exercise.CutCode(short))

	two := long + "\n\n" + fenced("", "1", "2", "3", "4", "5")
	assert.Equal(t, 2, strings.Count(exercise.CutCode(two), "code removed"))
}
