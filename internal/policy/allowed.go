package policy

// Allowed says what perms (from Explain) let the person ask for with lever
// on branch (branch is ignored for levers that do not act on one): the
// names they may relax (protection's "all" expanded, plus "all" itself),
// every access permission up to the highest allowed, or the ruleset and
// team names as written; and the limits of the first matching rule (rules
// are tried in file order, so the first match is the one that decides a
// request it allows). ok is false when no rule lets them use the lever
// there at all. The interactive flow greys out the rest; the decision
// itself is still Decide's, when the override opens.
func Allowed(perms []Permission, lever, branch string) (names []string, limits Limits, ok bool) {
	seen := map[string]bool{}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, p := range perms {
		if p.Lever != lever {
			continue
		}
		if branchScoped(lever) && branch != "" && !matchAny(p.Branches, branch) {
			continue
		}
		if !ok {
			limits, ok = p.Limits, true
		}
		switch lever {
		case LeverProtection:
			for _, n := range expandProtection(p.Allow) {
				add(n)
			}
			if contains(p.Allow, "all") {
				add("all")
			}
		case LeverAccess:
			top := -1
			for _, a := range p.Allow {
				top = max(top, permissionRank(a))
			}
			for _, n := range relaxNames(LeverAccess) {
				if permissionRank(n) <= top {
					add(n)
				}
			}
		default:
			for _, n := range p.Allow {
				add(n)
			}
		}
	}
	return names, limits, ok
}
