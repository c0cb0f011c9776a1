# Types the flake's modules share, kept in an option.
{ lib, ... }:
{
  options.kit = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.raw; default = { }; };
  config.kit.machineTable = lib.types.attrsOf (lib.types.submodule {
    options.paths = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ "/srv/data" ]; };
    options.schedule = lib.mkOption { type = lib.types.str; default = "02:00"; };
  });
}
