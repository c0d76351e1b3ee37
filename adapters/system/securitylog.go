package system

import (
	"context"
	"log/slog"

	"github.com/codementor/codementor/ports"
)

// SecurityLog writes security events to the structured log at WARN, under
// one message ("security event") that alerting can match on.
type SecurityLog struct{ log *slog.Logger }

var _ ports.SecurityLog = (*SecurityLog)(nil)

// NewSecurityLog returns a SecurityLog writing to log.
func NewSecurityLog(log *slog.Logger) *SecurityLog { return &SecurityLog{log: log} }

// Record logs e.
func (s *SecurityLog) Record(ctx context.Context, e ports.SecurityEvent) {
	s.log.LogAttrs(ctx, slog.LevelWarn, "security event", slog.String("kind", e.Kind),
		slog.String("user_id", e.UserID), slog.String("ip", e.IP), slog.String("detail", e.Detail))
}
