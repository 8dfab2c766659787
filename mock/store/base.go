package store

import (
	"slices"
	"strings"
	"sync"

	"github.com/partner-security/alertmock/mock/alert"
	"github.com/partner-security/alertmock/mock/odata"
)

// base is an immutable alert set in id order with the indexes queries use:
// the positions of each value of the indexed enum properties, and the
// orders $orderby can ask for (built on first use, or at construction for
// detectedDateTime). Sessions share one base and keep their changes beside
// it; a change never alters a property an index or order is built on except
// status (see session.scan).
type base struct {
	alerts []*alert.Alert    // id order
	index  map[string]int32  // id → position
	eq     map[eqKey][]int32 // indexed property value → positions in id order

	orders sync.Map   // $orderby keys (orderName) → []int32 positions in that order
	build  sync.Mutex // one order is built at a time
}

type eqKey struct{ property, value string }

// newBase makes a base of alerts (valid, unique ids; the base keeps the
// pointers and treats the alerts as immutable).
func newBase(alerts []*alert.Alert) *base {
	b := &base{
		alerts: slices.Clone(alerts),
		index:  make(map[string]int32, len(alerts)),
		eq:     map[eqKey][]int32{},
	}
	slices.SortFunc(b.alerts, func(x, y *alert.Alert) int { return strings.Compare(x.ID, y.ID) })
	for i, a := range b.alerts {
		p := int32(i)
		b.index[a.ID] = p
		odata.IndexEntries(a, func(e odata.Equality) {
			k := eqKey{e.Property, e.Value}
			b.eq[k] = append(b.eq[k], p)
		})
	}
	// The orders clients ask for most, ready before the first request.
	b.order([]odata.OrderKey{{Property: "detectedDateTime", Desc: true}})
	b.order([]odata.OrderKey{{Property: "detectedDateTime"}})
	return b
}

// orderName is the map key of an order.
func orderName(keys []odata.OrderKey) string {
	var sb strings.Builder
	for _, k := range keys {
		sb.WriteString(k.Property)
		if k.Desc {
			sb.WriteString(" desc")
		}
		sb.WriteByte(',')
	}
	return sb.String()
}

// order returns the positions of the base's alerts sorted by keys, then id.
// Only properties a change cannot touch may be keys (detectedDateTime,
// severity), so the order holds for every session over the base.
func (b *base) order(keys []odata.OrderKey) []int32 {
	name := orderName(keys)
	if o, ok := b.orders.Load(name); ok {
		return o.([]int32)
	}
	b.build.Lock()
	defer b.build.Unlock()
	if o, ok := b.orders.Load(name); ok {
		return o.([]int32)
	}
	o := make([]int32, len(b.alerts))
	for i := range o {
		o[i] = int32(i)
	}
	slices.SortFunc(o, func(x, y int32) int {
		if c := odata.Compare(keys, b.alerts[x], b.alerts[y]); c != 0 {
			return c
		}
		return int(x - y) // equal ids cannot happen; keeps the sort total
	})
	b.orders.Store(name, o)
	return o
}
