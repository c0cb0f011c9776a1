# Names computed with `lib` (no recursion through the user lib); the
# file's attributes are the user lib's own (merged deeply).
{ lib, ... }:
lib.genAttrs [ "stateOf" "dataOf" ]
  (kind: name: (if kind == "stateOf" then "/srv/" else "/var/lib/") + lib.nixpkgs.toLower name)
