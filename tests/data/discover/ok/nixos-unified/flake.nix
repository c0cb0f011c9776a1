# nixos-unified: mkFlake imports modules/flake-parts/*, whose autowire makes
# a host of each configurations/nixos entry and a NixOS module of each
# modules/nixos entry; hosts reach the flake through the `flake` argument.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    flake-parts.url = "github:hercules-ci/flake-parts";
    nixos-unified.url = "github:srid/nixos-unified";
    # nixos-unified's autowire adds home-manager's NixOS module to every
    # host: Nix fails without this input.
    home-manager.url = "github:nix-community/home-manager";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs: inputs.nixos-unified.lib.mkFlake {
    inherit inputs;
    root = ./.;
  };
}
