package proftmp

import (
	"encoding/json"
	"testing"

	"github.com/partner-security/alertmock/internal/gen"
	"github.com/partner-security/alertmock/mock"
)

func BenchmarkDecode(b *testing.B) {
	data, _ := json.Marshal(map[string]any{"value": gen.Alerts(20000)})
	for b.Loop() {
		if _, err := mock.DecodeAlerts(data); err != nil {
			b.Fatal(err)
		}
	}
}
