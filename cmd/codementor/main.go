// Command codementor is the CodeMentor backend: `serve` runs the API,
// `migrate up|down|status` manages the database schema.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	httpadapter "github.com/codementor/codementor/adapters/http"
	"github.com/codementor/codementor/adapters/redis"
	"github.com/codementor/codementor/cmd/codementor/config"
)

const usage = `usage: codementor <command>

commands:
  serve                 run the HTTP API (applies pending migrations unless MIGRATE_ON_START=false)
  migrate up            apply every pending migration
  migrate down          roll back the newest migration
  migrate status        list migrations and whether each is applied
  catalog sync          apply migrations, then store the embedded exercise catalogue
                        (idempotent; serve does it too unless CATALOG_SYNC_ON_START=false)
  version               print the version

Configuration comes from the environment; see .env.example.
`

func main() {
	os.Exit(run(os.Args[1:], environ(), os.Stdout, os.Stderr))
}

func environ() map[string]string {
	out := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = v
	}
	return out
}

// run is main without the process: it returns the exit code.
func run(args []string, env map[string]string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "version":
		fmt.Fprintln(stdout, version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "serve", "migrate", "catalog":
	default:
		fmt.Fprintf(stderr, "codementor: unknown command %q\n\n%s", args[0], usage)
		return 2
	}

	cfg, err := config.Load(env)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	switch args[0] {
	case "migrate":
		return migrate(ctx, cfg, args[1:], stdout, stderr)
	case "catalog":
		return catalogCmd(ctx, cfg, args[1:], stdout, stderr)
	}
	if err := serve(ctx, cfg, stdout); err != nil {
		fmt.Fprintln(stderr, "codementor:", err)
		return 1
	}
	return 0
}

func catalogCmd(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || args[0] != "sync" {
		fmt.Fprint(stderr, "usage: codementor catalog sync\n")
		return 2
	}
	c, cleanup, err := initCatalog(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "codementor:", err)
		return 1
	}
	defer cleanup()
	log := slog.New(slog.NewTextHandler(stdout, nil))
	if err := c.Migrator.Up(ctx, logWriter{log}); err != nil {
		fmt.Fprintln(stderr, "codementor:", err)
		return 1
	}
	if err := syncCatalog(ctx, c.Exercises, log); err != nil {
		fmt.Fprintln(stderr, "codementor:", err)
		return 1
	}
	return 0
}

func migrate(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || (args[0] != "up" && args[0] != "down" && args[0] != "status") {
		fmt.Fprint(stderr, "usage: codementor migrate up|down|status\n")
		return 2
	}
	m, cleanup, err := initMigrator(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "codementor:", err)
		return 1
	}
	defer cleanup()
	switch args[0] {
	case "up":
		err = m.Up(ctx, stdout)
		if err == nil {
			fmt.Fprintln(stdout, "database is up to date")
		}
	case "down":
		err = m.Down(ctx, stdout)
	case "status":
		st, serr := m.Status(ctx)
		for _, s := range st {
			state := "pending"
			if s.Applied {
				state = "applied"
			}
			fmt.Fprintf(stdout, "%-8s %05d  %s\n", state, s.Version, s.Source)
		}
		err = serr
	}
	if err != nil {
		fmt.Fprintln(stderr, "codementor:", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, cfg *config.Config, logOut io.Writer) error {
	srv, cleanup, err := initServer(ctx, cfg, logOut)
	if err != nil {
		return err
	}
	defer cleanup()
	log := srv.Logger
	redis.RouteLibraryLog(log)
	log.Info("starting", slog.String("version", version), slog.Any("config", cfg))

	if cfg.MigrateOnStart {
		if err := srv.Migrator.Up(ctx, logWriter{log}); err != nil {
			return err
		}
	} else if pending, err := srv.Migrator.Pending(ctx); err == nil && pending {
		log.Warn("pending migrations are not applied (MIGRATE_ON_START=false): run `codementor migrate up`")
	}

	if cfg.CatalogSyncOnStart {
		if err := syncCatalog(ctx, srv.Exercises, log); err != nil {
			return err
		}
	}

	// Review jobs run in the background; River keeps them in Postgres, so
	// a job this instance does not finish runs again here or elsewhere.
	if err := srv.Jobs.Start(context.WithoutCancel(ctx), srv.Reviews); err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ReviewShutdownGrace)
		defer cancel()
		if err := srv.Jobs.Stop(sctx); err != nil {
			log.Warn("job queue stop", slog.String("error", err.Error()))
		}
	}()

	if cfg.PprofAddr != "" {
		go servePprof(cfg.PprofAddr, log)
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	log.Info("listening", slog.String("addr", ln.Addr().String()),
		slog.String("docs", cfg.BaseURL()+"/docs"), slog.String("api", cfg.BaseURL()+httpadapter.BasePath))
	if err := httpadapter.Serve(ctx, srv.App, ln, cfg.ShutdownTimeout, log); err != nil {
		return err
	}
	// Chat streams own their connections (not drained above): their
	// answers get the same time to finish, then are stored as interrupted.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	srv.Tutor.Drain(dctx)
	cancel()
	log.Info("shutdown complete")
	return nil
}

// servePprof serves the profiler on its own listener, away from the API.
func servePprof(addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	log.Info("profiler listening", slog.String("addr", addr))
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		log.Error("profiler stopped", slog.String("error", err.Error()))
	}
}

// logWriter turns the migrator's progress lines into log records.
type logWriter struct{ log *slog.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.log.Info("migration", slog.String("detail", strings.TrimSpace(string(p))))
	return len(p), nil
}
