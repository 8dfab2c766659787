package graphapi

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	"github.com/partner-security/alertmock/mock/alert"
)

// preferIncludeUnknown is the preference of Microsoft Graph's evolvable enums
// pattern: the client can read enum members added after unknownFutureValue.
const preferIncludeUnknown = "include-unknown-enum-members"

// prefersIncludeUnknown reports whether a request sent
// "Prefer: include-unknown-enum-members" (among other preferences, in any
// letter case).
func prefersIncludeUnknown(r *http.Request) bool {
	for _, v := range r.Header.Values("Prefer") {
		for pref := range strings.SplitSeq(v, ",") {
			name, _, _ := strings.Cut(pref, "=")
			name, _, _ = strings.Cut(name, ";")
			if strings.EqualFold(strings.TrimSpace(name), preferIncludeUnknown) {
				return true
			}
		}
	}
	return false
}

// shown is the alert as the caller may see it: as it is when the caller
// opted in to unknown enum members, else with each member added after
// unknownFutureValue replaced by it (alert.Masked). Alerts without such
// members are returned as they are, without a copy.
func (c *call) shown(a *alert.Alert) *alert.Alert {
	if c.include || !a.HasUnknownMembers() {
		return a
	}
	m := a.Masked()
	return &m
}

// metadataWith returns the CSDL document with the members of future added
// to their enums after unknownFutureValue, numbered on from it, as Graph's
// metadata declares members added to an evolvable enum.
func metadataWith(doc []byte, future alert.Future) []byte {
	for _, enum := range []string{alert.EnumStatus, alert.EnumResolvedReason, alert.EnumSeverity, alert.EnumConfidence} {
		members := future[enum]
		if len(members) == 0 {
			continue
		}
		start := bytes.Index(doc, []byte(`<EnumType Name="`+enum+`">`))
		if start < 0 {
			continue
		}
		end := bytes.Index(doc[start:], []byte(`</EnumType>`)) + start
		// The indentation of the closing tag's line, and one level more for members.
		lineStart := bytes.LastIndexByte(doc[:end], '\n') + 1
		indent := string(doc[lineStart:end])
		var add bytes.Buffer
		next := len(alert.EnumValues(enum))
		for i, m := range members {
			fmt.Fprintf(&add, "%s  <Member Name=\"%s\" Value=\"%d\" />\n", indent, m, next+i)
		}
		doc = append(doc[:lineStart:lineStart], append(add.Bytes(), doc[lineStart:]...)...)
	}
	return doc
}
