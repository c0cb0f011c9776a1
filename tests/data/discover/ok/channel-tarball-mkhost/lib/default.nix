{ lib, inputs }:
{
  mkHost = import ./mkhost.nix { inherit lib inputs; };
}
