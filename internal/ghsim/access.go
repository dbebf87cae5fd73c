package ghsim

func addAccessRoutes(add addFunc) {}
