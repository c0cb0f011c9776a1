{ lib, ... }:
{
  twice = x: lib.nixpkgs.foldl' (a: b: a + b) 0 [ x x ];
}
