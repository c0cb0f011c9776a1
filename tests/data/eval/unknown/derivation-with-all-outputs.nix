# A derivation that depends on another's `.drv` with all its outputs: Nix
# reads that derivation's closure from the store, so its paths are unknown
# here (never paths computed as if it had no such input).
let
  a = derivation { name = "a"; system = "x86_64-linux"; builder = "/bin/sh"; };
in
(derivation { name = "b"; system = "x86_64-linux"; builder = "/bin/sh"; dep = a.drvPath; }).outPath
