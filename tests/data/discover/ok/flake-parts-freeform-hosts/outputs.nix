# The outputs, from a module system of the flake's own: each host of the
# table defines its output under `flake`, a freeform submodule option.
{ lib, config, inputs, ... }:
let
  machines = lib.concatMap lib.attrValues (lib.attrValues config.fleet);
  outputOf = m: {
    flake = lib.setAttrByPath m.outputPath (m.build {
      inherit (m) system;
      specialArgs.machine = m;
      modules = [ inputs.atelier.nixosModules.default ./host.nix ];
    });
  };
  inner = lib.evalModules {
    modules = [
      {
        options.flake = lib.mkOption {
          type = lib.types.submodule { freeformType = lib.types.lazyAttrsOf lib.types.unspecified; };
          default = { };
        };
      }
    ] ++ map outputOf machines;
  };
in
{
  flake = inner.config.flake;
}
