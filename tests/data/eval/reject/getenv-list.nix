# error: type-error
builtins.getEnv [ ]
