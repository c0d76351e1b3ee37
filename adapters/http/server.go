package http

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Serve answers requests on ln until ctx is done, then stops accepting new
// connections and waits up to drain for in-flight requests to finish.
// It returns nil after a clean shutdown.
func Serve(ctx context.Context, app *fiber.App, ln net.Listener, drain time.Duration, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("http server stopped: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests", slog.Duration("limit", drain))
	start := time.Now()
	if err := app.ShutdownWithTimeout(drain); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("drain did not finish within %s", drain)
		}
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	log.Info("http server stopped", slog.Duration("drained_in", time.Since(start)))
	return nil
}
