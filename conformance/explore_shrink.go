package conformance

import "slices"

// Shrinking: delta debugging (Zeller's ddmin) over the operations of a
// failing sequence, then each operation made simpler where it still fails,
// until neither helps or the replays run out. A candidate counts when its
// replay fails the way the original did (the same rule, see sameFailure);
// one that fails earlier is cut after its failing operation. The failing
// operation itself is kept last, so that every candidate still ends with it.

// shrink returns a minimal sequence that fails like failed (ops ends with
// the failing operation), the outcome of its last replay, and how many
// replays it took; replay runs a candidate from fresh state, and budget
// bounds how often.
func shrink(ops []exploreOp, failed *outcome, budget int, replay func([]exploreOp) (*outcome, error)) ([]exploreOp, *outcome, int, error) {
	cur, last, replays := ops, failed, 0
	// try replays a candidate and keeps it when it fails like failed.
	try := func(cand []exploreOp) (bool, error) {
		if replays >= budget {
			return false, nil
		}
		replays++
		o, err := replay(cand)
		if err != nil {
			return false, err
		}
		if !o.sameFailure(failed) {
			return false, nil
		}
		cur, last = cand[:o.at+1], o
		return true, nil
	}
	for {
		before := len(cur)
		if err := ddmin(&cur, func(drop func(i int) bool) (bool, error) {
			var cand []exploreOp
			for i, op := range cur[:len(cur)-1] {
				if !drop(i) {
					cand = append(cand, op)
				}
			}
			return try(append(cand, cur[len(cur)-1]))
		}); err != nil {
			return nil, nil, replays, err
		}
		simplified, err := simplify(&cur, try)
		if err != nil {
			return nil, nil, replays, err
		}
		if (!simplified && len(cur) == before) || replays >= budget {
			return cur, last, replays, nil
		}
	}
}

// ddmin removes chunks of the first n-1 operations of *cur (the last one
// stays) while the candidate without them still fails: chunks of half, then
// quarters, down to single operations. test builds and tries the candidate
// without the operations drop reports, and replaces *cur when it fails.
func ddmin(cur *[]exploreOp, test func(drop func(i int) bool) (bool, error)) error {
	parts := 2
	for len(*cur) > 1 {
		m := len(*cur) - 1 // the operations that may go
		size := (m + parts - 1) / parts
		reduced := false
		for start := 0; start < m; start += size {
			lo, hi := start, start+size
			ok, err := test(func(i int) bool { return i >= lo && i < hi })
			if err != nil {
				return err
			}
			if ok {
				reduced = true
				parts = max(parts-1, 2)
				break
			}
		}
		if !reduced {
			if size == 1 {
				return nil
			}
			parts = min(parts*2, m)
		}
	}
	return nil
}

// simplify tries, for each operation of *cur, its simpler forms (see
// exploreOp.simpler), keeping the first that still fails; it reports
// whether any was kept.
func simplify(cur *[]exploreOp, try func([]exploreOp) (bool, error)) (bool, error) {
	changed := false
	for i := 0; i < len(*cur); i++ {
		for again := true; again; {
			again = false
			for _, s := range (*cur)[i].simpler() {
				cand := slices.Clone(*cur)
				cand[i] = s
				ok, err := try(cand)
				if err != nil {
					return changed, err
				}
				if ok {
					changed, again = true, i < len(*cur)
					break
				}
			}
		}
	}
	return changed, nil
}
