package llm

import (
	"math"
	"time"
)

// Price is what a model costs, in US dollars per million tokens.
type Price struct {
	InputPerMTok       float64
	OutputPerMTok      float64
	CachedInputPerMTok float64 // prompt tokens read from the provider's cache
}

// CostMicroUSD estimates a call's cost in millionths of a dollar (integer
// arithmetic for sums). Cached tokens are billed at the cached rate and
// taken out of the prompt tokens billed at the full rate.
func (p Price) CostMicroUSD(u Usage) int64 {
	fresh := u.PromptTokens - u.CachedTokens
	if fresh < 0 {
		fresh = 0
	}
	dollarsTimesMillion := float64(fresh)*p.InputPerMTok + float64(u.CachedTokens)*p.CachedInputPerMTok +
		float64(u.CompletionTokens)*p.OutputPerMTok
	// $/Mtok x tokens = micro-dollars exactly.
	return int64(math.Ceil(dollarsTimesMillion))
}

// Outcome of a call, for accounting.
const OutcomeOK = "ok"

// UsageRecord is one call's accounting line.
type UsageRecord struct {
	ID           string
	LearnerID    string // "" for system work
	Purpose      Purpose
	Provider     string
	Model        string
	Usage        Usage
	CostMicroUSD int64
	Latency      time.Duration
	Outcome      string // OutcomeOK or an ErrorKind
	CreatedAt    time.Time
}

// UsageTotals sums usage over a period.
type UsageTotals struct {
	Calls        int
	Usage        Usage
	CostMicroUSD int64
}

// QuotaDay is the day a quota counts in: days run midnight to midnight UTC,
// the same for every learner and instance, so "resets at" is one instant.
func QuotaDay(now time.Time) (day time.Time, resetAt time.Time) {
	day = time.Date(now.UTC().Year(), now.UTC().Month(), now.UTC().Day(), 0, 0, 0, 0, time.UTC)
	return day, day.AddDate(0, 0, 1)
}

// ReserveFor is how many tokens to hold against the quota before a call:
// the prompt's estimated size plus everything the answer may use.
func ReserveFor(promptTokens, maxTokens int) int64 {
	if maxTokens <= 0 {
		maxTokens = 1024
	}
	return int64(promptTokens + maxTokens)
}
