package ghsim

func addIssueRoutes(add addFunc) {}
