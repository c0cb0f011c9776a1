"outside the root"
