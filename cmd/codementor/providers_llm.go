package main

import (
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/codementor/codementor/adapters/llm/anthropic"
	"github.com/codementor/codementor/adapters/llm/openai"
	"github.com/codementor/codementor/adapters/llm/router"
	"github.com/codementor/codementor/application/ai"
	"github.com/codementor/codementor/application/health"
	"github.com/codementor/codementor/cmd/codementor/config"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

// llmProviders builds the configured providers (none: offline mode).
func llmProviders(cfg *config.Config) (map[string]ports.LLMProvider, error) {
	out := map[string]ports.LLMProvider{}
	defaults := cfg.LLMDefaults()
	if _, on := defaults["openai"]; on {
		p, err := openai.New(openai.Options{APIKey: cfg.OpenAIAPIKey.Reveal(), BaseURL: cfg.OpenAIBaseURL,
			DefaultModel: cfg.OpenAIModel, Timeout: cfg.LLMTimeout, StreamIdleTimeout: cfg.LLMStreamIdle})
		if err != nil {
			return nil, fmt.Errorf("OPENAI_*: %w", err)
		}
		out["openai"] = p
	}
	if _, on := defaults["anthropic"]; on {
		p, err := anthropic.New(anthropic.Options{APIKey: cfg.AnthropicAPIKey.Reveal(), BaseURL: cfg.AnthropicBaseURL,
			DefaultModel: cfg.AnthropicModel, Timeout: cfg.LLMTimeout, StreamIdleTimeout: cfg.LLMStreamIdle})
		if err != nil {
			return nil, fmt.Errorf("ANTHROPIC_*: %w", err)
		}
		out["anthropic"] = p
	}
	return out, nil
}

func targets(ts []config.LLMTarget) []router.Target {
	out := make([]router.Target, 0, len(ts))
	for _, t := range ts {
		out = append(out, router.Target{Provider: t.Provider, Model: t.Model})
	}
	return out
}

// llmRouter puts the providers behind the per-purpose routes.
func llmRouter(cfg *config.Config, providers map[string]ports.LLMProvider, log *slog.Logger) (*router.Router, error) {
	defaults := cfg.LLMDefaults()
	var def []router.Target
	for _, name := range []string{"openai", "anthropic"} {
		if model, on := defaults[name]; on {
			def = append(def, router.Target{Provider: name, Model: model})
		}
	}
	routes := map[llm.Purpose][]router.Target{}
	for purpose, raw := range map[llm.Purpose]string{llm.PurposeChat: cfg.LLMRouteChat, llm.PurposeHint: cfg.LLMRouteHint,
		llm.PurposeGenerate: cfg.LLMRouteGenerate, llm.PurposeReview: cfg.LLMRouteReview, llm.PurposeSummary: cfg.LLMRouteSummary} {
		ts, err := config.ParseRoute(raw, defaults)
		if err != nil {
			return nil, fmt.Errorf("LLM route for %s: %w", purpose, err)
		}
		if len(ts) > 0 {
			routes[purpose] = targets(ts)
		}
	}
	return router.New(router.Options{Providers: providers, Routes: routes, DefaultRoute: def, Logger: log})
}

func llmPrices(cfg *config.Config) map[string]llm.Price {
	prices, _ := config.ParsePrices(cfg.LLMPrices) // validated at load
	out := make(map[string]llm.Price, len(prices))
	for model, p := range prices {
		out[model] = llm.Price{InputPerMTok: p.Input, OutputPerMTok: p.Output, CachedInputPerMTok: p.CachedInput}
	}
	return out
}

func aiConfig(cfg *config.Config) ai.Config {
	return ai.Config{Quotas: ai.Quotas{LearnerDailyTokens: cfg.LLMDailyTokens, AdminDailyTokens: cfg.LLMDailyAdmin},
		Prices: llmPrices(cfg)}
}

// llmComponent is readiness's line for the LLM layer.
func llmComponent(providers map[string]ports.LLMProvider) health.Component {
	if len(providers) == 0 {
		return health.Component{Name: "llm", Status: "not configured"}
	}
	names := make([]string, 0, len(providers))
	for n := range providers {
		names = append(names, n)
	}
	sort.Strings(names)
	return health.Component{Name: "llm", Status: "configured: " + strings.Join(names, ", ")}
}
