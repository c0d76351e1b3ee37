package http

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/codementor/codementor/application/health"
)

// HealthService is what the health handlers need from the application.
type HealthService interface {
	CheckReadiness(ctx context.Context) health.Readiness
	Summarize() health.Summary
}

type healthSummaryResponse struct {
	Status        string `json:"status"`
	Service       string `json:"service"`
	Version       string `json:"version"`
	UptimeSeconds int64  `json:"uptime_seconds"`
	Time          string `json:"time"`
}

type liveResponse struct {
	Status string `json:"status"`
}

type checkResponse struct {
	Status    string  `json:"status"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error,omitempty"`
}

type readyResponse struct {
	Status     string                   `json:"status"`
	Checks     map[string]checkResponse `json:"checks"`
	Components map[string]string        `json:"components"`
	// Error is set on 503, so clients that switch on the envelope still can.
	Error *errorBody `json:"error,omitempty"`
}

type healthHandlers struct {
	svc HealthService
	log *slog.Logger
}

var liveOK = liveResponse{Status: "ok"}

func (h healthHandlers) live(c *fiber.Ctx) error {
	return writeJSON(c, liveOK)
}

func (h healthHandlers) summary(c *fiber.Ctx) error {
	s := h.svc.Summarize()
	return writeJSON(c, healthSummaryResponse{
		Status: "ok", Service: "codementor", Version: s.Version,
		UptimeSeconds: int64(s.Uptime / time.Second), Time: s.Now.UTC().Format(time.RFC3339),
	})
}

func (h healthHandlers) ready(c *fiber.Ctx) error {
	r := h.svc.CheckReadiness(c.UserContext())
	resp := readyResponse{Status: "ready", Checks: map[string]checkResponse{}, Components: map[string]string{}}
	for _, comp := range r.Components {
		resp.Components[comp.Name] = comp.Status
	}
	for _, ch := range r.Checks {
		cr := checkResponse{Status: "up", LatencyMS: float64(ch.Latency.Microseconds()) / 1000}
		if !ch.Up {
			cr.Status = "down"
			// The public answer says what is down, not how: the error text
			// may hold hosts or users. The log keeps the detail.
			cr.Error = "did not answer in time or refused the connection"
			h.log.LogAttrs(c.UserContext(), slog.LevelWarn, "readiness check failed",
				slog.String("dependency", ch.Name), slog.String("error", ch.Err.Error()),
				slog.String("request_id", requestID(c)))
		}
		resp.Checks[ch.Name] = cr
	}
	if r.Ready {
		return writeJSON(c, resp)
	}
	down := r.Down()
	details := make([]errorDetail, 0, len(down))
	for _, name := range down {
		details = append(details, errorDetail{Field: name, Issue: "down"})
	}
	resp.Status = "not_ready"
	resp.Error = &errorBody{Code: "not_ready", Message: "not ready: " + strings.Join(down, ", ") + " down",
		Details: details, RequestID: requestID(c)}
	return writeJSON(c.Status(http.StatusServiceUnavailable), resp)
}
