{ ... }:
{
  imports = [ ./common.nix (import ./keyed.nix) ];
}
