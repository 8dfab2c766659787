// Package alertclient is a small Microsoft Graph partner security alerts
// client, as a client team would write one: the code under test of
// alertclient_test.go, which tests it against alertmock with mocktest.
package alertclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Alert is the part of a partnerSecurityAlert this client reads.
type Alert struct {
	ID             string  `json:"id"`
	Status         string  `json:"status"`
	ResolvedReason *string `json:"resolvedReason"`
	ResolvedBy     *string `json:"resolvedBy"`
}

// Client talks to Microsoft Graph beta (or a mock of it).
type Client struct {
	// HTTP sends the requests.
	HTTP *http.Client
	// BaseURL is https://graph.microsoft.com/beta, or the mock's base URL.
	BaseURL string
	// Token, when set, is sent as "Authorization: Bearer <Token>".
	Token string
	// MaxRetries is how often a request answered 429 or 503 is sent again.
	MaxRetries int
	// Sleep waits before a retry; nil means time.Sleep.
	Sleep func(time.Duration)
}

// Resolve resolves the alert id with the reason, retrying after the
// Retry-After Graph gives with a 429 or 503, and returns the updated alert.
func (c *Client) Resolve(ctx context.Context, id, reason string) (Alert, error) {
	body, _ := json.Marshal(map[string]string{"status": "resolved", "resolvedReason": reason})
	var a Alert
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPatch, c.BaseURL+"/security/partner/securityAlerts/"+id, bytes.NewReader(body))
		if err != nil {
			return a, err
		}
		req.Header.Set("Content-Type", "application/json")
		if c.Token != "" {
			req.Header.Set("Authorization", "Bearer "+c.Token)
		}
		resp, err := c.HTTP.Do(req)
		if err != nil {
			return a, err
		}
		retryAfter := resp.Header.Get("Retry-After")
		if resp.StatusCode == http.StatusOK {
			err = json.NewDecoder(resp.Body).Decode(&a)
			resp.Body.Close()
			return a, err
		}
		resp.Body.Close()
		if (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) || attempt >= c.MaxRetries {
			return a, fmt.Errorf("resolve %s: status %d after %d attempts", id, resp.StatusCode, attempt+1)
		}
		secs, _ := strconv.ParseFloat(retryAfter, 64)
		sleep := c.Sleep
		if sleep == nil {
			sleep = time.Sleep
		}
		sleep(time.Duration(secs * float64(time.Second)))
	}
}
