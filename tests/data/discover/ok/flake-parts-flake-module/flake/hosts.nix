{ inputs, ... }:
{
  # The outputs, read as `config`, refer to one another.
  flake = { config, lib, ... }: {
    nixosConfigurations = lib.genAttrs config.hostNames (name:
      inputs.nixpkgs.lib.nixosSystem {
        specialArgs = { inherit (inputs) atelier; };
        modules = [
          inputs.atelier.nixosModules.default
          config.backupModule
          ../hosts/${name}.nix
        ];
      });
    hostCount = lib.length (lib.attrNames config.nixosConfigurations);
  };
}
