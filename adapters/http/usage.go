package http

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/codementor/codementor/application/ai"
	"github.com/codementor/codementor/domain/llm"
)

// AIUsage is what the usage handler needs from the application.
type AIUsage interface {
	Usage(ctx context.Context, learnerID string) (ai.UsageReport, error)
}

type usageTotalsResponse struct {
	Calls            int     `json:"calls"`
	PromptTokens     int     `json:"prompt_tokens"`
	CompletionTokens int     `json:"completion_tokens"`
	CachedTokens     int     `json:"cached_tokens"`
	TotalTokens      int     `json:"total_tokens"`
	CostUSD          float64 `json:"cost_usd"`
}

func toUsageTotals(t llm.UsageTotals) usageTotalsResponse {
	return usageTotalsResponse{Calls: t.Calls, PromptTokens: t.Usage.PromptTokens, CompletionTokens: t.Usage.CompletionTokens,
		CachedTokens: t.Usage.CachedTokens, TotalTokens: t.Usage.Total(), CostUSD: float64(t.CostMicroUSD) / 1e6}
}

type usageResponse struct {
	Today          usageTotalsResponse `json:"today"`
	Month          usageTotalsResponse `json:"month"`
	DailyQuota     int64               `json:"daily_quota"`
	UsedToday      int64               `json:"used_today"`
	RemainingToday int64               `json:"remaining_today"`
	ResetsAt       string              `json:"resets_at"`
}

type usageHandlers struct{ ai AIUsage }

func (h usageHandlers) usage(c *fiber.Ctx) error {
	r, err := h.ai.Usage(c.UserContext(), userID(c))
	if err != nil {
		return err
	}
	return writeJSON(c, usageResponse{Today: toUsageTotals(r.Today), Month: toUsageTotals(r.Month),
		DailyQuota: r.DailyQuota, UsedToday: r.UsedToday, RemainingToday: r.RemainingToday, ResetsAt: rfc3339(r.ResetsAt)})
}
