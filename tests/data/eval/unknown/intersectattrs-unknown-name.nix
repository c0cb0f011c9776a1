# `b` may be among the first set's unknown names.
builtins.intersectAttrs { ${builtins.nixVersion} = 1; } { b = 2; }
