package openaiserver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/test/fakes/openaiserver"
)

const key = "sk-fake-key"

func post(t *testing.T, ctx context.Context, url, auth, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { _ = res.Body.Close() })
	return res
}

const chat = `{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hi"}]}`

func streamBody(includeUsage bool) string {
	if includeUsage {
		return `{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Say hi"}]}`
	}
	return `{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Say hi"}]}`
}

// events reads SSE data lines until [DONE] or the end of the body.
func events(t *testing.T, body io.Reader) (chunks []map[string]any, done bool, err error) {
	t.Helper()
	sc := bufio.NewScanner(body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		require.True(t, ok, "every line is a data line: %q", line)
		if data == "[DONE]" {
			return chunks, true, sc.Err()
		}
		var c map[string]any
		require.NoError(t, json.Unmarshal([]byte(data), &c))
		chunks = append(chunks, c)
	}
	return chunks, false, sc.Err()
}

func TestCompletionSpeaksTheWireFormat(t *testing.T) {
	t.Parallel()
	s := openaiserver.New(t, openaiserver.Config{APIKey: key})
	s.Enqueue(openaiserver.Reply{Text: "Hi!", Usage: &openaiserver.Usage{Prompt: 9, Completion: 2, Cached: 4}})
	res := post(t, context.Background(), s.URL()+"/chat/completions", key, chat)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))

	var got struct {
		Object  string `json:"object"`
		Model   string `json:"model"`
		Choices []struct {
			Message struct {
				Role    string  `json:"role"`
				Content string  `json:"content"`
				Refusal *string `json:"refusal"`
			} `json:"message"`
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
		Usage struct {
			PromptTokens        int `json:"prompt_tokens"`
			CompletionTokens    int `json:"completion_tokens"`
			TotalTokens         int `json:"total_tokens"`
			PromptTokensDetails struct {
				CachedTokens int `json:"cached_tokens"`
			} `json:"prompt_tokens_details"`
		} `json:"usage"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&got))
	assert.Equal(t, "chat.completion", got.Object)
	assert.Equal(t, "gpt-4o-mini", got.Model)
	require.Len(t, got.Choices, 1)
	assert.Equal(t, "assistant", got.Choices[0].Message.Role)
	assert.Equal(t, "Hi!", got.Choices[0].Message.Content)
	assert.Nil(t, got.Choices[0].Message.Refusal)
	assert.Equal(t, "stop", got.Choices[0].FinishReason)
	assert.Equal(t, 9, got.Usage.PromptTokens)
	assert.Equal(t, 2, got.Usage.CompletionTokens)
	assert.Equal(t, 11, got.Usage.TotalTokens)
	assert.Equal(t, 4, got.Usage.PromptTokensDetails.CachedTokens)

	reqs := s.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, []openaiserver.Message{{Role: "system", Content: "Be brief."}, {Role: "user", Content: "Say hi"}}, reqs[0].Messages)
	assert.Equal(t, "gpt-4o-mini", reqs[0].Model)
	assert.False(t, reqs[0].Stream)
	assert.Equal(t, "gpt-4o-mini", reqs[0].Body["model"])
	assert.True(t, reqs[0].CanceledAt.IsZero())
}

func TestStreamSpeaksTheWireFormat(t *testing.T) {
	t.Parallel()
	s := openaiserver.New(t, openaiserver.Config{APIKey: key})
	s.Enqueue(openaiserver.Reply{Chunks: []string{"Hel", "lo"}, Usage: &openaiserver.Usage{Prompt: 3, Completion: 2}})
	res := post(t, context.Background(), s.URL()+"/chat/completions", key, streamBody(true))
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "text/event-stream; charset=utf-8", res.Header.Get("Content-Type"))

	chunks, done, err := events(t, res.Body)
	require.NoError(t, err)
	assert.True(t, done, "ends with [DONE]")
	require.Len(t, chunks, 5, "role, two deltas, finish, usage")
	for _, c := range chunks {
		assert.Equal(t, "chat.completion.chunk", c["object"])
		assert.Contains(t, c, "usage", "with include_usage every chunk has the key")
	}
	delta := func(i int) map[string]any {
		return chunks[i]["choices"].([]any)[0].(map[string]any)["delta"].(map[string]any)
	}
	assert.Equal(t, "assistant", delta(0)["role"])
	assert.Equal(t, "Hel", delta(1)["content"])
	assert.Equal(t, "lo", delta(2)["content"])
	assert.Nil(t, chunks[2]["usage"])
	assert.Equal(t, "stop", chunks[3]["choices"].([]any)[0].(map[string]any)["finish_reason"])
	assert.Empty(t, chunks[4]["choices"])
	assert.Equal(t, map[string]any{"prompt_tokens": 3.0, "completion_tokens": 2.0, "total_tokens": 5.0},
		map[string]any{
			"prompt_tokens":     chunks[4]["usage"].(map[string]any)["prompt_tokens"],
			"completion_tokens": chunks[4]["usage"].(map[string]any)["completion_tokens"],
			"total_tokens":      chunks[4]["usage"].(map[string]any)["total_tokens"],
		})
	assert.True(t, s.Requests()[0].IncludeUsage)
}

func TestStreamWithoutIncludeUsageHasNoUsage(t *testing.T) {
	t.Parallel()
	s := openaiserver.New(t, openaiserver.Config{})
	res := post(t, context.Background(), s.URL()+"/chat/completions", "", streamBody(false))
	chunks, done, err := events(t, res.Body)
	require.NoError(t, err)
	assert.True(t, done)
	var text strings.Builder
	for _, c := range chunks {
		assert.NotContains(t, c, "usage")
		for _, ch := range c["choices"].([]any) {
			if s, ok := ch.(map[string]any)["delta"].(map[string]any)["content"].(string); ok {
				text.WriteString(s)
			}
		}
	}
	assert.Equal(t, openaiserver.DefaultText, text.String())
}

func TestErrorsUseOpenAIsBody(t *testing.T) {
	t.Parallel()
	s := openaiserver.New(t, openaiserver.Config{APIKey: key})
	s.Enqueue(openaiserver.RateLimited("7"))

	res := post(t, context.Background(), s.URL()+"/chat/completions", key, chat)
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	assert.Equal(t, "7", res.Header.Get("Retry-After"))
	var body struct {
		Error struct {
			Message string  `json:"message"`
			Type    string  `json:"type"`
			Code    string  `json:"code"`
			Param   *string `json:"param"`
		} `json:"error"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	assert.Equal(t, "rate_limit_exceeded", body.Error.Code)
	assert.Equal(t, "requests", body.Error.Type)
	assert.NotEmpty(t, body.Error.Message)
	assert.Nil(t, body.Error.Param)

	res = post(t, context.Background(), s.URL()+"/chat/completions", "sk-wrong", chat)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	assert.Equal(t, "invalid_api_key", body.Error.Code)

	res = post(t, context.Background(), s.URL()+"/completions", key, chat)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)

	res = post(t, context.Background(), s.URL()+"/chat/completions", key, `{"model":"gpt-4o-mini","messages":[]}`)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Len(t, s.Requests(), 4, "every request is recorded")
}

func TestRespondAnswersAfterTheQueue(t *testing.T) {
	t.Parallel()
	s := openaiserver.New(t, openaiserver.Config{Respond: func(r openaiserver.Request) openaiserver.Reply {
		return openaiserver.Reply{Text: "echo: " + r.Messages[len(r.Messages)-1].Content}
	}})
	s.Enqueue(openaiserver.Reply{Text: "queued"})
	read := func() string {
		res := post(t, context.Background(), s.URL()+"/chat/completions", "", chat)
		var got struct {
			Choices []struct {
				Message struct {
					Content string `json:"content"`
				} `json:"message"`
			} `json:"choices"`
		}
		require.NoError(t, json.NewDecoder(res.Body).Decode(&got))
		return got.Choices[0].Message.Content
	}
	assert.Equal(t, "queued", read())
	assert.Equal(t, "echo: Say hi", read())
}

func TestBrokenStreamEndsWithAnUnexpectedEOF(t *testing.T) {
	t.Parallel()
	s := openaiserver.New(t, openaiserver.Config{})
	s.Enqueue(openaiserver.Reply{Chunks: []string{"a", "b", "c"}, Fault: &openaiserver.StreamFault{After: 1, Mode: openaiserver.FaultBreak}})
	res := post(t, context.Background(), s.URL()+"/chat/completions", "", streamBody(true))
	chunks, done, err := events(t, res.Body)
	assert.False(t, done)
	assert.Len(t, chunks, 2, "role and one delta")
	assert.True(t, errors.Is(err, io.ErrUnexpectedEOF), "got %v", err)
}

func TestTheServerSeesTheClientGoAway(t *testing.T) {
	t.Parallel()
	s := openaiserver.New(t, openaiserver.Config{})
	s.Enqueue(openaiserver.Reply{Chunks: []string{"a", "b"}, Fault: &openaiserver.StreamFault{After: 1, Mode: openaiserver.FaultStall}})
	ctx, cancel := context.WithCancel(context.Background())
	res := post(t, ctx, s.URL()+"/chat/completions", "", streamBody(true))
	require.Equal(t, http.StatusOK, res.StatusCode)
	cancel()
	select {
	case <-s.Canceled():
	case <-time.After(2 * time.Second):
		t.Fatal("the cancellation was not seen")
	}
	assert.False(t, s.Requests()[0].CanceledAt.IsZero())
}
