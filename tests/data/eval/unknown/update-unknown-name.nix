# `//` with a name atelier cannot compute may replace any attribute.
({ a = 1; } // { ${builtins.currentSystem} = 2; }).a
