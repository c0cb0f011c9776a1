# The name asked for may be one atelier could not compute.
builtins.catAttrs "a" [ { ${builtins.nixVersion} = 1; } ]
