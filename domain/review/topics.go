package review

import (
	"regexp"
	"slices"
	"strings"

	"github.com/codementor/codementor/domain/exercise"
)

// Bounds of a review's learning link.
const (
	MaxTopics = 3
	// minThirdTopicScore: a third topic is only worth naming when the
	// findings make a real case for it (a minor finding's keyword, a
	// major finding's category...).
	minThirdTopicScore = 3
)

// topicRule maps words of a finding's message or suggestion to topics.
type topicRule struct {
	re     *regexp.Regexp
	topics []string
}

var topicRules = []topicRule{
	{regexp.MustCompile(`off[- ]by[- ]one|fence ?post`), []string{"loops", "arrays"}},
	{regexp.MustCompile(`\bindex(?:es|ing|error)?\b|\bindices\b|out of (?:range|bounds)|bounds check|indexoutofbounds`), []string{"arrays"}},
	{regexp.MustCompile(`\bloops?\b|\biterat|\bfor[- ]each\b`), []string{"loops"}},
	{regexp.MustCompile(`\bnil\b|\bnull\b|\bis none\b|returns? none\b|\bnone (?:check|value)|\bundefined\b|exception|\berrors?\b|\bpanics?\b|try[/ -]?(?:except|catch)|try block|\bcatch\b|\braises?\b|\bthrows?\b|unhandled|unchecked|\bcrash`), []string{"error-handling"}},
	{regexp.MustCompile(`o\(n ?(?:\^|\*\*) ?2\)|o\(n²\)|o\(n ?\* ?n\)|quadratic|nested loops?|\bslow\b|inefficien`), []string{"hash-maps", "searching"}},
	{regexp.MustCompile(`\bdict(?:ionary|ionaries|s)?\b|hash ?maps?\b|hash ?tables?\b|\blookups?\b`), []string{"hash-maps"}},
	{regexp.MustCompile(`\bsort`), []string{"sorting"}},
	{regexp.MustCompile(`binary search|linear search|\bsearch`), []string{"searching"}},
	{regexp.MustCompile(`\brecurs|base case|stack overflow|call stack|recursion depth`), []string{"recursion"}},
	{regexp.MustCompile(`\bpars(?:e|es|er|ers|ing)\b|tokeni[sz]|\bregex|regular expression|deserializ|\bjson\b|\bcsv\b|input validation|validat\w* (?:the )?input|user input`), []string{"parsing"}},
	{regexp.MustCompile(`\bstrings?\b|concatenat|substring|f-string|\bunicode\b|\bencoding\b|\bcharacters?\b`), []string{"strings"}},
	{regexp.MustCompile(`if statements?|if[/-]else|else branch|\bconditions?\b|\bconditionals?\b|\bbranch|\bswitch\b|\bboolean|ternary|early return|guard clause`), []string{"conditionals"}},
	{regexp.MustCompile(`hash ?sets?\b|\buse a set\b|\bin a set\b|\bset\(|duplicate (?:entries|values|items|elements)|\bdedup|\bunique (?:values|items|elements)|membership`), []string{"sets"}},
	{regexp.MustCompile(`\bqueues?\b|\bdeque|\bfifo\b|\blifo\b|breadth[- ]first|\bbfs\b|\ba stack\b|push and pop`), []string{"stacks-queues"}},
	{regexp.MustCompile(`integer overflow|arithmetic overflow|integer division|floating[- ]point|\bfloats?\b|rounding|precision|modulo|divi(?:de|sion) by zero`), []string{"math"}},
	{regexp.MustCompile(`bitwise|bit ?masks?|bit shift|\bxor\b|\bbits\b`), []string{"bit-manipulation"}},
	{regexp.MustCompile(`\bmatri(?:x|ces)\b|\bgrid\b|2d (?:array|list)|two-dimensional|nested lists?`), []string{"matrices"}},
	{regexp.MustCompile(`\bintervals?\b|overlapping ranges`), []string{"intervals"}},
	{regexp.MustCompile(`memoi[sz]|dynamic programming|overlapping subproblems`), []string{"dynamic-programming"}},
	{regexp.MustCompile(`\bgreedy\b`), []string{"greedy"}},
	{regexp.MustCompile(`two[- ]pointers?|sliding window`), []string{"two-pointers"}},
	{regexp.MustCompile(`\barrays?\b|\blists?\b|\bslices?\b|\bvectors?\b`), []string{"arrays"}},
	{regexp.MustCompile(`\bnaming\b|variable names?|magic numbers?|indentation|docstring|duplicated code|\bdry\b|long function|global variables?`), []string{"basics"}},
}

// categoryTopic is a finding's topic when none of its words says more.
var categoryTopic = map[Category]string{
	CategoryBug:         "error-handling",
	CategorySecurity:    "error-handling",
	CategoryPerformance: "hash-maps",
	CategoryReadability: "basics",
	CategoryTesting:     "basics",
	CategoryDesign:      "basics",
}

func severityWeight(s Severity) int {
	switch s {
	case SeverityCritical:
		return 4
	case SeverityMajor:
		return 3
	case SeverityMinor:
		return 2
	}
	return 1
}

// TopicScores weighs the exercise topics the findings point at: each
// finding adds twice its severity's weight (info 1 ... critical 4) to
// every topic its message or suggestion mentions, or its weight once to
// its category's topic when they mention none.
func TopicScores(findings []Finding) map[string]int {
	scores := map[string]int{}
	for _, f := range findings {
		w := severityWeight(f.Severity)
		text := strings.ToLower(f.Message + "\n" + f.Suggestion)
		hit := map[string]bool{}
		for _, r := range topicRules {
			if r.re.MatchString(text) {
				for _, t := range r.topics {
					hit[t] = true
				}
			}
		}
		if len(hit) == 0 {
			if t, ok := categoryTopic[f.Category]; ok {
				scores[t] += w
			}
			continue
		}
		for t := range hit {
			scores[t] += 2 * w
		}
	}
	return scores
}

// ChooseTopics is a review's learning link: the topics, from the exercise
// vocabulary, the learner should practise. The model's topics in the
// vocabulary come first (ranked by how much the findings point at them,
// then in the model's order), completed from the findings' own topics by
// score (a third one only with a real score); at most MaxTopics, at least
// one whenever there is a finding ("basics" when nothing else fits).
// Deterministic: ties follow the vocabulary's order.
func ChooseTopics(modelTopics []string, findings []Finding) []string {
	scores := TopicScores(findings)
	chosen := cleanTopics(modelTopics, len(exercise.TopicVocabulary))
	slices.SortStableFunc(chosen, func(a, b string) int { return scores[b] - scores[a] })
	if len(chosen) > MaxTopics {
		chosen = chosen[:MaxTopics]
	}
	rest := make([]string, 0, len(scores))
	for _, t := range exercise.TopicVocabulary {
		if scores[t] > 0 && !slices.Contains(chosen, t) {
			rest = append(rest, t)
		}
	}
	slices.SortStableFunc(rest, func(a, b string) int { return scores[b] - scores[a] })
	for _, t := range rest {
		if len(chosen) == MaxTopics || (len(chosen) >= 2 && scores[t] < minThirdTopicScore) {
			break
		}
		chosen = append(chosen, t)
	}
	if len(chosen) == 0 && len(findings) > 0 {
		chosen = []string{"basics"}
	}
	return chosen
}
