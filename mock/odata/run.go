package odata

import (
	"slices"

	"github.com/partner-security/alertmock/mock/alert"
)

// Source is a set of alerts a Query runs over.
type Source interface {
	// Scan calls yield with the alerts in the order of keys (ties, and no
	// keys, by id ascending) until yield returns false. It may leave out
	// alerts that break one of eqs (the filter's equalities), to start from
	// an index; it may also pass them, the query filters anyway.
	Scan(keys []OrderKey, eqs []Equality, yield func(*alert.Alert) bool)
}

// Counter is a Source that can count some matches without scanning.
type Counter interface {
	// Count returns how many alerts satisfy every one of eqs (every alert
	// when eqs is empty), or false when it cannot tell without a scan.
	Count(eqs []Equality) (int, bool)
}

// Result is one page of a list.
type Result struct {
	// Page are the alerts of the page, in order.
	Page []*alert.Alert
	// Count is how many alerts match; set only when the query asked for it.
	Count int
	// More reports that matches follow the page; the next page starts at Next.
	More bool
	Next int
}

// Run filters, orders and pages src: the page of at most pageSize (Top when
// given) matches after Skip, whether more follow, and the number of matches
// when the query asks for $count. It stops scanning once it knows what the
// page needs, so a page near the start of a large source costs little unless
// $count is asked for.
func (q *Query) Run(src Source, pageSize int) Result {
	size := pageSize
	if q.Top > 0 {
		size = q.Top
	}
	var eqs []Equality
	if q.Filter != nil {
		eqs = q.Filter.Equalities()
	}
	var res Result
	scanCount := q.Count
	if c, ok := src.(Counter); ok && q.Count && (q.Filter == nil || q.Filter.Exact()) {
		if n, ok := c.Count(eqs); ok {
			res.Count, scanCount = n, false
		}
	}
	n := 0 // matches seen
	src.Scan(q.OrderBy, eqs, func(a *alert.Alert) bool {
		if q.Filter != nil && !q.Filter.Match(a) {
			return true
		}
		n++
		switch {
		case n <= q.Skip:
		case len(res.Page) < size:
			res.Page = append(res.Page, a)
		default:
			res.More = true
			return scanCount // the rest only counts
		}
		return true
	})
	if scanCount {
		res.Count = n
	}
	if res.More {
		res.Next = q.Skip + len(res.Page)
	}
	return res
}

// Slice is a Source over alerts held in a slice in id order; it sorts on
// every Scan with keys (the reference a faster Source must agree with).
type Slice []*alert.Alert

// Scan implements Source.
func (s Slice) Scan(keys []OrderKey, _ []Equality, yield func(*alert.Alert) bool) {
	list := []*alert.Alert(s)
	if len(keys) > 0 {
		list = slices.Clone(list)
		slices.SortStableFunc(list, func(a, b *alert.Alert) int { return Compare(keys, a, b) })
	}
	for _, a := range list {
		if !yield(a) {
			return
		}
	}
}
