# A derivation whose attribute holds another's store path has that one as
# an input, which changes its own paths: atelier does not track inputs, so
# its paths are unknown (never paths computed as if it had none).
let
  a = derivation { name = "a"; system = "x86_64-linux"; builder = "/bin/sh"; };
in
(derivation { name = "b"; system = "x86_64-linux"; builder = "/bin/sh"; dep = a; }).outPath
