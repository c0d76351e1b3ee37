package openai

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sync"

	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/tidwall/gjson"
)

// streamChunk is what a chat completion chunk tells us; the rest of it is
// not decoded.
type streamChunk struct {
	Model   string
	Choices []streamChoice
	Usage   *streamUsage
}

type streamChoice struct {
	Index        int64
	Content      string
	Refusal      string
	FinishReason string
}

type streamUsage struct {
	PromptTokens, CompletionTokens, CachedTokens int64
}

// decode fills c from a chunk's JSON with gjson: no reflection, a shallow
// stack (a generation's goroutine lives as long as its stream, and its
// stack grows to the deepest call it ever made), and lenient about the
// fields' types like the SDK's decoder. Invalid JSON is refused with
// encoding/json's error.
func (c *streamChunk) decode(data []byte) error {
	if !gjson.ValidBytes(data) {
		var v json.RawMessage
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		return &json.UnmarshalTypeError{Value: "chunk", Type: reflect.TypeFor[streamChunk]()}
	}
	choices := c.Choices[:0]
	*c = streamChunk{}
	gjson.ParseBytes(data).ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "model":
			if v.Type == gjson.String {
				c.Model = v.Str
			}
		case "choices":
			v.ForEach(func(_, ch gjson.Result) bool {
				if !ch.IsObject() {
					return true
				}
				var o streamChoice
				ch.ForEach(func(k, v gjson.Result) bool {
					switch k.Str {
					case "index":
						o.Index = v.Int()
					case "finish_reason":
						if v.Type == gjson.String {
							o.FinishReason = v.Str
						}
					case "delta":
						v.ForEach(func(k, v gjson.Result) bool {
							if v.Type != gjson.String {
								return true
							}
							switch k.Str {
							case "content":
								o.Content = v.Str
							case "refusal":
								o.Refusal = v.Str
							}
							return true
						})
					}
					return true
				})
				choices = append(choices, o)
				return true
			})
		case "usage":
			if v.IsObject() {
				c.Usage = &streamUsage{PromptTokens: v.Get("prompt_tokens").Int(), CompletionTokens: v.Get("completion_tokens").Int(),
					CachedTokens: v.Get("prompt_tokens_details.cached_tokens").Int()}
			}
		}
		return true
	})
	c.Choices = choices
	return nil
}

// sseReaderBuffer is the reader's buffer: a chunk's line is a few hundred
// bytes; longer lines are gathered in line. Held for the stream's life, so
// small (the SDK's decoder keeps a 4 KiB and up scanner buffer, the event's
// data, and every chunk's JSON metadata).
const sseReaderBuffer = 512

// sseMaxLine bounds one line (the SDK's decoder's limit).
const sseMaxLine = bufio.MaxScanTokenSize << 9

// sseKeep is the largest line or data buffer kept between two events.
const sseKeep = 4 << 10

// sseReader reads a chat completion's server-sent events the way the SDK
// does (ssestream: lines, "data:" fields joined by newlines, an event per
// blank line, "[DONE]" the end, an event with an "error" member a
// *ssestream.StreamError), decoding only what we use.
type sseReader struct {
	body io.ReadCloser
	br   *bufio.Reader
	line []byte // a line longer than br's buffer
	data []byte // the event's data so far
	err  error  // why next answered false (nil: [DONE] or the body's end)
	done bool

	closeOnce sync.Once
	closeErr  error
}

func newSSEReader(body io.ReadCloser) *sseReader {
	return &sseReader{body: body, br: bufio.NewReaderSize(body, sseReaderBuffer)}
}

// next reads the next chunk into c (reset first); false at the end or on
// an error (then in err), the body closed.
func (r *sseReader) next(c *streamChunk) bool {
	if r.done {
		return false
	}
	if cap(r.data) > sseKeep {
		r.data = nil
	}
	r.data = r.data[:0]
	for {
		ln, err := r.readLine()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = nil // like the SDK: an event not ended by a blank line is dropped
			}
			return r.finish(err)
		}
		if len(ln) == 0 {
			if len(r.data) == 0 {
				continue
			}
			break
		}
		name, value, _ := bytes.Cut(ln, []byte(":"))
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
		if string(name) == "data" {
			r.data = append(r.data, value...)
			r.data = append(r.data, '\n')
		}
	}
	if bytes.HasPrefix(r.data, []byte("[DONE]")) {
		return r.finish(nil)
	}
	if ep := gjson.GetBytes(r.data, "error"); ep.Exists() {
		return r.finish(&ssestream.StreamError{Message: fmt.Sprintf("received error while streaming: %s", ep.String()),
			Event: ssestream.Event{Data: bytes.Clone(r.data)}})
	}
	if err := c.decode(r.data); err != nil {
		return r.finish(err)
	}
	return true
}

// readLine answers the next line without its "\n" (or "\r\n"), valid until
// the next call; the last line needs no "\n"; io.EOF after it.
func (r *sseReader) readLine() ([]byte, error) {
	ln, err := r.br.ReadSlice('\n')
	if err == nil {
		return trimEOL(ln), nil
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		if len(ln) > 0 && errors.Is(err, io.EOF) {
			return trimCR(ln), nil
		}
		return nil, err
	}
	if cap(r.line) > sseKeep {
		r.line = nil
	}
	r.line = append(r.line[:0], ln...)
	for {
		ln, err = r.br.ReadSlice('\n')
		r.line = append(r.line, ln...)
		if len(r.line) > sseMaxLine {
			return nil, bufio.ErrTooLong
		}
		switch {
		case err == nil:
			return trimEOL(r.line), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(r.line) > 0:
			return trimCR(r.line), nil
		default:
			return nil, err
		}
	}
}

func trimEOL(b []byte) []byte { return trimCR(b[:len(b)-1]) }

func trimCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

// finish ends the stream (the SDK's Stream.finish): err kept, body closed.
func (r *sseReader) finish(err error) bool {
	r.err, r.done = err, true
	_ = r.close()
	return false
}

func (r *sseReader) close() error {
	r.closeOnce.Do(func() {
		r.done = true
		r.closeErr = r.body.Close()
		r.br, r.line, r.data = nil, nil, nil
	})
	return r.closeErr
}
