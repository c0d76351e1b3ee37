package llm

import "errors"

func asError(err error, target **Error) bool { return errors.As(err, target) }

// NotConfigured is the error of every call when no provider is configured:
// nothing pretends to be a model.
var NotConfigured = &Error{Kind: ErrNotConfigured, Msg: "no LLM provider is configured on this server"}
