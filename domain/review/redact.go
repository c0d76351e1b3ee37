package review

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Redact replaces the secrets it recognises in a file's content with
// "[REDACTED:<kind>]" (kinds below) and counts them, before any of it
// reaches a model: private key blocks, tokens of known shapes (AWS,
// GitHub, GitLab, npm, OpenAI, Anthropic, Slack, Stripe, Google, JWTs),
// passwords in URLs and in curl -u, and literal values given to names
// such as password, secret, token, api_key or client_secret. Reads of the
// environment, placeholders ("changeme", "<...>", "${...}", "xxxx") and
// ordinary code (password_hash(password), token = get_token()) are left
// alone. A redaction keeps every newline it covers, so line numbers do
// not move, and redacting twice changes nothing.
func Redact(content string) (string, int) {
	n := 0
	for _, r := range blockRules {
		content = r.apply(content, &n)
	}
	// The other rules look at one line at a time, and only at lines that
	// hold their literal hint: fast on large files, and a line is small
	// enough for the regexp engine's quick path.
	lines := strings.SplitAfter(content, "\n")
	changed := false
	for i, line := range lines {
		var lower string
		for _, r := range lineRules {
			hay := line
			if r.fold {
				if lower == "" {
					lower = strings.ToLower(line)
				}
				hay = lower
			}
			if !containsAny(hay, r.hints) {
				continue
			}
			if out := r.apply(line, &n); out != line {
				line, lower, changed = out, "", true
			}
		}
		if out := redactAssignments(line, &n); out != line {
			line, changed = out, true
		}
		lines[i] = line
	}
	if !changed {
		return content, n
	}
	return strings.Join(lines, ""), n
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// Kinds of redacted secrets, as they appear in "[REDACTED:<kind>]".
const (
	RedactedPrivateKey    = "private_key"
	RedactedPassword      = "password"
	RedactedSecret        = "secret"
	RedactedAWSAccessKey  = "aws_access_key"
	RedactedAWSSecretKey  = "aws_secret_key"
	RedactedGitHubToken   = "github_token"
	RedactedGitLabToken   = "gitlab_token"
	RedactedNPMToken      = "npm_token"
	RedactedOpenAIKey     = "openai_key"
	RedactedAnthropicKey  = "anthropic_key"
	RedactedSlackToken    = "slack_token"
	RedactedSlackWebhook  = "slack_webhook"
	RedactedStripeKey     = "stripe_key"
	RedactedGoogleAPIKey  = "google_api_key"
	RedactedJWT           = "jwt"
	redactedMarkerPrefix  = "[REDACTED:"
	minGenericSecretRunes = 8
)

// redactRule finds candidates with re; pick says which part of a match
// is the secret (start, end), of which kind, or ok=false to leave it. A
// line rule runs only on lines that contain one of its hints (compared
// with the lower-cased line when fold is set).
type redactRule struct {
	re    *regexp.Regexp
	pick  func(s string, m []int) (start, end int, kind string, ok bool)
	hints []string
	fold  bool
}

func (r redactRule) apply(s string, n *int) string {
	matches := r.re.FindAllStringSubmatchIndex(s, -1)
	if len(matches) == 0 {
		return s
	}
	var b strings.Builder
	last, replaced := 0, false
	for _, m := range matches {
		start, end, kind, ok := r.pick(s, m)
		if !ok || start < last {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(redactedMarkerPrefix + kind + "]")
		b.WriteString(strings.Repeat("\n", strings.Count(s[start:end], "\n")))
		last, replaced = end, true
		*n++
	}
	if !replaced {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// whole redacts submatch g of every match as kind, when valid (if given)
// accepts the secret.
func whole(kind string, g int, valid func(string) bool) func(string, []int) (int, int, string, bool) {
	return func(s string, m []int) (int, int, string, bool) {
		start, end := m[2*g], m[2*g+1]
		if start < 0 || (valid != nil && !valid(s[start:end])) {
			return 0, 0, "", false
		}
		return start, end, kind, true
	}
}

var base64Run = regexp.MustCompile(`[A-Za-z0-9+/]{40,}`)

// blockRules may span lines: PEM private key blocks.
var blockRules = []redactRule{
	// A whole PEM private key block, also inside a string literal with
	// "\n" escapes or concatenated lines; its body must hold base64.
	{re: regexp.MustCompile(`-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/=:,.()@<>\-\s"'\\]*?-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----`),
		pick: whole(RedactedPrivateKey, 0, func(s string) bool { return base64Run.MatchString(s) })},
	// A key block cut short (no END line): the header and the base64 lines
	// that follow it, up to a short last line.
	{re: regexp.MustCompile(`(?m)-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----(?:(?:\s|\\[nr]|["'+,])*[A-Za-z0-9+/]{40,}={0,2})+` +
		`(?:(?:\s|\\[nr]|["'+,])*[A-Za-z0-9+/]{1,39}={0,2}(?:\\n)?["']?[ \t]*$)?`),
		pick: whole(RedactedPrivateKey, 0, nil)},
}

// lineRules look at one line, in this order: URLs and known token shapes
// first, so that a generic assignment of a known token counts once.
var lineRules = []redactRule{
	// scheme://user:password@host: the password only.
	{re: regexp.MustCompile(`\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@"'<>]*:([^\s@/"'<>]+)@`),
		pick: whole(RedactedPassword, 1, func(s string) bool { return !isPlaceholder(s) }), hints: []string{"://"}},
	// curl -u user:password, wget --user=...: the password only.
	{re: regexp.MustCompile(`\b(?:curl|wget|http)\b[^\n]*?\s(?:-u|--user)[ =]["']?[^\s:'"]+:([^\s'"]+)`),
		pick: whole(RedactedPassword, 1, func(s string) bool { return !isPlaceholder(s) }), hints: []string{"-u", "--user"}},
	{re: regexp.MustCompile(`https://hooks\.slack\.com/services/([A-Za-z0-9]+/[A-Za-z0-9]+/[A-Za-z0-9]+)`),
		pick: whole(RedactedSlackWebhook, 1, nil), hints: []string{"hooks.slack.com"}},
	{re: regexp.MustCompile(`\bsk-ant-[A-Za-z0-9_\-]{20,}`), pick: whole(RedactedAnthropicKey, 0, nil), hints: []string{"sk-ant-"}},
	{re: regexp.MustCompile(`\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}`),
		pick: whole(RedactedOpenAIKey, 0, hasLetterAndDigit), hints: []string{"sk-"}},
	{re: regexp.MustCompile(`\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{22,}`),
		pick: whole(RedactedGitHubToken, 0, nil), hints: []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"}},
	{re: regexp.MustCompile(`\bglpat-[A-Za-z0-9_\-]{20,}`), pick: whole(RedactedGitLabToken, 0, nil), hints: []string{"glpat-"}},
	{re: regexp.MustCompile(`\bnpm_[A-Za-z0-9]{36}\b`), pick: whole(RedactedNPMToken, 0, nil), hints: []string{"npm_"}},
	{re: regexp.MustCompile(`\bxox[abprs]-[A-Za-z0-9\-]{10,}|\bxapp-[0-9]-[A-Za-z0-9\-]{10,}`),
		pick: whole(RedactedSlackToken, 0, nil), hints: []string{"xox", "xapp-"}},
	{re: regexp.MustCompile(`\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}`),
		pick: whole(RedactedStripeKey, 0, nil), hints: []string{"_live_", "_test_"}},
	{re: regexp.MustCompile(`\bAIza[0-9A-Za-z_\-]{35}`), pick: whole(RedactedGoogleAPIKey, 0, nil), hints: []string{"AIza"}},
	{re: regexp.MustCompile(`\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b`),
		pick: whole(RedactedAWSAccessKey, 0, nil), hints: []string{"AKIA", "ASIA", "ABIA", "ACCA"}},
	{re: regexp.MustCompile(`\beyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]*`),
		pick: whole(RedactedJWT, 0, nil), hints: []string{"eyJ"}},
	{re: regexp.MustCompile(`(?i)(?:aws_?secret_?(?:access_?)?key|secret_?access_?key)["']?[ \t]*(?:=|:=|:|=>)[ \t]*["']?([A-Za-z0-9/+=]{40})(?:[^A-Za-z0-9/+=]|$)`),
		pick: whole(RedactedAWSSecretKey, 1, nil), hints: []string{"secret"}, fold: true},
}

// secretNameWords are the words that make a name a secret's name
// (lower case): password, db_password, apiKey, client-secret...
var secretNameWords = []string{"password", "passwd", "passphrase", "pwd", "secret", "token", "apikey", "api_key",
	"api-key", "accesskey", "access_key", "access-key", "privatekey", "private_key", "private-key", "authkey",
	"auth_key", "auth-key", "credential"}

// assignmentTail follows a secret's name: an optional closing quote, an
// optional type annotation (password: str = ...), an assignment or a
// comparison, then a quoted or a bare value on the same line.
var assignmentTail = regexp.MustCompile(`^["'` + "`" + `]?[ \t]*(?::[ \t]*[A-Za-z_][A-Za-z0-9_.\[\]]*[ \t]*)?(?:=>|:=|===|!==|==|!=|=|:)[ \t]*` +
	`(?:"([^"\r\n]*)"|'([^'\r\n]*)'|` + "`([^`\\r\\n]*)`" + `|([^\s"'` + "`" + `,;&(){}\[\]<>]+))`)

var secretWord = regexp.MustCompile(`(?i)password|passwd|passphrase|pwd|secret|token|api[_\-]?key|access[_\-]?key|private[_\-]?key|auth[_\-]?key|credential`)

// nonSecretNameSuffixes end names that hold something about a secret, not
// the secret: token_url, password_field, secret_name, api_key_header...
var nonSecretNameSuffixes = []string{"url", "uri", "endpoint", "path", "file", "filename", "dir", "type", "name",
	"header", "prefix", "suffix", "field", "label", "length", "len", "ttl", "expiry", "expires", "expiresin",
	"expiresat", "count", "format", "pattern", "regex", "regexp", "policy", "placeholder", "hint", "prompt",
	"message", "msg", "error", "env", "envvar", "var", "id", "param", "kind", "mode", "size", "limit", "version"}

var (
	identifierRe   = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)
	dottedAccessRe = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)+$`)
	numberRe       = regexp.MustCompile(`^[0-9][0-9_.]*$`)
	camelCase      = regexp.MustCompile(`[a-z][A-Z]`)
	schemeURLRe    = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.\-]*://`)
)

// redactAssignments redacts literal values given to secrets' names in
// one line: name = "value", name: 'value', "name": "value", NAME=value.
// Names are found by their words first and the rest is matched from
// there, which keeps this fast on long files.
func redactAssignments(line string, n *int) string {
	lower := asciiLower(line)
	type span struct{ start, end int }
	var names []span
	for _, w := range secretNameWords {
		for from := 0; ; {
			i := strings.Index(lower[from:], w)
			if i < 0 {
				break
			}
			start, end := from+i, from+i+len(w)
			for start > 0 && isNameByte(line[start-1]) {
				start--
			}
			for end < len(line) && isNameByte(line[end]) {
				end++
			}
			names = append(names, span{start, end})
			from = end
		}
	}
	if len(names) == 0 {
		return line
	}
	slices.SortFunc(names, func(a, b span) int { return a.start - b.start })
	var b strings.Builder
	last, next := 0, 0 // last: written up to; next: names before it were handled
	for _, nm := range names {
		if nm.start < next {
			continue // the same name found by another word, or inside a value already judged
		}
		m := assignmentTail.FindStringSubmatchIndex(line[nm.end:])
		if m == nil {
			continue
		}
		next = nm.end + m[1]
		start, end, kind, ok := pickAssignment(line, lower[nm.start:nm.end], nm.end, m)
		if !ok {
			continue
		}
		b.WriteString(line[last:start])
		b.WriteString(redactedMarkerPrefix + kind + "]")
		last = end
		*n++
	}
	if b.Len() == 0 {
		return line
	}
	b.WriteString(line[last:])
	return b.String()
}

func isNameByte(c byte) bool { return isAlnum(c) || c == '_' || c == '.' || c == '-' }

// asciiLower lower-cases ASCII letters only, so byte offsets stay valid.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// pickAssignment judges the value assignmentTail matched (m, relative to
// off) after a name: it answers the value's span in line and the kind.
func pickAssignment(line, name string, off int, m []int) (int, int, string, bool) {
	compact := strings.NewReplacer("_", "", "-", "", ".", "").Replace(name)
	for _, suf := range nonSecretNameSuffixes {
		if strings.HasSuffix(compact, suf) {
			return 0, 0, "", false
		}
	}
	kind := RedactedSecret
	if strings.Contains(name, "pass") || strings.Contains(name, "pwd") {
		kind = RedactedPassword
	}
	// Submatches 1-3 are the quoted forms, 4 the bare value.
	for g := 2; g <= 8; g += 2 {
		if m[g] < 0 {
			continue
		}
		start, end := off+m[g], off+m[g+1]
		v := line[start:end]
		if g == 8 {
			if !bareSecret(line, v, end) {
				return 0, 0, "", false
			}
		} else if !quotedSecret(v) {
			return 0, 0, "", false
		}
		return start, end, kind, true
	}
	return 0, 0, "", false
}

// quotedSecret judges a quoted literal: long enough, not a placeholder,
// not prose (a label or a message holds spaces), not a URL or a path,
// and not the name of a setting ("auth_token" as a storage key).
func quotedSecret(v string) bool {
	if utf8.RuneCountInString(v) < minGenericSecretRunes || isPlaceholder(v) || strings.ContainsAny(v, " \t") {
		return false
	}
	if schemeURLRe.MatchString(v) || strings.HasPrefix(v, "/") || strings.HasPrefix(v, "./") || strings.HasPrefix(v, "~/") {
		return false
	}
	return !(secretWord.MatchString(v) && !strings.ContainsFunc(v, unicode.IsDigit))
}

// bareSecret judges an unquoted value (NAME=value in a shell script or a
// .env-like line): never a call, a variable, an attribute read or a
// number, only something that looks like a literal secret.
func bareSecret(s, v string, end int) bool {
	if utf8.RuneCountInString(v) < minGenericSecretRunes || isPlaceholder(v) || numberRe.MatchString(v) ||
		dottedAccessRe.MatchString(v) {
		return false
	}
	if secretWord.MatchString(v) && (strings.ContainsAny(v, "_.") || camelCase.MatchString(v)) {
		return false // a variable named after the secret: user_password, newPassword1
	}
	if end < len(s) && (s[end] == '(' || s[end] == '[' || s[end] == '{') {
		return false // a call, an index or a literal that goes on
	}
	if identifierRe.MatchString(v) {
		// A variable name, unless it looks random: digits mixed with
		// letters and no word separators.
		return !strings.Contains(v, "_") && hasLetterAndDigit(v)
	}
	return true
}

func hasLetterAndDigit(s string) bool {
	return strings.ContainsFunc(s, unicode.IsLetter) && strings.ContainsFunc(s, unicode.IsDigit)
}

var placeholderWords = []string{"changeme", "change_me", "change-me", "changeit", "replaceme", "replace_me",
	"replace-me", "your", "placeholder", "example", "dummy", "sample", "redacted", "todo", "fixme", "insert",
	"xxxx", "****", "...", "process.env", "os.environ", "getenv", "secrets.", "env(", "fake", "mock", "test",
	"foobar", "notasecret", "not-a-secret", "not_a_secret"}

var placeholderExact = map[string]bool{"password": true, "passwd": true, "pass": true, "secret": true,
	"token": true, "none": true, "null": true, "nil": true, "undefined": true, "true": true, "false": true,
	"string": true, "required": true, "optional": true, "hidden": true, "default": true, "unset": true,
	"notset": true, "not-set": true, "empty": true, "admin": true, "root": true, "guest": true}

// isPlaceholder recognises values that are not secrets: empty, a
// template or an environment read (${X}, {{x}}, <x>, %s, $X), a
// placeholder word or a run of one character.
func isPlaceholder(v string) bool {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" || placeholderExact[v] || strings.HasPrefix(v, redactedMarkerPrefix) ||
		strings.HasPrefix(strings.ToUpper(v), redactedMarkerPrefix) {
		return true
	}
	for _, p := range []string{"$", "{{", "<", "%", "#{", "@{", "{"} {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	for _, w := range placeholderWords {
		if strings.Contains(v, w) {
			return true
		}
	}
	first, _ := utf8.DecodeRuneInString(v)
	return strings.Trim(v, string(first)) == ""
}
