# `self` as Nix builds it: `self.nixosModules`, "${self}/...", `self.outPath`,
# `self.inputs`, `self._type`, and `inputs.self.outputs` in a `let`.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.atelier.url = "path:../../../../..";
  outputs = inputs@{ self, nixpkgs, ... }:
    let
      outs = inputs.self.outputs;
      isFlake = self._type == "flake";
    in
    {
      nixosModules.backup = import ./modules/backup.nix;
      nixosModules.services = ./modules/services.nix;
      nixosConfigurations.box = nixpkgs.lib.nixosSystem {
        specialArgs = { inherit (self.inputs) atelier; inherit isFlake; };
        modules = [
          inputs.atelier.nixosModules.default
          outs.nixosModules.backup
          self.nixosModules.services
          "${self}/hosts/box.nix"
          (self.sourceInfo.outPath + "/hosts/common.nix")
        ];
      };
    };
}
