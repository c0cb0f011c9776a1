# A set with a name atelier cannot compute may hold any name: zipping it
# cannot drop it.
builtins.zipAttrsWith (n: v: v) [ { a = 1; } { ${builtins.nixVersion} = 2; } ]
