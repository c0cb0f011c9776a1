# `imports` cannot depend on config (Nix: infinite recursion); an argument
# only a framework passes (`nodes`, not in specialArgs here) is unknown
# there, which is a warning, not an error.
{ config, lib, nodes, ... }:
{
  imports = lib.optional config.atelier.backup.enable ./extra.nix;
}
