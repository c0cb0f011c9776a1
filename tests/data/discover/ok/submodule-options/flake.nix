# Options declared inside a submodule type (`attrsOf (submoduleWith {
# modules = [ ./container-options.nix ]; })`): a module reads
# `cfg.enable` of an entry whose `enable` nobody sets (its default lives in
# the submodule), next to an atelier service the host enables.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.atelier.url = "path:../../../../..";
  outputs = { nixpkgs, atelier, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      modules = [
        atelier.nixosModules.default
        ./containers.nix
        ./proxy.nix
        ./host.nix
      ];
    };
  };
}
