# Sets whose other names are unknown may differ in them.
{ a = 1; ${builtins.nixVersion} = 2; } == { a = 1; ${builtins.nixVersion} = 2; }
