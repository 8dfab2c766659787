package mock

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/partner-security/alertmock/internal/gen"
	"github.com/partner-security/alertmock/mock/alert"
)

// TestDecodeAlertsFirstProblemInOrder: the alerts are checked in parallel,
// yet the error names the first problem in dataset order, as one loop would.
func TestDecodeAlertsFirstProblemInOrder(t *testing.T) {
	s := newTestServer(t, Config{}).Server
	raws := func(n int) []map[string]any {
		b, _ := json.Marshal(gen.Alerts(n))
		var out []map[string]any
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	tests := []struct {
		name   string
		change func([]map[string]any)
		want   string
	}{
		{"schema problem late, duplicate later", func(as []map[string]any) {
			as[1900]["status"] = "bogus"
			as[1950]["id"] = as[3]["id"]
		}, "alert 1900 (id \"" + gen.ID(1900) + "\")"},
		{"duplicate before a schema problem", func(as []map[string]any) {
			as[700]["id"] = as[2]["id"]
			as[1500]["severity"] = 7
		}, "alert 700 (id \"" + gen.ID(2) + "\"): property 'id': the same id as alert 2"},
		{"two schema problems", func(as []map[string]any) {
			as[1999]["status"] = "bogus"
			as[130]["displayName"] = ""
		}, "alert 130 (id \"" + gen.ID(130) + "\")"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as := raws(2000)
			tt.change(as)
			b, _ := json.Marshal(map[string]any{"value": as})
			_, err := s.DecodeAlerts(b)
			if !errors.Is(err, ErrInvalidAlert) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodeAlerts = %v; want ErrInvalidAlert naming %s", err, tt.want)
			}
		})
	}
	b, _ := json.Marshal(raws(2000))
	got, err := s.DecodeAlerts(b)
	if err != nil || len(got) != 2000 || got[1999].ID != gen.ID(1999) {
		t.Fatalf("DecodeAlerts(valid) = %d alerts, %v", len(got), err)
	}
	var pe *alert.PropertyError
	bad := raws(1)
	bad[0]["displayName"] = ""
	b, _ = json.Marshal(bad)
	if _, err := s.DecodeAlerts(b); err == nil {
		t.Fatal("empty displayName accepted")
	} else if errors.As(err, &pe) && pe.Property != "displayName" {
		t.Errorf("property error names %q; want displayName", pe.Property)
	}
}
