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

// Known gaps of GitHub's description: behaviour GitHub has that its
// published description (@octokit/openapi 23.0.2) does not describe. Each
// entry is matched narrowly (operation + condition) and names its source;
// everything else the description rejects stays a violation.
//
//	G1 PUT …/branches/{branch}/protection with required_status_checks.checks
//	   and no contexts (repos/update-branch-protection). GitHub requires
//	   exactly one of contexts/checks; the description marks contexts
//	   required. Sources: ossf/allstar#155, google/go-github#2976,
//	   google/go-github PR #2276 (measured), docs/github-api.md §1.4.
//	   Accepted only if the body validates once "contexts": [] is added.
//	   Tightened the other way (requestStricter): sending both, or neither,
//	   is a violation, because GitHub answers 422.
//	G2 304 Not Modified to a conditional GET. GitHub answers 304 (and does
//	   not count it against the rate limit) but the description declares
//	   304 for few operations. Accepted only for GET with If-None-Match or
//	   If-Modified-Since and an empty body. Sources: docs.github.com
//	   "Best practices for using the REST API" (conditional requests),
//	   docs/github-api.md §0.17, §4.2.
//	G3 /repositories/{repository_id}/… forms. GitHub's pagination Link
//	   headers and redirects use them (@octokit/fixtures 23.1.2 scenarios
//	   paginate-issues and rename-repository); the description has neither
//	   GET /repositories/{repository_id} nor the list forms. Added as
//	   copies of the /repos/{owner}/{repo}/… GET operations (same schemas,
//	   owner/repo replaced by an integer repository_id), for the suffixes
//	   in repositoryIDForms only.
//	G4 GET /repos/{owner}/{repo}/git/refs/{ref}. The description only has
//	   git/ref/{ref} for reads (git/get-ref), but GitHub still serves the
//	   plural form: an exact ref gives the single-ref object, a prefix the
//	   array of matching refs (hub4j/github-api#794, where a maintainer shows
//	   both answers; sigmavirus24/github3.py#1059). Added as a copy of
//	   git/get-ref, so only the single-ref shape is accepted; a prefix
//	   answer (array) is flagged.
//	G5 Errors every endpoint can return but most operations do not
//	   declare: 401 {"message":"Bad credentials"|"Requires authentication"},
//	   403/429 rate limits (403 only with X-RateLimit-Remaining: 0 or a
//	   documentation_url about rate limits), and 500/502/503. Sources:
//	   docs.github.com "Rate limits for the REST API" (403 or 429),
//	   "Troubleshooting the REST API" (401 Bad credentials, 5xx),
//	   docs/github-api.md §0.13. Accepted only for those statuses with an
//	   empty body or a JSON object whose message is a string.
//	G6 403 "Resource not accessible by personal access token" (or "… by
//	   integration") with an X-Accepted-GitHub-Permissions header: a
//	   fine-grained token without the permission, on any operation. Sources:
//	   docs.github.com "Troubleshooting the REST API" (Resource not
//	   accessible), "Permissions required for fine-grained personal access
//	   tokens" (X-Accepted-GitHub-Permissions), docs/github-api.md §6.
//	G7 403 {"message":"Must have admin rights to Repository."} on a
//	   /repos/{owner}/{repo}/… operation that does not declare 403 (e.g.
//	   repos/get-branch-protection declares only 200 and 404): a caller
//	   with less than admin on the repository. Sources: GitHub's message as
//	   clients handle it (renovatebot/renovate PR #23885 shows a 403 on GET
//	   …/branches/main/protection), docs/github-api.md §1.
//	G8 repos/create-or-update-file-contents 409: the description's body is
//	   oneOf [basic-error, repository-rule-violation-error], two object
//	   schemas with no required properties, so every error body matches
//	   both and "oneOf" can never pass. Read as anyOf for that response
//	   only (the body must still match one of them). The 409 GitHub sends
//	   for protected-branch refusals is a basic-error
//	   (BobAnkh/auto-generate-changelog#78).
//	G9 issues/add-labels (and issues/set-labels) with a bare JSON array of
//	   label names, which go-github v60's AddLabelsToIssue/ReplaceLabels
//	   send. The description's schema only has the {"labels": [...]}
//	   object, but its own text for labels says "You can also pass an
//	   array of labels directly, but GitHub recommends passing an object
//	   with the labels key" (@octokit/openapi 23.0.2, issues/add-labels).
//	   Accepted only if the array, wrapped as {"labels": array}, validates.
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
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			if rsc, ok := m["required_status_checks"].(map[string]any); ok {
				_, hasChecks := rsc["checks"]
				_, hasContexts := rsc["contexts"]
				if hasChecks && !hasContexts {
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
		}
	}
	return trim(err)
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
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			if rsc, ok := m["required_status_checks"].(map[string]any); ok {
				_, hasChecks := rsc["checks"]
				_, hasContexts := rsc["contexts"]
				if hasChecks == hasContexts {
					return "required_status_checks needs exactly one of contexts or checks; GitHub answers 422 \"More than one subschema in oneOf matched\" otherwise (ossf/allstar#155, google/go-github#2976)"
				}
			}
		}
	}
	return ""
}

// undeclaredStatusGap reports whether an undeclared response status is a
// known gap (G2, G5).
func undeclaredStatusGap(r *http.Request, path string, rec *recorder) bool {
	switch rec.status {
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
		if msg == "Must have admin rights to Repository." && strings.HasPrefix(path, "/repos/{owner}/{repo}/") {
			return true // G7
		}
		var e struct {
			DocumentationURL string `json:"documentation_url"`
		}
		_ = json.Unmarshal(rec.body.Bytes(), &e)
		return rec.header.Get("X-RateLimit-Remaining") == "0" || strings.Contains(e.DocumentationURL, "rate-limit")
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
