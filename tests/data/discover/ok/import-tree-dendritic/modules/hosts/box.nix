{ inputs, config, ... }:
{
  flake.nixosConfigurations.box = inputs.nixpkgs.lib.nixosSystem {
    specialArgs = { inherit (inputs) atelier; };
    modules = [
      inputs.atelier.nixosModules.default
      config.flake.nixosModules.backup
      (inputs.import-tree ../../nixos)
    ];
  };
}
