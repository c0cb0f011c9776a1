# error: type-error
rec { __overrides = 1; }
