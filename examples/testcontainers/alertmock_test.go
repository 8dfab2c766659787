// Package alertmock_test starts the alertmock container image from a Go test
// with Testcontainers, as a client team in any language would (see
// docs/container.md#testcontainers for .NET, Java, Python and Node). It is a
// module of its own, so that the alertmock module gains none of
// Testcontainers' dependencies.
//
//	scripts/image.sh   # builds alertmock:latest
//	go test ./...      # in this folder; ALERTMOCK_IMAGE names another image
//
// The tests skip when no container engine answers (Docker, or Podman's
// Docker-compatible socket in DOCKER_HOST); .ci/container.sh runs them on
// Podman and fails if they skip.
package alertmock_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// documentedID is the alert of Microsoft's Update example, in the mock's seed data.
const documentedID = "d8b202fc-a216-3404-69ef-bdffa445eff6"

// image is the alertmock image under test.
func image() string {
	if img := os.Getenv("ALERTMOCK_IMAGE"); img != "" {
		return img
	}
	return "alertmock:latest"
}

// TestResolveAgainstTheContainer: the recipe of docs/container.md. One
// container for the test, waited for on /healthz, reached through the mapped
// port; the client code under test resolves an alert and the mock holds it.
func TestResolveAgainstTheContainer(t *testing.T) {
	testcontainers.SkipIfProviderIsNotHealthy(t)
	ctx := context.Background()

	ctr, err := testcontainers.Run(ctx, image(),
		testcontainers.WithExposedPorts("8080/tcp"),
		testcontainers.WithEnv(map[string]string{"ALERTMOCK_ADMIN_TOKEN": "test-admin"}), // control API from outside
		testcontainers.WithWaitStrategy(wait.ForHTTP("/healthz").WithPort("8080/tcp")),
	)
	testcontainers.CleanupContainer(t, ctr)
	if err != nil {
		t.Fatal(err)
	}
	root, err := ctr.PortEndpoint(ctx, "8080/tcp", "http") // e.g. http://localhost:32771
	if err != nil {
		t.Fatal(err)
	}
	baseURL := root + "/beta" // instead of https://graph.microsoft.com/beta

	// The code under test: here, one PATCH as any Graph client sends it.
	status, body := send(t, "PATCH", baseURL+"/security/partner/securityAlerts/"+documentedID,
		`{"status":"resolved","resolvedReason":"fraud"}`, "any-opaque-token")
	if status != http.StatusOK {
		t.Fatalf("PATCH: status %d; want 200\n%s", status, body)
	}

	status, body = send(t, "GET", baseURL+"/security/partner/securityAlerts/"+documentedID+"?$select=status,resolvedReason", "", "any-opaque-token")
	var got struct{ Status, ResolvedReason string }
	if err := json.Unmarshal([]byte(body), &got); err != nil || status != http.StatusOK {
		t.Fatalf("GET: status %d, %v\n%s", status, err, body)
	}
	if got.Status != "resolved" || got.ResolvedReason != "fraud" {
		t.Errorf("the mock holds status %q reason %q; want resolved, fraud", got.Status, got.ResolvedReason)
	}
}

// TestFlagsAndControlAPI: flags go after the image (they follow the image's
// own -addr and -state, and win), and the admin token opens the control API
// to the test, which is not a loopback client of the container.
func TestFlagsAndControlAPI(t *testing.T) {
	testcontainers.SkipIfProviderIsNotHealthy(t)
	ctx := context.Background()
	ctr, err := testcontainers.Run(ctx, image(),
		testcontainers.WithCmd("-page-size", "2", "-state="), // in memory only
		testcontainers.WithExposedPorts("8080/tcp"),
		testcontainers.WithEnv(map[string]string{"ALERTMOCK_ADMIN_TOKEN": "test-admin"}),
		testcontainers.WithWaitStrategy(wait.ForHTTP("/healthz").WithPort("8080/tcp").WithStartupTimeout(30*time.Second)),
	)
	testcontainers.CleanupContainer(t, ctr)
	if err != nil {
		t.Fatal(err)
	}
	root, err := ctr.PortEndpoint(ctx, "8080/tcp", "http")
	if err != nil {
		t.Fatal(err)
	}

	status, body := send(t, "GET", root+"/beta/security/partner/securityAlerts", "", "any-opaque-token")
	var page struct {
		Value    []json.RawMessage `json:"value"`
		NextLink string            `json:"@odata.nextLink"`
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil || status != http.StatusOK {
		t.Fatalf("list: status %d, %v\n%s", status, err, body)
	}
	if len(page.Value) != 2 || page.NextLink == "" {
		t.Errorf("list: %d alerts, nextLink %q; want 2 and a next page (-page-size 2)", len(page.Value), page.NextLink)
	}

	// A fault rule through the control API: the next PATCH is throttled.
	rule := `{"method":"PATCH","kind":"status","status":429,"retryAfter":"1","times":1}`
	if status, body := send(t, "POST", root+"/_mock/faults", rule, "test-admin"); status != http.StatusCreated {
		t.Fatalf("POST /_mock/faults: status %d; want 201\n%s", status, body)
	}
	if status, body := send(t, "POST", root+"/_mock/faults", rule, "wrong-token"); status == http.StatusCreated {
		t.Fatalf("POST /_mock/faults with a wrong admin token: 201; want a refusal\n%s", body)
	}
	patch := `{"status":"investigating"}`
	url := root + "/beta/security/partner/securityAlerts/" + documentedID
	if status, _ := send(t, "PATCH", url, patch, "any-opaque-token"); status != http.StatusTooManyRequests {
		t.Errorf("first PATCH: status %d; want 429 (the fault rule)", status)
	}
	if status, body := send(t, "PATCH", url, patch, "any-opaque-token"); status != http.StatusOK {
		t.Errorf("second PATCH: status %d; want 200\n%s", status, body)
	}
}

// send makes one request with a bearer token and returns the status and body.
func send(t *testing.T, method, url, body, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
