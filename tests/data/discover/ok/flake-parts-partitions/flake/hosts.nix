# The partition's module: `inputs.site` is one of its `extraInputs`.
{ inputs, self, lib, hostNames, ... }:
{
  flake.nixosConfigurations = lib.genAttrs hostNames (name:
    inputs.nixpkgs.lib.nixosSystem {
      specialArgs = { inherit (inputs) atelier site; };
      modules = [
        inputs.atelier.nixosModules.default
        self.nixosModules.backup
        ../hosts/${name}.nix
      ];
    });
}
