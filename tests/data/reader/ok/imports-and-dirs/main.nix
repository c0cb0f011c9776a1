# Imports of a file and of a directory (its default.nix).
{
  imports = [ ./services/web ./common.nix ];
  web = import ./services/web;
  common = import ./common.nix;
}
