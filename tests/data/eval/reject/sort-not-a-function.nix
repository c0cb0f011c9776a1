# error: type-error
builtins.sort 1 [ "foo" ]
