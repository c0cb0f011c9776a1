# A module held in an option whose `apply` (and type) shape the value:
# atelier-gen's built-in flake-parts runs neither, so importing it is an
# unread import, named, not a silently empty module.
{ lib, ... }:
{
  options.nixos.modules.efi = lib.mkOption {
    type = lib.types.deferredModuleWith { staticModules = [ { boot.loader.efi.canTouchEfiVariables = true; } ]; };
    default = { };
    apply = module: { key = "efi"; imports = [ module ]; };
  };
}
