# A derivation's store path carries context in Nix; atelier does not track
# it, so whether a string has context is unknown once it holds a store path.
builtins.hasContext (derivation { name = "a"; system = "x86_64-linux"; builder = "/bin/sh"; }).outPath
