package ghsim

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func BenchmarkProtectionGET(b *testing.B) {
	s := New()
	tok := s.Token("alice")
	req := httptest.NewRequest("GET", "http://api.sim.test"+protMain, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	s.perHour = 1 << 62
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkIssueCreate(b *testing.B) {
	s := New()
	tok := s.Token("alice")
	s.perHour = 1 << 62
	s.logLimit = 1000
	body := `{"title":"glass: open acme/payments main","body":"reason","labels":["glass"]}`
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest("POST", "http://api.sim.test/repos/acme/audit/issues", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			b.Fatal(rec.Code)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkProtectionGETLoopbackParallel: the same GET over a real loopback
// HTTP server with parallel clients, as scale tests drive the simulator
// (one mutex serialises request processing).
func BenchmarkProtectionGETLoopbackParallel(b *testing.B) {
	s := New()
	tok := s.Token("alice")
	s.perHour = 1 << 62
	srv := httptest.NewServer(s)
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", srv.URL+protMain, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Error(res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
