{ config, lib, inputs, ... }:
{
  options.machines = lib.mkOption {
    type = config.kit.machineTable;
    default = { };
  };
  config.flake.nixosConfigurations = lib.mapAttrs
    (name: m: inputs.nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      specialArgs = { machine = m; };
      modules = [ inputs.atelier.nixosModules.default ./host.nix ];
    })
    config.machines;
}
