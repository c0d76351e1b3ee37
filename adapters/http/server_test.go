package http_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	httpadapter "github.com/codementor/codementor/adapters/http"
	"github.com/codementor/codementor/application/health"
	"github.com/codementor/codementor/test/accounttest"
)

func newServedApp(t *testing.T, routes func(fiber.Router)) (*fiber.App, net.Listener) {
	t.Helper()
	svc, err := health.NewService(nil, nil, time.Second, fakeClock{now: time.Now()}, "test")
	require.NoError(t, err)
	fx := accounttest.New(t)
	app, err := httpadapter.NewApp(defaultOptions(), httpadapter.Deps{Health: svc, Accounts: fx.Service, AI: fx.AI, Exercises: fx.Exercises(t), Tutor: fx.Tutor(t), Reviews: fx.Reviews(t), Tokens: fx.Issuer,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, routes)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return app, ln
}

func TestShutdownDrainsInFlightRequests(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	app, ln := newServedApp(t, func(r fiber.Router) {
		r.Get("/test/work", func(c *fiber.Ctx) error {
			close(started)
			time.Sleep(300 * time.Millisecond)
			return c.SendString("finished")
		})
	})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- httpadapter.Serve(ctx, app, ln, 5*time.Second, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()

	base := "http://" + ln.Addr().String()
	type result struct {
		status int
		body   string
		err    error
	}
	inflight := make(chan result, 1)
	go func() {
		res, err := http.Get(base + "/test/work")
		if err != nil {
			inflight <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		inflight <- result{status: res.StatusCode, body: string(b)}
	}()
	<-started
	cancel() // SIGTERM, as far as Serve knows

	r := <-inflight
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "finished", r.body, "the in-flight request completed")
	select {
	case err := <-served:
		assert.NoError(t, err, "a clean shutdown returns nil")
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after draining")
	}
	_, err := net.DialTimeout("tcp", ln.Addr().String(), 200*time.Millisecond)
	assert.Error(t, err, "no new connections after shutdown")
}

func TestShutdownGivesUpOnRequestsPastTheDrainLimit(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	release := make(chan struct{})
	app, ln := newServedApp(t, func(r fiber.Router) {
		r.Get("/test/stuck", func(c *fiber.Ctx) error {
			close(started)
			<-release
			return c.SendString("too late")
		})
	})
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- httpadapter.Serve(ctx, app, ln, 100*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	go func() {
		if res, err := http.Get("http://" + ln.Addr().String() + "/test/stuck"); err == nil {
			res.Body.Close()
		}
	}()
	<-started
	cancel()
	select {
	case err := <-served:
		assert.ErrorContains(t, err, "drain did not finish", "a bounded drain reports what it cut")
	case <-time.After(3 * time.Second):
		t.Fatal("the drain was not bounded")
	}
}
