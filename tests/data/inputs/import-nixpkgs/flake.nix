# The package set imported from the nixpkgs input (`import nixpkgs { … }`),
# its `lib` and its platform used for a host's values. With nixpkgs' source
# here (also a copy kept pruned, without pkgs/), the package set has
# nixpkgs' real `lib`; without it, the built-in one. Its platform is
# `lib.systems.elaborate` of the system it was imported for; everything
# else in it is Nix's to build, unknown as the module argument `pkgs` is.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.atelier.url = "github:example/atelier";
  outputs = { nixpkgs, atelier, ... }:
    let
      pkgs = import nixpkgs { system = "x86_64-linux"; config.allowUnfree = true; };
      inherit (pkgs) lib;
      # As a flake that serves Linux and macOS hosts from one table.
      modulesFor = p: if p.stdenv.isDarwin then [ ] else [ ./box.nix ];
    in
    {
      nixosConfigurations.box = nixpkgs.lib.nixosSystem {
        specialArgs = { inherit atelier pkgs; site = lib.strings.toUpper "srv"; };
        modules = modulesFor pkgs ++ modulesFor nixpkgs.legacyPackages.x86_64-linux;
      };
    };
}
