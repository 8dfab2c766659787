package oracle

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// The rules that judge an exchange by what the model knew before it: the
// alert as the client's writes and earlier reads left it.

var modelRules = []Rule{
	{
		ID: "read-matches-model", Label: Documented,
		Source: "Microsoft Graph docs: Get partnerSecurityAlert (the object and its properties) and Update partnerSecurityAlert (the update is kept): a read shows the alert as the client's accepted updates and its earlier reads left it",
		Doc:    "Every property a 200 of Get carries (whole or $select) equals the model's value: the alert as the last read or accepted update left it (date-times compared as instants). While updates of unknown order are in flight or unsettled, the status, the resolution and the activity log are judged by the log rules instead. The model assumes the client is the only one changing the alerts it touches.",
		check:  checkReadMatches,
	},
	{
		ID: "refused-changes-nothing", Label: Documented,
		Source: "RFC 9110 §15.5 (a 4xx says the client's request is in error) and Microsoft Graph docs: error responses (concepts/errors.md): an update answered with a client error is not applied",
		Doc:    "After an update answered with a 4xx, the alert read next shows none of what that update asked for.",
		check:  checkRefusedChangesNothing,
	},
	{
		ID: "list-matches-model", Label: Documented,
		Source: "Microsoft Graph docs: List partnerSecurityAlert (the objects and their properties); Graph does not promise that a list shows a change at once, so for the settle time (Options.Settle, 5 s by default) after a change a listed alert may show the alert as it was",
		Doc:    "Every alert a list carries equals the model's alert on every property it carries, or, within the settle time after the client changed it, the alert as it was before that change.",
		check:  checkListMatchesDocumented,
	},
	{
		ID: "list-read-your-writes", Label: Assumed,
		Source: "Our choice (the mock's): a list shows a change at once; Graph does not say",
		Doc:    "Every alert a list carries equals the model's alert at once, without a settle time.",
		check:  checkListMatchesAtOnce,
	},
	{
		ID: "patch-applies-named", Label: Documented,
		Source: "Microsoft Graph docs: Update partnerSecurityAlert (\"returns a 200 OK response code and an updated partnerSecurityAlert object\"; status and resolvedReason updatable) and Graph's evolvable enums (graph/patterns/evolvable-enums.md: unknownFutureValue in a PATCH means no change)",
		Doc:    "The 200 of an update shows the status and the resolvedReason it named (null clears the reason); unknownFutureValue leaves the property as it was.",
		check:  checkPatchApplies,
	},
	{
		ID: "patch-keeps-unnamed", Label: Documented,
		Source: "Microsoft Graph docs: update-property-table-intro (api-reference/includes/update-property-table-intro.md: \"Existing properties that are not included in the request body will maintain their previous values or be recalculated based on changes to other property values\") with the partnerSecurityAlert resource page, which ties activityLogs (state transitions), resolvedBy (who resolved the alert) and resolvedOnDateTime (when it was resolved) to the status",
		Doc:    "The 200 of an update keeps every property it does not name, except what the status recalculates: activityLogs (judged by the log rules); resolvedBy and resolvedOnDateTime when the alert enters resolved; and, when it leaves resolved, resolvedReason, resolvedBy and resolvedOnDateTime may be cleared. lastObservedDateTime is not among them (\"observed\" names the detection; the activity log records the partner's activity).",
		check:  checkPatchKeeps,
	},
	{
		ID: "patch-effect-exact", Label: Assumed,
		Source: "Our choices (the mock's alert.Apply): entering resolved sets resolvedBy to the caller and resolvedOnDateTime; leaving it clears resolvedReason, resolvedBy and resolvedOnDateTime; the same status, or only another reason, changes neither",
		Doc:    "The resolution fields of an update's 200 are exactly what the mock would make of the update.",
		check:  checkPatchExact,
	},
	{
		ID: "log-append-only", Label: Documented,
		Source: "Microsoft Graph docs: activityLog resource (the activity by a partner, with the state transitions, who performed them and when; set by the system): a log, whose earlier entries never change or disappear",
		Doc:    "Every activity log seen of an alert continues the ones seen before (or is a prefix of them, for a list within the settle time): entries are only ever appended.",
		check:  checkLogAppendOnly,
	},
	{
		ID: "log-chain", Label: Documented,
		Source: "Microsoft Graph docs: activityLog resource (statusFrom: \"the status of the alert before the status update activity\", statusTo: \"after\")",
		Doc:    "The entries an alert's log gained since the model last knew it lead from the status it had then to the status it has now, each starting where the one before ended; while updates of unknown order were in flight, each leads to a status one of them asked for.",
		check:  checkLogChain,
	},
	{
		ID: "log-one-per-change", Label: Assumed,
		Source: "Our choice (the mock's): exactly one activity log entry per status change, none for the same status or unknownFutureValue",
		Doc:    "An update that changes the status adds exactly one entry; one that does not, none.",
		check:  checkLogOnePerChange,
	},
	{
		ID: "change-time", Label: Documented,
		Source: "Microsoft Graph docs: activityLog.updatedDateTime (the date and time of the status update activity, set by the system) and partnerSecurityAlert.resolvedOnDateTime (time when the alert was resolved); the server's clock read from the Date header (RFC 9110 §6.6.1)",
		Doc:    "A new entry's updatedDateTime, and a resolvedOnDateTime an update set, fall within the time the update took by the server's clock: from a round trip before the answer's Date to a second after it (Date has whole seconds), widened by the tolerance (1 s). Successive entries of the client's own updates are as far apart as the updates were, within the tolerance: a clock that stopped fails.",
		check:  checkChangeTime,
	},
	{
		ID: "actor-recorded", Label: Documented,
		Source: "Microsoft Graph docs: activityLog.updatedBy (\"The UPN of the partner user who did the status update activity\") and partnerSecurityAlert.resolvedBy (\"The UPN of the partner user who resolved the alert\")",
		Doc:    "The entries a signed-in user's update adds carry the user's UPN (the token's upn, unique_name or preferred_username), and so does resolvedBy when the update resolves the alert.",
		check:  checkActor,
	},
}

// diff is one property that differs from what the model wants.
type diff struct {
	name, at  string
	got, want any
}

// diffs compares the declared properties a representation carries with
// props; with skipTied the properties tied to the status are left out.
func (p *pass) diffs(l located, props map[string]any, skipTied bool) []diff {
	var out []diff
	for _, k := range sortedKeys(l.alert) {
		if !p.o.c.isProperty(k) || (skipTied && isTied(k)) {
			continue
		}
		want, has := props[k]
		if has && !jsonEqual(l.alert[k], want) {
			out = append(out, diff{k, l.path(k), l.alert[k], want})
		}
	}
	return out
}

// explained reports whether an update refused since the last read asked for
// one of the differing values.
func explained(v *view, ds []diff) *write {
	for _, d := range ds {
		for _, w := range v.refused {
			raw, ok := w.body.members[d.name]
			if !ok {
				continue
			}
			var asked any
			if json.Unmarshal(raw, &asked) == nil && jsonEqual(asked, d.got) {
				return w
			}
		}
	}
	return nil
}

func checkReadMatches(p *pass) {
	v := p.before
	if p.op != opGet || !p.success() || v == nil || !v.known {
		return
	}
	ds := p.diffs(located{"", p.object()}, v.props, v.unsettled)
	if explained(v, ds) != nil {
		return
	}
	for _, d := range ds {
		p.report(d.at, show(d.got), show(d.want)+", as this client last read or changed it")
	}
}

func checkRefusedChangesNothing(p *pass) {
	v := p.before
	if p.op != opGet || !p.success() || v == nil || !v.known {
		return
	}
	ds := p.diffs(located{"", p.object()}, v.props, v.unsettled)
	w := explained(v, ds)
	if w == nil {
		return
	}
	for _, d := range ds {
		p.report(d.at, show(d.got), fmt.Sprintf("%s as before: the update %s answered %d changes nothing", show(d.want), string(w.x.RequestBody), w.x.Status))
	}
}

// listDiffs returns the differences of each listed alert the model knows
// from the model's alert; within the settle time, with settle set, an alert
// that equals the alert as it was before a change differs in nothing.
func (p *pass) listDiffs(settle bool) []diff {
	if p.op != opList || !p.success() || p.m == nil {
		return nil
	}
	var out []diff
	for _, l := range p.alerts() {
		id := l.id()
		if _, known := p.m.alerts[id]; !known || id == "" {
			continue
		}
		v := p.m.viewOf(p, id)
		ds := p.diffs(l, v.props, v.unsettled)
		if len(ds) == 0 {
			continue
		}
		if settle && p.stale(l, v) {
			continue
		}
		out = append(out, ds...)
	}
	return out
}

// stale reports whether a listed alert equals the alert as it was before a
// change that happened less than the settle time before the list was asked for.
func (p *pass) stale(l located, v *view) bool {
	for i := len(v.history) - 1; i >= 0; i-- {
		h := v.history[i]
		if h.until.Add(p.o.opts.Settle).After(p.x.Sent) && len(p.diffs(l, h.props, v.unsettled)) == 0 {
			return true
		}
	}
	return false
}

func checkListMatchesDocumented(p *pass) {
	for _, d := range p.listDiffs(true) {
		p.report(d.at, show(d.got), fmt.Sprintf("%s, as this client last read or changed it (or, within %s of a change, as it was before)", show(d.want), p.o.opts.Settle))
	}
}

func checkListMatchesAtOnce(p *pass) {
	for _, d := range p.listDiffs(false) {
		p.report(d.at, show(d.got), show(d.want)+", as this client last read or changed it, at once")
	}
}

// patch returns the decoded body of a PATCH answered 200 with an alert.
func (p *pass) patch() (patchBody, map[string]any, bool) {
	if p.op != opPatch || !p.success() || p.object() == nil {
		return patchBody{}, nil, false
	}
	return p.req, p.object(), p.reqErr == nil
}

func checkPatchApplies(p *pass) {
	b, a, ok := p.patch()
	if !ok {
		return
	}
	v := p.before
	settled := v != nil && v.known && !v.unsettled
	if s, changes := b.statusChange(); changes {
		if a["status"] != s {
			p.report("status", show(a["status"]), fmt.Sprintf("%q, as the update asked", s))
		}
	} else if b.hasStatus && b.status == unknownFutureValue && settled {
		if want, has := v.props["status"]; has && !jsonEqual(a["status"], want) {
			p.report("status", show(a["status"]), show(want)+" as before: unknownFutureValue means no change")
		}
	}
	if !b.reasonSet {
		return
	}
	switch {
	case b.reason == nil:
		if a["resolvedReason"] != nil {
			p.report("resolvedReason", show(a["resolvedReason"]), "null, as the update asked")
		}
	case *b.reason == unknownFutureValue:
		if want, has := v.propsOf("resolvedReason"); settled && has && !jsonEqual(a["resolvedReason"], want) {
			p.report("resolvedReason", show(a["resolvedReason"]), show(want)+" as before: unknownFutureValue means no change")
		}
	default:
		if a["resolvedReason"] != *b.reason {
			p.report("resolvedReason", show(a["resolvedReason"]), fmt.Sprintf("%q, as the update asked", *b.reason))
		}
	}
}

func (v *view) propsOf(name string) (any, bool) {
	if v == nil || !v.known {
		return nil, false
	}
	val, ok := v.props[name]
	return val, ok
}

// transition returns the status before and after an update.
func transition(v *view, a map[string]any) (from, to string) {
	from, _ = v.props["status"].(string)
	to, _ = a["status"].(string)
	return from, to
}

func checkPatchKeeps(p *pass) {
	b, a, ok := p.patch()
	v := p.before
	if !ok || v == nil || !v.known {
		return
	}
	from, to := transition(v, a)
	entering := from != "resolved" && to == "resolved"
	leaving := from == "resolved" && to != "resolved"
	for _, d := range p.diffs(located{"", a}, v.props, v.unsettled) {
		if _, named := b.members[d.name]; named || d.name == "activityLogs" {
			continue
		}
		switch d.name {
		case "resolvedBy", "resolvedOnDateTime":
			if entering || (leaving && d.got == nil) {
				continue
			}
		case "resolvedReason":
			if leaving && d.got == nil {
				continue
			}
		}
		why := "as before: an update keeps what it does not name"
		if isTied(d.name) {
			why += fmt.Sprintf(" (the status went from %q to %q)", from, to)
		}
		p.report(d.at, show(d.got), show(d.want)+" "+why)
	}
}

func checkPatchExact(p *pass) {
	b, a, ok := p.patch()
	v := p.before
	if !ok || v == nil || !v.known || v.unsettled {
		return
	}
	from, _ := v.props["status"].(string)
	to := from
	if s, changes := b.statusChange(); changes {
		to = s
	}
	want := map[string]any{}
	for _, k := range []string{"resolvedReason", "resolvedBy", "resolvedOnDateTime"} {
		if val, has := v.props[k]; has {
			want[k] = val
		}
	}
	why := "the same status keeps the resolution"
	switch {
	case to != from && to == "resolved":
		delete(want, "resolvedOnDateTime") // change-time judges it
		want["resolvedBy"] = p.actor()
		if want["resolvedBy"] == nil {
			delete(want, "resolvedBy")
		}
		why = "entering resolved records who resolved it"
	case to != from && from == "resolved":
		want["resolvedReason"], want["resolvedBy"], want["resolvedOnDateTime"] = nil, nil, nil
		why = "leaving resolved clears the resolution"
	case to != from:
		why = "a change outside resolved keeps the resolution"
	}
	if b.reasonSet && (b.reason == nil || *b.reason != unknownFutureValue) {
		want["resolvedReason"] = nil
		if b.reason != nil {
			want["resolvedReason"] = *b.reason
		}
	}
	for _, k := range sortedKeys(want) {
		if got, has := a[k]; has && !jsonEqual(got, want[k]) {
			p.report(k, show(got), show(want[k])+" (our choice: "+why+")")
		}
	}
	if to != from && to == "resolved" && a["resolvedOnDateTime"] == nil {
		p.report("resolvedOnDateTime", "null", "the time of the update (our choice: "+why+")")
	}
}

// actor returns who the caller's changes are recorded as when the oracle can
// tell (a delegated token's UPN), else nil.
func (p *pass) actor() any {
	if s := p.caller.actor(); s != "" {
		return s
	}
	return nil
}

// logOf returns the activity log of a representation and whether it has one
// (null is an empty log).
func logOf(a map[string]any) ([]any, bool) {
	v, present := a["activityLogs"]
	log, ok := v.([]any)
	return log, present && (ok || v == nil)
}

// knownLog returns the activity log the model knows, and whether it knows one.
func knownLog(props map[string]any) ([]any, bool) { return logOf(props) }

// representations returns the alert representations of the exchange with the
// view of each; reads and updates only unless lists is set.
func (p *pass) representations(lists bool) []struct {
	l located
	v *view
} {
	var out []struct {
		l located
		v *view
	}
	if p.m == nil {
		return nil
	}
	switch p.op {
	case opGet, opPatch:
		if p.success() && p.before != nil && p.object() != nil {
			out = append(out, struct {
				l located
				v *view
			}{located{"", p.object()}, p.before})
		}
	case opList:
		if !lists {
			return nil
		}
		for _, l := range p.alerts() {
			if _, known := p.m.alerts[l.id()]; known {
				out = append(out, struct {
					l located
					v *view
				}{l, p.m.viewOf(p, l.id())})
			}
		}
	}
	return out
}

func checkLogAppendOnly(p *pass) {
	for _, r := range p.representations(true) {
		log, ok := logOf(r.l.alert)
		if !ok || !r.v.known {
			continue
		}
		if max := r.v.maxLog; len(max) > 0 && !prefixOf(max, log) && !prefixOf(log, max) {
			p.report(r.l.path("activityLogs"), show(log), "a log that keeps the entries seen before: "+show(max))
			continue
		}
		if p.op == opList {
			continue
		}
		if known, has := knownLog(r.v.props); has && !prefixOf(known, log) {
			p.report(r.l.path("activityLogs"), show(log), "a log that keeps the entries seen before: "+show(known))
		}
	}
}

// newEntries returns the entries a representation's log gained since the
// model's alert, with the status the alert had then; ok is false when the
// model cannot tell.
func newEntries(v *view, a map[string]any) (entries []map[string]any, from string, ok bool) {
	base, hasLog := knownLog(v.props)
	from, hasStatus := v.props["status"].(string)
	log, isLog := logOf(a)
	if !v.known || !hasLog || !hasStatus || !isLog || !prefixOf(base, log) {
		return nil, "", false
	}
	for _, e := range log[len(base):] {
		m, _ := e.(map[string]any)
		entries = append(entries, m)
	}
	return entries, from, true
}

func checkLogChain(p *pass) {
	for _, r := range p.representations(false) {
		entries, from, ok := newEntries(r.v, r.l.alert)
		status, hasStatus := r.l.alert["status"].(string)
		if !ok || !hasStatus {
			continue
		}
		asked := r.v.asked
		if p.op == opPatch && p.reqErr == nil {
			if s, ok := p.req.statusChange(); ok {
				asked = append(asked, s)
			}
		}
		start, at := from, from
		baseLog, _ := knownLog(r.v.props)
		base := len(baseLog)
		broken := false
		for i, e := range entries {
			where := fmt.Sprintf("activityLogs[%d]", base+i)
			if e["statusFrom"] != at {
				p.report(where, show(e), fmt.Sprintf("statusFrom %q, where the entry before it ended (the new entries lead on from %q)", at, start))
				broken = true
			}
			to, _ := e["statusTo"].(string)
			if r.v.unsettled && !contains(asked, to) {
				p.report(where, show(e), fmt.Sprintf("a statusTo one of the updates asked for (%v)", asked))
			}
			at = to
		}
		if !broken && at != status {
			got := "no new entry, so the log ends at status " + quote(at)
			if len(entries) > 0 {
				got = fmt.Sprintf("new entries %s that end at status %q", show(entries), at)
			}
			p.report("activityLogs", got, fmt.Sprintf("new entries that lead from %q to the alert's status %q", start, status))
		}
	}
}

func checkLogOnePerChange(p *pass) {
	b, a, ok := p.patch()
	v := p.before
	if !ok || v == nil {
		return
	}
	entries, from, ok := newEntries(v, a)
	if !ok {
		return
	}
	if v.unsettled {
		if limit := len(v.asked) + 1; len(entries) > limit {
			p.report("activityLogs", fmt.Sprintf("%d new entries", len(entries)), fmt.Sprintf("at most %d, one per update in flight", limit))
		}
		return
	}
	want := 0
	if s, changes := b.statusChange(); changes && s != from {
		want = 1
	}
	if len(entries) != want {
		p.report("activityLogs", fmt.Sprintf("%d new entries %s", len(entries), show(entries)), fmt.Sprintf("%d (our choice: one entry per status change, none for the same status)", want))
	}
}

// writeWindow returns the interval of the server's clock that covers the
// updates a representation's new entries may come from.
func (p *pass) writeWindow(v *view) (lo, hi time.Time) {
	if p.op == opPatch && !v.unsettled {
		return p.window(p.x)
	}
	lo, hi = p.window(p.x)
	for _, w := range v.writes {
		l, h := p.window(w.x)
		if l.Before(lo) {
			lo = l
		}
		if h.After(hi) {
			hi = h
		}
	}
	for x, w := range p.m.pending {
		if x != p.x && w.id == p.alertID && !x.Sent.IsZero() {
			if l := x.Sent.Add(-p.o.opts.ClockSkew); l.Before(lo) && !p.m.clock.set {
				lo = l
			} else if p.m.clock.set {
				if l := x.Sent.Add(p.m.clock.lo - p.o.opts.Tolerance); l.Before(lo) {
					lo = l
				}
			}
		}
	}
	return lo, hi
}

func checkChangeTime(p *pass) {
	for _, r := range p.representations(false) {
		entries, _, ok := newEntries(r.v, r.l.alert)
		if !ok {
			continue
		}
		lo, hi := p.writeWindow(r.v)
		baseLog, _ := knownLog(r.v.props)
		base := len(baseLog)
		in := func(at, s string) (time.Time, bool) {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return t, false // utc-date-times and the schema report it
			}
			if t.Before(lo) || t.After(hi) {
				p.report(at, quote(s), fmt.Sprintf("the time of the update, between %s and %s by the server's clock (its Date header)", lo.UTC().Format(time.RFC3339), hi.UTC().Format(time.RFC3339)))
				return t, false
			}
			return t, true
		}
		var newest time.Time
		for i, e := range entries {
			s, _ := e["updatedDateTime"].(string)
			if t, ok := in(fmt.Sprintf("activityLogs[%d].updatedDateTime", base+i), s); ok {
				newest = t
			}
		}
		if p.op != opPatch || r.v.unsettled {
			continue
		}
		if s, ok := r.l.alert["resolvedOnDateTime"].(string); ok && !jsonEqual(s, r.v.props["resolvedOnDateTime"]) {
			in("resolvedOnDateTime", s)
		}
		if last := r.v.last; last != nil && !newest.IsZero() && len(entries) > 0 {
			tol := p.o.opts.Tolerance
			d := newest.Sub(last.at)
			least, most := p.x.Sent.Sub(last.w.Received)-tol, p.x.Received.Sub(last.w.Sent)+tol
			if d < least || d > most {
				p.report(fmt.Sprintf("activityLogs[%d].updatedDateTime", base+len(entries)-1), quote(newest.UTC().Format(time.RFC3339Nano)),
					fmt.Sprintf("a time %s to %s after the entry of the update before (%s), as this client's clock moved: a clock that stopped or jumps", least.Round(time.Millisecond), most.Round(time.Millisecond), last.at.UTC().Format(time.RFC3339Nano)))
			}
		}
	}
}

func checkActor(p *pass) {
	actor := p.actor()
	b, a, ok := p.patch()
	v := p.before
	if actor == nil || !ok || v == nil || v.unsettled {
		return
	}
	entries, from, ok := newEntries(v, a)
	if !ok {
		return
	}
	baseLog, _ := knownLog(v.props)
	base := len(baseLog)
	for i, e := range entries {
		if e["updatedBy"] != actor {
			p.report(fmt.Sprintf("activityLogs[%d].updatedBy", base+i), show(e["updatedBy"]), fmt.Sprintf("%q, the signed-in user", actor))
		}
	}
	if s, changes := b.statusChange(); changes && s == "resolved" && from != "resolved" && a["resolvedBy"] != actor {
		p.report("resolvedBy", show(a["resolvedBy"]), fmt.Sprintf("%q, the signed-in user who resolved the alert", actor))
	}
}

// jsonEqual compares two JSON values; strings that are both date-times are
// equal when they name the same instant, numbers when they have the same value.
func jsonEqual(a, b any) bool {
	if emptyList(a) && emptyList(b) {
		return true // a collection with no member is written [] or null alike
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, has := y[k]
			if !has || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case string:
		y, ok := b.(string)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		t1, err1 := time.Parse(time.RFC3339Nano, x)
		t2, err2 := time.Parse(time.RFC3339Nano, y)
		return err1 == nil && err2 == nil && t1.Equal(t2)
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		f1, err1 := x.Float64()
		f2, err2 := y.Float64()
		return x == y || (err1 == nil && err2 == nil && f1 == f2)
	default:
		return a == b
	}
}

// emptyList reports whether v is null or an empty array.
func emptyList(v any) bool {
	l, ok := v.([]any)
	return v == nil || (ok && len(l) == 0)
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
