let
  up = import ../helper.nix;
  same = import ./leaf.nix;
in
{ combined = "${up.value} + ${same}"; }
