package main

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFlagsFromEnvironment: every flag the command line leaves unset comes
// from ALERTMOCK_<NAME>; the command line wins; a bad value names the
// variable.
func TestFlagsFromEnvironment(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(*options) string // "" when right
		wantErr string
	}{
		{"page size and seed", nil, map[string]string{"ALERTMOCK_PAGE_SIZE": "7", "ALERTMOCK_SEED": "42"}, func(o *options) string {
			if o.pageSize != 7 || o.seed != 42 {
				return "pageSize, seed = " + strconv.Itoa(o.pageSize) + ", " + strconv.Itoa(int(o.seed)) + "; want 7, 42"
			}
			return ""
		}, ""},
		{"the command line wins", []string{"-page-size", "3"}, map[string]string{"ALERTMOCK_PAGE_SIZE": "7"}, func(o *options) string {
			if o.pageSize != 3 {
				return "pageSize = " + strconv.Itoa(o.pageSize) + "; want 3"
			}
			return ""
		}, ""},
		{"booleans, durations, addresses", nil, map[string]string{"ALERTMOCK_NO_AUTH": "true", "ALERTMOCK_DRAIN": "2s", "ALERTMOCK_ADDR": "0.0.0.0:9999", "ALERTMOCK_STATE": "/data/x.db"}, func(o *options) string {
			if !o.noAuth || o.drainPeriod != 2*time.Second || o.addr != "0.0.0.0:9999" || o.stateFile != "/data/x.db" {
				return "noAuth, drain, addr, state not taken from the environment"
			}
			return ""
		}, ""},
		{"several enum members", nil, map[string]string{"ALERTMOCK_ENUM_MEMBER": "securityAlertSeverity=critical, securityAlertStatus=dismissed"}, func(o *options) string {
			if len(o.enumMembers["securityAlertSeverity"]) != 1 || len(o.enumMembers["securityAlertStatus"]) != 1 {
				return "enum members = " + strings.TrimSpace(strings.Join(append(o.enumMembers["securityAlertSeverity"], o.enumMembers["securityAlertStatus"]...), ",")) + "; want one of each"
			}
			return ""
		}, ""},
		{"journal budgets", nil, map[string]string{"ALERTMOCK_JOURNAL_BYTES": "1048576", "ALERTMOCK_JOURNAL_SESSION_BYTES": "4096"}, func(o *options) string {
			if o.journalBytes != 1<<20 || o.journalSession != 4096 {
				return "journal budgets not taken from the environment"
			}
			return ""
		}, ""},
		{"-version is not read", nil, map[string]string{"ALERTMOCK_VERSION": "v1.2.3"}, func(o *options) string {
			if o.version {
				return "version = true from ALERTMOCK_VERSION; want it left alone"
			}
			return ""
		}, ""},
		{"bad value", nil, map[string]string{"ALERTMOCK_PAGE_SIZE": "many"}, nil, `ALERTMOCK_PAGE_SIZE="many"`},
		{"bad enum member", nil, map[string]string{"ALERTMOCK_ENUM_MEMBER": "nope"}, nil, "ALERTMOCK_ENUM_MEMBER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseFlags(tt.args, io.Discard, func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseFlags error = %v; want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseFlags: %v", err)
			}
			if msg := tt.check(o); msg != "" {
				t.Error(msg)
			}
		})
	}
}

// TestEnvironmentServe starts the command with a setting only in the
// environment, as a container with no arguments is: it takes effect.
func TestEnvironmentServe(t *testing.T) {
	t.Setenv("ALERTMOCK_PAGE_SIZE", "2")
	root := startRun(t)
	st, body := get(t, root+"/beta/security/partner/securityAlerts?$select=id", "Authorization", "Bearer opaque")
	if st != http.StatusOK || strings.Count(body, `"id"`) != 2 {
		t.Errorf("list with ALERTMOCK_PAGE_SIZE=2: %d %s; want 200 with 2 alerts", st, body)
	}
}
