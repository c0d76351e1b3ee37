package chat

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/codementor/codementor/domain/exercise"
)

// CodeRemovedNote takes the place of the rest of a code block that grew
// beyond exercise.MaxCodeLines in an answer about an unsolved exercise.
const CodeRemovedNote = "_(code removed: try writing this part yourself)_"

// shingleSize is the no-solution check's shingle length (tokens); the
// guard's table tests hold it to exercise.CheckNoSolution.
const shingleSize = 5

// StreamGuard applies the no-solution check to an answer while it is
// generated, so that what the learner sees live, what a resumed stream
// replays and what is stored are one and the same checked answer. It is
// fed the model's text piece by piece and answers what may be shown now:
//
//   - prose is released at once (never buffered);
//   - a code block is released line by line while it has at most
//     exercise.MaxCodeLines non-blank lines; the line that would exceed
//     the limit is held until it proves blank or the fence closes, and once
//     it holds code the rest of the block is dropped and CodeRemovedNote
//     closes it;
//   - every released piece is checked against the reference solution as
//     text accumulates: the piece that would push the overlap over
//     exercise.MaxSolutionOverlap is not shown, the answer stops there
//     (Stopped), an open fence is closed and WithheldNote (or, when
//     nothing was shown, SolutionNudge) ends it.
//
// Whatever the guard released passes exercise.CheckNoSolution. For a
// conversation without an exercise, or about a solved one, it passes
// everything through. Not safe for concurrent use.
type StreamGuard struct {
	active bool
	out    []byte // released so far
	carry  string // an incomplete UTF-8 sequence at the end of a piece

	// fences, with exercise.CheckNoSolution's rules: "```" opens a block
	// whose code starts after the end of that line, and the next "```"
	// closes it.
	state       fenceState
	ticks       int // consecutive backticks
	lines       int // non-blank lines of the current block
	lineContent bool
	held        []byte // the start of the line that could exceed the limit

	// overlap with the reference solution, over the released text's tokens
	ref       map[string]struct{}
	hits      map[string]struct{}
	last      [shingleSize - 1]string // the previous tokens, oldest first
	nTok      int
	word      []byte // the token being read (a word may go on in the next piece)
	wordStart int    // its offset in out
	feedStart int    // offset in out where this Feed's text begins

	cut     bool // a code block was cut
	stopped bool
}

type fenceState uint8

const (
	outside  fenceState = iota // outside code
	opener                     // after "```", up to the end of the line
	code                       // inside a block
	dropping                   // inside a block being cut: nothing is shown up to its close
)

// NewStreamGuard makes a guard for an answer about ex (nil: no exercise).
func NewStreamGuard(ex *ExerciseContext) *StreamGuard {
	g := &StreamGuard{}
	if ex == nil || ex.Solved {
		return g
	}
	g.active = true
	g.hits = map[string]struct{}{}
	g.ref = refShingles(ex.Reference)
	return g
}

// Active says whether the guard checks anything.
func (g *StreamGuard) Active() bool { return g.active }

// Stopped says the answer gave too much of the solution away: the rest of
// the generation is to be discarded (and need not be generated).
func (g *StreamGuard) Stopped() bool { return g.stopped }

// Changed says whether the answer was cut.
func (g *StreamGuard) Changed() bool { return g.cut || g.stopped }

// Text is everything released so far: the answer as shown and stored.
func (g *StreamGuard) Text() string { return string(g.out) }

// Feed takes the model's next piece of text and answers what to show now
// ("" for nothing).
func (g *StreamGuard) Feed(piece string) string {
	if !g.active {
		g.out = append(g.out, piece...)
		return piece
	}
	if g.stopped {
		return ""
	}
	start := len(g.out)
	g.feedStart = start
	if g.carry != "" {
		piece, g.carry = g.carry+piece, ""
	}
	if i := lastRuneStart(piece); i >= 0 && !utf8.FullRuneInString(piece[i:]) {
		piece, g.carry = piece[:i], piece[i:]
	}
	for _, r := range piece {
		g.step(r)
		if g.stopped {
			return string(g.out[start:])
		}
	}
	// The word at the end may go on in the next piece, but what is shown
	// now must pass the check as it is.
	if len(g.word) > 0 && g.wouldHit(string(g.word)) && g.over(len(g.hits)+1) {
		g.stop(max(g.wordStart, g.feedStart))
	}
	return string(g.out[start:])
}

// Finish ends the answer: it answers the last text to show (the note when
// something was cut).
func (g *StreamGuard) Finish() string {
	if !g.active || g.stopped {
		return ""
	}
	start := len(g.out)
	g.feedStart = start
	if g.carry != "" {
		carry := g.carry
		g.carry = ""
		for _, r := range carry {
			g.step(r)
			if g.stopped {
				return string(g.out[start:])
			}
		}
	}
	// A held line is blank (or a close that never came): not worth showing.
	g.held = g.held[:0]
	if g.cut {
		g.own("\n\n" + WithheldNote)
	}
	return string(g.out[start:])
}

// step reads one rune of the model's text.
func (g *StreamGuard) step(r rune) {
	switch g.state {
	case outside:
		if r == '`' {
			g.ticks++
		} else {
			g.ticks = 0
		}
		g.release(r)
		if g.ticks == 3 {
			g.state, g.ticks = opener, 0
		}
	case opener:
		g.release(r)
		if r == '\n' {
			g.state, g.ticks, g.lines, g.lineContent = code, 0, 0, false
		}
	case code:
		g.codeStep(r)
	case dropping:
		if r == '`' {
			g.ticks++
			if g.ticks == 3 {
				g.state, g.ticks = outside, 0
			}
		} else {
			g.ticks = 0
		}
	}
}

func (g *StreamGuard) codeStep(r rune) {
	// At the limit, a new line is held until it proves blank or closes.
	holding := g.lines >= exercise.MaxCodeLines && !g.lineContent
	if r == '`' {
		g.ticks++
		if g.ticks == 3 { // the close
			g.state, g.ticks = outside, 0
			g.releaseHeld()
			g.release(r)
			return
		}
		g.emit(r, holding)
		return
	}
	if g.ticks > 0 { // the backticks were code
		g.ticks = 0
		if holding {
			g.cutBlock()
			return
		}
		g.content()
		holding = false
	}
	switch {
	case r == '\n':
		if holding {
			g.releaseHeld()
		}
		g.release(r)
		g.lineContent = false
	case unicode.IsSpace(r):
		g.emit(r, holding)
	case holding:
		g.cutBlock()
	default:
		g.content()
		g.release(r)
	}
}

func (g *StreamGuard) content() {
	if !g.lineContent {
		g.lineContent = true
		g.lines++
	}
}

func (g *StreamGuard) emit(r rune, hold bool) {
	if hold {
		g.held = utf8.AppendRune(g.held, r)
		return
	}
	g.release(r)
}

func (g *StreamGuard) releaseHeld() {
	held := g.held
	g.held = nil
	for _, r := range string(held) {
		if g.release(r); g.stopped {
			return
		}
	}
}

// cutBlock drops the rest of a block that grew too long: the held line is
// forgotten, the fence closed with a note, and nothing is shown up to the
// model's own close.
func (g *StreamGuard) cutBlock() {
	g.held = g.held[:0]
	g.cut = true
	g.state, g.ticks = dropping, 0
	g.own("```\n" + CodeRemovedNote)
}

// release shows one rune, unless it pushes the overlap with the reference
// over the limit: then the answer stops before the token it completes.
func (g *StreamGuard) release(r rune) {
	if g.stopped {
		return
	}
	pos := len(g.out)
	g.out = utf8.AppendRune(g.out, r)
	if at, ok := g.token(r, pos, true); !ok {
		g.stop(max(at, g.feedStart))
	}
}

// own shows the guard's own text (notes, closes): counted, not checked.
func (g *StreamGuard) own(s string) {
	for _, r := range s {
		pos := len(g.out)
		g.out = utf8.AppendRune(g.out, r)
		g.token(r, pos, false)
	}
}

// token feeds the tokenizer (exercise.CheckNoSolution's rules: words of
// letters, digits and '_' lower-cased, any other non-space rune but '`'
// and '#' a token of its own). It answers false, with the offset of the
// token's start, when check is set and a token completed pushes the
// overlap over the limit.
func (g *StreamGuard) token(r rune, pos int, check bool) (int, bool) {
	if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
		if len(g.word) == 0 {
			g.wordStart = pos
		}
		g.word = utf8.AppendRune(g.word, unicode.ToLower(r))
		return 0, true
	}
	if len(g.word) > 0 {
		w := string(g.word)
		g.word = g.word[:0]
		if !g.push(w) && check {
			return g.wordStart, false
		}
	}
	if unicode.IsSpace(r) || r == '`' || r == '#' {
		return 0, true
	}
	if !g.push(string(r)) && check {
		return pos, false
	}
	return 0, true
}

// push adds a token; false when the overlap is now over the limit.
func (g *StreamGuard) push(tok string) bool {
	ok := true
	if g.nTok >= shingleSize-1 {
		sh := g.shingle(tok)
		if _, in := g.ref[sh]; in {
			if _, seen := g.hits[sh]; !seen {
				g.hits[sh] = struct{}{}
				ok = !g.over(len(g.hits))
			}
		}
	}
	copy(g.last[:], g.last[1:])
	g.last[len(g.last)-1] = tok
	g.nTok++
	return ok
}

func (g *StreamGuard) shingle(tok string) string {
	var b strings.Builder
	for _, t := range g.last {
		b.WriteString(t)
		b.WriteByte(' ')
	}
	b.WriteString(tok)
	return b.String()
}

// wouldHit says whether tok, as the next token, completes a new shingle
// of the reference.
func (g *StreamGuard) wouldHit(tok string) bool {
	if g.nTok < shingleSize-1 {
		return false
	}
	sh := g.shingle(tok)
	_, in := g.ref[sh]
	_, seen := g.hits[sh]
	return in && !seen
}

func (g *StreamGuard) over(hits int) bool {
	return len(g.ref) > 0 && float64(hits)/float64(len(g.ref)) > exercise.MaxSolutionOverlap
}

// stop ends the answer at offset at of the released text: what follows is
// withdrawn (it was never returned), an open fence is closed and a note
// ends the answer: SolutionNudge when the answer was nothing but code,
// WithheldNote otherwise.
func (g *StreamGuard) stop(at int) {
	g.out = g.out[:at]
	g.stopped = true
	g.held, g.word = nil, nil
	open, prose := fences(string(g.out))
	if open {
		if len(g.out) > 0 && g.out[len(g.out)-1] != '\n' {
			g.out = append(g.out, '\n')
		}
		g.out = append(g.out, "```"...)
	}
	note := WithheldNote
	if !prose {
		note = SolutionNudge
	}
	if len(bytes.TrimSpace(g.out)) > 0 {
		g.out = append(g.out, "\n\n"...)
	}
	g.out = append(g.out, note...)
}

// fences says whether text ends inside a code block (or its opening line),
// and whether it has any words outside code blocks.
func fences(text string) (open, prose bool) {
	state, ticks := outside, 0
	for _, r := range text {
		switch state {
		case outside, code:
			if state == outside && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				prose = true
			}
			if r != '`' {
				ticks = 0
				continue
			}
			if ticks++; ticks == 3 {
				ticks = 0
				if state == outside {
					state = opener
				} else {
					state = outside
				}
			}
		case opener:
			if r == '\n' {
				state = code
			}
		}
	}
	return state != outside, prose
}

func refShingles(reference string) map[string]struct{} {
	g := &StreamGuard{hits: map[string]struct{}{}}
	var toks []string
	for _, r := range reference + " " {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_':
			g.word = utf8.AppendRune(g.word, unicode.ToLower(r))
			continue
		case len(g.word) > 0:
			toks = append(toks, string(g.word))
			g.word = g.word[:0]
		}
		if !unicode.IsSpace(r) && r != '`' && r != '#' {
			toks = append(toks, string(r))
		}
	}
	out := make(map[string]struct{}, len(toks))
	for i := 0; i+shingleSize <= len(toks); i++ {
		out[strings.Join(toks[i:i+shingleSize], " ")] = struct{}{}
	}
	return out
}

func lastRuneStart(s string) int {
	for i := len(s) - 1; i >= 0 && i >= len(s)-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			return i
		}
	}
	return -1
}
