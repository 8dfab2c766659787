package oracle

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"time"
)

// Model is the shadow model of the alerts a client has touched: what each
// must be after the client's own writes and the reads it has seen. It learns
// from the exchanges an Oracle judges, and from nothing else, so a harness, a
// proxy watching traffic or an explorer can each keep one. Keep one Model per
// state the service keeps apart (the mock's sessions, a tenant). The zero
// value is not usable; make it with NewModel. A Model is safe for concurrent
// use.
type Model struct {
	mu      sync.Mutex
	alerts  map[string]*alertState
	pending map[*Exchange]pendingWrite // requests sent and not judged yet
	links   map[string]*chain          // next links handed out → the listing they continue
	ids     map[string]string          // request-id → the exchange that had it first
	clock   clockEstimate
}

// NewModel returns an empty model.
func NewModel() *Model {
	return &Model{alerts: map[string]*alertState{}, pending: map[*Exchange]pendingWrite{}, links: map[string]*chain{}, ids: map[string]string{}}
}

// Begin tells the model that x is about to be sent (x.Method, x.URL and x.Sent
// set): writes in flight at the same time are judged by what each
// acknowledged, not by an order the client cannot know. Judge ends it.
func (m *Model) Begin(x *Exchange) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var w pendingWrite
	if x.Method == http.MethodPatch {
		w.id = alertOfURL(x.URL)
		if b, err := parsePatch(x.RequestBody); err == nil {
			w.status, w.changes = b.statusChange()
		}
	}
	m.pending[x] = w
}

// pendingWrite is what the model knows of a request in flight: the alert a
// PATCH writes ("" for other requests) and the status it asks for.
type pendingWrite struct {
	id      string
	status  string
	changes bool
}

// Forget drops what the model knows of the alerts: the client sent something
// the model cannot follow (a JSON $batch, whose requests may change alerts).
// What it knows of request-ids, next links and the server's clock stays.
func (m *Model) Forget() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.alerts = map[string]*alertState{}
}

// Alert returns a copy of what the model knows of an alert (the properties it
// has seen, as JSON values), and whether it knows the alert at all.
func (m *Model) Alert(id string) (map[string]any, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.alerts[id]
	if !ok {
		return nil, false
	}
	return clone(st.props), true
}

// alertOfURL returns the alert id of a URL of one alert, "" for other URLs.
func alertOfURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	const seg = "/security/partner/securityAlerts/"
	i := strings.LastIndex(u.Path, seg)
	if i < 0 || strings.Contains(u.Path[i+len(seg):], "/") {
		return ""
	}
	return u.Path[i+len(seg):]
}

// alertState is what the model knows of one alert.
type alertState struct {
	// props are the properties known (a whole alert once one was read).
	props map[string]any
	// writes are the client's writes whose effect or order is not settled
	// yet: sent at the same time as another, or answered with a 5xx or not at
	// all. A whole alert read after them settles them.
	writes []*write
	// refused are the writes refused (4xx) since the last read.
	refused []*write
	// history holds earlier states and until when each held, newest last.
	history []snapshot
	// maxLog is the longest activity log seen.
	maxLog []any
	// lastEntry is the newest activity log entry the client's own write made,
	// with the write, to check that the server's clock moves.
	lastEntry *entryMark
}

type snapshot struct {
	props map[string]any
	until time.Time
}

type entryMark struct {
	at time.Time // the entry's updatedDateTime
	w  *Exchange // the write that made it
}

// outcome is how a write ended.
type outcome int

const (
	inFlight       outcome = iota // sent, not judged yet
	ackedWrite                    // 200
	refusedWrite                  // 4xx
	uncertainWrite                // 5xx or no answer: it may or may not have been applied
)

type write struct {
	x       *Exchange
	body    patchBody
	outcome outcome
	answer  map[string]any
}

// tied are the properties the documentation ties to the status.
var tied = []string{"status", "resolvedReason", "resolvedBy", "resolvedOnDateTime", "activityLogs"}

func isTied(name string) bool {
	for _, t := range tied {
		if t == name {
			return true
		}
	}
	return false
}

// view is what the model knew of one alert before the exchange judged.
type view struct {
	known bool
	props map[string]any
	// unsettled is set when writes of unknown effect or order came before or
	// overlap the exchange; concurrent when one overlaps it.
	unsettled, concurrent bool
	// asked are the statuses those writes, and the exchange if it is one,
	// asked for.
	asked   []string
	writes  []*write
	refused []*write
	history []snapshot
	maxLog  []any
	last    *entryMark
}

// viewOf returns what the model knew of an alert before p's exchange.
// The caller holds m.mu.
func (m *Model) viewOf(p *pass, id string) *view {
	v := &view{}
	st := m.alerts[id]
	if st != nil {
		v.known = true
		v.props = st.props
		v.writes = st.writes
		v.refused = st.refused
		v.history = st.history
		v.maxLog = st.maxLog
		v.last = st.lastEntry
		for _, w := range st.writes {
			v.unsettled = true
			if w.x.Received.After(p.x.Sent) {
				v.concurrent = true
			}
			if s, ok := w.body.statusChange(); ok {
				v.asked = append(v.asked, s)
			}
		}
	}
	for x, w := range m.pending {
		if x == p.x || w.id != id {
			continue
		}
		v.unsettled, v.concurrent = true, true
		if w.changes {
			v.asked = append(v.asked, w.status)
		}
	}
	return v
}

// viewLocked is the view of the alert the exchange names, if it names one.
func (m *Model) viewLocked(p *pass) *view {
	if p.alertID == "" {
		return nil
	}
	return m.viewOf(p, p.alertID)
}

// linkQuery returns the query of the listing a next link continues.
func (m *Model) linkQuery(u string) (query, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.links[u]
	if !ok {
		return nil, false
	}
	return c.q, true
}

// chain is one listing read page by page.
type chain struct {
	q     query
	count *int64         // the first page's @odata.count
	seen  map[string]int // id → page it was listed on
	pages int
	read  int // alerts listed on the pages read
}

// learnLocked teaches the model what p's exchange shows. The caller holds m.mu.
func (m *Model) learnLocked(p *pass) {
	x := p.x
	delete(m.pending, x)
	if rid := x.Header.Get("request-id"); rid != "" {
		if _, seen := m.ids[rid]; !seen {
			m.ids[rid] = x.Method + " " + x.URL
		}
	}
	m.clock.learn(x, p.o.opts.Tolerance)
	switch p.op {
	case opPatch:
		m.learnPatch(p)
	case opGet:
		if p.success() {
			if a := p.object(); a != nil {
				m.learnRead(p, p.alertID, a, p.whole())
			}
		}
	case opList:
		m.learnList(p)
	}
}

func (m *Model) state(id string) *alertState {
	st := m.alerts[id]
	if st == nil {
		st = &alertState{props: map[string]any{}}
		m.alerts[id] = st
	}
	return st
}

func (m *Model) learnPatch(p *pass) {
	v := p.before
	st := m.state(p.alertID)
	body, err := p.req, p.reqErr
	w := &write{x: p.x, body: body}
	switch {
	case p.x.Status >= 400 && p.x.Status < 500:
		w.outcome = refusedWrite
		st.refused = append(st.refused, w)
		return
	case p.x.Status == http.StatusOK && err == nil:
		a := p.object()
		if a == nil {
			w.outcome = uncertainWrite
			st.writes = append(st.writes, w)
			return
		}
		w.outcome, w.answer = ackedWrite, a
		if v != nil && v.concurrent {
			st.writes = append(st.writes, w)
			m.noteLog(st, a)
			return
		}
		m.noteEntry(st, p, a)
		m.settle(st, a, p.x.Received)
	default:
		w.outcome = uncertainWrite
		st.writes = append(st.writes, w)
	}
}

// learnRead learns from a representation of one alert read by id.
func (m *Model) learnRead(p *pass, id string, a map[string]any, whole bool) {
	v := p.before
	st := m.state(id)
	st.refused = nil
	m.noteLog(st, a)
	switch {
	case v != nil && v.concurrent:
		// Overlapping a write: it shows one of the states the writes passed through.
	case whole:
		m.settle(st, a, p.x.Received)
	case v == nil || !v.unsettled:
		for k, val := range a {
			if !strings.HasPrefix(k, "@") {
				st.props[k] = val
			}
		}
	}
}

// learnList learns the alerts of a page: those the model does not know yet,
// and the properties it has not seen; a known alert may be listed as it was
// before a change (eventual consistency), so the list does not overwrite it.
func (m *Model) learnList(p *pass) {
	if !p.success() {
		return
	}
	obj := p.object()
	for _, l := range p.alerts() {
		id := l.id()
		if id == "" {
			continue
		}
		st, known := m.alerts[id]
		if !known {
			st = m.state(id)
		}
		if len(st.writes) > 0 {
			continue
		}
		for k, val := range l.alert {
			if _, has := st.props[k]; !has && !strings.HasPrefix(k, "@") {
				st.props[k] = val
			}
		}
	}
	c := p.chainLocked()
	if c != nil {
		c.pages++
		for _, l := range p.alerts() {
			if id := l.id(); id != "" {
				if _, dup := c.seen[id]; !dup {
					c.seen[id] = c.pages
				}
			}
			c.read++
		}
	}
	if next, ok := obj["@odata.nextLink"].(string); ok && c != nil {
		m.links[next] = c
	}
}

// chainLocked returns the listing p's page belongs to: the one its URL
// continues, or a new one for a first page.
func (p *pass) chainLocked() *chain {
	if p.m == nil {
		return nil
	}
	if c, ok := p.m.links[p.x.URL]; ok {
		return c
	}
	c := &chain{q: p.query, seen: map[string]int{}}
	if n, ok := p.object()["@odata.count"].(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			c.count = &i
		}
	}
	return c
}

// settle makes a whole representation the alert's known state.
func (m *Model) settle(st *alertState, a map[string]any, at time.Time) {
	next := map[string]any{}
	for k, val := range a {
		if !strings.HasPrefix(k, "@") {
			next[k] = val
		}
	}
	if len(st.props) > 0 && !reflect.DeepEqual(st.props, next) {
		st.history = append(st.history, snapshot{props: st.props, until: at})
		if len(st.history) > 8 {
			st.history = st.history[len(st.history)-8:]
		}
	}
	st.props = next
	st.writes = nil
	st.refused = nil
	m.noteLog(st, a)
}

// noteLog keeps the longest activity log seen.
func (m *Model) noteLog(st *alertState, a map[string]any) {
	if log, ok := logOf(a); ok && len(log) > len(st.maxLog) && prefixOf(st.maxLog, log) {
		st.maxLog = log
	}
}

// noteEntry remembers the newest entry a write of the client made.
func (m *Model) noteEntry(st *alertState, p *pass, a map[string]any) {
	log, _ := logOf(a)
	before, _ := logOf(st.props)
	if len(log) <= len(before) {
		return
	}
	e, _ := log[len(log)-1].(map[string]any)
	s, _ := e["updatedDateTime"].(string)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		st.lastEntry = &entryMark{at: t, w: p.x}
	}
}

// prefixOf reports whether a is a prefix of b.
func prefixOf(a, b []any) bool {
	return len(a) <= len(b) && jsonEqual(a, b[:len(a)])
}

// clone copies a JSON object deeply enough for a caller to change it.
func clone(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// clockEstimate is what the Date headers say of the server's clock: its
// offset from the client's clock lies in [lo, hi].
type clockEstimate struct {
	set    bool
	lo, hi time.Duration
}

// offsetOf returns the interval an exchange's Date header puts the offset in:
// the server wrote Date (whole seconds) between sending and receiving.
func offsetOf(x *Exchange) (lo, hi time.Duration, ok bool) {
	d, err := http.ParseTime(x.Header.Get("Date"))
	if err != nil || x.Received.IsZero() {
		return 0, 0, false
	}
	return d.Sub(x.Received), d.Add(time.Second).Sub(x.Sent), true
}

// learn narrows the estimate by an exchange's Date; when the two disagree by
// more than tol (a clock that stopped or jumped), it starts again from it.
func (c *clockEstimate) learn(x *Exchange, tol time.Duration) {
	lo, hi, ok := offsetOf(x)
	if !ok {
		return
	}
	if !c.set || lo > c.hi+tol || hi < c.lo-tol {
		c.set, c.lo, c.hi = true, lo, hi
		return
	}
	c.lo, c.hi = max(c.lo, lo), min(c.hi, hi)
	if c.lo > c.hi {
		c.lo, c.hi = lo, hi
	}
}
