package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

var (
	validateOnce sync.Once
	validate     *validator.Validate
)

func structValidator() *validator.Validate {
	validateOnce.Do(func() {
		validate = validator.New(validator.WithRequiredStructEnabled())
		// Report fields by their JSON names, as the client sent them.
		validate.RegisterTagNameFunc(func(f reflect.StructField) string {
			name := strings.Split(f.Tag.Get("json"), ",")[0]
			if name == "-" {
				return ""
			}
			if name == "" {
				return f.Name
			}
			return name
		})
	})
	return validate
}

// bindJSON decodes the request body into dst and validates it. A request
// with no body decodes to dst's zero value (routes whose fields are all
// optional accept an empty POST). It refuses, each with its own status:
// a non-JSON content type (415), malformed JSON (400 invalid_json), unknown
// fields or wrong types or failed rules (400 validation_failed).
// encoding/json copies every string it decodes, so dst never points into
// Fiber's reused request buffer.
func bindJSON(c *fiber.Ctx, dst any) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return validateStruct(dst)
	}
	if !isJSONContentType(c.Get(fiber.HeaderContentType)) {
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
			Message: "send the body as application/json"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &apiError{Status: http.StatusBadRequest, Code: "invalid_json",
			Message: "the body must hold exactly one JSON value"}
	}
	return validateStruct(dst)
}

func isJSONContentType(ct string) bool {
	mediaType, _, _ := strings.Cut(ct, ";")
	mediaType = strings.ToLower(strings.TrimSpace(mediaType))
	return mediaType == fiber.MIMEApplicationJSON || strings.HasSuffix(mediaType, "+json")
}

func decodeError(err error) error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syntax):
		return &apiError{Status: http.StatusBadRequest, Code: "invalid_json",
			Message: fmt.Sprintf("the body is not valid JSON (at byte %d)", syntax.Offset)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &apiError{Status: http.StatusBadRequest, Code: "invalid_json", Message: "the body is not valid JSON (it ends too soon)"}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return &apiError{Status: http.StatusBadRequest, Code: "validation_failed", Message: "the request is not valid",
			Details: []errorDetail{{Field: field, Issue: "must be " + jsonKind(typ.Type)}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &apiError{Status: http.StatusBadRequest, Code: "validation_failed", Message: "the request is not valid",
			Details: []errorDetail{{Field: name, Issue: "is not a known field"}}}
	}
	return &apiError{Status: http.StatusBadRequest, Code: "invalid_json", Message: "the body is not valid JSON"}
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "of another type"
}

func validateStruct(dst any) error {
	err := structValidator().Struct(dst)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		// InvalidValidationError: dst is not a struct pointer, a programming error.
		return err
	}
	details := make([]errorDetail, 0, len(verrs))
	for _, fe := range verrs {
		details = append(details, errorDetail{Field: fieldPath(fe), Issue: issueText(fe)})
	}
	return &apiError{Status: http.StatusBadRequest, Code: "validation_failed", Message: "the request is not valid", Details: details}
}

// fieldPath drops the root struct's name: "Input.languages[0]" -> "languages[0]".
func fieldPath(fe validator.FieldError) string {
	ns := fe.Namespace()
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return ns
}

func issueText(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "email":
		return "must be a valid email address"
	case "min":
		if fe.Kind() == reflect.String {
			return "must be at least " + fe.Param() + " characters"
		}
		return "must be at least " + fe.Param()
	case "max":
		if fe.Kind() == reflect.String {
			return "must be at most " + fe.Param() + " characters"
		}
		return "must be at most " + fe.Param()
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "uuid", "uuid4", "uuid7":
		return "must be a UUID"
	case "url", "http_url":
		return "must be a URL"
	}
	return "fails rule " + fe.Tag()
}

// param returns a copy of a path parameter, safe to keep after the handler.
func param(c *fiber.Ctx, name string) string { return utils.CopyString(c.Params(name)) }

// query returns a copy of a query parameter, safe to keep after the handler.
func query(c *fiber.Ctx, name string) string { return utils.CopyString(c.Query(name)) }
