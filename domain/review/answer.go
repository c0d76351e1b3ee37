package review

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/llm"
)

// ErrMalformedAnswer: the model's answer is not the review JSON.
var ErrMalformedAnswer = errors.New("the model's review is not the expected JSON")

// Caps on what a model's answer may carry into a review.
const (
	MaxSummaryRunes         = 1200
	MaxMergedSummaryRunes   = 3000
	MaxStrengths            = 5
	MaxStrengthRunes        = 300
	MaxMessageRunes         = 1000
	MaxSuggestionRunes      = 1500
	MaxTopicsPerAnswer      = 3
	DefaultMaxTotalFindings = 30
)

// Answer is one chunk's review as the model wrote it.
type Answer struct {
	Summary        string
	Strengths      []string
	Findings       []Finding
	PracticeTopics []string
	// Dropped counts findings CheckAnswer removed as invalid.
	Dropped int
}

// AnswerSchema is the strict JSON Schema of a review answer.
func AnswerSchema() llm.Schema {
	topics, _ := json.Marshal(exercise.TopicVocabulary)
	severities, _ := json.Marshal(Severities)
	categories, _ := json.Marshal(Categories)
	schema := `{"type":"object","additionalProperties":false,
"required":["summary","strengths","findings","practice_topics"],
"properties":{
 "summary":{"type":"string","description":"two to four sentences on the code's overall state, to the learner"},
 "strengths":{"type":"array","items":{"type":"string"},"description":"one to three real strengths"},
 "findings":{"type":"array","items":{"type":"object","additionalProperties":false,
   "required":["path","start_line","end_line","severity","category","message","suggestion"],
   "properties":{
     "path":{"type":"string","description":"the file's path exactly as its block header gives it"},
     "start_line":{"type":"integer","description":"the first line, as numbered in the file block"},
     "end_line":{"type":"integer","description":"the last line, the same as start_line or later"},
     "severity":{"type":"string","enum":` + string(severities) + `},
     "category":{"type":"string","enum":` + string(categories) + `},
     "message":{"type":"string","description":"what is wrong and why it matters"},
     "suggestion":{"type":"string","description":"how to improve it"}}}},
 "practice_topics":{"type":"array","items":{"type":"string","enum":` + string(topics) + `},
   "description":"the two or three topics the learner should practise"}
}}`
	return llm.Schema{Name: "code_review", Description: "a code review of a learner's repository files",
		JSON: json.RawMessage(schema)}
}

type wireAnswer struct {
	Summary   string   `json:"summary"`
	Strengths []string `json:"strengths"`
	Findings  []struct {
		Path       string `json:"path"`
		StartLine  int    `json:"start_line"`
		EndLine    int    `json:"end_line"`
		Severity   string `json:"severity"`
		Category   string `json:"category"`
		Message    string `json:"message"`
		Suggestion string `json:"suggestion"`
	} `json:"findings"`
	PracticeTopics []string `json:"practice_topics"`
}

// ParseAnswer reads a model's answer: one JSON object, possibly with
// whitespace around it or inside a ``` or ```json fence; anything else is
// ErrMalformedAnswer. Severity and category are kept as written (lower
// cased): CheckAnswer judges them.
func ParseAnswer(text string) (Answer, error) {
	body := []byte(unfence(strings.TrimSpace(text)))
	if len(body) == 0 || body[0] != '{' {
		return Answer{}, ErrMalformedAnswer
	}
	var w wireAnswer
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&w); err != nil {
		return Answer{}, fmt.Errorf("%w: %v", ErrMalformedAnswer, err)
	}
	if dec.InputOffset() != int64(len(body)) {
		return Answer{}, fmt.Errorf("%w: text after the JSON object", ErrMalformedAnswer)
	}
	a := Answer{Summary: w.Summary, Strengths: w.Strengths, PracticeTopics: w.PracticeTopics}
	for _, f := range w.Findings {
		a.Findings = append(a.Findings, Finding{Path: f.Path, StartLine: f.StartLine, EndLine: f.EndLine,
			Severity: Severity(strings.ToLower(strings.TrimSpace(f.Severity))),
			Category: Category(strings.ToLower(strings.TrimSpace(f.Category))),
			Message:  f.Message, Suggestion: f.Suggestion})
	}
	return a, nil
}

// unfence strips one Markdown code fence around the whole text.
func unfence(s string) string {
	if !strings.HasPrefix(s, "```") || !strings.HasSuffix(s, "```") || len(s) < 6 {
		return s
	}
	inner := s[3 : len(s)-3]
	first, rest, found := strings.Cut(inner, "\n")
	if !found {
		return s
	}
	if lang := strings.ToLower(strings.TrimSpace(first)); lang != "" && lang != "json" {
		return s
	}
	return strings.TrimSpace(rest)
}

// CheckAnswer keeps what is trustworthy in a chunk's answer, given the
// files sent (path -> line count, see Chunk.Lines): a finding must name a
// sent path (a leading "./" or "/" is forgiven), lines 1 <= start <= end
// <= the file's lines, a known severity and category, and a message.
// Other findings are dropped and counted in Dropped; exact duplicates go
// silently. Texts are trimmed and cut to their caps, strengths and topics
// cleaned (topics outside the vocabulary go), and at most maxFindings
// findings (<= 0: DefaultMaxFindings) are kept, the most severe first.
func CheckAnswer(a Answer, sent map[string]int, maxFindings int) Answer {
	if maxFindings <= 0 {
		maxFindings = DefaultMaxFindings
	}
	out := Answer{Summary: clip(a.Summary, MaxSummaryRunes), Strengths: cleanStrengths(a.Strengths),
		PracticeTopics: cleanTopics(a.PracticeTopics, MaxTopicsPerAnswer)}
	seen := map[Finding]bool{}
	for _, f := range a.Findings {
		f, ok := checkFinding(f, sent)
		if !ok {
			out.Dropped++
			continue
		}
		if seen[f] {
			continue
		}
		seen[f] = true
		out.Findings = append(out.Findings, f)
	}
	sortFindings(out.Findings)
	if len(out.Findings) > maxFindings {
		out.Findings = out.Findings[:maxFindings]
	}
	return out
}

func checkFinding(f Finding, sent map[string]int) (Finding, bool) {
	path := strings.TrimSpace(f.Path)
	lines, ok := sent[path]
	if !ok {
		path = strings.TrimPrefix(strings.TrimPrefix(path, "./"), "/")
		lines, ok = sent[path]
	}
	sev, serr := ParseSeverity(strings.ToLower(strings.TrimSpace(string(f.Severity))))
	cat, cerr := ParseCategory(strings.ToLower(strings.TrimSpace(string(f.Category))))
	msg := clip(f.Message, MaxMessageRunes)
	if !ok || serr != nil || cerr != nil || msg == "" || f.StartLine < 1 || f.EndLine < f.StartLine || f.EndLine > lines {
		return Finding{}, false
	}
	return Finding{Path: path, StartLine: f.StartLine, EndLine: f.EndLine, Severity: sev, Category: cat,
		Message: msg, Suggestion: clip(f.Suggestion, MaxSuggestionRunes)}, true
}

// clip trims a text and cuts it to max runes, marking the cut.
func clip(s string, max int) string {
	// NUL and broken UTF-8 cannot be stored (Postgres text and jsonb
	// refuse them) and mean nothing to the learner.
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:max-1])) + "…"
}

func cleanStrengths(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		s = clip(s, MaxStrengthRunes)
		key := strings.ToLower(strings.Join(strings.Fields(s), " "))
		if s == "" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, s)
		if len(out) == MaxStrengths {
			break
		}
	}
	return out
}

func cleanTopics(in []string, limit int) []string {
	var out []string
	for _, t := range in {
		t = strings.ToLower(strings.TrimSpace(t))
		if exercise.KnownTopic(t) && !slices.Contains(out, t) {
			out = append(out, t)
			if len(out) == limit {
				break
			}
		}
	}
	return out
}

// severityRank orders severities, most severe first.
func severityRank(s Severity) int {
	switch s {
	case SeverityCritical:
		return 0
	case SeverityMajor:
		return 1
	case SeverityMinor:
		return 2
	}
	return 3
}

// sortFindings: critical first, then by path, lines and message, so that
// equal inputs always give the same order.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if d := severityRank(a.Severity) - severityRank(b.Severity); d != 0 {
			return d
		}
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		if a.StartLine != b.StartLine {
			return a.StartLine - b.StartLine
		}
		if a.EndLine != b.EndLine {
			return a.EndLine - b.EndLine
		}
		return strings.Compare(a.Message, b.Message)
	})
}

// Merge folds the checked answers of a review's chunks into one Result:
// the distinct summaries in chunk order (cut to MaxMergedSummaryRunes),
// distinct strengths (at most MaxStrengths), every finding sorted by
// severity (critical first), path and line and cut to maxFindings (<= 0:
// DefaultMaxTotalFindings), dropped counts added, and the practice topics
// chosen by ChooseTopics from the chunks' topics ranked by how many
// chunks named them. Chunks is len(answers); the caller fills the files,
// skips, redactions and suggested exercises.
func Merge(answers []Answer, maxFindings int) Result {
	if maxFindings <= 0 {
		maxFindings = DefaultMaxTotalFindings
	}
	res := Result{Chunks: len(answers)}
	var summaries, strengths []string
	seenSummary := map[string]bool{}
	freq := map[string]int{}
	var order []string
	for _, a := range answers {
		if s := strings.TrimSpace(a.Summary); s != "" && !seenSummary[s] {
			seenSummary[s] = true
			summaries = append(summaries, s)
		}
		strengths = append(strengths, a.Strengths...)
		res.Findings = append(res.Findings, a.Findings...)
		res.DroppedFindings += a.Dropped
		for _, t := range cleanTopics(a.PracticeTopics, len(exercise.TopicVocabulary)) {
			if freq[t] == 0 {
				order = append(order, t)
			}
			freq[t]++
		}
	}
	res.Summary = clip(strings.Join(summaries, "\n\n"), MaxMergedSummaryRunes)
	res.Strengths = cleanStrengths(strengths)
	sortFindings(res.Findings)
	if len(res.Findings) > maxFindings {
		res.Findings = res.Findings[:maxFindings]
	}
	// Most named first; ties keep the order they first appeared in.
	slices.SortStableFunc(order, func(a, b string) int { return freq[b] - freq[a] })
	res.Topics = ChooseTopics(order, res.Findings)
	return res
}
