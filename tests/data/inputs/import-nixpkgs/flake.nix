# The package set imported from the nixpkgs input (`import nixpkgs { … }`),
# its `lib` used for a host's value. With nixpkgs' source here (also a copy
# kept pruned, without pkgs/), the package set has nixpkgs' real `lib`;
# everything else in it is Nix's to build, unknown as the module argument
# `pkgs` is.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.atelier.url = "github:example/atelier";
  outputs = { nixpkgs, atelier, ... }:
    let
      pkgs = import nixpkgs { system = "x86_64-linux"; config.allowUnfree = true; };
      inherit (pkgs) lib;
    in
    {
      nixosConfigurations.box = nixpkgs.lib.nixosSystem {
        specialArgs = { inherit atelier pkgs; site = lib.strings.toUpper "srv"; };
        modules = [ ./box.nix ];
      };
    };
}
