package openapi

import (
	"context"
	"testing"
)

func TestLoad(t *testing.T) {
	doc, err := Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.Servers[0].URL; got != BasePath {
		t.Errorf("server URL = %q; want %q", got, BasePath)
	}
	s, err := NewSchemas()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{SchemaAlert, SchemaAlertEntity, SchemaAlertEntityResp, SchemaAlertCollection, SchemaAlertUpdate, SchemaODataError} {
		if _, err := s.Compile(n); err != nil {
			t.Errorf("%v", err)
		}
	}
}
