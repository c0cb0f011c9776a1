# Module-system test driver (run by tests/nix_modules.rs through
# nix-instantiate): evaluates atelier's modules plus the given modules with
# nixpkgs' lib.evalModules, `_module.check = true`, and nix/tests/harness.nix
# standing in for the NixOS options they touch.
#
#   lib          absolute path of nixpkgs' lib directory (ATELIER_NIXPKGS_LIB)
#   modulesJSON  JSON list of absolute paths of further modules
#   mode         "summary" (JSON of what the tests look at, failed assertions
#                as data) or "toplevel" (fails like nixos-rebuild does on a
#                failed assertion, else the summary)
{
  lib,
  modulesJSON ? "[]",
  mode ? "summary",
}:

let
  nixLib = import (/. + lib);
  pkgs = import ./stub-pkgs.nix { lib = nixLib; };
  atelier = import ./default.nix { lib = nixLib; };

  eval = atelier.evalHost (map (p: /. + p) (builtins.fromJSON modulesJSON));
  cfg = eval.config;

  failedAssertions = map (a: a.message) (builtins.filter (a: !a.assertion) cfg.assertions);

  # Unit options as the tests compare them; derivations become store paths.
  unit = u: {
    inherit (u)
      description
      wantedBy
      after
      wants
      requires
      serviceConfig
      restartIfChanged
      script
      enable
      ;
  };

  summary = {
    inherit failedAssertions;
    inherit (cfg) warnings;
    services = builtins.mapAttrs (_: unit) cfg.systemd.services;
    timers = builtins.mapAttrs (_: t: { inherit (t) wantedBy timerConfig enable; }) cfg.systemd.timers;
    etc = builtins.mapAttrs (_: e: { inherit (e) text enable target; }) cfg.environment.etc;
    manifest =
      let
        m = cfg.environment.etc."atelier/backup-manifest.json" or null;
      in
      if m == null then null else builtins.fromJSON (builtins.unsafeDiscardStringContext m.text);
    tmpfiles = cfg.systemd.tmpfiles.rules;
    users = cfg.users.users;
    groups = cfg.users.groups;
    systemPackages = map (p: p.name) cfg.environment.systemPackages;
    # forces every atelier option, so a type error anywhere under atelier.* surfaces
    atelier = cfg.atelier;
  };
in
if mode == "toplevel" && failedAssertions != [ ] then
  throw "\nFailed assertions:\n${nixLib.concatMapStringsSep "\n" (m: "- ${m}") failedAssertions}"
else
  summary
