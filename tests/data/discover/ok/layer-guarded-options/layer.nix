# The layer: a guard module, a check that evaluates a host's module with it,
# and the NixOS system built from what the check gives.
{ lib }:
let
  refuse = path: hint: { options, ... }:
    let opt = lib.getAttrFromPath path options;
    in {
      options = lib.setAttrByPath path (lib.mkOption { visible = false; });
      config.layer.alarms = [ { ok = !opt.isDefined; text = "`${lib.showOption path}` is not allowed here: ${hint}"; } ];
    };
  guard = { config, ... }: {
    imports = [
      (refuse [ "nixpkgs" "overlays" ] "give the overlays to layer.packages")
      (refuse [ "nixpkgs" "system" ] "set layer.system")
    ];
    options.layer = {
      alarms = lib.mkOption { type = lib.types.listOf lib.types.unspecified; default = [ ]; internal = true; };
      system = lib.mkOption { type = lib.types.str; };
      extra = lib.mkOption { type = lib.types.unspecified; };
      packages = lib.mkOption {
        type = lib.types.unspecified;
        apply = p: if builtins.hasAttr config.layer.system p then p.${config.layer.system} else p;
      };
    };
  };
  check = host:
    let
      checked = lib.nixos.evalModules {
        modules = [
          host
          guard
          { config._module.check = true; config._module.freeformType = lib.types.unspecified; }
        ];
      };
      failed = map (a: a.text) (lib.filter (a: !a.ok) checked.config.layer.alarms);
    in
    if failed != [ ] then throw (lib.concatStringsSep "\n" failed) else checked;
in
host:
let
  evaled = check host;
  extra = {
    imports = lib.optionals evaled.options.layer.extra.isDefined [ evaled.config.layer.extra ];
  };
in
import (evaled.config.layer.packages.path + "/nixos/lib/eval-config.nix") {
  system = null;
  modules = [ guard host extra ];
}
