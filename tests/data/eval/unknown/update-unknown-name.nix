# `//` with a name atelier cannot compute may replace any attribute.
({ a = 1; } // { ${builtins.nixVersion} = 2; }).a
