{ config, lib, ... }:
let
  active = lib.filter (j: j.enable) (lib.attrValues config.my.jobs);
in
{
  options.my.jobs = lib.mkOption {
    type = lib.types.attrsOf (lib.types.submodule ({ name, ... }: {
      options.enable = lib.mkEnableOption "this job" // { default = true; };
      options.name = lib.mkOption { type = lib.types.str; default = name; };
      options.paths = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
    }));
    default = { };
  };
  options.my.archives = lib.mkOption {
    type = lib.types.lazyAttrsOf (lib.types.submodule {
      options.paths = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
    });
    default = { };
  };
  config.atelier.backup.services = lib.listToAttrs (map
    (j: lib.nameValuePair j.name { paths = j.paths; schedule = "03:00"; })
    active) // {
    archive = {
      paths = lib.concatMap (a: a.paths) (lib.attrValues config.my.archives);
      schedule = "05:00";
    };
  };
}
