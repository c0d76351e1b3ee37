package chat_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain/chat"
	"github.com/codementor/codementor/domain/exercise"
)

// splits cut a text into the pieces a model could stream.
var splits = map[string]func(string) []string{
	"whole":    func(s string) []string { return []string{s} },
	"bytes":    func(s string) []string { return chunks(s, 1) },
	"3 bytes":  func(s string) []string { return chunks(s, 3) },
	"17 bytes": func(s string) []string { return chunks(s, 17) },
	"words": func(s string) []string { // like model tokens: " word"
		var out []string
		for i := 0; i < len(s); {
			j := i + 1
			for j < len(s) && s[j] != ' ' && s[j] != '\n' {
				j++
			}
			out, i = append(out, s[i:j]), j
		}
		return out
	},
}

func chunks(s string, n int) []string {
	var out []string
	for len(s) > 0 {
		k := min(n, len(s))
		out, s = append(out, s[:k]), s[k:]
	}
	return out
}

// run streams pieces through a guard, checking after every piece that all
// that was shown passes the no-solution check; it answers the pieces shown
// and the guard.
func run(t *testing.T, ex *chat.ExerciseContext, pieces []string) ([]string, *chat.StreamGuard) {
	t.Helper()
	g := chat.NewStreamGuard(ex)
	var shown []string
	var all strings.Builder
	for _, p := range pieces {
		out := g.Feed(p)
		shown = append(shown, out)
		all.WriteString(out)
		if ex != nil && !ex.Solved {
			check := exercise.CheckNoSolution(all.String(), ex.Reference)
			require.True(t, check.OK, "what was shown fails the check (%+v): %q", check, all.String())
		}
	}
	tail := g.Finish()
	shown = append(shown, tail)
	all.WriteString(tail)
	require.Equal(t, all.String(), g.Text(), "the text is what was shown")
	require.True(t, utf8.ValidString(g.Text()))
	if ex != nil && !ex.Solved {
		check := exercise.CheckNoSolution(g.Text(), ex.Reference)
		require.True(t, check.OK, "the answer fails the check (%+v): %q", check, g.Text())
	}
	return shown, g
}

func TestStreamGuard(t *testing.T) {
	t.Parallel()
	fullSolution := "Here you go:\n\n```python\n" + referenceSolution + "```\n\nThis runs in O(n)."
	prose := "Just write def two_sum(nums, target): with zq_secret_seen = {} and then for i, n in enumerate(nums): " +
		"if target - n in zq_secret_seen: return [zq_secret_seen[target - n], i] and otherwise zq_secret_seen[n] = i and you are done."
	hint := "What could you store while looping so that you can find the complement of each number quickly? Try:\n" +
		fence("seen = {}", "for i, n in enumerate(nums):", "    ...") + "\nWhat goes in the loop? Ünïcödé 👍 fine."
	blankLines := "Look:\n```go\na := 1\n\nb := 2\n\n\nc := 3\n   \nd := 4\n\n```\nok?"
	longUnrelated := "For example:\n" + fence("a = 1", "b = 2", "c = 3", "d = 4", "e = 5", "f = 6") + "\nWhat do you notice?"
	tests := []struct {
		name    string
		answer  string
		ex      *chat.ExerciseContext
		want    string // "" = the answer unchanged
		stopped bool
		nudge   bool     // the answer ends with SolutionNudge
		absent  []string // never shown, whatever the split
	}{
		{name: "no exercise: anything passes", answer: fullSolution, ex: nil},
		{name: "solved: anything passes", answer: fullSolution + prose, ex: twoSum(true)},
		{name: "unsolved, plain prose", answer: "A dictionary maps keys to values. What would you use as the key? 🙂", ex: twoSum(false)},
		{name: "unsolved, a short hint block", answer: hint, ex: twoSum(false)},
		{name: "unsolved, blank lines do not count", answer: blankLines, ex: twoSum(false)},
		{name: "unsolved, an unclosed short block", answer: "Start with:\n```python\nseen = {}\n", ex: twoSum(false)},
		{name: "unsolved, inline backticks", answer: "Use `seen` and ``x`` here.", ex: twoSum(false)},
		{
			name: "unsolved, a long unrelated block is cut after the limit", answer: longUnrelated, ex: twoSum(false),
			want: "For example:\n```python\na = 1\nb = 2\nc = 3\nd = 4\n```\n" + chat.CodeRemovedNote +
				"\nWhat do you notice?\n\n" + chat.WithheldNote,
			absent: []string{"e = 5", "f = 6"},
		},
		{
			name: "unsolved, two long blocks", answer: longUnrelated + "\nAgain:\n```\n1\n2\n3\n4\n5\n```\nDone.", ex: twoSum(false),
			want: "For example:\n```python\na = 1\nb = 2\nc = 3\nd = 4\n```\n" + chat.CodeRemovedNote +
				"\nWhat do you notice?\nAgain:\n```\n1\n2\n3\n4\n```\n" + chat.CodeRemovedNote + "\nDone.\n\n" + chat.WithheldNote,
			absent: []string{"e = 5", "\n5\n"},
		},
		{
			name: "unsolved, the fenced solution stops the answer", answer: fullSolution, ex: twoSum(false), stopped: true,
			absent: []string{"return [zq_secret_seen[target - n], i]", "zq_secret_seen[n] = i", "This runs in O(n)."},
		},
		{
			name: "unsolved, the solution in prose stops the answer", answer: prose, ex: twoSum(false), stopped: true,
			absent: []string{"return [zq_secret_seen[target - n], i]", "you are done"},
		},
		{
			name: "unsolved, nothing but the solution: the nudge", answer: "```python\n" + referenceSolution + "```\nThat's it.",
			ex: twoSum(false), stopped: true, nudge: true, absent: []string{"return [zq_secret_seen[target - n], i]", "That's it."},
		},
	}
	for _, tt := range tests {
		for split, cut := range splits {
			t.Run(tt.name+"/"+split, func(t *testing.T) {
				t.Parallel()
				shown, g := run(t, tt.ex, cut(tt.answer))
				got := g.Text()
				switch {
				case tt.stopped:
					assert.True(t, g.Stopped())
					assert.True(t, g.Changed())
					note := chat.WithheldNote
					if tt.nudge {
						note = chat.SolutionNudge
					}
					assert.True(t, strings.HasSuffix(got, "\n\n"+note), got)
				case tt.want == "":
					assert.Equal(t, tt.answer, got)
					assert.False(t, g.Changed())
				default:
					assert.False(t, g.Stopped())
					assert.True(t, g.Changed())
				}
				if tt.want != "" {
					assert.Equal(t, tt.want, got)
				}
				for _, a := range tt.absent {
					assert.NotContains(t, got, a)
				}
				if split == "words" || split == "whole" {
					whole, changed := chat.CheckAnswer(tt.answer, tt.ex)
					assert.Equal(t, got, whole, "a whole answer is checked as a streamed one")
					assert.Equal(t, g.Changed(), changed)
				}
				if !g.Changed() && split == "words" { // (byte splits wait for a whole UTF-8 rune)
					assert.Equal(t, splitOf(tt.answer, split), shown[:len(shown)-1], "every piece is shown as it comes")
				}
			})
		}
	}
}

func splitOf(s, split string) []string { return splits[split](s) }

// Prose is shown as it comes: every piece is released by its own Feed.
func TestStreamGuardDoesNotBufferProse(t *testing.T) {
	t.Parallel()
	g := chat.NewStreamGuard(twoSum(false))
	for _, p := range []string{"Think", " about", " what", " a", " dictionary", " gives", " you", ":", " fast", " lookups", "."} {
		assert.Equal(t, p, g.Feed(p))
	}
	// A short block is shown line by line too.
	for _, p := range []string{"\n```py", "thon\n", "seen", " = {}\n", "for x in xs:\n"} {
		assert.Equal(t, p, g.Feed(p))
	}
	assert.Empty(t, g.Finish())
	assert.False(t, g.Changed())
}

// At the limit, the next line is held until it can be judged: shown when
// it proves blank or closes the block, cut when it holds code.
func TestStreamGuardHoldsTheLineOverTheLimit(t *testing.T) {
	t.Parallel()
	open := "```go\na\nb\nc\nd\n"
	t.Run("blank then closed", func(t *testing.T) {
		t.Parallel()
		g := chat.NewStreamGuard(twoSum(false))
		assert.Equal(t, open, g.Feed(open))
		assert.Empty(t, g.Feed("   "))
		assert.Equal(t, "   \n", g.Feed("\n"))
		assert.Empty(t, g.Feed("``"))
		assert.Equal(t, "```\nok", g.Feed("`\nok"))
		assert.Empty(t, g.Finish())
		assert.False(t, g.Changed())
	})
	t.Run("code", func(t *testing.T) {
		t.Parallel()
		g := chat.NewStreamGuard(twoSum(false))
		assert.Equal(t, open, g.Feed(open))
		assert.Empty(t, g.Feed("\t"))
		assert.Empty(t, g.Feed("``"))
		assert.Equal(t, "```\n"+chat.CodeRemovedNote, g.Feed("x"), "backticks that were code")
		assert.Empty(t, g.Feed("secret\nmore secret\n"))
		assert.Equal(t, "\nAfter.", g.Feed("```\nAfter."))
		assert.Equal(t, "\n\n"+chat.WithheldNote, g.Finish())
		assert.True(t, g.Changed())
		assert.False(t, g.Stopped())
	})
	t.Run("the stream ends inside the cut block", func(t *testing.T) {
		t.Parallel()
		g := chat.NewStreamGuard(twoSum(false))
		g.Feed(open + "e\nf")
		assert.Equal(t, "```go\na\nb\nc\nd\n```\n"+chat.CodeRemovedNote+"\n\n"+chat.WithheldNote, g.Text()+g.Finish())
	})
}

// After the answer stopped, nothing more is shown.
func TestStreamGuardStopsForGood(t *testing.T) {
	t.Parallel()
	g := chat.NewStreamGuard(twoSum(false))
	g.Feed("```python\n" + referenceSolution)
	require.True(t, g.Stopped())
	text := g.Text()
	assert.Empty(t, g.Feed("more text"))
	assert.Empty(t, g.Finish())
	assert.Equal(t, text, g.Text())
	assert.True(t, strings.HasSuffix(text, "\n```\n\n"+chat.SolutionNudge), "nothing but code: the nudge: %q", text)
}

// Whatever a model streams, and however it is split, what the guard shows
// passes the no-solution check at every moment (run checks it).
func TestStreamGuardRandomAnswers(t *testing.T) {
	t.Parallel()
	parts := append(strings.SplitAfter(referenceSolution, "\n"),
		"```python\n", "```\n", "```", "`", "``", "\n", "\n\n", "    ", "Think about it. ", "What is `seen` for? ",
		"x = 1\n", "for k in d:\n", "é👍 ", "# comment\n", "zq_secret_seen", " target - n ", "return [", "]")
	rng := rand.New(rand.NewPCG(6, 6))
	for i := range 300 {
		var b strings.Builder
		for range 1 + rng.IntN(40) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		answer := b.String()
		var pieces []string
		for rest := answer; rest != ""; {
			n := min(1+rng.IntN(12), len(rest))
			pieces, rest = append(pieces, rest[:n]), rest[n:]
		}
		_, g := run(t, twoSum(false), pieces)
		if !g.Changed() {
			require.Equal(t, answer, g.Text(), "case %d: an answer that was not cut is shown whole", i)
		}
	}
}
