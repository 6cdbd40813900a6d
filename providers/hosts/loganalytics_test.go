package hosts

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/gonotebooklets/notebooklets/internal/loganalytics/loganalyticstest"
)

type fakeCred = loganalyticstest.Credential

type fakeLA struct {
	mu      sync.Mutex
	status  int
	body    string
	queries []string
	spans   []string
	auth    []string
}

func (f *fakeLA) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var body struct{ Query, Timespan string }
	b, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(b, &body)
	f.queries = append(f.queries, body.Query)
	f.spans = append(f.spans, body.Timespan)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.status)
	io.WriteString(w, f.body)
}

func newResolver(t *testing.T, status int, body string) (*fakeLA, *LogAnalyticsResolver) {
	f := &fakeLA{status: status, body: body}
	srv := httptest.NewTLSServer(f)
	t.Cleanup(srv.Close)
	r, err := LogAnalytics("ws-1", fakeCred{}, &LogAnalyticsOptions{
		Endpoint:      srv.URL,
		ClientOptions: azcore.ClientOptions{Transport: srv.Client(), Retry: policy.RetryOptions{MaxRetries: -1}},
		Lookback:      24 * time.Hour,
		Now:           func() time.Time { return time.Date(2019, 2, 17, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return f, r
}

const heartbeatTable = `{"tables":[{"name":"PrimaryResult","columns":[
 {"name":"Type","type":"string"},{"name":"TimeGenerated","type":"datetime"},{"name":"Computer","type":"string"},
 {"name":"ComputerIP","type":"string"},{"name":"OSType","type":"string"},{"name":"ResourceType","type":"string"},
 {"name":"VirtualMachine_s","type":"string"},{"name":"PrivateIPAddresses_s","type":"string"},{"name":"PublicIPAddresses_s","type":"string"}],
 "rows":[
 ["Heartbeat","2019-02-16T23:50:00Z","msticalertswin1","40.124.45.19","Windows",null,null,null,null],
 ["AzureNetworkAnalytics_CL","2019-02-16T23:00:00Z",null,null,null,"NetworkInterface","asihuntomsworkspacerg/msticalertswin1","10.0.3.5",""]]}]}`

func TestLogAnalyticsResolver(t *testing.T) {
	f, r := newResolver(t, 200, heartbeatTable)
	h, err := r.Resolve(context.Background(), "msticalertswin1")
	if err != nil {
		t.Fatal(err)
	}
	if h.Name != "msticalertswin1" || h.OSType != "Windows" || h.ResourceGroup != "asihuntomsworkspacerg" ||
		strings.Join(h.PrivateIPs, ",") != "10.0.3.5" || strings.Join(h.PublicIPs, ",") != "40.124.45.19" {
		t.Errorf("host %+v", h)
	}
	if f.auth[0] != "Bearer fake-token" || f.spans[0] != "2019-02-16T00:00:00Z/2019-02-17T00:00:00Z" ||
		!strings.Contains(f.queries[0], `Heartbeat | where Computer has "msticalertswin1"`) ||
		!strings.Contains(f.queries[0], `VirtualMachine_s has "msticalertswin1"`) {
		t.Errorf("request: %q %q\n%s", f.auth, f.spans, f.queries[0])
	}
	// By IP.
	if _, err := r.Resolve(context.Background(), "10.0.3.5"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.queries[1], `ComputerIP == "10.0.3.5"`) || !strings.Contains(f.queries[1], `PrivateIPAddresses_s has "10.0.3.5"`) {
		t.Errorf("ip query:\n%s", f.queries[1])
	}
}

func TestLogAnalyticsResolverErrors(t *testing.T) {
	_, r := newResolver(t, 200, `{"tables":[{"name":"PrimaryResult","columns":[{"name":"Computer","type":"string"}],"rows":[]}]}`)
	if _, err := r.Resolve(context.Background(), "nohost"); !errors.Is(err, ErrNotFound) {
		t.Errorf("empty: %v", err)
	}
	if _, err := r.Resolve(context.Background(), `x" | take 1`); err == nil {
		t.Error("injection accepted")
	}
	_, r = newResolver(t, 401, `{"error":{"code":"InvalidTokenError"}}`)
	if _, err := r.Resolve(context.Background(), "h"); !errors.Is(err, ErrAuth) || strings.Contains(err.Error(), "fake-token") {
		t.Errorf("401: %v", err)
	}
}
