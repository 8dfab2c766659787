package store

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/odata"
)

// session is one session's alerts: a base (the dataset's, shared, or its own
// after Replace or Put) and the alerts the session changed, by position in
// the base. Its own lock orders its changes; other sessions never wait for it.
type session struct {
	mu      sync.RWMutex
	base    *base
	over    map[int32]version // changed alerts by base position
	own     bool              // base is the session's own (Replace, Put)
	durable bool              // the state file holds the session
	dead    bool              // forgotten (reset or evicted): look the name up again
	created time.Time
	updated time.Time
	used    atomic.Uint64 // Store.tick at the last use
}

// version is a changed alert. owned says the spare capacity of its
// activity log's array belongs to this session's line of versions of the
// alert, so the next change may append in place (older versions keep their
// shorter length and never see the new entry).
type version struct {
	a     *alert.Alert
	owned bool
}

// at returns the current alert at base position p.
func (ss *session) at(p int32) *alert.Alert {
	if len(ss.over) > 0 {
		if v, ok := ss.over[p]; ok {
			return v.a
		}
	}
	return ss.base.alerts[p]
}

// get returns the current alert with that id and its position.
func (ss *session) get(id string) (*alert.Alert, int32, bool) {
	p, ok := ss.base.index[id]
	if !ok {
		return nil, 0, false
	}
	return ss.at(p), p, true
}

// all returns the session's alerts in id order.
func (ss *session) all() []*alert.Alert {
	out := make([]*alert.Alert, len(ss.base.alerts))
	for i := range out {
		out[i] = ss.at(int32(i))
	}
	return out
}

// Scan implements odata.Source over the session (its read lock held): the
// base's precomputed order for keys, or, without keys, the smallest index
// among the equalities, merged with the changed alerts that now have a
// status they did not have in the base.
func (ss *session) Scan(keys []odata.OrderKey, eqs []odata.Equality, yield func(*alert.Alert) bool) {
	if len(keys) > 0 {
		for _, p := range ss.base.order(keys) {
			if !yield(ss.at(p)) {
				return
			}
		}
		return
	}
	var best []int32
	var bestEq *odata.Equality
	for i, e := range eqs {
		list := ss.base.eq[eqKey{e.Property, e.Value}]
		if bestEq == nil || len(list) < len(best) {
			best, bestEq = list, &eqs[i]
		}
	}
	if bestEq == nil {
		for p := range ss.base.alerts {
			if !yield(ss.at(int32(p))) {
				return
			}
		}
		return
	}
	var extra []int32
	if bestEq.Property == "status" && len(ss.over) > 0 {
		// Changed alerts that now have the status and did not have it in
		// the base; those that lost it are passed and filtered by the query.
		for p, v := range ss.over {
			if string(v.a.Status) == bestEq.Value && string(ss.base.alerts[p].Status) != bestEq.Value {
				extra = append(extra, p)
			}
		}
		slices.Sort(extra)
	}
	// Both lists ascend and share no position: merge them as they are read.
	i, j := 0, 0
	for i < len(best) || j < len(extra) {
		var p int32
		if j == len(extra) || (i < len(best) && best[i] < extra[j]) {
			p, i = best[i], i+1
		} else {
			p, j = extra[j], j+1
		}
		if !yield(ss.at(p)) {
			return
		}
	}
}

// change applies p to the alert at position pos as actor at now, without
// installing it: the changed alert, whether it is owned, and whether it
// changed at all. The activity log is appended in place when the session owns
// its array (amortised O(1), whatever the log's length), else copied once
// with room to grow.
func (ss *session) change(pos int32, p alert.Patch, actor string, now time.Time) (version, bool, error) {
	cur := ss.at(pos)
	owned := false
	if v, ok := ss.over[pos]; ok {
		owned = v.owned
	}
	c := *cur // shallow: Apply replaces, never mutates, shared parts
	logs := c.ActivityLogs
	c.ActivityLogs = nil
	changed, err := c.Apply(p, actor, now)
	if err != nil || !changed {
		return version{a: cur, owned: owned}, false, err
	}
	if len(c.ActivityLogs) == 1 {
		entry := c.ActivityLogs[0]
		if !owned || len(logs) == cap(logs) {
			grown := make([]alert.ActivityLog, len(logs), 2*len(logs)+4)
			copy(grown, logs)
			logs, owned = grown, true
		}
		logs = append(logs, entry)
	}
	c.ActivityLogs = logs
	return version{a: &c, owned: owned}, true, nil
}

// Count implements odata.Counter: every alert, or those with one value of an
// indexed property (the base's index, corrected by the changed alerts for
// status).
func (ss *session) Count(eqs []odata.Equality) (int, bool) {
	switch len(eqs) {
	case 0:
		return len(ss.base.alerts), true
	case 1:
	default:
		return 0, false
	}
	e := eqs[0]
	n := len(ss.base.eq[eqKey{e.Property, e.Value}])
	if e.Property == "status" {
		for p, v := range ss.over {
			was, is := string(ss.base.alerts[p].Status) == e.Value, string(v.a.Status) == e.Value
			switch {
			case was && !is:
				n--
			case is && !was:
				n++
			}
		}
	}
	return n, true
}
