{ config, lib, inputs, ... }:
{
  options.flake.machineModules = lib.mkOption {
    type = lib.types.lazyAttrsOf lib.types.deferredModule;
    default = { };
  };
  config.flake.nixosConfigurations = lib.filterAttrs
    (_: machine: machine.config.my.role == "server")
    (lib.mapAttrs
      (_: module: inputs.nixpkgs.lib.nixosSystem {
        specialArgs = { inherit (inputs) atelier; };
        modules = [ config.flake.nixosModules.base module ];
      })
      config.flake.machineModules);
}
