package pistonserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/runner/local"
	"github.com/codementor/codementor/test/fakes/pistonserver"
)

func post(t *testing.T, srv *pistonserver.Server, contentType, body string) (int, http.Header, map[string]any) {
	t.Helper()
	resp, err := http.Post(srv.URL()+"/api/v2/execute", contentType, bytes.NewBufferString(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return resp.StatusCode, resp.Header, out
}

func TestRuntimes(t *testing.T) {
	t.Parallel()
	srv := pistonserver.New(t, pistonserver.Config{})
	resp, err := http.Get(srv.URL() + "/api/v2/runtimes")
	require.NoError(t, err)
	defer resp.Body.Close()
	var list []pistonserver.Runtime
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	assert.Equal(t, pistonserver.DefaultRuntimes, list)
}

func TestRefusesLikePiston(t *testing.T) {
	t.Parallel()
	srv := pistonserver.New(t, pistonserver.Config{})
	status, _, body := post(t, srv, "text/plain", `{}`)
	assert.Equal(t, 415, status)
	assert.Equal(t, "requests must be of type application/json", body["message"])
	status, _, body = post(t, srv, "application/json", `{"version":"3.10.0","files":[]}`)
	assert.Equal(t, 400, status)
	assert.Equal(t, "language is required as a string", body["message"])
	status, _, body = post(t, srv, "application/json", `{"language":"cobol","version":"1.0","files":[{"content":"x"}]}`)
	assert.Equal(t, 400, status)
	assert.Equal(t, "cobol-1.0 runtime is unknown", body["message"])
}

func TestFaults(t *testing.T) {
	t.Parallel()
	srv := pistonserver.New(t, pistonserver.Config{})
	body := `{"language":"py","version":"3.10.0","files":[{"name":"a.py","content":"print(1)"}]}`
	srv.FailNext(pistonserver.RateLimited, 1)
	srv.FailNext(pistonserver.Unavailable, 1)
	srv.FailNext(pistonserver.ServerError, 1)
	srv.FailNext(pistonserver.CompileFailure, 1)
	status, h, msg := post(t, srv, "application/json", body)
	assert.Equal(t, 429, status)
	assert.Equal(t, "1", h.Get("Retry-After"))
	assert.NotEmpty(t, msg["message"])
	status, _, _ = post(t, srv, "application/json", body)
	assert.Equal(t, 503, status)
	status, _, _ = post(t, srv, "application/json", body)
	assert.Equal(t, 500, status)
	status, _, out := post(t, srv, "application/json", body)
	assert.Equal(t, 200, status)
	assert.Equal(t, out["compile"], out["run"], "a failed compile stage is repeated as run")
	assert.EqualValues(t, 1, out["compile"].(map[string]any)["code"])
	assert.Len(t, srv.Requests(), 4)
	assert.Equal(t, "a.py", srv.Requests()[0].Body.Files[0].Name)
}

func TestExecutesForReal(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/usr/bin/bwrap"); err != nil {
		if os.Getenv("CODEMENTOR_REQUIRE_SANDBOX") == "1" {
			t.Fatal("bubblewrap is missing and CODEMENTOR_REQUIRE_SANDBOX=1")
		}
		t.Skip("bubblewrap (/usr/bin/bwrap) is not installed")
	}
	// Its own uids: other packages' sandbox tests may run at once.
	r, err := local.New(local.Config{UIDBase: 520000})
	require.NoError(t, err)
	srv := pistonserver.New(t, pistonserver.Config{Runner: r})
	status, _, out := post(t, srv, "application/json",
		`{"language":"python","version":"3.10.0","files":[{"name":"main.py","content":"import sys\nprint('hi')\nsys.exit(3)"}],"run_timeout":2000}`)
	require.Equal(t, 200, status, "%v", out)
	run := out["run"].(map[string]any)
	assert.Equal(t, "hi\n", run["stdout"])
	assert.EqualValues(t, 3, run["code"])
	assert.Equal(t, "RE", run["status"])
	assert.Nil(t, run["signal"])

	start := time.Now()
	status, _, out = post(t, srv, "application/json",
		`{"language":"js","version":"18.15.0","files":[{"content":"for(;;){}"}],"run_timeout":1000,"run_cpu_time":1000}`)
	require.Equal(t, 200, status, "%v", out)
	run = out["run"].(map[string]any)
	assert.Equal(t, "SIGKILL", run["signal"])
	assert.Equal(t, "TO", run["status"])
	assert.Nil(t, run["code"])
	assert.Less(t, time.Since(start), 5*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/api/v2/execute", bytes.NewBufferString(
		`{"language":"go","version":"1.16.2","files":[{"name":"main","content":"package main\n\nfunc main() { x }\n"}]}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	run = out["run"].(map[string]any)
	assert.EqualValues(t, 1, run["code"])
	assert.Contains(t, run["stderr"], "# command-line-arguments\n./main.go:3:15: ")
}
