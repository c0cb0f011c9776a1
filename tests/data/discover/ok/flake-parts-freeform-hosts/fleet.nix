# The table: per system, per host, a submodule with defaults computed
# from the host's own name and system.
{ lib, inputs, ... }:
let
  machine = system: lib.types.submodule ({ name, config, ... }: {
    freeformType = lib.types.attrsOf lib.types.anything;
    options = {
      name = lib.mkOption { type = lib.types.str; default = name; };
      system = lib.mkOption { type = lib.types.str; default = system; };
      kind = lib.mkOption {
        type = lib.types.str;
        default = if lib.hasSuffix "darwin" config.system then "darwin" else "nixos";
      };
      outputPath = lib.mkOption {
        type = lib.types.listOf lib.types.str;
        default = {
          nixos = [ "nixosConfigurations" config.name ];
          darwin = [ "darwinConfigurations" config.name ];
        }.${config.kind};
      };
      build = lib.mkOption {
        type = lib.types.raw;
        default = inputs.nixpkgs.lib.nixosSystem;
      };
      schedule = lib.mkOption { type = lib.types.str; default = "02:00"; };
    };
  });
  perSystem = lib.types.submodule ({ name, ... }: {
    freeformType = lib.types.attrsOf (machine name);
  });
in
{
  options.fleet = lib.mkOption {
    type = lib.types.attrsOf perSystem;
    default = { };
  };
}
