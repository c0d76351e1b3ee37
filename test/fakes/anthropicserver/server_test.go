package anthropicserver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/test/fakes/anthropicserver"
)

func post(t *testing.T, ctx context.Context, srv *anthropicserver.Server, body string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/v1/messages", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("content-type", "application/json")
	req.Header.Set("x-api-key", srv.APIKey())
	req.Header.Set("anthropic-version", anthropicserver.APIVersion)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { res.Body.Close() })
	return res
}

type sseEvent struct {
	name string
	data map[string]any
}

func readEvents(t *testing.T, r io.Reader) ([]sseEvent, error) {
	t.Helper()
	var out []sseEvent
	sc := bufio.NewScanner(r)
	var name string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			var data map[string]any
			require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &data))
			require.Equal(t, name, data["type"], "the event name matches the data's type")
			out = append(out, sseEvent{name: name, data: data})
		}
	}
	return out, sc.Err()
}

func names(events []sseEvent) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.name)
	}
	return out
}

const simple = `{"model":"claude-test","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}`

func TestMessageJSON(t *testing.T) {
	t.Parallel()
	srv := anthropicserver.New(t, anthropicserver.Config{})
	srv.SetReply(anthropicserver.Reply{Text: "Hello there"})
	res := post(t, context.Background(), srv, simple, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.NotEmpty(t, res.Header.Get("request-id"))
	var msg struct {
		ID, Type, Role, Model string
		Content               []struct{ Type, Text string }
		StopReason            string `json:"stop_reason"`
		Usage                 map[string]any
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&msg))
	assert.True(t, strings.HasPrefix(msg.ID, "msg_"))
	assert.Equal(t, "message", msg.Type)
	assert.Equal(t, "assistant", msg.Role)
	assert.Equal(t, "claude-test", msg.Model)
	assert.Equal(t, []struct{ Type, Text string }{{"text", "Hello there"}}, msg.Content)
	assert.Equal(t, "end_turn", msg.StopReason)
	assert.EqualValues(t, 1, msg.Usage["input_tokens"])
	assert.EqualValues(t, 3, msg.Usage["output_tokens"])
	assert.Contains(t, msg.Usage, "cache_read_input_tokens")
	assert.Contains(t, msg.Usage, "cache_creation_input_tokens")

	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "claude-test", reqs[0].Body.Model)
	assert.Equal(t, "hi", reqs[0].Body.Messages[0].Content.Text(), "the string shorthand is decoded")
}

func TestStreamEventOrder(t *testing.T) {
	t.Parallel()
	srv := anthropicserver.New(t, anthropicserver.Config{})
	srv.SetReply(anthropicserver.Reply{Text: "a b"})
	res := post(t, context.Background(), srv, strings.Replace(simple, `"max_tokens"`, `"stream":true,"max_tokens"`, 1), nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.True(t, strings.HasPrefix(res.Header.Get("content-type"), "text/event-stream"))
	events, err := readEvents(t, res.Body)
	require.NoError(t, err)
	assert.Equal(t, []string{"message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta",
		"content_block_stop", "message_delta", "message_stop"}, names(events))
	delta := events[3].data["delta"].(map[string]any)
	assert.Equal(t, map[string]any{"type": "text_delta", "text": "a "}, delta)
	md := events[6].data
	assert.Equal(t, "end_turn", md["delta"].(map[string]any)["stop_reason"])
	assert.EqualValues(t, 1, md["usage"].(map[string]any)["output_tokens"])
}

func TestForcedToolStream(t *testing.T) {
	t.Parallel()
	srv := anthropicserver.New(t, anthropicserver.Config{JSONChunk: 4})
	srv.SetReply(anthropicserver.Reply{ToolInput: json.RawMessage(`{"a":12345}`)})
	body := `{"model":"m","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"x"}],` +
		`"tools":[{"name":"t","input_schema":{"type":"object"}}],"tool_choice":{"type":"tool","name":"t"}}`
	events, err := readEvents(t, post(t, context.Background(), srv, body, nil).Body)
	require.NoError(t, err)
	block := events[1].data["content_block"].(map[string]any)
	assert.Equal(t, "tool_use", block["type"])
	assert.Equal(t, "t", block["name"])
	var parts []string
	for _, e := range events {
		if e.name == "content_block_delta" {
			d := e.data["delta"].(map[string]any)
			assert.Equal(t, "input_json_delta", d["type"])
			parts = append(parts, d["partial_json"].(string))
		}
	}
	assert.Equal(t, []string{"", `{"a"`, `:123`, `45}`}, parts)
	assert.Equal(t, "tool_use", events[len(events)-2].data["delta"].(map[string]any)["stop_reason"])
}

func TestErrorsAndHeaders(t *testing.T) {
	t.Parallel()
	srv := anthropicserver.New(t, anthropicserver.Config{})

	res := post(t, context.Background(), srv, simple, map[string]string{"x-api-key": "wrong"})
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	var body struct {
		Type  string
		Error struct{ Type, Message string }
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	assert.Equal(t, "error", body.Type)
	assert.Equal(t, "authentication_error", body.Error.Type)

	res = post(t, context.Background(), srv, simple, map[string]string{"anthropic-version": ""})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)

	srv.FailNext(anthropicserver.Fault{Status: 429, RetryAfter: "7"})
	res = post(t, context.Background(), srv, simple, nil)
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	assert.Equal(t, "7", res.Header.Get("retry-after"))
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	assert.Equal(t, "rate_limit_error", body.Error.Type)

	srv.FailNext(anthropicserver.Fault{Status: 529})
	res = post(t, context.Background(), srv, simple, nil)
	assert.Equal(t, 529, res.StatusCode)
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	assert.Equal(t, "overloaded_error", body.Error.Type)

	// Like the API, a system role among messages is refused.
	res = post(t, context.Background(), srv, `{"model":"m","max_tokens":5,"messages":[{"role":"system","content":"x"}]}`, nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	assert.Contains(t, body.Error.Message, "messages.0.role")

	res = post(t, context.Background(), srv, `{"model":"m","messages":[{"role":"user","content":"x"}]}`, nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "max_tokens is required")
	assert.Len(t, srv.Requests(), 6)
}

func TestPromptCaching(t *testing.T) {
	t.Parallel()
	srv := anthropicserver.New(t, anthropicserver.Config{})
	body := `{"model":"m","max_tokens":5,"system":[{"type":"text","text":"` + strings.Repeat("x", 400) +
		`","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"abcd"}]}`
	usage := func() map[string]any {
		var msg struct{ Usage map[string]any }
		require.NoError(t, json.NewDecoder(post(t, context.Background(), srv, body, nil).Body).Decode(&msg))
		return msg.Usage
	}
	first, second := usage(), usage()
	assert.EqualValues(t, 100, first["cache_creation_input_tokens"])
	assert.EqualValues(t, 0, first["cache_read_input_tokens"])
	assert.EqualValues(t, 1, first["input_tokens"])
	assert.EqualValues(t, 0, second["cache_creation_input_tokens"])
	assert.EqualValues(t, 100, second["cache_read_input_tokens"])
	assert.EqualValues(t, 1, second["input_tokens"])
}

func TestStreamFaults(t *testing.T) {
	t.Parallel()
	streamBody := strings.Replace(simple, `"max_tokens"`, `"stream":true,"max_tokens"`, 1)

	t.Run("cut", func(t *testing.T) {
		t.Parallel()
		srv := anthropicserver.New(t, anthropicserver.Config{})
		srv.SetReply(anthropicserver.Reply{Text: "a b c"})
		srv.FailNext(anthropicserver.Fault{Break: anthropicserver.BreakCut, AfterDeltas: 1})
		events, err := readEvents(t, post(t, context.Background(), srv, streamBody, nil).Body)
		require.Error(t, err, "the connection is aborted")
		assert.Equal(t, []string{"message_start", "content_block_start", "ping", "content_block_delta"}, names(events))
	})

	t.Run("error event", func(t *testing.T) {
		t.Parallel()
		srv := anthropicserver.New(t, anthropicserver.Config{})
		srv.FailNext(anthropicserver.Fault{Break: anthropicserver.BreakError, AfterDeltas: 0})
		events, err := readEvents(t, post(t, context.Background(), srv, streamBody, nil).Body)
		require.NoError(t, err)
		last := events[len(events)-1]
		assert.Equal(t, "error", last.name)
		assert.Equal(t, "overloaded_error", last.data["error"].(map[string]any)["type"])
	})

	t.Run("stall, then the client leaves", func(t *testing.T) {
		t.Parallel()
		srv := anthropicserver.New(t, anthropicserver.Config{})
		srv.FailNext(anthropicserver.Fault{Break: anthropicserver.BreakStall, AfterDeltas: 1})
		ctx, cancel := context.WithCancel(context.Background())
		res := post(t, ctx, srv, streamBody, nil)
		time.AfterFunc(200*time.Millisecond, cancel)
		start := time.Now()
		_, err := readEvents(t, res.Body)
		require.Error(t, err)
		assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)
		require.Eventually(t, func() bool { return len(srv.Cancellations()) == 1 }, 2*time.Second, 10*time.Millisecond)
		assert.Equal(t, 0, srv.Cancellations()[0].Index)
	})

	t.Run("pings while waiting", func(t *testing.T) {
		t.Parallel()
		srv := anthropicserver.New(t, anthropicserver.Config{DeltaDelay: 120 * time.Millisecond, PingInterval: 50 * time.Millisecond})
		srv.SetReply(anthropicserver.Reply{Text: "a"})
		events, err := readEvents(t, post(t, context.Background(), srv, streamBody, nil).Body)
		require.NoError(t, err)
		pings := 0
		for _, e := range events {
			if e.name == "ping" {
				pings++
			}
		}
		assert.GreaterOrEqual(t, pings, 2)
	})
}
