# `b` may be among the first set's unknown names.
builtins.intersectAttrs { ${builtins.currentSystem} = 1; } { b = 2; }
