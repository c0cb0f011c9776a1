# The options atelier's own NixOS modules (nix/modules) declare, with their
# defaults: the module system's view of `atelier.nixosModules.default`, which
# atelier-gen does not read as an input. Keep in step with nix/modules/*.nix
# (a test compares the defaults).
#
# nix/modules gives each option its type; here they are `byShape` (given by
# src/modules), merged by the definitions' shape (sets name by name, lists
# concatenated, equal scalars one value), as those types merge what
# atelier-gen reads. An option of no type would merge as nixpkgs'
# `types.unspecified`.
{ lib, pkgs, byShape }:
let
  inherit (lib) mkEnableOption;
  mkOption = args: lib.mkOption ({ type = byShape; } // args);
in
{
  # As nixpkgs' module system declares it.
  options._module.args = lib.mkOption {
    type = lib.types.lazyAttrsOf lib.types.raw;
    default = { };
  };

  options.atelier.backup = {
    enable = mkEnableOption "atelier backups";
    package = mkOption { default = pkgs.atelier; };
    repositories = mkOption { default = { }; };
    schedule = mkOption { default = "02:00"; };
    randomizedDelay = mkOption { default = "2h"; };
    staleAfter = mkOption { default = null; };
    retention = mkOption {
      default = {
        last = 3;
        daily = 7;
        weekly = 5;
        monthly = 12;
      };
    };
    prune.schedule = mkOption { default = "Sun *-*-* 04:00:00"; };
    check.schedule = mkOption { default = "Sun *-*-* 05:30:00"; };
    drill.schedule = mkOption { default = "*-*-01 06:00:00"; };
    prune.pingUrlFile = mkOption { default = null; };
    check.pingUrlFile = mkOption { default = null; };
    drill.pingUrlFile = mkOption { default = null; };
    onFailure = mkOption { default = null; };
    inhibitSleep = mkOption { default = true; };
    monitoring.pingUrlFile = mkOption { default = null; };
    postgres = {
      host = mkOption { default = null; };
      port = mkOption { default = null; };
      runAs = mkOption { default = "postgres"; };
    };
    services = mkOption { default = { }; };
  };

  options.atelier.generated = {
    host = mkOption { default = null; };
    generator = mkOption { default = null; };
    services = mkOption { default = { }; };
  };
}
