# The module a `….lib.mkService { ... }` call of atelier's input makes, as
# nix/lib/mkService.nix writes it, reduced to what the module system needs
# statically: the service's options with their defaults, and `extraConfig`
# under `mkIf cfg.enable`. (The users, groups, tmpfiles and unit it also
# defines are nixpkgs options, never read here.) The options' types are
# `byShape` (given by src/modules): their definitions merge by their shape,
# as nix/lib/types.nix's types merge what atelier-gen reads.
{ lib, byShape }:
arg:
let
  name = arg.name;
  description = arg.description or "the ${name} service";
  extraConfig = arg.extraConfig or (cfg: { });
in
{ config, pkgs, ... }:
let
  cfg = config.atelier.services.${name};
  o =
    default:
    lib.mkOption {
      type = byShape;
      inherit default;
    };
  resolve =
    f:
    if !builtins.isFunction f then
      f
    else if builtins.functionArgs f != { } then
      f { inherit cfg config lib pkgs; }
    else
      f cfg;
in
{
  options.atelier.services.${name} = {
    enable = lib.mkEnableOption description;
    dataDir = o "/var/lib/${name}";
    user = o name;
    group = o name;
    monitoring = o { };
    # The options of atelier's data type (nix/lib/types.nix), with its defaults.
    data = {
      sqlite = o [ ];
      postgres = o [ ];
      files = o [ ];
      exclude = o [ ];
      stopForBackup = o false;
      stopUnits = o [ ];
      dumps = o { };
      hooks = {
        preBackup = o null;
        postBackup = o null;
        preRestore = o null;
        postRestore = o null;
      };
      check = o null;
      tags = o [ ];
      schedule = o null;
      randomizedDelay = o null;
      staleAfter = o null;
      retention = o null;
      repositories = o null;
    };
  }
  // (arg.extraOptions or { });
  config = lib.mkIf cfg.enable (resolve extraConfig);
}
