package oracle

import "slices"

// rules is the table of every rule, each file's rules in turn: the HTTP of
// every answer, the bodies, who may call, the bodies of updates, and the
// rules that need the model.
var rules = slices.Concat(httpRules, bodyRules, authRules, updateRules, modelRules)
