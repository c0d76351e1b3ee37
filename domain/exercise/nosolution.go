package exercise

import (
	"regexp"
	"strings"
	"unicode"
)

// The no-solution check: a hint or a tutor's answer must teach, not hand
// over the solution of an exercise the learner has not solved. It fails
// text that holds a code block longer than MaxCodeLines lines, or whose
// code-like tokens cover too much of the reference solution.
const (
	MaxCodeLines = 4
	// MaxSolutionOverlap is the share of the reference solution's 5-token
	// shingles that may appear in the text.
	MaxSolutionOverlap = 0.35
	shingleSize        = 5
)

// SolutionCheck is the check's finding.
type SolutionCheck struct {
	OK         bool
	LongCode   bool    // a code block over MaxCodeLines lines
	Overlap    float64 // share of the reference's shingles found in the text
	TooSimilar bool
}

var fenceRe = regexp.MustCompile("(?s)```[^\\n]*\\n(.*?)(```|$)")

// CheckNoSolution judges text against the exercise's reference solution.
func CheckNoSolution(text, reference string) SolutionCheck {
	c := SolutionCheck{OK: true}
	for _, m := range fenceRe.FindAllStringSubmatch(text, -1) {
		if codeLines(m[1]) > MaxCodeLines {
			c.LongCode = true
		}
	}
	ref := shingles(tokens(reference))
	if len(ref) > 0 {
		got := shingles(tokens(text))
		hit := 0
		for s := range ref {
			if got[s] {
				hit++
			}
		}
		c.Overlap = float64(hit) / float64(len(ref))
		c.TooSimilar = c.Overlap > MaxSolutionOverlap
	}
	c.OK = !c.LongCode && !c.TooSimilar
	return c
}

// CutCode replaces every fenced code block longer than MaxCodeLines with a
// note, for a text that failed the check twice.
func CutCode(text string) string {
	return fenceRe.ReplaceAllStringFunc(text, func(block string) string {
		m := fenceRe.FindStringSubmatch(block)
		if codeLines(m[1]) <= MaxCodeLines {
			return block
		}
		return "_(code removed: try writing this part yourself)_"
	})
}

func codeLines(code string) int {
	n := 0
	for _, l := range strings.Split(code, "\n") {
		if strings.TrimSpace(l) != "" {
			n++
		}
	}
	return n
}

// tokens splits code-like text into identifiers, numbers and single
// punctuation marks, dropping comments' markers and whitespace; prose
// words are tokens too, which only dilutes overlap.
func tokens(s string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_':
			cur.WriteRune(unicode.ToLower(r))
		case unicode.IsSpace(r):
			flush()
		default:
			flush()
			if r != '`' && r != '#' {
				out = append(out, string(r))
			}
		}
	}
	flush()
	return out
}

func shingles(toks []string) map[string]bool {
	out := map[string]bool{}
	for i := 0; i+shingleSize <= len(toks); i++ {
		out[strings.Join(toks[i:i+shingleSize], " ")] = true
	}
	return out
}
