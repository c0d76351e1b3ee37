// Command bare serves GET /api/v1/health/live from a Fiber app with no
// middleware at all. scripts/bench.sh loads it next to the real server, in
// the same run on the same machine, so the middleware chain's cost reads as
// a ratio rather than as absolute figures that vary from machine to machine.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
)

type liveResponse struct {
	Status string `json:"status"`
}

var liveOK = liveResponse{Status: "ok"}

func main() {
	addr := flag.String("addr", "127.0.0.1:18081", "address to listen on")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	// The same encoding as the real handler (writeJSON in adapters/http), so
	// the two servers differ only by the middleware chain.
	app.Get("/api/v1/health/live", func(c *fiber.Ctx) error {
		return c.JSON(liveOK, fiber.MIMEApplicationJSONCharsetUTF8)
	})

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("server stopped: %w", err)
	case <-ctx.Done():
	}
	if err := app.ShutdownWithTimeout(5 * time.Second); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}
