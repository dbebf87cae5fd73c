package lever

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"
)

func ghErr(code int) error {
	return &github.ErrorResponse{Response: &http.Response{StatusCode: code, Header: http.Header{}, Request: &http.Request{Method: "PUT", URL: &url.URL{Path: "/x"}}}, Message: http.StatusText(code)}
}

func TestDescribeWriteError(t *testing.T) {
	dropped := &url.Error{Op: "Put", URL: "https://api.github.com/x", Err: io.EOF}
	for _, c := range []struct {
		name    string
		err     error
		unknown bool
	}{
		{"dropped", dropped, true},
		{"wrapped-dropped", fmt.Errorf("ctx: %w", dropped), true},
		{"unexpected-eof", io.ErrUnexpectedEOF, true},
		{"502", ghErr(502), true},
		{"504", ghErr(504), true},
		{"500", ghErr(500), false},
		{"503", ghErr(503), false},
		{"422", ghErr(422), false},
		{"403", ghErr(403), false},
		{"not-sent", errors.New("building the request: bad URL"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := OutcomeUnknown(c.err); got != c.unknown {
				t.Fatalf("OutcomeUnknown = %v, want %v", got, c.unknown)
			}
			msg := DescribeWriteError("replacing the rule", c.err, "the rule was not replaced").Error()
			if c.unknown {
				if strings.Contains(msg, "was not replaced") || !strings.Contains(msg, "does not know whether") || !strings.Contains(msg, "`glass sweep`") {
					t.Fatalf("unknown outcome described as: %s", msg)
				}
			} else if !strings.Contains(msg, "was not replaced") {
				t.Fatalf("known failure lost its 'unchanged': %s", msg)
			}
		})
	}
}
