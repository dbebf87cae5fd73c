package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Gap is one known gap of GitHub's description: behaviour GitHub has that
// its published description (@octokit/openapi 23.0.2) does not describe.
// Each is matched narrowly (operation + condition, in the code below) and
// names its sources; everything else the description rejects stays a
// violation. docs/simulator-routes.md lists them (generated).
type Gap struct {
	ID, Where, Accepted, Sources string
}

// Gaps is the allow-list.
var Gaps = []Gap{
	{"G1", "PUT /repos/{owner}/{repo}/branches/{branch}/protection (repos/update-branch-protection)",
		"required_status_checks with checks and no contexts, if the body validates once contexts: [] is added. GitHub requires exactly one of contexts/checks; the description marks contexts required. Tightened the other way: both, or neither, is a violation (GitHub answers 422).",
		"ossf/allstar#155; google/go-github#2976; google/go-github PR #2276 (measured); docs/github-api.md §1.4"},
	{"G2", "any GET",
		"304 Not Modified, undeclared for most operations, only when the request had If-None-Match or If-Modified-Since and the body is empty.",
		"docs.github.com \"Best practices for using the REST API\" (conditional requests; a 304 does not count against the rate limit); docs/github-api.md §0.17, §4.2"},
	{"G3", "GET /repositories/{repository_id} and /repositories/{repository_id}{/issues, /issues/{issue_number}/comments, /commits, /pulls, /activity, /collaborators, /invitations, /labels}",
		"Added as copies of the /repos/{owner}/{repo} GET operations (same schemas; owner/repo replaced by an integer repository_id). GitHub's pagination Link headers and redirects use these forms; the description has none of them.",
		"@octokit/fixtures 23.1.2 scenarios paginate-issues and rename-repository"},
	{"G4", "GET /repos/{owner}/{repo}/git/refs/{ref}",
		"Added as a copy of git/get-ref (git/ref/{ref}); only the single-ref shape is accepted, so a prefix answer (array of refs) is flagged. GitHub still serves the plural read: an exact ref gives one object, a prefix an array.",
		"hub4j/github-api#794 (a maintainer shows both answers); sigmavirus24/github3.py#1059"},
	{"G5", "any operation not declaring the status",
		"401 with message \"Bad credentials\" or \"Requires authentication\"; 403 rate limits (X-RateLimit-Remaining: 0 or a documentation_url about rate limits); 429, 500, 502, 503 with an empty body or a JSON object whose message is a string.",
		"docs.github.com \"Rate limits for the REST API\" (403 or 429), \"Troubleshooting the REST API\" (401 Bad credentials, 5xx); docs/github-api.md §0.13"},
	{"G6", "any operation not declaring 403",
		"403 \"Resource not accessible by personal access token\" (or \"… by integration\") with an X-Accepted-GitHub-Permissions header: a fine-grained token without the permission.",
		"docs.github.com \"Troubleshooting the REST API\" (Resource not accessible), \"Permissions required for fine-grained personal access tokens\"; docs/github-api.md §6"},
	{"G7", "/repos/{owner}/{repo}/… operations not declaring 403",
		"403 whose message is one of GitHub's role refusals (roleRefusals): \"Must have admin rights to Repository.\", \"Must have push access to view repository collaborators.\", \"Must have push access to view collaborator permission.\" (e.g. repos/get-branch-protection declares only 200 and 404; repos/list-collaborators and repos/list-invitations declare no 403).",
		"renovatebot/renovate PR #23885 (403 on GET …/branches/main/protection); dsoftwareinc/ghactions-manager#271, 64kramsystem/geet#121, github/developer.github.com#768, kubeflow/common#3 (collaborators); yegor256/rultor#1407 (collaborator permission); docs/github-api.md §1, §3"},
	{"G8", "PUT /repos/{owner}/{repo}/contents/{path} (repos/create-or-update-file-contents), 409",
		"The body schema oneOf [basic-error, repository-rule-violation-error] is read as anyOf: both are objects with no required properties, so every error body matches both and oneOf can never pass. The body must still match one of them.",
		"JSON Schema oneOf semantics; the 409 GitHub sends for protected-branch refusals is a basic-error (BobAnkh/auto-generate-changelog#78)"},
	{"G9", "POST/PUT /repos/{owner}/{repo}/issues/{issue_number}/labels (issues/add-labels, issues/set-labels)",
		"A bare JSON array of label names (what go-github v60's AddLabelsToIssue/ReplaceLabels send), if {\"labels\": array} validates.",
		"the description's own text for labels: \"You can also pass an array of labels directly, but GitHub recommends passing an object with the labels key\" (@octokit/openapi 23.0.2)"},
	{"G10", "/repos/{owner}/{repo}/… and /orgs/{org}/… operations not declaring 404",
		"404 {\"message\":\"Not Found\"}: GitHub answers 404 for a repository, organization or team the caller cannot see (or that does not exist), on every such endpoint (e.g. repos/list-invitations and teams/list-members-in-org declare only 200). Under …/branches/{branch}/protection also 404 \"Branch not protected\" (e.g. DELETE of an unprotected branch; repos/delete-branch-protection declares only 204 and 403) and 404 \"… not enabled\" for a part of the rule that is off (repos/get-pull-request-review-protection declares only 200).",
		"docs.github.com \"Troubleshooting the REST API\" (404 for an existing resource) and \"Authenticating to the REST API\" (404 or 403 without access); go-github v60 repos.go (githubBranchNotProtected = \"Branch not protected\"); docs/github-api.md §0.6; observed answers quoted in public repositories (ManuGH/xg2g docs: \"404 Required status checks not enabled\")"},
	{"G11", "any operation not declaring 422",
		"422 with a JSON object whose message is a string, only when the request itself violated the description (GitHub refuses invalid input with 422 on every endpoint, e.g. an unknown permissions value on repos/update-invitation, which declares only 200).",
		"docs.github.com \"Getting started with the REST API\" / \"Troubleshooting\" (422 Unprocessable Entity for invalid fields); the validation-error schemas of the description itself"},
}

// roleRefusals are GitHub's 403 messages for a caller whose repository role
// is too low (G7).
var roleRefusals = map[string]bool{
	"Must have admin rights to Repository.":                   true,
	"Must have push access to view repository collaborators.": true,
	"Must have push access to view collaborator permission.":  true,
}

var repositoryIDForms = []string{"", "/issues", "/issues/{issue_number}/comments", "/commits", "/pulls", "/activity", "/collaborators", "/invitations", "/labels"}

func addGapPaths(s *Spec) {
	// G3
	for _, suffix := range repositoryIDForms {
		src := s.Doc.Paths.Value("/repos/{owner}/{repo}" + suffix)
		if src == nil || src.Get == nil {
			continue
		}
		s.add("/repositories/{repository_id}"+suffix, &openapi3.PathItem{Get: repositoryIDCopy(src.Get)}, "G3: /repositories/{repository_id} form (pagination links)")
	}
	// G8
	if it := s.Doc.Paths.Value("/repos/{owner}/{repo}/contents/{path}"); it != nil && it.Put != nil {
		if r := it.Put.Responses.Status(409); r != nil && r.Value != nil {
			if mt := r.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil && len(mt.Schema.Value.OneOf) > 0 {
				sc := *mt.Schema.Value
				sc.AnyOf, sc.OneOf = sc.OneOf, nil
				mt.Schema = &openapi3.SchemaRef{Value: &sc}
			}
		}
	}
	// G4
	if src := s.Doc.Paths.Value("/repos/{owner}/{repo}/git/ref/{ref}"); src != nil && src.Get != nil {
		s.add("/repos/{owner}/{repo}/git/refs/{ref}", &openapi3.PathItem{Get: src.Get}, "G4: plural git/refs/{ref} read")
	}
}

func repositoryIDCopy(op *openapi3.Operation) *openapi3.Operation {
	cp := *op
	cp.Parameters = nil
	min := 1.0
	cp.Parameters = append(cp.Parameters, &openapi3.ParameterRef{Value: &openapi3.Parameter{
		Name: "repository_id", In: "path", Required: true,
		Schema: &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{"integer"}, Min: &min}},
	}})
	for _, p := range op.Parameters {
		if p.Value != nil && p.Value.In == "path" && (p.Value.Name == "owner" || p.Value.Name == "repo") {
			continue
		}
		cp.Parameters = append(cp.Parameters, p)
	}
	return &cp
}

// requestGap returns "" when err is explained by a known gap (G1, G9), and
// the trimmed error otherwise.
func requestGap(opID string, r *http.Request, body []byte, in *openapi3filter.RequestValidationInput, err error) string {
	if opID == "issues/add-labels" || opID == "issues/set-labels" {
		var arr []any
		if json.Unmarshal(body, &arr) == nil {
			patched, _ := json.Marshal(map[string]any{"labels": arr})
			if revalidate(in, patched) == nil {
				return ""
			}
		}
	}
	if opID == "repos/update-branch-protection" {
		if m, rsc, hasChecks, hasContexts := statusChecks(body); rsc != nil && hasChecks && !hasContexts {
			rsc["contexts"] = []any{}
			patched, _ := json.Marshal(m)
			// The gap explains the contexts error only; report
			// whatever else is wrong with the body.
			err2 := revalidate(in, patched)
			if err2 == nil {
				return ""
			}
			return trim(err2) + " (with G1 applied: checks without contexts)"
		}
	}
	return trim(err)
}

// statusChecks decodes an update-branch-protection body m and, when its
// required_status_checks is an object rsc, says whether that has checks
// and contexts.
func statusChecks(body []byte) (m, rsc map[string]any, hasChecks, hasContexts bool) {
	if json.Unmarshal(body, &m) != nil {
		return nil, nil, false, false
	}
	rsc, _ = m["required_status_checks"].(map[string]any)
	_, hasChecks = rsc["checks"]
	_, hasContexts = rsc["contexts"]
	return m, rsc, hasChecks, hasContexts
}

// revalidate validates the same request with another body.
func revalidate(in *openapi3filter.RequestValidationInput, body []byte) error {
	vr := in.Request.Clone(context.Background())
	vr.Body = io.NopCloser(bytes.NewReader(body))
	vr.ContentLength = int64(len(body))
	in2 := *in
	in2.Request = vr
	return openapi3filter.ValidateRequest(context.Background(), &in2)
}

// requestStricter flags requests the description accepts but GitHub rejects.
func requestStricter(opID string, body []byte) string {
	if opID == "repos/update-branch-protection" {
		if _, rsc, hasChecks, hasContexts := statusChecks(body); rsc != nil && hasChecks == hasContexts {
			return "required_status_checks needs exactly one of contexts or checks; GitHub answers 422 \"More than one subschema in oneOf matched\" otherwise (ossf/allstar#155, google/go-github#2976)"
		}
	}
	return ""
}

// undeclaredStatusGap reports whether an undeclared response status is a
// known gap (G2, G5, G6, G7, G10, G11). badRequest is true when the request
// itself violated the description.
func undeclaredStatusGap(r *http.Request, path string, rec *recorder, badRequest bool) bool {
	switch rec.status {
	case http.StatusUnprocessableEntity: // G11
		_, ok := errorMessage(rec)
		return ok && badRequest
	case http.StatusNotModified: // G2
		return r.Method == http.MethodGet &&
			(r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "") &&
			rec.body.Len() == 0
	case http.StatusUnauthorized: // G5
		msg, ok := errorMessage(rec)
		return ok && (msg == "Bad credentials" || msg == "Requires authentication")
	case http.StatusForbidden: // G5 rate limits, G6 fine-grained permission
		msg, ok := errorMessage(rec)
		if !ok {
			return false
		}
		if strings.HasPrefix(msg, "Resource not accessible by ") && rec.header.Get("X-Accepted-GitHub-Permissions") != "" {
			return true // G6
		}
		if roleRefusals[msg] && strings.HasPrefix(path, "/repos/{owner}/{repo}/") {
			return true // G7
		}
		var e struct {
			DocumentationURL string `json:"documentation_url"`
		}
		_ = json.Unmarshal(rec.body.Bytes(), &e)
		return rec.header.Get("X-RateLimit-Remaining") == "0" || strings.Contains(e.DocumentationURL, "rate-limit")
	case http.StatusNotFound: // G10
		msg, ok := errorMessage(rec)
		if ok && strings.HasPrefix(path, "/repos/{owner}/{repo}/branches/{branch}/protection") &&
			(msg == "Branch not protected" || strings.HasSuffix(msg, " not enabled")) {
			return true
		}
		return ok && msg == "Not Found" && (strings.HasPrefix(path, "/repos/{owner}/{repo}") || strings.HasPrefix(path, "/orgs/{org}"))
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable: // G5
		if rec.body.Len() == 0 {
			return true
		}
		_, ok := errorMessage(rec)
		return ok
	}
	return false
}

func errorMessage(rec *recorder) (string, bool) {
	var e struct {
		Message *string `json:"message"`
	}
	if json.Unmarshal(rec.body.Bytes(), &e) != nil || e.Message == nil {
		return "", false
	}
	return *e.Message, true
}
