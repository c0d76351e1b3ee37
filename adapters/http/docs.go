package http

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gofiber/fiber/v2"
	swaggerfiles "github.com/swaggo/files/v2"
)

//go:embed openapi.yaml
var openapiYAML []byte

// LoadOpenAPI parses and validates the embedded OpenAPI document.
func LoadOpenAPI() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapiYAML)
	if err != nil {
		return nil, fmt.Errorf("parse openapi.yaml: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("validate openapi.yaml: %w", err)
	}
	return doc, nil
}

// swaggerIndex loads Swagger UI's own assets from the server (embedded from
// the swaggo/files package), so the page renders with no internet.
const swaggerIndex = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>CodeMentor API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/codementor-init.js"></script>
</body>
</html>
`

const swaggerInit = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  });
};
`

type docsHandlers struct {
	specJSON []byte
}

func newDocsHandlers() (docsHandlers, error) {
	doc, err := LoadOpenAPI()
	if err != nil {
		return docsHandlers{}, err
	}
	b, err := doc.MarshalJSON()
	if err != nil {
		return docsHandlers{}, fmt.Errorf("encode openapi: %w", err)
	}
	return docsHandlers{specJSON: b}, nil
}

func (d docsHandlers) spec(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(d.specJSON)
}

func (d docsHandlers) index(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.SendString(swaggerIndex)
}

func (d docsHandlers) asset(c *fiber.Ctx) error {
	name := c.Params("asset")
	if name == "codementor-init.js" {
		c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
		return c.SendString(swaggerInit)
	}
	// Swagger UI's own index and initializer point at a demo API: never serve them.
	if name == "index.html" || name == "swagger-initializer.js" || strings.Contains(name, "/") || strings.HasPrefix(name, ".") {
		return fiber.ErrNotFound
	}
	b, err := fs.ReadFile(swaggerfiles.FS, name)
	if errors.Is(err, fs.ErrNotExist) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = fiber.MIMEOctetStream
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return c.Send(b)
}
