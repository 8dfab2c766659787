package conformance

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	messages "github.com/cucumber/messages/go/v34"
)

func pickle(name string, tags ...string) *messages.Pickle {
	p := &messages.Pickle{Name: name}
	for _, t := range tags {
		p.Tags = append(p.Tags, &messages.PickleTag{Name: t})
	}
	return p
}

// TestCheckNeeds checks which configurations meet which needs before a run.
func TestCheckNeeds(t *testing.T) {
	selection := []*messages.Pickle{
		pickle("reads", "@live-safe"),
		pickle("expired one", "@needs-expired-token"),
		pickle("expired two", "@needs-expired-token"),
		pickle("claims", "@needs-minting"),
	}
	tests := []struct {
		name string
		cfg  Config
		sel  []*messages.Pickle
		want string // "" meets every need
	}{
		{name: "minting meets every need", sel: selection},
		{name: "a token of its own and no other", cfg: Config{Token: "t"}, sel: selection,
			want: "2 selected scenarios need an access token for Microsoft Graph that has expired (@needs-expired-token): supply it with -expired-token (or $GRAPH_EXPIRED_TOKEN), or add \"~@needs-expired-token\" to -tags"},
		{name: "the expired token given, minting still wanted", cfg: Config{Token: "t", ExpiredToken: "e"}, sel: selection,
			want: `the selected scenario "claims" needs tokens with chosen claims`},
		{name: "minting excluded", cfg: Config{Token: "t", ExpiredToken: "e"}, sel: selection[:3]},
		{name: "an unknown need", sel: []*messages.Pickle{pickle("odd", "@needs-coffee")}, want: `scenario "odd" has the tag @needs-coffee, which names no need`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := (&Suite{cfg: tt.cfg}).checkNeeds(tt.sel)
			if (err != nil) != (tt.want != "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("checkNeeds = %v; want %q", err, tt.want)
			}
		})
	}
	var ne *NeedError
	if err := (&Suite{cfg: Config{Token: "t"}}).checkNeeds(selection); !errors.As(err, &ne) || ne.Need.Tag != "@needs-expired-token" || len(ne.Scenarios) != 2 {
		t.Errorf("checkNeeds = %#v; want a *NeedError for @needs-expired-token naming both scenarios", err)
	}
}

// TestSignInFor checks that a step signs in with the configured token of its
// need, mints one when the run mints, and fails naming the flag otherwise.
func TestSignInFor(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	appToken := mintToken(applicationClaims("app-1", []string{"PartnerSecurity.ReadWrite.All"}, now), nil)
	tests := []struct {
		name       string
		cfg        Config
		step       func(*scenario) error
		wantHeader string // prefix of the Authorization header
		wantActor  string
		wantErr    string
	}{
		{name: "minted read-only", step: (*scenario).signedInReadOnly, wantHeader: "Bearer eyJ", wantActor: DefaultUser},
		{name: "configured read-only", cfg: Config{Token: "main", ReadToken: "reader"}, step: (*scenario).signedInReadOnly, wantHeader: "Bearer reader"},
		{name: "read-only missing", cfg: Config{Token: "main"}, step: (*scenario).signedInReadOnly, wantErr: "this step needs a delegated token with PartnerSecurity.Read.All and not PartnerSecurity.ReadWrite.All (@needs-read-token): supply it with -read-token"},
		{name: "reading uses the read token", cfg: Config{Token: "main", ReadToken: "reader"}, step: func(st *scenario) error { return st.signedInWithPermission("read") }, wantHeader: "Bearer reader"},
		{name: "reading falls back to the token", cfg: Config{Token: "main"}, step: func(st *scenario) error { return st.signedInWithPermission("read") }, wantHeader: "Bearer main"},
		{name: "configured app token, actor its appid", cfg: Config{Token: "main", AppToken: appToken}, step: func(st *scenario) error { return st.applicationWithPermission("update") }, wantHeader: "Bearer " + appToken, wantActor: "app-1"},
		{name: "app read token missing", cfg: Config{Token: "main", AppToken: appToken}, step: func(st *scenario) error { return st.applicationWithPermission("read") }, wantErr: "(@needs-app-read-token): supply it with -app-read-token"},
		{name: "unprivileged minted", step: (*scenario).signedInUnprivileged, wantHeader: "Bearer eyJ", wantActor: DefaultUser},
		{name: "expired configured", cfg: Config{Token: "main", ExpiredToken: "old"}, step: (*scenario).signedInExpired, wantHeader: "Bearer old"},
		{name: "chosen claims with a token", cfg: Config{Token: "main"}, step: func(st *scenario) error { return st.signedInAs("a@contoso.com", "User.Read") }, wantErr: "add \"~@needs-minting\" to -tags"},
		{name: "chosen claims minted", step: func(st *scenario) error { return st.signedInAs("a@contoso.com", "User.Read") }, wantHeader: "Bearer eyJ", wantActor: "a@contoso.com"},
		{name: "not yet valid with a token", cfg: Config{Token: "main", ExpiredToken: "old"}, step: (*scenario).signedInNotYetValid, wantErr: "(@needs-minting)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.BaseURL = "http://127.0.0.1:9/beta"
			tt.cfg.Now = func() time.Time { return now }
			s, err := New(context.Background(), tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			st := &scenario{suite: s}
			err = tt.step(st)
			if (err != nil) != (tt.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error = %v; want %q", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if !strings.HasPrefix(st.auth.header, tt.wantHeader) || st.auth.actor != tt.wantActor {
				t.Errorf("signed in with %q as %q; want %q… as %q", st.auth.header, st.auth.actor, tt.wantHeader, tt.wantActor)
			}
		})
	}
}

// TestMintedClaims checks the claims a need is minted with: read-only,
// without permission, expired, application.
func TestMintedClaims(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s, err := New(context.Background(), Config{BaseURL: "http://127.0.0.1:9/beta", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	claimsOf := func(step func(*scenario) error) claims {
		t.Helper()
		st := &scenario{suite: s}
		if err := step(st); err != nil {
			t.Fatal(err)
		}
		c, err := readClaims(strings.TrimPrefix(st.auth.header, "Bearer "))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := claimsOf((*scenario).signedInReadOnly); c.Scopes != "PartnerSecurity.Read.All" {
		t.Errorf("read-only scp = %q", c.Scopes)
	}
	if c := claimsOf((*scenario).signedInUnprivileged); strings.Contains(c.Scopes, "PartnerSecurity") {
		t.Errorf("unprivileged scp = %q; want no partner security permission", c.Scopes)
	}
	if c := claimsOf((*scenario).signedInExpired); c.Expires >= now.Unix() {
		t.Errorf("expired exp = %d; want before %d", c.Expires, now.Unix())
	}
	if c := claimsOf((*scenario).signedInNotYetValid); c.NotBefore <= now.Unix() {
		t.Errorf("not yet valid nbf = %d; want after %d", c.NotBefore, now.Unix())
	}
	c := claimsOf(func(st *scenario) error { return st.applicationWithPermission("read") })
	if c.Scopes != "" || len(c.Roles) != 1 || c.Roles[0] != "PartnerSecurity.Read.All" || c.AppID != testApplication || c.ObjectID == "" {
		t.Errorf("app read claims = %+v; want roles [PartnerSecurity.Read.All], the test application and its object id", c)
	}
}

// TestNeedSet checks that each need's Set configures its own token, and that
// minting has none to set.
func TestNeedSet(t *testing.T) {
	for _, n := range Needs() {
		var c Config
		n.Set(&c, "tok-"+n.Tag)
		if got := n.token(c); n.Flag != "" && got != "tok-"+n.Tag {
			t.Errorf("%s: Set then token = %q; want the token set", n.Tag, got)
		}
		set := strings.Count(strings.Join([]string{c.Token, c.ReadToken, c.UnprivilegedToken, c.ExpiredToken, c.AppToken, c.AppReadToken}, ","), "tok-")
		if want := map[bool]int{true: 1, false: 0}[n.Flag != ""]; set != want {
			t.Errorf("%s: Set wrote %d tokens; want %d", n.Tag, set, want)
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "@needs-coffee") {
			t.Errorf("need of an unknown tag: recover() = %v; want a panic naming it", r)
		}
	}()
	need("@needs-coffee")
}
