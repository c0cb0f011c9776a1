# nixpkgs' real lib.evalModules on a fixture flake's modules (tests/gen_modules.rs):
# what the module system makes of every atelier.services.<n> and of
# atelier.backup.services, to compare with atelier-gen's plan. The options
# nixpkgs (and atelier's nix/modules) would declare are stand-ins of type
# `anything`.
# A specialArg `atelier = "atelier"` stands for atelier's flake: its
# `lib.mkService` is the repository's nix/lib/mkService.nix.
{ lib, dir, modulesJSON, specialArgsJSON }:
let
  l = import lib;
  stub = { lib, ... }: {
    options.users = lib.mkOption { type = lib.types.anything; default = { }; };
    options.systemd = lib.mkOption { type = lib.types.anything; default = { }; };
    options.services = lib.mkOption { type = lib.types.anything; default = { nginx = { }; }; };
    options.atelier.backup = lib.mkOption { type = lib.types.anything; default = { }; };
  };
  eval = l.evalModules {
    specialArgs = builtins.mapAttrs
      (n: v: if n == "atelier" then { lib.mkService = import ../../../nix/lib/mkService.nix; } else v)
      (builtins.fromJSON specialArgsJSON);
    modules = [ stub ] ++ map (m: /. + "${dir}/${m}") (builtins.fromJSON modulesJSON);
  };
  c = eval.config;
  list = x: if x == null then [ ] else if builtins.isList x then x else [ x ];
in
{
  services = builtins.mapAttrs (n: s: {
    inherit (s) enable;
    dataDir = s.dataDir or null;
    files = if s.enable then s.data.files or [ ] else null;
    sqlite = if s.enable then list (s.data.sqlite or null) else null;
    exclude = if s.enable then s.data.exclude or [ ] else null;
  }) (c.atelier.services or { });
  manual = builtins.mapAttrs (n: s: s.paths) (c.atelier.backup.services or { });
}
